import type { z } from 'zod';
import { UserError } from '../shared/errors.js';
import type { Shard } from './cache.js';
import type { Paper } from './read.js';
import { topicFit, type StageName, type TopicFit, type VectorsInfo } from './schemas.js';
import { sha256 } from '../shared/files.js';
import { concatenate, concatenateRows } from '../shared/vectors.js';

/**
 * One task of a stage cut into N (`--shard I/N`): the same stage, papers and
 * settings (`of`, a fingerprint of the papers' hash and what changes the
 * result) and its shard. A task commits its rows and then its record, each
 * as one commit; run again, it writes the same rows once.
 */
export interface Task {
  stage: StageName;
  shard: Shard;
  of: string;
}

/**
 * What an index or cluster task writes for each paper row of its slice, by
 * that row: `k` labels and scores each (a paper's nearest rows and their
 * similarities; a paper's topic and its similarity to the topic, k = 1).
 */
export interface TaskRows {
  k: number;
  rows: Int32Array;
  labels: Int32Array;
  scores: Float32Array;
}

/** The table the tasks of a stage over the same input and settings (`of`) write their rows into. */
export function taskTable(stage: StageName, of: string): string {
  return `${stage}-tasks-${of.slice(0, 16)}`;
}

/** The key of a file the tasks of `of` share at the location (the built index, the topic fit). */
export function taskFile(stage: StageName, of: string, extension: string): string {
  return `tasks/${stage}-${of.slice(0, 16)}.${extension}`;
}

/** What tasks are of: a fingerprint of the stage, its input's hash and the settings that change their rows. */
export function tasksOf(stage: StageName, ...parts: readonly (string | number)[]): string {
  return sha256([stage, ...parts].join('\n'));
}

/** A topic fit as a task stored it (cluster tasks), checked against its schema. */
export function readTopicFit(text: string, where: string): TopicFit {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const parsed = topicFit.safeParse(value);
  if (!parsed.success) throw new UserError(`${where}: not a topic fit papermap wrote (damaged?): delete it, and a cluster task fits the topics again`);
  return parsed.data;
}

