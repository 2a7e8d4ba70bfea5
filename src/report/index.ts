import { join } from 'node:path';
import { readCurrentClusters } from '../cluster/index.js';
import { firstNeighbours, readIndexInfo, readNeighbours, readRelated, writeGraphml } from '../index/index.js';
import { readCurrentVectors } from '../shared/artifacts.js';
import { UserError } from '../shared/errors.js';
import { writeFileAtomic } from '../shared/files.js';
import { sampleRows } from '../shared/random.js';
import { toHtml } from './html.js';
import { toMarkdown } from './markdown.js';
import { rowsById, type ReportData } from './model.js';
import { MAP_NEIGHBOURS, mapPapers, mapWithSample, neighboursWithinSample } from './projection.js';

export interface ReportOptions {
  out: string;
  /** papermap's version, printed in the reports. */
  version: string;
}

export interface ReportSummary {
  papers: number;
  topics: number;
  files: string[];
}

export const reportPath = {
  markdown: (out: string) => join(out, 'report.md'),
  html: (out: string) => join(out, 'report.html'),
};

/** Up to this many papers, UMAP lays out every paper; above, a sample (see mapWithSample). */
const MAP_SAMPLE = 20_000;

/** The report stage: report.md, report.html, and graph.graphml with each paper's topic. */
export function report(options: ReportOptions): ReportSummary {
  const { papers, info: vectorsInfo, vectors } = readCurrentVectors(options.out);
  const index = readIndexInfo(options.out, vectorsInfo);
  const clusters = readCurrentClusters(options.out, vectorsInfo.vectorsHash);
  if (!clusters) throw new UserError(`no topics for the current vectors in ${options.out}/clusters.json: run \`papermap cluster --out ${options.out}\` first`);
  const related = readRelated(options.out, papers);

  const rowOf = rowsById(papers);
  const topicOf = new Int32Array(papers.length).fill(-1);
  for (const topic of clusters.topics) for (const id of topic.paperIds) topicOf[rowOf.get(id)!] = topic.id;

  // the map's neighbourhoods: each paper's nearest others, as the index stage found them for the graph
  const stored = readNeighbours(options.out, index);
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
    projection:
      `Map: UMAP (umap-js, seed ${clusters.seed}) of each paper's ${MAP_NEIGHBOURS - 1} nearest neighbours by cosine similarity` +
      (sampled ? ` for a seeded sample of ${MAP_SAMPLE} papers; every other paper sits at the similarity-weighted mean of its nearest placed papers` : '') +
      '; distances on the map are only roughly meaningful, neighbourhoods are.',
  };
  writeFileAtomic(reportPath.markdown(options.out), toMarkdown(data));
  writeFileAtomic(reportPath.html(options.out), toHtml(data));
  writeGraphml(
    options.out,
    papers.map((paper, row) => ({
      id: paper.id,
      title: paper.title,
      ...(topicOf[row] >= 0 ? { topic: { id: topicOf[row], label: clusters.topics[topicOf[row]].label } } : {}),
    })),
    related,
  );
  return { papers: papers.length, topics: clusters.topics.length, files: [reportPath.markdown(options.out), reportPath.html(options.out), join(options.out, 'graph.graphml')] };
}
