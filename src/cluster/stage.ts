import { defineStage } from '../runner/stage.js';
import { checkK, cluster } from './index.js';

export const clusterStage = defineStage({
  name: 'cluster',
  description: 'group papers into topics with labels: <out>/clusters.json',
  // keywords come from the papers' text, so the papers count as well as their vectors
  reads: ['papers', 'vectors', 'vectorsInfo'],
  options: ['k', 'seed', 'refit'],
  prepare: () => ({ plan: undefined }),
  checkCorpus: (options, papers) => checkK(options.k, papers),
  run: (writer, options) => cluster(writer, options),
  facts: (clusters) => ({ counts: { topics: clusters.topics.length, outliers: clusters.outliers.length } }),
  describe: (clusters, folder) =>
    [
      `cluster: ${clusters.topics.length} topics, ${clusters.outliers.length} outliers; ${clusters.history.reason} -> ${folder.where('clusters')}`,
      ...clusters.topics.map((topic) => `  ${String(topic.id).padStart(2)}  ${String(topic.size).padStart(4)}  ${topic.label}`),
    ].join('\n'),
});
