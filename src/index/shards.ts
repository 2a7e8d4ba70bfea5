import { closeSync, openSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../shared/errors.js';
import { notice, progressBar, type Progress } from '../shared/progress.js';
import { EXACT_SEARCH_MAX_PAPERS } from '../graph/nearest.js';
import { emptyNeighbours, exactNeighbours, mergeNearest, type Neighbours } from '../graph/neighbours.js';
import type { Shard } from '../pipeline/options.js';
import { buildClaim, type BuildClaim, type HnswParameters, type IndexInfo, type IndexPart, type VectorsInfo } from '../store/schemas.js';
import { inBlocksOf, readClaim, shardTodo, taskFile, taskTable, tasksOf, type TaskStore } from '../store/tasks.js';
import { scratchFolder } from '../store/scratch.js';
import { appendFile, INDEX_PART_PAPERS, indexParts } from './parts.js';
import { searchInWorker } from './threads.js';

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
  /** The rows of each part of the shared index (parts.ts): one part up to `partPapers` papers. */
  parts: { from: number; to: number }[];
}

/** The index tasks of these vectors and settings; `partPapers` is INDEX_PART_PAPERS but where a test cuts a small corpus into parts. */
export function indexTasks(info: VectorsInfo, hnsw: HnswParameters, neighbours: number, partPapers = INDEX_PART_PAPERS): IndexTasks {
  const k = storedNeighbours(neighbours, info.count);
  const parts = indexParts(info.count, partPapers);
  return {
    // a one-part index's tasks are what they were before there were parts
    of: tasksOf('index', info.vectorsHash, hnsw.m, hnsw.efConstruction, hnsw.efSearch, k, ...(parts.length === 1 ? [] : [`parts ${parts.length}`])),
    count: info.count,
    dim: info.dim,
    k,
    search: info.count <= EXACT_SEARCH_MAX_PAPERS ? 'exact' : 'hnsw',
    hnsw,
    parts,
  };
}

export interface IndexTaskSummary {
  shard: Shard;
  papers: number;
  search: IndexInfo['search'];
  /** Papers of the shard searched now; the rest a killed run of it had written. */
  searched: number;
  alreadyWritten: number;
  /** The parts the shared HNSW index is in (1: one index). */
  parts: number;
  /** How many of them this task built (the first to find one not built). */
  builtParts: number;
  seconds: number;
}

/** How often a task building the shared index renews its claim. */
const CLAIM_RENEW_MS = 15_000;
/** A claim unchanged this long, by the waiting task's own clock (machines' clocks differ), was left by a builder that died. */
const CLAIM_STALE_MS = 120_000;
/** How often a task waiting for another's index looks for it. */
const WAIT_POLL_MS = 2_000;

/** Hears the nearest of some of a task's papers (rows), block after block in the task's order. */
type WriteRows = (rows: Int32Array, found: Neighbours) => Promise<void>;

/** The keys of part `part` of the shared index (and of the claim to build it): a one-part index keeps the names it always had. */
function partKeys(plan: IndexTasks, part: number): { key: string; claimKey: string } {
  const name = plan.parts.length === 1 ? '' : `${part + 1}.`;
  return { key: taskFile('index', plan.of, `${name}hnsw`), claimKey: taskFile('index', plan.of, `${name}building`) };
}

/** What a task searching the shared index has at hand: its shard, its papers, the local vectors file and its scratch folder. */
interface TaskSearchContext {
  tasks: TaskStore;
  plan: IndexTasks;
  shard: Shard;
  todo: Int32Array;
  vectorsFile: string;
  scratch: string;
}

/** "part 2/3 of " for an index in parts, nothing for one index. */
function partName(plan: IndexTasks, part: number): string {
  return plan.parts.length === 1 ? '' : `part ${part + 1}/${plan.parts.length} of `;
}

/**
 * Searches the HNSW index every index task searches, built once from all
 * vectors and stored at the location, for the task's papers. Past
 * INDEX_PART_PAPERS it is in parts (parts.ts), searched one at a time, each
 * paper's nearest merged in memory and written once the last part is
 * searched; a task starts at the part of its shard's number, so that
 * tasks started together build different parts at once. The number of parts
 * this task built.
 */
async function searchShared(context: TaskSearchContext, write: WriteRows): Promise<number> {
  const { tasks, plan, shard, todo } = context;
  await tasks.downloadVectors(context.vectorsFile);
  const bar = (part: number) => () =>
    progressBar(`index: each paper's nearest in ${partName(plan, part)}the index (shard ${shard.index}/${shard.count})`, todo.length, 'papers');
  if (plan.parts.length === 1) return (await searchPart(context, 0, bar, write)) ? 1 : 0;
  const nearest = emptyNeighbours(todo.length, plan.k);
  let built = 0;
  for (let step = 0; step < plan.parts.length; step++) {
    const part = (shard.index - 1 + step) % plan.parts.length;
    let at = 0;
    const merge: WriteRows = async (rows, found) => {
      mergeNearest(nearest, at, found);
      at += rows.length;
    };
    if (await searchPart(context, part, bar, merge)) built++;
  }
  for (let at = 0; at < todo.length; at += TASK_ROWS_PER_WRITE) {
    const end = Math.min(at + TASK_ROWS_PER_WRITE, todo.length);
    const block = { k: plan.k, labels: nearest.labels.subarray(at * plan.k, end * plan.k), scores: nearest.scores.subarray(at * plan.k, end * plan.k) };
    await write(todo.subarray(at, end), block);
  }
  return built;
}

