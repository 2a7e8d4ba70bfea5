import { option, shardOf, wholeNumber, type Shard } from '../pipeline/options.js';
import { defineStage, type PhraseModel } from '../pipeline/stage.js';
import { resolveModel } from './model.js';
import { DEFAULT_BATCH_SIZE, embed, embedTask, embedTasksOf, planEmbedding, loadQueryEmbedder } from './index.js';

/** The model a store's vectors came from, for other stages to embed short texts with (the cluster stage's label candidates). */
export const phraseModel: PhraseModel = (store, info) => loadQueryEmbedder(store, info);

export const embedStage = defineStage({
  name: 'embed',
  description: 'turn every paper into a unit vector: <out>/vectors.f32 and <out>/vectors.json',
  reads: ['papers'],
  options: {
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
    shard: option<Shard | undefined>({
      flags: '--shard <I/N>',
      description:
        "embed only shard I of N (one job of a CI matrix) into the cache: a folder's cache/ (gather every shard's into one folder), or a LanceDB store's shared cache, which every shard fills at the same moment; then `papermap run` embeds nothing",
      default: undefined,
      parse: shardOf,
      stageCommandOnly: true,
    }),
  },
  // a model folder that cannot be read is refused now, not after ingest has committed
  checkOptions: (options) => void resolveModel(options.model),
  prepare(folder, options) {
    const plan = planEmbedding(folder, options);
    // the model's identity, not its name: other weights under the same name mean other vectors
    return { fingerprint: { identity: plan.identity }, plan, tasksOf: embedTasksOf(plan.papersHash, plan.identity) };
  },
  run: (writer, options, plan) => embed(writer, options, plan),
  task: (tasks, options) => embedTask(tasks, options),
  commits: (options) => options.shard === undefined,
  facts: (summary) => ({
    model: { used: summary.model, identity: summary.modelIdentity, ...(summary.fallbackReason ? { fallbackReason: summary.fallbackReason } : {}) },
    counts: { vectors: summary.papers, dimensions: summary.dim },
  }),
  describe: (summary, folder) => {
    const work = summary.embedded === 0 ? 'nothing to embed, all cached' : `${summary.embedded} embedded, ${summary.cached} from the cache`;
    if (summary.shard)
      return `embed: shard ${summary.shard.index}/${summary.shard.count} of ${summary.papers} papers with ${summary.model}: ${summary.embedded} embedded into ${folder.where('embeddingCache')} (${summary.seconds.toFixed(1)} s); once every shard's vectors are in this store's cache (a folder gathers each shard's cache/), \`papermap run\` embeds nothing`;
    return `embed: ${summary.papers} vectors of ${summary.dim} dimensions with ${summary.model} (${work}, ${summary.seconds.toFixed(1)} s) -> ${folder.where('vectors')}`;
  },
});