/** A claim a worker stored (a table it makes, an index it builds), checked against its schema; undefined when it is not one (damaged). */
export function readClaim<T>(schema: z.ZodType<T>, text: string): T | undefined {
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The rows of shard I of N: papers are cut into N runs of consecutive rows, sizes differing by one at most. */
export function shardRows(shard: Shard, count: number): { start: number; end: number } {
  return { start: Math.floor(((shard.index - 1) * count) / shard.count), end: Math.floor((shard.index * count) / shard.count) };
}

/** A task's run of rows, those of it already in its task table (a killed run of it wrote them), and the rest, to do. */
export async function shardTodo(
  tasks: TaskStore,
  table: string,
  shard: Shard,
  count: number,
): Promise<{ start: number; end: number; written: Set<number>; todo: Int32Array }> {
  const { start, end } = shardRows(shard, count);
  const written = await tasks.taskRowsIn(table, start, end);
  const todo = Int32Array.from({ length: end - start }, (_, offset) => start + offset).filter((row) => !written.has(row));
  return { start, end, written, todo };
}

/** Some papers' vectors: `vectors` holds row `rows[i]`'s vector at `i * dim`. */
export interface VectorBlock {
  rows: Int32Array;
  vectors: Float32Array;
}

/** Blocks of vectors as one row-major array in row order. */
export function inRowOrder(blocks: readonly VectorBlock[]): Float32Array {
  const places = blocks.flatMap((block, index) => Array.from(block.rows, (row, offset) => ({ row, index, offset })));
  if (places.length === 0) return new Float32Array(0);
  const first = blocks[places[0].index];
  const dim = first.vectors.length / first.rows.length;
  places.sort((a, b) => a.row - b.row);
  const joined = new Float32Array(places.length * dim);
  places.forEach(({ index, offset }, at) => joined.set(blocks[index].vectors.subarray(offset * dim, (offset + 1) * dim), at * dim));
  return joined;
}

/** Vector blocks regrouped into blocks of `size` rows (the last may hold fewer): what a task commits at a time. */
export async function* inBlocksOf(blocks: AsyncIterable<VectorBlock>, size: number): AsyncIterable<VectorBlock> {
  let held: VectorBlock[] = [];
  let rows = 0;
  for await (const block of blocks) {
    const dim = block.vectors.length / Math.max(1, block.rows.length);
    for (let at = 0; at < block.rows.length; ) {
      const take = Math.min(size - rows, block.rows.length - at);
      held.push({ rows: block.rows.subarray(at, at + take), vectors: block.vectors.subarray(at * dim, (at + take) * dim) });
      rows += take;
      at += take;
      if (rows === size) {
        yield joinBlocks(held);
        held = [];
        rows = 0;
      }
    }
  }
  if (rows > 0) yield joinBlocks(held);
}

/** Blocks one after another as one block. */
function joinBlocks(blocks: readonly VectorBlock[]): VectorBlock {
  return { rows: concatenateRows(blocks.map((block) => block.rows)), vectors: concatenate(blocks.map((block) => block.vectors)) };
}

/**
 * What tasks that run at the same moment on other machines share: a store's
 * tables, written by merge-insert on their keys, so that two workers never
 * lose each other's rows, and a task run again (a worker was killed) writes
 * nothing twice.
 */
export interface TaskStore {
  readonly location: string;
  /** The papers as ingest committed them: their hash and number. */
  papers(): Promise<{ hash: string; count: number }>;
  /** The papers at rows [start, end), read alone (a worker never holds the corpus). */
  readPaperSlice(start: number, end: number): Promise<Paper[]>;
  /** Which of these text hashes the embedding cache of a model holds. */
  cached(identity: string, hashes: readonly string[]): Promise<Set<string>>;
  /** Adds vectors (row-major) to the embedding cache of a model; those already there stay as they are. */
  addToCache(identity: string, dim: number, hashes: readonly string[], vectors: Float32Array): Promise<void>;
  /** What the committed vectors are (their vectors.json): what an index or cluster task works on. */
  vectorsInfo(): Promise<VectorsInfo>;
  /** The committed vectors of rows [start, end) that `keep` keeps (every one when not given), row-major in row order, read a batch at a time: for a sample, or a corpus small enough to search exactly. */
  readVectors(start: number, end: number, keep?: (row: number) => boolean): Promise<Float32Array>;
  /** The same a batch at a time, each batch's rows in no set order: a task holds one batch, whatever the size of its slice. */
  vectorBlocks(start: number, end: number, keep?: (row: number) => boolean): AsyncIterable<VectorBlock>;
  /** Every committed vector into a local file (vectors.f32's form), streamed: a task reads from it what it needs, row by row. */
  downloadVectors(file: string): Promise<void>;
  /** A file the tasks of a stage share at the location (a built index, a topic fit) into a local file; false when there is none yet. */
  downloadShared(key: string, file: string): Promise<boolean>;
  /** Puts a local file at the location only if no object has the key (a conditional put): false when another task's is there. */
  uploadSharedIfAbsent(key: string, file: string): Promise<boolean>;
  /** A small shared text (a claim) at the location; undefined when there is none. */
  readShared(key: string): Promise<string | undefined>;
  /** Writes a small shared text; with `ifAbsent`, only when no object has the key (false when one has). */
  writeShared(key: string, text: string, ifAbsent?: boolean): Promise<boolean>;
  deleteShared(key: string): Promise<void>;
  /** The rows of [start, end) a task table holds already (a task killed before its record wrote them). */
  taskRowsIn(table: string, start: number, end: number): Promise<Set<number>>;
  /** Merges rows into a task table on their row: one versioned commit; rows already there stay as they are. */
  addTaskRows(table: string, rows: TaskRows): Promise<void>;
  /** Every row [0, count) of a task table, in row order: what the step after the tasks gathers. */
  readTaskRows(table: string, count: number, k: number): Promise<Omit<TaskRows, 'rows'>>;
  /** Records a task as done, once its rows are committed. */
  recordTask(task: Task): Promise<void>;
  /** The shards done of a stage's tasks of `of`, by their count: what a step that needs them all checks. */
  tasksDone(stage: StageName, of: string): Promise<Shard[]>;
  /** Drops the task tables and shared files of a stage's tasks of other papers or settings than `of` (earlier nights'): once its step has gathered `of`'s, no step reads them. */
  dropOtherTasks(stage: StageName, of: string): Promise<void>;
}

/**
 * Refuses to go on while some shards of a stage are missing, naming them: a
 * step that needs all of them never starts on part of the work. Nothing to
 * check when no shard of it ran (the stage then runs whole, on one machine).
 */
export function checkShardsDone(done: readonly Shard[], stage: StageName, location: string): void {
  if (done.length === 0) return;
  const counts = [...new Set(done.map((shard) => shard.count))];
  if (counts.length > 1)
    throw new UserError(
      `${location}: ${stage} ran in shards of different counts (${counts.map((count) => `of ${count}`).join(', ')}): run every shard of one count, I/N for each I`,
    );
  const count = counts[0];
  const have = new Set(done.map((shard) => shard.index));
  const missing = Array.from({ length: count }, (_, index) => index + 1).filter((index) => !have.has(index));
  if (missing.length > 0)
    throw new UserError(
      `${location}: ${stage} shard${missing.length > 1 ? 's' : ''} ${missing.map((index) => `${index}/${count}`).join(', ')} ${missing.length > 1 ? 'are' : 'is'} missing (not run, or still running): run \`papermap ${stage} --shard I/${count} --out ${location}\` for ${missing.length > 1 ? 'each' : 'it'}, then this again`,
    );
}
