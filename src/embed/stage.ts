import { option, shardOption, wholeNumber } from '../pipeline/options.js';
import { defineStage, type PhraseModel } from '../pipeline/stage.js';
import { UserError } from '../shared/errors.js';
import { embedExternal, type ExternalPlan, type ExternalSummary, planExternal } from './external.js';
import { resolveModel } from './model.js';
import {
  DEFAULT_BATCH_SIZE,
  embed,
  embedTask,
  embedTasksOf,
  type EmbeddingPlan,
  type EmbedSummary,
  loadQueryEmbedder,
  lostFit,
  planEmbedding,
} from './index.js';
import { checkVectorsFile } from './vectors-file.js';

/** The model a store's vectors came from, for other stages to embed short texts with (the cluster stage's label candidates). */
export const phraseModel: PhraseModel = (store, info) => loadQueryEmbedder(store, info);

const options = {
  model: option<string>({
    flags: '--model <model>',
    description: 'auto (the shipped all-MiniLM-L6-v2) | minilm | builtin | path of a transformers.js model folder',
    default: 'auto',
  }),
  batchSize: option<number>({
    flags: '--batch-size <n>',
    description:
      'full-length texts (256 word pieces) per model call, shorter texts more, for a model without int8 weights (an int8 model, as the shipped one, runs one text a call)',
    default: DEFAULT_BATCH_SIZE,
    parse: wholeNumber(1),
  }),
  shard: shardOption,
  vectors: option<string | undefined>({
    flags: '--vectors <file>',
    description:
      'take vectors made elsewhere instead of embedding: a .npy of float32 (with --ids), Parquet with an id and a vector column, or JSON Lines of {"id", "vector"}; every paper needs one',
    default: undefined,
  }),
  ids: option<string | undefined>({
    flags: '--ids <file>',
    description: 'the paper id of each row of a .npy --vectors file, one a line',
    default: undefined,
  }),
};

export const embedStage = defineStage<typeof options, EmbeddingPlan | ExternalPlan, EmbedSummary | ExternalSummary>({
  name: 'embed',
  description: 'turn every paper into a unit vector: <out>/vectors.f32 and <out>/vectors.json',
  reads: ['papers'],
  options,
  // a model folder that cannot be read, or a --vectors file of no known kind, is refused now, not after ingest has committed
  checkOptions(options) {
    if (options.vectors !== undefined) {
      if (options.shard) throw new UserError('--shard embeds a part of the papers with a model; --vectors takes vectors made elsewhere: give one of them');
      if (options.model !== 'auto') throw new UserError('--vectors takes vectors made elsewhere, so no model embeds: leave out --model');
      checkVectorsFile(options.vectors, options.ids);
      return;
    }
    if (options.ids !== undefined) throw new UserError('--ids names the ids of the rows of a .npy --vectors file: give --vectors too');
    resolveModel(options.model);
  },
  prepare(folder, options) {
    const plan = options.vectors === undefined ? planEmbedding(folder, options) : planExternal(folder, options.vectors, options.ids);
    // the model's identity, not its name: other weights under the same name mean other vectors
    return { fingerprint: { identity: plan.identity }, plan, tasksOf: embedTasksOf(plan.papersHash, plan.identity) };
  },
  lost: (store, plan) => ('kind' in plan ? undefined : lostFit(store, plan)),
  run: (writer, options, plan) => ('kind' in plan ? embedExternal(writer, plan) : embed(writer, options, plan)),
  task: (tasks, options) => embedTask(tasks, options),
  commits: (options) => options.shard === undefined,
  facts: (summary) => ({
    model: {
      used: summary.model,
      identity: summary.modelIdentity,
      ...('fallbackReason' in summary && summary.fallbackReason ? { fallbackReason: summary.fallbackReason } : {}),
      ...('source' in summary ? { source: summary.source } : {}),
    },
    counts: { vectors: summary.papers, dimensions: summary.dim },
  }),
  describe: (summary, folder) => {
    if ('source' in summary) {
      const left = summary.unmatchedIds.length > 0 ? `; ${summary.unmatchedIds.length} of its vectors matched no paper and were left out` : '';
      return `embed: ${summary.papers} vectors of ${summary.dim} dimensions from ${summary.source.file}, normalised${left} (${summary.seconds.toFixed(1)} s) -> ${folder.where('vectors')}`;
    }
    const work = summary.embedded === 0 ? 'nothing to embed, all cached' : `${summary.embedded} embedded, ${summary.cached} from the cache`;
    if (summary.shard)
      return `embed: shard ${summary.shard.index}/${summary.shard.count} of ${summary.papers} papers with ${summary.model}: ${summary.embedded} embedded into ${folder.where('embeddingCache')} (${summary.seconds.toFixed(1)} s); once every shard's vectors are in this store's cache (a folder gathers each shard's cache/), \`papermap run\` embeds nothing`;
    return `embed: ${summary.papers} vectors of ${summary.dim} dimensions with ${summary.model} (${work}, ${summary.seconds.toFixed(1)} s) -> ${folder.where('vectors')}`;
  },
});
