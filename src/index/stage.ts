import { InvalidArgumentError } from 'commander';
import { option, shardOption, wholeNumber } from '../pipeline/options.js';
import { defineStage } from '../pipeline/stage.js';
import { buildIndex, DEFAULT_HNSW, DEFAULT_NEIGHBOURS, hnswOf, type IndexSummary } from './index.js';
import { gatherIndexTasks, indexTask, indexTasks, type IndexTaskSummary, type IndexTasks } from './shards.js';

function similarityFloor(value: string): number | 'auto' {
  const number = Number(value);
  if (value === 'auto') return 'auto';
  if (value.trim() === '' || !Number.isFinite(number) || number < -1 || number > 1) throw new InvalidArgumentError('expected "auto" or a number from -1 to 1');
  return number;
}

/** What an index task built of the shared index, for its line. */
function builtText(summary: IndexTaskSummary): string {
  if (summary.builtParts === 0) return '';
  return summary.parts === 1 ? ' (this task built the shared index)' : ` (this task built ${summary.builtParts} of them)`;
}

const options = {
  m: option<number>({ flags: '--m <n>', description: 'HNSW links per node', default: DEFAULT_HNSW.m, parse: wholeNumber(2) }),
  efConstruction: option<number>({
    flags: '--ef-construction <n>',
    description: 'HNSW candidates while building',
    default: DEFAULT_HNSW.efConstruction,
    parse: wholeNumber(1),
  }),
  neighbours: option<number>({
    flags: '--neighbours <k>',
    description: 'related papers kept per paper',
    default: DEFAULT_NEIGHBOURS,
    parse: wholeNumber(1),
    formerFlag: '--neighbors',
  }),
  minSimilarity: option<number | 'auto'>({
    flags: '--min-similarity <x>',
    description: "similarity floor of related papers; auto = the 99th percentile of random pairs, and a paper's nearest if over the 90th",
    default: 'auto',
    parse: similarityFloor,
  }),
  shard: shardOption,
};

export const indexStage = defineStage<typeof options, IndexTasks | undefined, IndexSummary, IndexTaskSummary>({
  name: 'index',
  description: 'build the HNSW index and the related-paper graph: index.hnsw, index.json, neighbours.bin, related.json',
  reads: ['papers', 'vectors', 'vectorsInfo'],
  options,
  // what index tasks (--shard) of these vectors and settings are of: the step after them gathers their rows
  prepare: (store, options) => {
    if (!store.has('vectorsInfo')) return { plan: undefined };
    const plan = indexTasks(store.readJson('vectorsInfo'), hnswOf(options), options.neighbours);
    return { plan, tasksOf: plan.of };
  },
  run: async (writer, options, plan, services) =>
    buildIndex(writer, options, plan && services.tasks ? await gatherIndexTasks(services.tasks, plan, writer.localFile('hnsw')) : undefined),
  task: (tasks, options) => indexTask(tasks, options.shard!, hnswOf(options), options.neighbours),
  facts: (summary) => ({ counts: { relatedLinks: summary.edges, mutualLinks: summary.mutualEdges, papersWithoutRelated: summary.papersWithoutNeighbours } }),
  describe: (summary, folder) => {
    if (!('edges' in summary))
      return `index: shard ${summary.shard.index}/${summary.shard.count} of ${summary.papers} papers, ${summary.search === 'exact' ? 'exact search' : `HNSW search${summary.parts > 1 ? ` in ${summary.parts} parts` : ''}${builtText(summary)}`}: ${summary.searched} papers' neighbours written${summary.alreadyWritten > 0 ? `, ${summary.alreadyWritten} written by an earlier run` : ''} (${summary.seconds.toFixed(1)} s); once every shard is done, \`papermap run\` gathers them`;
    return `index: ${summary.papers} papers, ${summary.search === 'exact' ? 'exact search (small corpus)' : 'HNSW search'}; graph: ${summary.edges} links (${summary.mutualEdges} mutual) at similarity >= ${summary.minSimilarity}${summary.nearestMinSimilarity < summary.minSimilarity ? ` (a paper's nearest >= ${summary.nearestMinSimilarity})` : ''}, ${summary.papersWithoutNeighbours} papers without related papers -> ${folder.where('related')}`;
  },
});
