import { firstNeighbours, toGraphml } from '../index/index.js';
import { relatedPapers } from '../index/graph.js';
import { sampleRows } from '../shared/random.js';
import type { StageWriter } from '../store/folder.js';
import { readClusters, readClustersFile, readCurrentVectors, readIndexInfo, readNeighbours, readPaperDigests, readPrevious } from '../store/read.js';
import { changesSince } from './changes.js';
import { toHtml } from './html.js';
import { toMarkdown } from './markdown.js';
import { rowsById, type ReportData } from './model.js';
import { MAP_NEIGHBOURS, mapPapers, mapWithSample, neighboursWithinSample } from './projection.js';

export interface ReportOptions {
  /** papermap's version, printed in the reports. */
  version: string;
}

export interface ReportSummary {
  papers: number;
  topics: number;
  files: string[];
}

/** Up to this many papers, UMAP lays out every paper; above, a sample (see mapWithSample). */
const MAP_SAMPLE = 20_000;

/** The report stage: report.md, report.html, and graph.graphml with each paper's topic. */
export function report(writer: StageWriter, options: ReportOptions): ReportSummary {
  const folder = writer.folder;
  const { papers, info: vectorsInfo, vectors } = readCurrentVectors(folder);
  const index = readIndexInfo(folder, vectorsInfo);
  const clusters = readClusters(folder, vectorsInfo);

  const rowOf = rowsById(papers);
  const topicOf = new Int32Array(papers.length).fill(-1);
  for (const topic of clusters.topics) for (const id of topic.paperIds) topicOf[rowOf.get(id)!] = topic.id;
  const labelOf = new Map(clusters.topics.map((topic) => [topic.id, topic.label]));

  const stored = readNeighbours(folder, index);
  // the related papers as the index stage made related.json of them: from neighbours.bin and the graph's floor, without parsing a file of a million lines
  const related = relatedPapers(firstNeighbours(stored, index.graph.neighbors), index.graph.minSimilarity);
  const previousPapers = readPrevious(folder, 'papers', () => readPaperDigests(folder, 'previous'));
  const changes = changesSince(
    previousPapers && { papers: previousPapers, clusters: readPrevious(folder, 'clusters', () => readClustersFile(folder, 'previous')) },
    papers,
    clusters,
    topicOf,
    stored,
  );

  // the map's neighbourhoods: each paper's nearest others, as the index stage found them for the graph
  const neighbours = firstNeighbours(stored, Math.max(1, Math.min(MAP_NEIGHBOURS - 1, papers.length - 2)));
  const sampled = papers.length > MAP_SAMPLE;
  let map: Float64Array;
  if (sampled) {
    const sample = sampleRows(papers.length, MAP_SAMPLE, clusters.seed);
    const sampleNeighbours = neighboursWithinSample(vectors, vectorsInfo.dim, sample, neighbours, neighbours.k);
    map = mapWithSample(sample, sampleNeighbours, neighbours, papers.length, clusters.seed);
  } else {
    map = mapPapers(neighbours, papers.length, clusters.seed);
  }
  const data: ReportData = {
    version: options.version,
    papers,
    vectors: vectorsInfo,
    index,
    clusters,
    related,
    topicOf,
    map,
    nearest: stored,
    changes,
    projection:
      `Map: UMAP (umap-js, seed ${clusters.seed}) of each paper's ${MAP_NEIGHBOURS - 1} nearest neighbours by cosine similarity` +
      (sampled ? ` for a seeded sample of ${MAP_SAMPLE} papers; every other paper sits at the similarity-weighted mean of its nearest placed papers` : '') +
      '; distances on the map are only roughly meaningful, neighbourhoods are.',
  };
  writer.write('changes', JSON.stringify(changes, null, 2) + '\n');
  writer.write('markdown', toMarkdown(data));
  writer.write('html', toHtml(data));
  writer.write(
    'graph',
    toGraphml(papers.map((paper, row) => ({
      id: paper.id,
      title: paper.title,
      ...(topicOf[row] >= 0 ? { topic: { id: topicOf[row], label: labelOf.get(topicOf[row])! } } : {}),
    })),
    related),
  );
  return { papers: papers.length, topics: clusters.topics.length, files: [folder.path('markdown'), folder.path('html'), folder.path('graph'), folder.path('changes')] };
}
