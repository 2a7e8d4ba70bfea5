import { createHash, type Hash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { existsSync } from 'node:fs';
import { UserError } from '../shared/errors.js';
import { bytesOf, sha256 } from '../shared/files.js';
import { notice, progressBar, type Progress } from '../shared/progress.js';
import { concatenate } from '../shared/vectors.js';
import { textHash, type Shard } from '../store/cache.js';
import { firstNonFinite, type Paper } from '../store/read.js';
import type { EmbeddingCache, StageWrites, Store } from '../store/store.js';
import { shardRows, type TaskStore } from '../store/tasks.js';
import type { VectorsInfo } from '../store/schemas.js';
import { BUILTIN_VERSION, type BuiltinModel, deserializeBuiltin, embedWithBuiltin, fitBuiltin, serializeBuiltin } from './builtin.js';
import { planBatches } from './batch.js';
import { modelFiles, resolveModel, SHIPPED_MODEL_DIR, transformerIn, type ResolvedModel, type TransformerModel } from './model.js';

/**
 * Full-length texts per model call. With texts sorted by length, batches carry
 * almost no padding, and bigger batches only use the CPU caches worse: on the
 * 2-core machine (bench:embed) batch 2 ran at 113 texts/s, batch 8 at 92.
 */
export const DEFAULT_BATCH_SIZE = 2;

export interface EmbedOptions {
  /** auto | minilm | builtin | a model folder */
  model: string;
  /** Full-length texts per model call; shorter texts go more to a call. */
  batchSize: number;
  /** Embed only this shard of the work into the cache (a CI matrix job); no vectors.f32 is written. */
  shard: Shard | undefined;
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
  /** The shard this run embedded, for a CI matrix job. */
  shard?: Shard;
  seconds: number;
}

/** The text a paper is embedded from. */
export function paperText(paper: Paper): string {
  return paper.abstract === '' ? paper.title : `${paper.title}. ${paper.abstract}`;
}

interface Embedded {
  dim: number;
  /** The cache that holds every paper's vector under its text's hash; none for a shard, which only fills the cache. */
  vectors: EmbeddingCache | undefined;
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
  /** Each paper's text hash, in paper order: texts are read again only where some must be embedded (a million are 1.4 GB). */
  hashes: string[];
}

export function planEmbedding(store: Store, options: EmbedOptions): EmbeddingPlan {
  const resolved = resolveModel(options.model);
  if (resolved.kind === 'builtin' && resolved.fallbackReason) notice(`${resolved.fallbackReason}; using the builtin embedder instead`);
  // The builtin embedder is fitted on the corpus, so its identity is the algorithm and the corpus: the texts
  // joined by newlines, hashed a text at a time (a million abstracts are more than one string can hold).
  const corpus = resolved.kind === 'builtin' ? createHash('sha256') : undefined;
  const hashes: string[] = [];
  const papersHash = store.forEachPaper((paper) => {
    const text = paperText(paper);
    corpus?.update(hashes.length === 0 ? text : `\n${text}`);
    hashes.push(textHash(text));
  });
  if (resolved.kind === 'transformer') return { resolved, model: resolved.name, identity: resolved.identity, papersHash, hashes };
  return {
    resolved,
    model: 'builtin',
    identity: `${BUILTIN_VERSION}:${corpus!.digest('hex').slice(0, 16)}`,
    ...(resolved.fallbackReason ? { fallbackReason: resolved.fallbackReason } : {}),
    papersHash,
    hashes,
  };
}

/** The embed stage: papers.jsonl in, vectors.f32 + vectors.json out; vectors come from the cache where it has them. */
export async function embed(writer: StageWrites, options: EmbedOptions, plan: EmbeddingPlan): Promise<EmbedSummary> {
  const started = performance.now();
  const { resolved, hashes } = plan;
  const summary = {
    papers: hashes.length,
    model: plan.model,
    modelIdentity: plan.identity,
    ...(plan.fallbackReason ? { fallbackReason: plan.fallbackReason } : {}),
  };
  const result =
    resolved.kind === 'builtin' ? embedWithBuiltinCached(plan, writer) : await embedWithTransformer(plan, resolved, writer, options.batchSize, options.shard);
  const done = {
    ...summary,
    ...(options.shard ? { shard: options.shard } : {}),
    dim: result.dim,
    embedded: result.embedded,
    cached: hashes.length - result.embedded,
    seconds: (performance.now() - started) / 1000,
  };
  if (!result.vectors || options.shard) return done;
  // vectors.f32 first, then vectors.json, which holds its hash
  const digest = createHash('sha256');
  writer.write('vectors', vectorBlocks(hashes, result.vectors, digest));
  const info: VectorsInfo = {
    ...summary,
    ...(resolved.kind === 'transformer' ? { modelDir: resolved.dir } : {}),
    dim: result.dim,
    count: hashes.length,
    normalized: true,
    papersHash: plan.papersHash,
    vectorsHash: digest.digest('hex'),
  };
  writer.write('vectorsInfo', JSON.stringify(info, null, 2) + '\n');
  return done;
}

/** Vectors with NaN or infinite values never enter the cache or the output. */
function refuseNonFinite(vectors: Float32Array, dim: number, textOf: (row: number) => string): void {
  const bad = firstNonFinite(vectors);
  if (bad < 0) return;
  const text = textOf(Math.floor(bad / dim));
  throw new UserError(
    `the model gave a vector with NaN or infinite values for "${text.slice(0, 60)}${text.length > 60 ? '…' : ''}"; nothing was written (is the model folder damaged?)`,
  );
}

/** The first row of each distinct text the cache lacks, in row order: only those papers' texts are read again (none when every vector is cached). */
function missingRows(plan: EmbeddingPlan, cache: EmbeddingCache): Int32Array {
  const rows: number[] = [];
  const seen = new Set<string>();
  plan.hashes.forEach((hash, row) => {
    if (cache.has(hash) || seen.has(hash)) return;
    seen.add(hash);
    rows.push(row);
  });
  return Int32Array.from(rows);
}

/**
 * Reads the texts of the papers at `rows[position]` for the given positions
 * (ascending) in one pass over the papers, handing each to `take`: a part of
 * the texts to embed is held, never all of them.
 */
function readTexts(store: Store, plan: EmbeddingPlan, rows: Int32Array, positions: ArrayLike<number>, take: (position: number, text: string) => void): void {
  let row = 0;
  let next = 0;
  const papersHash = store.forEachPaper((paper) => {
    if (next < positions.length && rows[positions[next]] === row) take(positions[next++], paperText(paper));
    row++;
  });
  if (papersHash !== plan.papersHash) throw new UserError(`${store.where('papers')} changed while it was embedded: run the embed stage again`);
}

/** Papers' vectors from the cache for vectors.f32, a block at a time and hashed as they go: a million vectors are 1.5 GB, which the cache files already hold. */
function* vectorBlocks(hashes: readonly string[], cache: EmbeddingCache, digest: Hash): Generator<Uint8Array> {
  // the writer has written a block before it asks for the next, so one buffer serves
  const block = new Float32Array(4096 * cache.dim);
  for (let start = 0; start < hashes.length; start += 4096) {
    const end = Math.min(hashes.length, start + 4096);
    const part = block.subarray(0, (end - start) * cache.dim);
    cache.vectorsOf(hashes.slice(start, end), part);
    const bytes = bytesOf(part);
    digest.update(bytes);
    yield bytes;
  }
}

/** Why the builtin fit that free-text queries load is missing or damaged, or undefined when it is sound or not needed. */
export function lostFit(store: Store, plan: EmbeddingPlan): string | undefined {
  if (plan.resolved.kind !== 'builtin') return undefined;
  const kept = store.readBuiltinFit(plan.identity);
  if (!kept) return `${store.whereBuiltinFit(plan.identity)} is missing`;
  try {
    deserializeBuiltin(kept);
    return undefined;
  } catch (error) {
    return `${store.whereBuiltinFit(plan.identity)} is damaged (${(error as Error).message})`;
  }
}

/**
 * The builtin embedder is fitted on the corpus, so its identity is the corpus:
 * the same papers reuse the saved fit and cached vectors, changed papers mean a
 * new fit (seconds, not minutes) and the old fit's files are removed.
 */
function embedWithBuiltinCached(plan: EmbeddingPlan, writer: StageWrites): Embedded {
  const { identity } = plan;
  const kept = writer.store.readBuiltinFit(identity);
  let model: BuiltinModel | undefined;
  if (kept) {
    try {
      model = deserializeBuiltin(kept);
    } catch (error) {
      // the cache is never a trap: a damaged fit is made again
      notice(`${writer.store.whereBuiltinFit(identity)} is damaged (${(error as Error).message}); fitting it again`);
    }
  }
  const fitted = !model;
  if (!model) {
    notice(`fitting the builtin embedder on ${plan.hashes.length} papers`);
    const texts: string[] = [];
    writer.store.forEachPaper((paper) => texts.push(paperText(paper)));
    model = fitBuiltin(texts);
  }
  const cache = writer.embeddingCache(identity, model.dim);
  const rows = missingRows(plan, cache);
  if (rows.length > 0) {
    const todoTexts = new Array<string>(rows.length);
    readTexts(
      writer.store,
      plan,
      rows,
      Int32Array.from(rows, (_, position) => position),
      (position, text) => (todoTexts[position] = text),
    );
    const vectors = embedWithBuiltin(model, todoTexts);
    refuseNonFinite(vectors, model.dim, (row) => todoTexts[row]);
    cache.add(
      Array.from(rows, (row) => plan.hashes[row]),
      vectors,
    );
  }
  cache.close();
  if (fitted) writer.keepBuiltinFit(identity, serializeBuiltin(model));
  writer.dropCachedModels('builtin', identity);
  return { dim: model.dim, vectors: cache, embedded: rows.length };
}

type Transformer = import('./transformer.js').TransformerEmbedder;

/** Texts as word pieces and the batches plannedBatches makes of them. */
function tokenBatches(embedder: Transformer, texts: readonly string[], batchSize: number): { ids: number[][]; batches: number[][] } {
  const ids = texts.map((text) => embedder.tokenize(text));
  return {
    ids,
    batches: plannedBatches(
      embedder,
      ids.map((row) => row.length),
      batchSize,
    ),
  };
}

/**
 * The batches planBatches makes of texts by their lengths in word pieces
 * (similar lengths together, about `batchSize` full-length texts a call; one
 * text a call for a quantized model). A shard of a CI matrix takes every N-th
 * batch: each text is then embedded in the same batch as on one machine, so
 * its vector is the same to the bit.
 */
function plannedBatches(embedder: Transformer, lengths: ArrayLike<number>, batchSize: number, shard?: Shard): number[][] {
  const planned = planBatches(Array.from(lengths), batchSize, embedder.maxTokens);
  // A quantized model scales its int8 activations over the whole padded call, so a text's vector moved by up to
  // 0.03 in cosine with its batch mates: one text a call makes it a function of the text alone, for under 7% of the speed.
  const batches = embedder.quantized ? planned.flatMap((batch) => batch.map((position) => [position])) : planned;
  return shard ? batches.filter((_, batch) => batch % shard.count === shard.index - 1) : batches;
}

/** Consecutive batches holding about `texts` texts together (one batch at least): a part whose texts are read at once. */
function* partsOf(batches: readonly number[][], texts: number): Generator<number[][]> {
  let part: number[][] = [];
  let size = 0;
  for (const batch of batches) {
    if (size > 0 && size + batch.length > texts) {
      yield part;
      [part, size] = [[], 0];
    }
    part.push(batch);
    size += batch.length;
  }
  if (part.length > 0) yield part;
}

/** Runs batches through the model; `onBatch` gets the input positions of each batch and their vectors. */
async function embedBatches(
  embedder: Transformer,
  ids: readonly number[][],
  batches: readonly number[][],
  onBatch: (positions: number[], vectors: Float32Array) => void,
): Promise<void> {
  for (const batch of batches) {
    onBatch(batch, await embedder.embedTokenized(batch.map((position) => ids[position])));
    // onnxruntime answers through process.nextTick, which never lets the event loop turn: without this,
    // Ctrl-C (and SIGTERM) would only be handled once the whole embedding is done
    await setImmediate();
  }
}

/** Loads a transformer folder; onnxruntime is imported on demand since the builtin path never needs it. */
async function loadTransformer(model: TransformerModel): Promise<Transformer> {
  const { TransformerEmbedder } = await import('./transformer.js');
  return TransformerEmbedder.load(model);
}

/**
 * Texts to embed read at a time. With its word pieces a text takes some
 * 5 KB of memory (100,000 tokenized: 363 MB of word pieces), so a first
 * build of a million papers held 5 GB when it held them all; now it holds
 * these, and reads the papers once more per part.
 */
const TEXTS_PER_READ = 32_768;

export async function embedWithTransformer(
  plan: EmbeddingPlan,
  resolved: TransformerModel,
  writer: StageWrites,
  batchSize: number,
  shard: Shard | undefined,
  textsPerRead = TEXTS_PER_READ,
): Promise<Embedded> {
  const embedder = await loadTransformer(resolved);
  try {
    const cache = writer.embeddingCache(embedder.identity, embedder.dim, shard);
    const rows = missingRows(plan, cache);
    // the batches are planned on every text's length; where all fit in one part, their word pieces are kept
    const lengths = new Int32Array(rows.length);
    const kept = rows.length <= textsPerRead ? { texts: new Array<string>(rows.length), ids: new Array<number[]>(rows.length) } : undefined;
    // a million texts take minutes to tokenize: a bar, so that the stage never looks hung
    const reading = progressBar('reading the texts to embed', rows.length, 'papers');
    try {
      readTexts(
        writer.store,
        plan,
        rows,
        Int32Array.from(rows, (_, position) => position),
        (position, text) => {
          const ids = embedder.tokenize(text);
          lengths[position] = ids.length;
          if (kept) [kept.texts[position], kept.ids[position]] = [text, ids];
          reading.advance(1);
        },
      );
    } finally {
      reading.stop();
    }
    const batches = plannedBatches(embedder, lengths, batchSize, shard);
    const embedded = batches.reduce((sum, batch) => sum + batch.length, 0);
    const bar = progressBar(`embedding with ${resolved.name}${shard ? ` (shard ${shard.index}/${shard.count})` : ''}`, embedded, 'papers');
    try {
      for (const part of partsOf(batches, textsPerRead)) {
        const read = new Map<number, string>();
        if (!kept)
          readTexts(
            writer.store,
            plan,
            rows,
            part.flat().sort((a, b) => a - b),
            (position, text) => read.set(position, text),
          );
        const textOf = (position: number) => kept?.texts[position] ?? read.get(position)!;
        for (const batch of part) {
          const vectors = await embedder.embedTokenized(batch.map((position) => kept?.ids[position] ?? embedder.tokenize(textOf(position))));
          refuseNonFinite(vectors, embedder.dim, (row) => textOf(batch[row]));
          cache.add(
            batch.map((position) => plan.hashes[rows[position]]),
            vectors,
          );
          bar.advance(batch.length);
          // lets Ctrl-C through between batches, as in embedBatches
          await setImmediate();
        }
      }
    } finally {
      bar.stop();
      cache.close();
    }
    return { dim: embedder.dim, vectors: shard ? undefined : cache, embedded };
  } finally {
    await embedder.dispose();
  }
}

/** Full-length texts' worth of word pieces per call when embedding short texts together. */
const SHORT_BATCH = 16;

/** What an embed task is of: the papers and the model; a run without --shard needs every shard of these. */
export function embedTasksOf(papersHash: string, identity: string): string {
  return sha256(`embed\n${papersHash}\n${identity}`);
}

/**
 * Vectors a task gathers before it merges them into the shared cache: a
 * killed task loses at most these (about 6 s of a worker's embedding), and a
 * merge-insert of them costs a small part of that.
 */
const TASK_ROWS_PER_WRITE = 512;

/** Papers an embed task reads, hashes and embeds at a time: it holds these, however many papers its shard has. */
const PAPERS_PER_READ = 16_384;

/**
 * `embed --shard I/N` over a store whose tables workers share: the papers of
 * shard I (a run of consecutive rows, read alone, a part at a time) that the
 * cache does not hold yet are embedded and merged into the cache as they are
 * made; then the task is recorded. Run again, it embeds only what is still
 * missing. The builtin embedder, fitted on every paper at once, cannot run
 * in shards.
 */
export async function embedTask(tasks: TaskStore, options: EmbedOptions, papersPerRead = PAPERS_PER_READ): Promise<EmbedSummary> {
  const started = performance.now();
  const shard = options.shard!;
  const resolved = resolveModel(options.model);
  if (resolved.kind !== 'transformer')
    throw new UserError(
      `embed --shard needs a sentence-transformer model (${resolved.fallbackReason ?? 'the builtin embedder was asked for'}): the builtin embedder is fitted on every paper at once; run \`papermap embed --out ${tasks.location}\` without --shard`,
    );
  const papers = await tasks.papers();
  const { start, end } = shardRows(shard, papers.count);
  const embedder = await loadTransformer(resolved);
  const bar = progressBar(`embedding with ${resolved.name} (shard ${shard.index}/${shard.count})`, end - start, 'papers');
  try {
    let embedded = 0;
    for (let from = start; from < end; from += papersPerRead) {
      const texts = (await tasks.readPaperSlice(from, Math.min(end, from + papersPerRead))).map(paperText);
      embedded += await embedMissing(tasks, embedder, texts, options.batchSize, bar);
    }
    bar.stop();
    await tasks.recordTask({ stage: 'embed', shard, of: embedTasksOf(papers.hash, embedder.identity) });
    return {
      papers: papers.count,
      model: resolved.name,
      modelIdentity: embedder.identity,
      dim: embedder.dim,
      embedded,
      cached: end - start - embedded,
      shard,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    bar.stop();
    await embedder.dispose();
  }
}

/**
 * Embeds the texts whose vectors the shared cache does not hold (each
 * distinct text once) and merges the vectors into it as they are made, so
 * that a later part of the shard finds them there; how many were embedded.
 */
async function embedMissing(tasks: TaskStore, embedder: Transformer, texts: readonly string[], batchSize: number, bar: Progress): Promise<number> {
  const hashes = texts.map(textHash);
  const cached = await tasks.cached(embedder.identity, hashes);
  const missing = new Map<string, string>();
  hashes.forEach((hash, row) => {
    if (!cached.has(hash) && !missing.has(hash)) missing.set(hash, texts[row]);
  });
  bar.advance(texts.length - missing.size);
  const todo = [...missing.keys()];
  const todoTexts = [...missing.values()];
  const { ids, batches } = tokenBatches(embedder, todoTexts, batchSize);
  let gathered: { hashes: string[]; vectors: Float32Array[] } = { hashes: [], vectors: [] };
  const write = async () => {
    const { hashes: done, vectors } = gathered;
    gathered = { hashes: [], vectors: [] };
    if (done.length > 0) await tasks.addToCache(embedder.identity, embedder.dim, done, concatenate(vectors));
  };
  for (const batch of batches) {
    const vectors = await embedder.embedTokenized(batch.map((position) => ids[position]));
    refuseNonFinite(vectors, embedder.dim, (row) => todoTexts[batch[row]]);
    gathered.hashes.push(...batch.map((position) => todo[position]));
    gathered.vectors.push(vectors);
    bar.advance(batch.length);
    if (gathered.hashes.length >= TASK_ROWS_PER_WRITE) await write();
    await setImmediate();
  }
  await write();
  return todo.length;
}

/** Embeds free-text queries into the same space as the papers' vectors. */
export interface QueryEmbedder {
  embed(texts: readonly string[]): Promise<Float32Array>;
  /**
   * Many short texts (topic label candidates) in padded batches even for an
   * int8 model: a vector then moves slightly with its batch mates (the same
   * texts still give the same vectors), for a fraction of the time.
   */
  embedShort(texts: readonly string[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

/**
 * The folder of the model the vectors were made with, as vectors.json
 * recorded it, checked to hold those very weights. The shipped model stands
 * in for a recorded folder that is gone when its weights are the same
 * (papermap reinstalled elsewhere, a CI cache restored in another checkout).
 */
function queryModel(store: Store, info: VectorsInfo): TransformerModel {
  const again = `${store.remedy('vectors')} again`;
  if (info.modelDir === undefined)
    throw new UserError(`${store.where('vectorsInfo')} does not say which model folder made the vectors (an older papermap): ${again}`);
  const candidates = [info.modelDir, SHIPPED_MODEL_DIR].filter((dir) => existsSync(dir));
  if (candidates.length === 0)
    throw new UserError(
      `free-text queries need the model the papers were embedded with (${info.model}), which is not in ${info.modelDir}; query by paper id instead`,
    );
  let model: TransformerModel | undefined;
  for (const dir of candidates) {
    model = transformerIn(dir, info.model);
    if (model.identity === info.modelIdentity) return model;
  }
  throw new UserError(`the model in ${info.modelDir} is not the one the papers were embedded with (${model!.identity} vs ${info.modelIdentity}): ${again}`);
}

/** The model folder `similar --model PATH` names: for vectors made elsewhere, of their dimensions; else the model that made them. */
function givenQueryModel(dir: string, info: VectorsInfo): TransformerModel {
  const files = modelFiles(dir);
  if ('missing' in files) throw new UserError(`--model ${dir}: not a transformers.js model folder (it lacks ${files.missing.join(', ')})`);
  const model = transformerIn(dir, dir);
  if (info.source && model.dim !== info.dim)
    throw new UserError(
      `--model ${dir} makes vectors of ${model.dim} dimensions, the vectors from ${info.source.file} have ${info.dim}: give the model that made them`,
    );
  if (!info.source && model.identity !== info.modelIdentity)
    throw new UserError(`--model ${dir} is not the model the papers were embedded with (${model.identity} vs ${info.modelIdentity})`);
  return model;
}

/** The builtin embedder fitted for the vectors, for queries. */
function builtinQueries(store: Store, info: VectorsInfo): QueryEmbedder {
  const where = store.whereBuiltinFit(info.modelIdentity);
  const kept = store.readBuiltinFit(info.modelIdentity);
  if (!kept) throw new UserError(`the builtin model the vectors were made with is missing (${where}): ${store.remedy('vectors')} again`);
  let model: BuiltinModel;
  try {
    model = deserializeBuiltin(kept);
  } catch (error) {
    throw new UserError(`${where} is damaged (${(error as Error).message}): ${store.remedy('vectors')} again`);
  }
  return { embed: async (texts) => embedWithBuiltin(model, texts), embedShort: async (texts) => embedWithBuiltin(model, texts), dispose: async () => {} };
}

/**
 * The model the vectors of an output folder were made with, ready for
 * queries; refuses a model whose weights are not the ones the vectors came
 * from. `modelDir` names the model folder (`similar --model PATH`): the model
 * that made vectors brought with `embed --vectors`, which papermap can check
 * no further than their dimensions.
 */
export async function loadQueryEmbedder(store: Store, info: VectorsInfo, modelDir?: string): Promise<QueryEmbedder> {
  if (info.source && modelDir === undefined)
    throw new UserError(
      `the vectors in ${store.location} came from ${info.source.file}, not from a model papermap ran: free-text queries need the model that made them (give its transformers.js folder with --model PATH), or query by paper id`,
    );
  if (info.model === 'builtin' && modelDir === undefined) return builtinQueries(store, info);
  const embedder = await loadTransformer(modelDir === undefined ? queryModel(store, info) : givenQueryModel(modelDir, info));
  const run = async (texts: readonly string[], plan: { ids: number[][]; batches: number[][] }) => {
    const vectors = new Float32Array(texts.length * embedder.dim);
    await embedBatches(embedder, plan.ids, plan.batches, (positions, batch) =>
      positions.forEach((position, row) => vectors.set(batch.subarray(row * embedder.dim, (row + 1) * embedder.dim), position * embedder.dim)),
    );
    return vectors;
  };
  return {
    embed: (texts) => run(texts, tokenBatches(embedder, texts, DEFAULT_BATCH_SIZE)),
    embedShort: (texts) => {
      const ids = texts.map((text) => embedder.tokenize(text));
      const batches = planBatches(
        ids.map((row) => row.length),
        SHORT_BATCH,
        embedder.maxTokens,
      );
      return run(texts, { ids, batches });
    },
    dispose: () => embedder.dispose(),
  };
}
