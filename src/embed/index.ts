import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifactPath, parsePapers, readPapersText, readVectors, readVectorsInfo, writeVectors, type Paper, type VectorsInfo } from '../shared/artifacts.js';
import { UserError } from '../shared/errors.js';
import { sha256, writeFileAtomic } from '../shared/files.js';
import { notice, progressBar } from '../shared/progress.js';
import { BUILTIN_VERSION, deserializeBuiltin, embedWithBuiltin, fitBuiltin, serializeBuiltin } from './builtin.js';
import { planBatches } from './batch.js';
import { cachePath, pruneCaches, textHash, VectorCache } from './cache.js';
import { describeTransformer, MINILM_NAME, minilmDir, modelFiles, resolveModel, type ResolvedModel } from './model.js';

/**
 * Full-length texts per model call. With texts sorted by length, batches carry
 * almost no padding, and bigger batches only use the CPU caches worse: on the
 * 2-core machine (bench:embed) batch 2 ran at 113 texts/s, batch 8 at 92.
 */
export const DEFAULT_BATCH_SIZE = 2;

export interface EmbedOptions {
  out: string;
  /** auto | minilm | builtin | a model folder */
  model: string;
  /** Full-length texts per model call; shorter texts go more to a call. */
  batchSize: number;
  /** Never try to download model weights. */
  offline: boolean;
  /** Where MiniLM is looked for and downloaded to. */
  modelsDir: string;
}

export interface EmbedSummary {
  papers: number;
  model: string;
  modelIdentity: string;
  fallbackReason?: string;
  dim: number;
  /** Texts run through the model in this run. */
  embedded: number;
  /** Papers whose vector came from the cache. */
  cached: number;
  seconds: number;
}

/** The text a paper is embedded from. */
export function paperText(paper: Paper): string {
  return paper.abstract === '' ? paper.title : `${paper.title}. ${paper.abstract}`;
}

interface Embedded {
  dim: number;
  vectors: Float32Array;
  embedded: number;
}

/** What an embed run will use, worked out without loading the model: the pipeline's up-to-date check needs no more. */
export interface EmbeddingPlan {
  resolved: ResolvedModel;
  /** The model in the user's words. */
  model: string;
  /** The identity the vectors will carry. */
  identity: string;
  fallbackReason?: string;
  papersHash: string;
  texts: string[];
}

/** The builtin embedder is fitted on the corpus, so its identity is the algorithm and the corpus. */
function builtinIdentity(texts: readonly string[]): string {
  return `${BUILTIN_VERSION}:${sha256(texts.join('\n')).slice(0, 16)}`;
}

export async function planEmbedding(options: EmbedOptions): Promise<EmbeddingPlan> {
  const papersText = readPapersText(options.out);
  const texts = parsePapers(papersText, artifactPath.papers(options.out)).map(paperText);
  const resolved = await resolveModel(options.model, options);
  const papersHash = sha256(papersText);
  if (resolved.kind === 'transformer') {
    return { resolved, model: resolved.name, identity: describeTransformer(resolved.dir).identity, papersHash, texts };
  }
  if (resolved.fallbackReason) notice(`${resolved.fallbackReason}; using the builtin embedder instead. To get MiniLM, run \`papermap fetch-model\` (README, "The model")`);
  return {
    resolved,
    model: 'builtin',
    identity: builtinIdentity(texts),
    ...(resolved.fallbackReason ? { fallbackReason: resolved.fallbackReason } : {}),
    papersHash,
    texts,
  };
}

/** True when `<out>` already holds complete vectors of these papers from this model. */
function upToDate(out: string, plan: EmbeddingPlan): boolean {
  const current = readVectorsInfo(out);
  if (!current || current.papersHash !== plan.papersHash || current.modelIdentity !== plan.identity) return false;
  try {
    readVectors(out);
    return true;
  } catch {
    return false; // interrupted write: embed again (from the cache)
  }
}

/** The embed stage: `<out>/papers.jsonl` in, `<out>/vectors.f32` + `<out>/vectors.json` out. */
export async function embed(options: EmbedOptions, plan?: EmbeddingPlan): Promise<EmbedSummary> {
  const started = performance.now();
  plan ??= await planEmbedding(options);
  const { resolved, texts } = plan;
  const summary = {
    papers: texts.length,
    model: plan.model,
    modelIdentity: plan.identity,
    ...(plan.fallbackReason ? { fallbackReason: plan.fallbackReason } : {}),
  };
  if (upToDate(options.out, plan)) {
    return { ...summary, dim: readVectorsInfo(options.out)!.dim, embedded: 0, cached: texts.length, seconds: (performance.now() - started) / 1000 };
  }
  const cacheDir = join(options.out, 'cache');
  const result = resolved.kind === 'builtin' ? embedWithBuiltinCached(texts, plan.identity, cacheDir) : await embedWithTransformer(texts, resolved, cacheDir, options.batchSize);
  writeVectors(options.out, result.vectors, { ...summary, dim: result.dim, count: texts.length, normalized: true, papersHash: plan.papersHash });
  return { ...summary, dim: result.dim, embedded: result.embedded, cached: texts.length - result.embedded, seconds: (performance.now() - started) / 1000 };
}

/** The rows of `texts` found in the cache, and the distinct texts still to embed, by hash. */
function lookup(texts: readonly string[], cache: VectorCache): { hashes: string[]; missing: Map<string, string> } {
  const hashes = texts.map(textHash);
  const missing = new Map<string, string>();
  hashes.forEach((hash, row) => {
    if (!cache.get(hash) && !missing.has(hash)) missing.set(hash, texts[row]);
  });
  return { hashes, missing };
}

