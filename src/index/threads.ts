import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { PACKAGE_ROOT } from '../shared/version.js';
import type { HnswParameters } from '../store/schemas.js';
import { buildHnsw, hnswNeighbours, saveHnsw } from './hnsw.js';
import type { IndexUpdate, PreviousIndex } from './incremental.js';
import { emptyNeighbours, type Neighbours } from './neighbours.js';
import { progressBar, type Progress } from '../shared/progress.js';
import { stoppable } from './stop.js';

/**
 * From this many papers up, the index is built and searched in worker
 * threads: starting them and loading the index in each costs about 0.15 s,
 * while searching every paper of 5,000 takes 1.8 s on one core.
 */
export const PARALLEL_MIN_PAPERS = 5_000;

/**
 * Bytes the searchers' copies of the index may take together: one searcher a
 * core, but no more than fit. At a million papers an index is 1.8 GB, so two
 * copies and the vectors (1.5 GB) keep the stage within 6 GB.
 */
const SEARCH_MEMORY = 4e9;

/** The index of an earlier run: its file, and what index.json and neighbours.bin say of it. */
export type SavedIndex = Omit<PreviousIndex, 'index'> & { path: string };

/** What a worker (worker.ts) is asked: build the index and save it, search a range of papers through the saved one, or bring an earlier index up to date and save it. */
export type IndexJob = { control: Int32Array } & (
  | { kind: 'build'; vectors: Float32Array; dim: number; hnsw: HnswParameters; path: string }
  | { kind: 'search'; vectors: Float32Array; dim: number; path: string; ef: number; k: number; from: number; to: number }
  | { kind: 'update'; vectors: Float32Array; dim: number; previous: SavedIndex; ids: readonly string[]; ef: number; k: number; path: string }
);

/**
 * Builds the HNSW index of the papers' vectors, saves it at `path`, and
 * finds each paper's k nearest other papers through it. From `parallelFrom`
 * papers up the work is done in worker threads, which see the vectors
 * through their SharedArrayBuffer: one builds and saves the index and exits,
 * so that its copy is gone before the searchers start; then each searcher
 * loads the saved index and searches a contiguous range of papers.
 * hnswlib searches a given index deterministically: the answer is the same
 * either way.
 */
export async function buildAndSearch(vectors: Float32Array, dim: number, hnsw: HnswParameters, path: string, k: number, parallelFrom = PARALLEL_MIN_PAPERS): Promise<Neighbours> {
  const count = vectors.length / dim;
  const skipSelf = (query: number, row: number) => query === row;
  // a long step never looks hung: progress lines (or a bar) for the build and for the search
  const building = progressBar('index: building the HNSW index', count, 'papers');
  const searching = () => progressBar("index: finding each paper's nearest", count, 'papers');
  if (count < parallelFrom) {
    const index = buildHnsw(vectors, dim, hnsw, (added) => building.advance(added));
    building.stop();
    saveHnsw(index, path);
    const search = searching();
    const neighbours = hnswNeighbours(index, vectors, dim, vectors, k, skipSelf, undefined, (searched) => search.advance(searched));
    search.stop();
    return neighbours;
  }
  if (!(vectors.buffer instanceof SharedArrayBuffer)) throw new Error('worker threads need the vectors in a SharedArrayBuffer');
  const { ranges, parts } = await stoppable(async (control) => {
    await inWorker({ control, kind: 'build', vectors, dim, hnsw, path }, building);
    building.stop();
    const threads = Math.max(1, Math.min(availableParallelism(), count, Math.floor(SEARCH_MEMORY / statSync(path).size)));
    const ranges = Array.from({ length: threads }, (_, thread) => ({ from: Math.floor((thread * count) / threads), to: Math.floor(((thread + 1) * count) / threads) }));
    const search = searching();
    const parts = await Promise.all(ranges.map(({ from, to }) => inWorker<Neighbours>({ control, kind: 'search', vectors, dim, path, ef: hnsw.efSearch, k, from, to }, search)));
    search.stop();
    return { ranges, parts };
  });
  const neighbours = emptyNeighbours(count, k);
  parts.forEach((part, thread) => {
    neighbours.labels.set(part!.labels, ranges[thread].from * k);
    neighbours.scores.set(part!.scores, ranges[thread].from * k);
  });
  return neighbours;
}

/** What a worker of an update posts: the update, then the hash of the index it saved. */
export type UpdateMessage = { update: IndexUpdate } | { hnswHash: string };

/**
 * updateIndex (incremental.ts) in a worker thread, which loads the earlier
 * index, brings it up to date, posts the update, saves the index at `path`,
 * hashes it and exits: the main thread never holds the index (1.8 GB at a
 * million papers). `meanwhile` runs on the update on the main thread while
 * the worker saves and hashes (at a million papers, seconds each).
 */
export async function updateInWorker<T>(previous: SavedIndex, ids: readonly string[], vectors: Float32Array, dim: number, ef: number, k: number, path: string, meanwhile: (update: IndexUpdate) => T): Promise<{ update: IndexUpdate; hnswHash: string; meanwhile: T }> {
  return stoppable(async (control) => {
    let update: IndexUpdate | undefined;
    let hnswHash: string | undefined;
    let done: { value: T } | { error: unknown } | undefined;
    await inWorker<UpdateMessage>({ control, kind: 'update', vectors, dim, previous, ids, ef, k, path }, undefined, (message) => {
      if ('hnswHash' in message) {
        hnswHash = message.hnswHash;
        return;
      }
      update = message.update;
      // a failure here waits for the worker to end: a thread stopped inside hnswlib aborts the process
      try {
        done = { value: meanwhile(update) };
      } catch (error) {
        done = { error };
      }
    });
    if (done && 'error' in done) throw done.error;
    return { update: update!, hnswHash: hnswHash!, meanwhile: (done as { value: T }).value };
  });
}

/** The compiled worker: tests run src/ through vitest, which cannot start a TypeScript worker, and build dist/ first. */
const WORKER = join(PACKAGE_ROOT, 'dist', 'src', 'index', 'worker.js');

/**
 * Runs a job in a worker thread, its progress told to `progress` and
 * anything else it posts to `onMessage` as it comes; resolves to the last
 * thing it posted once it has exited, and its index with it.
 */
function inWorker<T>(job: IndexJob, progress?: Progress, onMessage?: (message: T) => void): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    let answer: T | undefined;
    const worker = new Worker(WORKER, { workerData: job });
    worker.on('message', (message: T | { progress: number }) => {
      if (message !== null && typeof message === 'object' && 'progress' in message) progress?.advance(message.progress);
      else {
        answer = message as T;
        onMessage?.(answer);
      }
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve(answer) : reject(new Error(`the index worker stopped with exit code ${code}`))));
  });
}
