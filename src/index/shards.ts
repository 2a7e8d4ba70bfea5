import { closeSync, openSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setImmediate, setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../shared/errors.js';
import { notice, progressBar, type Progress } from '../shared/progress.js';
import { loadHnsw, type HnswIndex } from '../graph/hnsw.js';
import { EXACT_SEARCH_MAX_PAPERS } from '../graph/nearest.js';
import { exactNeighbours, type Neighbours } from '../graph/neighbours.js';
import type { Shard } from '../pipeline/options.js';
import { buildClaim, type BuildClaim, type HnswParameters, type IndexInfo, type VectorsInfo } from '../store/schemas.js';
import { inBlocksOf, readClaim, shardTodo, taskFile, taskTable, tasksOf, type TaskStore } from '../store/tasks.js';
import { scratchFolder } from '../store/scratch.js';
import { blocksOfRows, searchIndex } from './search.js';
import { buildAndSearchInWorker } from './threads.js';

/** Neighbours kept per paper in neighbours.bin (at least --neighbours): the map of the report draws on 10. */
const STORED_NEIGHBOURS = 10;

/** Papers a task searches before it commits their rows: a killed task loses at most these. */
const TASK_ROWS_PER_WRITE = 2048;

/** Neighbours kept per paper of a corpus of `count`, for a graph of `neighbours` related papers each. */
export function storedNeighbours(neighbours: number, count: number): number {
  return Math.min(Math.max(neighbours, STORED_NEIGHBOURS), count - 1);
}

/** What the index tasks of these vectors and settings are, and what the step after them gathers. */
export interface IndexTasks {
  of: string;
  count: number;
  dim: number;
  /** Neighbours each task writes per paper. */
  k: number;
  search: IndexInfo['search'];
  hnsw: HnswParameters;
}

export function indexTasks(info: VectorsInfo, hnsw: HnswParameters, neighbours: number): IndexTasks {
  const k = storedNeighbours(neighbours, info.count);
  return {
    of: tasksOf('index', info.vectorsHash, hnsw.m, hnsw.efConstruction, hnsw.efSearch, k),
    count: info.count,
    dim: info.dim,
    k,
    search: info.count <= EXACT_SEARCH_MAX_PAPERS ? 'exact' : 'hnsw',
    hnsw,
  };
}

export interface IndexTaskSummary {
  shard: Shard;
  papers: number;
  search: IndexInfo['search'];
  /** Papers of the shard searched now; the rest a killed run of it had written. */
  searched: number;
  alreadyWritten: number;
  /** Whether this task built the shared HNSW index (the first to find none). */
  builtIndex: boolean;
  seconds: number;
}

/** How often a task building the shared index renews its claim. */
const CLAIM_RENEW_MS = 15_000;
/** A claim unchanged this long, by the waiting task's own clock (machines' clocks differ), was left by a builder that died. */
const CLAIM_STALE_MS = 120_000;
/** How often a task waiting for another's index looks for it. */
const WAIT_POLL_MS = 2_000;

/** Writes the nearest of some of a task's papers (rows) into its task table. */
type WriteRows = (rows: Int32Array, found: Neighbours) => Promise<void>;

/**
 * Searches the HNSW index every index task searches, built once from all
 * vectors and stored at the location, for the task's papers `todo`. The
 * first task that finds none claims the build (a conditional put of
 * tasks/index-<of>.building, renewed while it builds in a worker thread);
 * the others wait for the index rather than build it each (N workers at
 * once on one machine took N times as long). A claim not renewed is taken
 * over. The build is deterministic: whichever task builds it makes the same
 * bytes, stored with a conditional put. Whether this task built it.
 */
async function searchShared(tasks: TaskStore, plan: IndexTasks, shard: Shard, todo: Int32Array, scratch: string, write: WriteRows): Promise<boolean> {
  const [key, claimKey] = [taskFile('index', plan.of, 'hnsw'), taskFile('index', plan.of, 'building')];
  const vectorsFile = join(scratch, 'vectors.f32');
  await tasks.downloadVectors(vectorsFile);
  const path = join(scratch, 'index.hnsw');
  const claim: BuildClaim = { shard: `${shard.index}/${shard.count}`, host: hostname(), pid: process.pid, at: new Date().toISOString() };
  let seen: { text: string; since: number } | undefined;
  for (;;) {
    if (await tasks.downloadShared(key, path)) {
      await searchDownloaded(loadHnsw(path, plan.dim, plan.hnsw.efSearch), vectorsFile, plan, todo, write);
      return false;
    }
    if (await tasks.writeShared(claimKey, JSON.stringify(claim), true))
      return buildAndSearch(tasks, plan, vectorsFile, path, { key, claimKey, claim }, todo, write);
    const text = await tasks.readShared(claimKey);
    if (text === undefined) {
      // the build ended between the two calls (its index is there, or the claim is free): look again shortly
      await sleep(WAIT_POLL_MS / 10);
      continue;
    }
    const held = readClaim(buildClaim, text);
    if (seen?.text !== text) {
      if (seen === undefined) notice(`index: waiting for the HNSW index that shard ${held?.shard ?? '?'} is building${held ? ` on ${held.host}` : ''}`);
      seen = { text, since: Date.now() };
    } else if (Date.now() - seen.since > CLAIM_STALE_MS) {
      notice(
        `index: the build of the HNSW index by shard ${held?.shard ?? '?'} stopped (its claim was not renewed for ${CLAIM_STALE_MS / 1000} s); building it here`,
      );
      await tasks.deleteShared(claimKey);
      seen = undefined;
      continue;
    }
    await sleep(WAIT_POLL_MS);
  }
}

/** Searches the downloaded index for the task's papers, a block at a time from the local vectors file. */
async function searchDownloaded(index: HnswIndex, vectorsFile: string, plan: IndexTasks, todo: Int32Array, write: WriteRows): Promise<void> {
  const fd = openSync(vectorsFile, 'r');
  try {
    for (const { rows, vectors } of blocksOfRows(fd, todo, plan.dim, TASK_ROWS_PER_WRITE)) {
      await write(rows, searchIndex(index, fd, plan.dim, vectors, rows, plan.k));
      await setImmediate();
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Builds the shared index from the local vectors file in a worker thread
 * that then searches it for the task's papers, keeping the claim fresh
 * until the index is stored and writing the papers' rows as they come;
 * whether this task's copy is the one stored (another task's, which took a
 * claim thought stale, has the same bytes).
 */
async function buildAndSearch(
  tasks: TaskStore,
  plan: IndexTasks,
  vectorsFile: string,
  path: string,
  keys: { key: string; claimKey: string; claim: BuildClaim },
  todo: Int32Array,
  write: WriteRows,
): Promise<boolean> {
  const renew = setInterval(
    () => void tasks.writeShared(keys.claimKey, JSON.stringify({ ...keys.claim, at: new Date().toISOString() })).catch(() => undefined),
    CLAIM_RENEW_MS,
  );
  let stored: Promise<boolean> = Promise.resolve(false);
  let writing = Promise.resolve();
  const bar = progressBar('index: building the HNSW index all shards search', plan.count, 'papers');
  const job = { file: vectorsFile, count: plan.count, dim: plan.dim, hnsw: plan.hnsw, path, rows: todo, k: plan.k, blockRows: TASK_ROWS_PER_WRITE };
  try {
    await buildAndSearchInWorker(job, bar, (message, stop) => {
      // a failure to store the index or to write rows ends the search: searching on is wasted
      if ('saved' in message) {
        bar.stop();
        stored = tasks.uploadSharedIfAbsent(keys.key, path);
        stored.catch(stop);
      } else {
        writing = writing.then(() => write(message.rows, message.neighbours));
        writing.catch(stop);
      }
    });
  } catch (error) {
    // the worker stopped because storing or writing failed: that failure is the task's
    await stored;
    await writing;
    throw error;
  } finally {
    // the claim is held until the index is stored, which can take longer than a short search
    await stored.catch(() => undefined);
    clearInterval(renew);
    await tasks.deleteShared(keys.claimKey).catch(() => undefined);
  }
  await writing;
  return stored;
}

/**
 * `index --shard I/N` over a store whose tables workers share: the nearest
 * papers of shard I's run of papers, merged into the index task table by
 * row a batch at a time, then the task recorded. Run again (a worker was
 * killed), it searches only the rows not written yet. The step after every
 * shard (`papermap index` or `run`) gathers the rows instead of searching.
 */
export async function indexTask(tasks: TaskStore, shard: Shard, hnsw: HnswParameters, neighbours: number): Promise<IndexTaskSummary> {
  const started = performance.now();
  const info = await tasks.vectorsInfo();
  if (info.count < 2) throw new UserError(`${tasks.location}: ${info.count} paper(s) have no neighbours to find: index --shard needs at least 2`);
  const plan = indexTasks(info, hnsw, neighbours);
  const table = taskTable('index', plan.of);
  const { start, end, written, todo } = await shardTodo(tasks, table, shard, plan.count);
  let built = false;
  if (todo.length > 0) {
    let bar: Progress | undefined;
    const write: WriteRows = async (rows, found) => {
      bar ??= progressBar(`index: each paper's nearest (shard ${shard.index}/${shard.count})`, todo.length, 'papers');
      await tasks.addTaskRows(table, { k: plan.k, rows, labels: found.labels, scores: found.scores });
      bar.advance(rows.length);
    };
    const scratch = scratchFolder('index-task');
    try {
      if (plan.search === 'exact') {
        const vectors = await tasks.readVectors(0, plan.count);
        // a block at a time: the task holds one block of its papers' vectors, however many its shard has
        for await (const { rows, vectors: queries } of inBlocksOf(
          tasks.vectorBlocks(start, end, (row) => !written.has(row)),
          TASK_ROWS_PER_WRITE,
        ))
          await write(
            rows,
            exactNeighbours(vectors, plan.dim, queries, plan.k, (q, label) => label === rows[q]),
          );
      } else built = await searchShared(tasks, plan, shard, todo, scratch, write);
      bar?.stop();
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }
  await tasks.recordTask({ stage: 'index', shard, of: plan.of });
  return {
    shard,
    papers: plan.count,
    search: plan.search,
    searched: todo.length,
    alreadyWritten: written.size,
    builtIndex: built,
    seconds: (performance.now() - started) / 1000,
  };
}

/**
 * The neighbours every index task wrote, for the step after them, with the
 * shared index (on a corpus searched through one) downloaded to `hnswPath`;
 * undefined when no task of these vectors and settings ran.
 */
export async function gatherIndexTasks(tasks: TaskStore, plan: IndexTasks, hnswPath: string): Promise<Neighbours | undefined> {
  const done = await tasks.tasksDone('index', plan.of);
  if (done.length === 0) return undefined;
  notice(`index: gathering the neighbours ${done.length} index shards found`);
  const rows = await tasks.readTaskRows(taskTable('index', plan.of), plan.count, plan.k);
  if (plan.search === 'hnsw' && !(await tasks.downloadShared(taskFile('index', plan.of, 'hnsw'), hnswPath)))
    throw new UserError(`${tasks.location}: the index the index shards searched (${taskFile('index', plan.of, 'hnsw')}) is gone: run every shard again`);
  return { k: plan.k, labels: rows.labels, scores: rows.scores };
}