function gather(hashes: readonly string[], cache: VectorCache): Float32Array {
  const vectors = new Float32Array(hashes.length * cache.dim);
  hashes.forEach((hash, row) => vectors.set(cache.get(hash)!, row * cache.dim));
  return vectors;
}

/**
 * The builtin embedder is fitted on the corpus, so its identity is the corpus:
 * the same papers reuse the saved fit and cached vectors, changed papers mean a
 * new fit (seconds, not minutes) and the old fit's files are removed.
 */
function embedWithBuiltinCached(texts: readonly string[], identity: string, cacheDir: string): Embedded {
  const modelPath = cachePath(cacheDir, identity, 'model');
  let model = existsSync(modelPath) ? deserializeBuiltin(readFileSync(modelPath)) : undefined;
  if (!model) {
    notice(`fitting the builtin embedder on ${texts.length} papers`);
    model = fitBuiltin(texts);
  }
  const cache = new VectorCache(cacheDir, identity, model.dim);
  const { hashes, missing } = lookup(texts, cache);
  if (missing.size > 0) cache.add([...missing.keys()], embedWithBuiltin(model, [...missing.values()]));
  cache.close();
  if (!existsSync(modelPath)) writeFileAtomic(modelPath, serializeBuiltin(model));
  pruneCaches(cacheDir, 'builtin', identity);
  return { dim: model.dim, vectors: gather(hashes, cache), embedded: missing.size };
}

type Transformer = import('./transformer.js').TransformerEmbedder;

/**
 * Runs texts through a transformer in the batches planBatches makes (similar
 * lengths together, about `batchSize` full-length texts a call).
 * `onBatch` gets the input positions of each batch and their vectors.
 */
async function embedInBatches(
  embedder: Transformer,
  texts: readonly string[],
  batchSize: number,
  onBatch: (positions: number[], vectors: Float32Array) => void,
): Promise<void> {
  const ids = texts.map((text) => embedder.tokenize(text));
  for (const batch of planBatches(ids.map((row) => row.length), batchSize, embedder.maxTokens)) {
    onBatch(batch, await embedder.embedTokenized(batch.map((position) => ids[position])));
  }
}

/** Loads a transformer folder; onnxruntime is imported on demand since the builtin path never needs it. */
async function loadTransformer(dir: string, name: string): Promise<Transformer> {
  const { TransformerEmbedder } = await import('./transformer.js');
  return TransformerEmbedder.load(dir, name);
}

async function embedWithTransformer(
  texts: readonly string[],
  resolved: Extract<ResolvedModel, { kind: 'transformer' }>,
  cacheDir: string,
  batchSize: number,
): Promise<Embedded> {
  const embedder = await loadTransformer(resolved.dir, resolved.name);
  try {
    const cache = new VectorCache(cacheDir, embedder.identity, embedder.dim);
    const { hashes, missing } = lookup(texts, cache);
    const todo = [...missing.keys()];
    const bar = progressBar(`embedding with ${resolved.name}`, todo.length);
    try {
      await embedInBatches(embedder, [...missing.values()], batchSize, (positions, vectors) => {
        cache.add(positions.map((position) => todo[position]), vectors);
        bar.advance(positions.length);
      });
    } finally {
      bar.stop();
      cache.close();
    }
    return { dim: embedder.dim, vectors: gather(hashes, cache), embedded: todo.length };
  } finally {
    await embedder.dispose();
  }
}

/** Embeds free-text queries into the same space as the papers' vectors. */
export interface QueryEmbedder {
  embed(texts: readonly string[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * The model the vectors in `<out>` were made with, ready for queries; refuses
 * a model whose weights are not the ones the vectors came from.
 */
export async function loadQueryEmbedder(out: string, info: VectorsInfo, modelsDir: string): Promise<QueryEmbedder> {
  if (info.model === 'builtin') {
    const path = cachePath(join(out, 'cache'), info.modelIdentity, 'model');
    if (!existsSync(path)) throw new UserError(`the builtin model the vectors were made with is missing (${path}): run \`papermap embed --out ${out}\` again`);
    const model = deserializeBuiltin(readFileSync(path));
    return { embed: async (texts) => embedWithBuiltin(model, texts), dispose: async () => {} };
  }
  const dir = info.model === MINILM_NAME ? minilmDir(modelsDir) : info.model;
  const files = modelFiles(dir);
  if ('missing' in files) throw new UserError(`free-text queries need the model the papers were embedded with (${info.model}), which is not in ${dir}; query by paper id instead`);
  const embedder = await loadTransformer(dir, info.model);
  if (embedder.identity !== info.modelIdentity) {
    await embedder.dispose();
    throw new UserError(`the model in ${dir} is not the one the papers were embedded with (${embedder.identity} vs ${info.modelIdentity}): run \`papermap embed --out ${out}\` again`);
  }
  return {
    embed: async (texts) => {
      const vectors = new Float32Array(texts.length * embedder.dim);
      await embedInBatches(embedder, texts, DEFAULT_BATCH_SIZE, (positions, batch) =>
        positions.forEach((position, row) => vectors.set(batch.subarray(row * embedder.dim, (row + 1) * embedder.dim), position * embedder.dim)),
      );
      return vectors;
    },
    dispose: () => embedder.dispose(),
  };
}
