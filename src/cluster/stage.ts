import { option, shardOption, wholeNumber } from '../pipeline/options.js';
import { defineStage } from '../pipeline/stage.js';
import { checkK, cluster, type Clusters, DEFAULT_SEED, DRIFT_THRESHOLD } from './index.js';
import { clusterTask, clusterTasks, gatherClusterTasks, type ClusterTasks, type ClusterTaskSummary } from './shards.js';

function topicCount(value: string): number | 'auto' {
  return value === 'auto' ? 'auto' : wholeNumber(2)(value);
}
import { checkNamesFile, readTeamNames } from '../store/names.js';

const options = {
  k: option<number | 'auto'>({
    flags: '--k <k>',
    description: 'number of fine topics, or auto (sized for reading, kept where stable)',
    default: 'auto',
    parse: topicCount,
  }),
  broad: option<number | 'auto'>({
    flags: '--broad <n>',
    description: 'number of broad topics, or auto (3 to 12, where the merge tree rises most)',
    default: 'auto',
    parse: topicCount,
  }),
  seed: option<number>({ flags: '--seed <n>', description: 'seed of k-means and the map', default: DEFAULT_SEED, parse: wholeNumber(0) }),
  refit: option<boolean>({
    flags: '--refit',
    description: `fit the topics anew now (each keeps the id of the earlier topic it continues); otherwise new papers join their nearest topic until the papers added, changed and removed since the last fit pass ${100 * DRIFT_THRESHOLD}% of it`,
    default: false,
    action: true,
  }),
  shard: shardOption,
};

export const clusterStage = defineStage<typeof options, ClusterTasks | undefined, Clusters, ClusterTaskSummary>({
  name: 'cluster',
  description: 'group papers into topics with labels: <out>/clusters.json',
  // keywords come from the papers' text, so the papers count as well as their vectors
  reads: ['papers', 'vectors', 'vectorsInfo'],
  // the builtin embedder's fit embeds label candidates, wherever the stage runs
  uses: ['builtinFit'],
  options,
  // topics.yaml is the team's: its merges, pins and names are part of what the stage makes
  checkFolder: (folder) => checkNamesFile(folder),
  prepare: (folder, options) => {
    const fingerprint = { names: readTeamNames(folder.location)?.hash ?? null };
    if (!folder.has('vectorsInfo')) return { fingerprint, plan: undefined };
    // what cluster tasks (--shard) of these vectors and settings are of: the step after them gathers their rows
    const plan = clusterTasks(folder.readJson('vectorsInfo'), options);
    return { fingerprint, plan, tasksOf: plan.of };
  },
  checkOptions: (options) => checkK(options.k, Infinity, options.broad),
  checkCorpus: (options, papers) => checkK(options.k, papers, options.broad),
  run: async (writer, options, plan, services) =>
    cluster(writer, options, services.phraseModel, plan && services.tasks ? await gatherClusterTasks(services.tasks, plan) : undefined),
  task: (tasks, options) => clusterTask(tasks, options.shard!, options),
  facts: (clusters) => ({ counts: { topics: clusters.topics.length, outliers: clusters.outliers.length } }),
  describe: (clusters, folder) => {
    if (!('topics' in clusters))
      return `cluster: shard ${clusters.shard.index}/${clusters.shard.count} of ${clusters.papers} papers: ${clusters.assigned} assigned to their nearest topic${clusters.fittedTopics ? ' (this task fitted the shared topics on a seeded sample)' : ''}${clusters.alreadyWritten > 0 ? `, ${clusters.alreadyWritten} written by an earlier run` : ''} (${clusters.seconds.toFixed(1)} s); once every shard is done, \`papermap run\` gathers them`;
    return [
      `cluster: ${clusters.topics.length} topics, ${clusters.outliers.length} outliers; ${clusters.history.reason} -> ${folder.where('clusters')}`,
      ...(clusters.kSelection.summary ? [`  ${clusters.kSelection.summary}`] : []),
      ...clusters.topics.map((topic) => `  ${String(topic.id).padStart(2)}  ${String(topic.size).padStart(4)}  ${topic.name ?? topic.label}`),
    ].join('\n');
  },
});
