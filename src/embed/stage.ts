import { defineStage } from '../runner/stage.js';
import { describeTransformer, resolveModel } from './model.js';
import { embed, planEmbedding } from './index.js';

export const embedStage = defineStage({
  name: 'embed',
  description: 'turn every paper into a unit vector: <out>/vectors.f32 and <out>/vectors.json',
  reads: ['papers'],
  options: ['model', 'batchSize', 'shard'],
  checkOptions(options) {
    // a model folder that cannot be read is refused now, not after ingest has committed
    const model = resolveModel(options.model);
    if (model.kind === 'transformer') describeTransformer(model.dir);
  },
  prepare(folder, options) {
    const plan = planEmbedding(folder, options);
    // the model's identity, not its name: other weights under the same name mean other vectors
    return { fingerprint: { identity: plan.identity }, plan };
  },
  run: (writer, options, plan) => embed(writer, options, plan),
  commits: (options) => options.shard === undefined,
  facts: (summary) => ({
    model: { used: summary.model, identity: summary.modelIdentity, ...(summary.fallbackReason ? { fallbackReason: summary.fallbackReason } : {}) },
    counts: { vectors: summary.papers, dimensions: summary.dim },
  }),
  describe: (summary, folder) => {
    const work = summary.embedded === 0 ? 'nothing to embed, all cached' : `${summary.embedded} embedded, ${summary.cached} from the cache`;
    if (summary.shard)
      return `embed: shard ${summary.shard.index}/${summary.shard.count} of ${summary.papers} papers with ${summary.model}: ${summary.embedded} embedded into ${folder.where('embeddingCache')} (${summary.seconds.toFixed(1)} s); gather every shard's cache/ into one folder, then run \`papermap run\``;
    return `embed: ${summary.papers} vectors of ${summary.dim} dimensions with ${summary.model} (${work}, ${summary.seconds.toFixed(1)} s) -> ${folder.where('vectors')}`;
  },
});
