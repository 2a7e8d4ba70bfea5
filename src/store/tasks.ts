import { UserError } from '../shared/errors.js';
import type { Shard } from './cache.js';
import type { Paper } from './read.js';
import type { StageName } from './schemas.js';

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

/** The rows of shard I of N: papers are cut into N runs of consecutive rows, sizes differing by one at most. */
export function shardRows(shard: Shard, count: number): { start: number; end: number } {
  return { start: Math.floor(((shard.index - 1) * count) / shard.count), end: Math.floor((shard.index * count) / shard.count) };
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
  /** Records a task as done, once its rows are committed. */
  recordTask(task: Task): Promise<void>;
  /** The shards done of a stage's tasks of `of`, by their count: what a step that needs them all checks. */
  tasksDone(stage: StageName, of: string): Promise<Shard[]>;
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
