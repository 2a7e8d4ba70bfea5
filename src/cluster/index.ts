import { UserError } from '../shared/errors.js';
import type { StageWriter } from '../store/folder.js';
import { readCurrentVectors } from '../store/read.js';
import type { Clusters, Topic } from '../store/schemas.js';
import { sampleRows } from '../shared/random.js';
import { gatherRows } from '../shared/vectors.js';
import { termsOf, topicKeywords, topicLabel } from './ctfidf.js';
import { assignToNearest, clusterVectors, compactTopics, similarityToOwnTopic, topicCentres } from './kmeans.js';
import { topicSpace, TOPIC_DIMS } from './reduce.js';
import { chooseK, CLEAR_STRUCTURE_SILHOUETTE, type KScore } from './select.js';

export type { Clusters, Topic } from '../store/schemas.js';
import { describeTopics, OUTLIER_RULE } from './topics.js';

export const DEFAULT_SEED = 42;
/** k-means runs for the final topics; the tightest is kept. */
const RESTARTS = 2;
/** k-means runs per k while choosing k, where many ks are tried. */
const SWEEP_RESTARTS = 1;
/** The most topics `--k auto` considers: more stop being an overview. */
const MAX_AUTO_K = 40;
const REPRESENTATIVES = 5;
/** Most papers k-means fits the topic centres on; every paper is then assigned to its nearest centre. */
const KMEANS_SAMPLE = 5_000;
const KEYWORDS = 10;

export interface ClusterOptions {
  k: number | 'auto';
  seed: number;
}

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The range `--k auto` searches for a corpus of this many papers. */
export function autoKRange(papers: number): [number, number] {
  return [2, Math.max(2, Math.min(MAX_AUTO_K, Math.floor(Math.sqrt(papers)), papers - 1))];
}

/** Refuses a k that cannot work for this many papers, before any work is done. */
export function checkK(k: number | 'auto', papers: number): void {
  if (k === 'auto') {
    if (papers < 3) throw new UserError(`cannot find topics in ${papers} paper(s): need at least 3`);
  } else if (k > papers) {
    throw new UserError(`--k ${k} is more than the ${papers} papers`);
  }
}

/** The cluster stage: vectors and papers in, `<out>/clusters.json` out. */
export function cluster(writer: StageWriter, options: ClusterOptions): Clusters {
  const { papers, info, vectors } = readCurrentVectors(writer.folder);
  checkK(options.k, papers.length);
  const dim = info.dim;
  // Topics are found in a PCA projection (see reduce.ts); their centres and figures are taken in the full space.
  const space = topicSpace(vectors, dim, options.seed);

  let k: number;
  let kSelection: Clusters['kSelection'];
  let kScores: KScore[] = [];
  if (options.k === 'auto') {
    const range = autoKRange(papers.length);
    const chosen = chooseK(space.vectors, space.dim, range[0], range[1], options.seed, SWEEP_RESTARTS);
    k = chosen.k;
    kScores = chosen.scores;
    const sample = chosen.sampled < papers.length ? ` on a seeded sample of ${chosen.sampled} papers` : '';
    const best = Math.max(...chosen.scores.map((score) => score.silhouette)).toFixed(3);
    kSelection = {
      criterion:
        chosen.structure === 'clear'
          ? `highest mean silhouette (cosine distance, in the space k-means works in) of k-means for k from ${range[0]} to ${range[1]}${sample}; the topics are clearly separated (best silhouette ${best} >= ${CLEAR_STRUCTURE_SILHOUETTE})`
          : `highest mean silhouette (cosine distance) of k-means for k from ${chosen.range[0]} to ${chosen.range[1]}${sample}: no k from ${range[0]} to ${range[1]} reached silhouette ${CLEAR_STRUCTURE_SILHOUETTE} (best ${best}), so the silhouettes cannot tell topics from noise and k comes from the upper half of the range, for topics of readable size`,
      searched: range,
      structure: chosen.structure,
      chosenFrom: chosen.range,
      sampledPapers: chosen.sampled,
    };
  } else {
    k = options.k;
    kSelection = { criterion: 'given with --k' };
  }

  // Past KMEANS_SAMPLE papers, a seeded sample finds the topic centres as well as all papers would, in a fraction of the time.
  const sampleRowsUsed = sampleRows(papers.length, KMEANS_SAMPLE, options.seed);
  const sample = sampleRowsUsed.length < papers.length ? gatherRows(space.vectors, space.dim, sampleRowsUsed) : space.vectors;
  const found = clusterVectors(sample, space.dim, k, options.seed, RESTARTS);
  const clustering = compactTopics(assignToNearest(space.vectors, space.dim, found.centroids).assignments);
  const centroids = topicCentres(vectors, dim, clustering.assignments, clustering.k);
  const similarities = similarityToOwnTopic(vectors, dim, centroids, clustering.assignments);
  const { topics: figures, outliers } = describeTopics(dim, centroids, clustering.assignments, similarities);

  // Keywords come from the topics' own papers, outliers left out.
  const memberOf = new Int32Array(papers.length).fill(-1);
  figures.forEach((figure, topic) => figure.members.forEach((row) => (memberOf[row] = topic)));
  const keywords = topicKeywords(papers.map((paper) => termsOf(`${paper.title}. ${paper.abstract}`)), memberOf, clustering.k, KEYWORDS);

  // Topic 0 is the biggest; ties go to the topic holding the earlier paper.
  const firstPaper = figures.map((figure) => figure.members.reduce((first, row) => Math.min(first, row), Infinity));
  const order = figures.map((_, topic) => topic).sort((a, b) => figures[b].members.length - figures[a].members.length || firstPaper[a] - firstPaper[b]);
  const idOf = new Map(order.map((topic, id) => [topic, id]));
  const topics: Topic[] = order.map((topic, id) => {
    const figure = figures[topic];
    return {
      id,
      label: topicLabel(keywords[topic]),
      keywords: keywords[topic].map((keyword) => keyword.term),
      size: figure.members.length,
      cohesion: round(figure.cohesion),
      nearestTopic: figure.nearestTopic ? { id: idOf.get(figure.nearestTopic.topic)!, similarity: round(figure.nearestTopic.similarity) } : null,
      representatives: figure.members.slice(0, REPRESENTATIVES).map((row) => papers[row].id),
      paperIds: figure.members.map((row) => papers[row].id),
    };
  });

  const clusters: Clusters = {
    k: clustering.k,
    seed: options.seed,
    method: `spherical k-means (ml-kmeans from k-means++ seeds, best of ${RESTARTS} restarts) ${space.dim < dim ? `in a ${TOPIC_DIMS}-dimension PCA projection of the vectors` : 'on the vectors'}${sample === space.vectors ? '' : `, centres fitted on a seeded sample of ${KMEANS_SAMPLE} papers`}; every paper in the topic of its nearest centre; cohesion, representatives and outliers measured on the full vectors`,
    kSelection,
    kScores,
    model: info.model,
    vectorsHash: info.vectorsHash,
    outlierRule: OUTLIER_RULE,
    topics,
    outliers: outliers.map((outlier) => ({ id: papers[outlier.row].id, nearestTopic: idOf.get(outlier.topic)!, similarity: round(outlier.similarity) })),
  };
  writer.write('clusters', JSON.stringify(clusters, null, 2) + '\n');
  return clusters;
}