/**
 * Searches one part of the shared index (the whole index when it is one)
 * for the task's papers. The first task that finds it not stored claims its
 * build (a conditional put of tasks/index-<of>.[<part>.]building, renewed
 * while it builds in a worker thread); the others wait for it rather than
 * build it each (N workers at once on one machine took N times as long). A
 * claim not renewed is taken over. The build is deterministic: whichever
 * task builds it makes the same bytes, stored with a conditional put.
 * Whether this task's copy is the one stored.
 */
async function searchPart(context: TaskSearchContext, part: number, bar: (part: number) => () => Progress, write: WriteRows): Promise<boolean> {
  const { tasks, plan, shard } = context;
  const { key, claimKey } = partKeys(plan, part);
  const path = join(context.scratch, `index-${part + 1}.hnsw`);
  const claim: BuildClaim = { shard: `${shard.index}/${shard.count}`, host: hostname(), pid: process.pid, at: new Date().toISOString() };
  let seen: { text: string; since: number } | undefined;
  try {
    for (;;) {
      if (await tasks.downloadShared(key, path)) {
        await searchInWorkerWriting(context, { path }, bar(part), write);
        return false;
      }
      if (await tasks.writeShared(claimKey, JSON.stringify(claim), true))
        return buildAndSearch(context, part, { path, key, claimKey, claim }, bar(part), write);
      const text = await tasks.readShared(claimKey);
      if (text === undefined) {
        // the build ended between the two calls (its index is there, or the claim is free): look again shortly
        await sleep(WAIT_POLL_MS / 10);
        continue;
      }
      const held = readClaim(buildClaim, text);
      if (seen?.text !== text) {
        if (seen === undefined)
          notice(`index: waiting for the ${partName(plan, part)}HNSW index that shard ${held?.shard ?? '?'} is building${held ? ` on ${held.host}` : ''}`);
        seen = { text, since: Date.now() };
      } else if (Date.now() - seen.since > CLAIM_STALE_MS) {
        notice(
          `index: the build of the ${partName(plan, part)}HNSW index by shard ${held?.shard ?? '?'} stopped (its claim was not renewed for ${CLAIM_STALE_MS / 1000} s); building it here`,
        );
        await tasks.deleteShared(claimKey);
        seen = undefined;
        continue;
      }
      await sleep(WAIT_POLL_MS);
    }
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * A task's search in a worker thread (threads.ts), handing each block of
 * nearest to `write` in order (with a bar `bar` makes once they come); with
 * `build`, the index (or part) is built first and `store` stores it once
 * saved: whether that copy is the one stored. A failure to store or write
 * ends the search: searching on is wasted.
 */
async function searchInWorkerWriting(
  context: TaskSearchContext,
  index: { path: string; build?: { from: number; to: number }; building?: Progress; store?: () => Promise<boolean> },
  bar: () => Progress,
  write: WriteRows,
): Promise<boolean> {
  const { plan, todo, vectorsFile } = context;
  let saved: Promise<boolean> = Promise.resolve(false);
  let writing = Promise.resolve();
  let searching: Progress | undefined;
  const job = {
    file: vectorsFile,
    dim: plan.dim,
    hnsw: plan.hnsw,
    path: index.path,
    build: index.build,
    rows: todo,
    k: plan.k,
    blockRows: TASK_ROWS_PER_WRITE,
  };
  try {
    await searchInWorker(job, index.building, (message, stop) => {
      if ('saved' in message) {
        index.building?.stop();
        saved = index.store!();
        saved.catch(stop);
      } else {
        writing = writing.then(async () => {
          await write(message.rows, message.neighbours);
          searching ??= bar();
          searching.advance(message.rows.length);
        });
        writing.catch(stop);
      }
    });
  } catch (error) {
    // the worker stopped because storing or writing failed: that failure is the task's
    await saved;
    await writing;
    throw error;
  } finally {
    // a build's claim is held until its index is stored, which can take longer than a short search
    await saved.catch(() => undefined);
  }
  await writing;
  searching?.stop();
  return saved;
}

/**
 * Builds a part of the shared index (the whole when it is one) from the
 * local vectors file in a worker thread that then searches it for the
 * task's papers, keeping the claim fresh until the part is stored; whether
 * this task's copy is the one stored (another task's, which took a claim
 * thought stale, has the same bytes).
 */
async function buildAndSearch(
  context: TaskSearchContext,
  part: number,
  keys: { path: string; key: string; claimKey: string; claim: BuildClaim },
  bar: () => Progress,
  write: WriteRows,
): Promise<boolean> {
  const { tasks, plan } = context;
  const renew = setInterval(
    () => void tasks.writeShared(keys.claimKey, JSON.stringify({ ...keys.claim, at: new Date().toISOString() })).catch(() => undefined),
    CLAIM_RENEW_MS,
  );
  const build = plan.parts[part];
  const building = progressBar(`index: building ${partName(plan, part)}the HNSW index all shards search`, build.to - build.from, 'papers');
  try {
    return await searchInWorkerWriting(context, { path: keys.path, build, building, store: () => tasks.uploadSharedIfAbsent(keys.key, keys.path) }, bar, write);
  } finally {
    clearInterval(renew);
    await tasks.deleteShared(keys.claimKey).catch(() => undefined);
  }
}

/**
 * `index --shard I/N` over a store whose tables workers share: the nearest
 * papers of shard I's run of papers, merged into the index task table by
 * row a batch at a time, then the task recorded. Run again (a worker was
 * killed), it searches only the rows not written yet. The step after every
 * shard (`papermap index` or `run`) gathers the rows instead of searching.
 */
export async function indexTask(
  tasks: TaskStore,
  shard: Shard,
  hnsw: HnswParameters,
  neighbours: number,
  partPapers = INDEX_PART_PAPERS,
): Promise<IndexTaskSummary> {
  const started = performance.now();
  const info = await tasks.vectorsInfo();
  if (info.count < 2) throw new UserError(`${tasks.location}: ${info.count} paper(s) have no neighbours to find: index --shard needs at least 2`);
  const plan = indexTasks(info, hnsw, neighbours, partPapers);
  const table = taskTable('index', plan.of);
  const { start, end, written, todo } = await shardTodo(tasks, table, shard, plan.count);
  let builtParts = 0;
  if (todo.length > 0) {
    const write: WriteRows = (rows, found) => tasks.addTaskRows(table, { k: plan.k, rows, labels: found.labels, scores: found.scores });
    const scratch = scratchFolder('index-task');
    try {
      if (plan.search === 'exact') {
        const bar = progressBar(`index: each paper's nearest (shard ${shard.index}/${shard.count})`, todo.length, 'papers');
        const vectors = await tasks.readVectors(0, plan.count);
        // a block at a time: the task holds one block of its papers' vectors, however many its shard has
        for await (const { rows, vectors: queries } of inBlocksOf(
          tasks.vectorBlocks(start, end, (row) => !written.has(row)),
          TASK_ROWS_PER_WRITE,
        )) {
          await write(
            rows,
            exactNeighbours(vectors, plan.dim, queries, plan.k, (q, label) => label === rows[q]),
          );
          bar.advance(rows.length);
        }
        bar.stop();
      } else builtParts = await searchShared({ tasks, plan, shard, todo, vectorsFile: join(scratch, 'vectors.f32'), scratch }, write);
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
    parts: plan.parts.length,
    builtParts,
    seconds: (performance.now() - started) / 1000,
  };
}

/** What the step after the index tasks gathers: each paper's nearest, and where index.hnsw holds the parts of an index in parts. */
export interface GatheredIndex {
  neighbours: Neighbours;
  parts?: IndexPart[];
}

/**
 * The neighbours every index task wrote, for the step after them, with the
 * shared index (on a corpus searched through one) downloaded to `hnswPath`,
 * its parts one after another; undefined when no task of these vectors and
 * settings ran.
 */
export async function gatherIndexTasks(tasks: TaskStore, plan: IndexTasks, hnswPath: string): Promise<GatheredIndex | undefined> {
  const done = await tasks.tasksDone('index', plan.of);
  if (done.length === 0) return undefined;
  notice(`index: gathering the neighbours ${done.length} index shards found`);
  const rows = await tasks.readTaskRows(taskTable('index', plan.of), plan.count, plan.k);
  const neighbours = { k: plan.k, labels: rows.labels, scores: rows.scores };
  if (plan.search === 'exact') return { neighbours };
  const gone = (part: number) =>
    new UserError(`${tasks.location}: the index the index shards searched (${partKeys(plan, part).key}) is gone: run every shard again`);
  if (plan.parts.length === 1) {
    if (!(await tasks.downloadShared(partKeys(plan, 0).key, hnswPath))) throw gone(0);
    return { neighbours };
  }
  const partFile = `${hnswPath}.part`;
  const out = openSync(hnswPath, 'w');
  try {
    const parts: IndexPart[] = [];
    for (const [part, rows] of plan.parts.entries()) {
      if (!(await tasks.downloadShared(partKeys(plan, part).key, partFile))) throw gone(part);
      parts.push({ ...rows, bytes: appendFile(partFile, out) });
    }
    return { neighbours, parts };
  } finally {
    closeSync(out);
    rmSync(partFile, { force: true });
  }
}
