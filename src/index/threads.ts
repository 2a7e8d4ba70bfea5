import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { HnswParameters } from '../store/schemas.js';
import { buildHnsw, hnswNeighbours, saveHnsw } from '../graph/hnsw.js';
import type { IndexUpdate, PreviousIndex } from './incremental.js';
import { emptyNeighbours, type Neighbours } from '../graph/neighbours.js';
import { progressBar, type Progress } from '../shared/progress.js';
import { inWorker, startWorker, workerFile } from '../shared/worker.js';
import { askToStop, stoppable, stopOnSignal } from '../shared/stop.js';

/**
 * From this many papers up, the index is built and searched in worker
 * threads: below, starting them and loading the index in each costs more
 * than it saves (docs/benchmarks.md, "Where the constants come from").
 */
export const PARALLEL_MIN_PAPERS = 5_000;

/**
 * Bytes the searchers' copies of the index may take together: one searcher a
 * core, but no more than fit. At a million papers an index is 1.8 GB, so two
 * copies and the vectors (1.5 GB) keep the stage within 6 GB.
 */
const SEARCH_MEMORY = 4e9;

/** The index's worker (worker.ts), compiled. */
const WORKER = workerFile('index', 'worker.js');

/** A job for the index's worker. */
function indexWorker<T>(job: IndexJob, progress?: Progress, onMessage?: (message: T) => void): Promise<T | undefined> {
  return inWorker(WORKER, job, progress, onMessage);
}

/** The index of an earlier run: its file, and the hash and dimensions index.json recorded of it, and what index.json and neighbours.bin say of it. */
export type SavedIndex = Omit<PreviousIndex, 'index'> & { path: string; hnswHash: string; dim: number };

/** What a worker (worker.ts) is asked: build the index and save it, search a task's papers through the shared index (or a part of it, built from a file first or downloaded), search a range of papers through the saved one, or bring an earlier index up to date and save it. */
export type IndexJob = { control: Int32Array } & (
  | { kind: 'build'; vectors: Float32Array; dim: number; hnsw: HnswParameters; path: string }
  | ({ kind: 'taskSearch' } & TaskSearch)
  | { kind: 'search'; vectors: Float32Array; dim: number; path: string; ef: number; k: number; from: number; to: number }
  | { kind: 'update'; previous: SavedIndex; ef: number; path: string }
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
export async function buildAndSearch(
  vectors: Float32Array,
  dim: number,
  hnsw: HnswParameters,
  path: string,
  k: number,
  parallelFrom = PARALLEL_MIN_PAPERS,
): Promise<Neighbours> {
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
    await indexWorker({ control, kind: 'build', vectors, dim, hnsw, path }, building);
    building.stop();
    const threads = Math.max(1, Math.min(availableParallelism(), count, Math.floor(SEARCH_MEMORY / statSync(path).size)));
    const ranges = Array.from({ length: threads }, (_, thread) => ({
      from: Math.floor((thread * count) / threads),
      to: Math.floor(((thread + 1) * count) / threads),
    }));
    const search = searching();
    const parts = await Promise.all(
      ranges.map(({ from, to }) => indexWorker<Neighbours>({ control, kind: 'search', vectors, dim, path, ef: hnsw.efSearch, k, from, to }, search)),
    );
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

/**
 * An index task's search of the index at `path` for the task's papers
 * `rows`, `blockRows` at a time, their candidates' vectors read from a
 * vectors file (vectors.f32's form). With `build`, the index (or a part) is
 * first built from those rows of the file and saved at `path`; without, it
 * was downloaded there.
 */
export interface TaskSearch {
  file: string;
  dim: number;
  hnsw: HnswParameters;
  path: string;
  build?: { from: number; to: number };
  rows: Int32Array;
  k: number;
  blockRows: number;
}

/** What the worker of a task's search posts: that the index it built is saved, then each block of papers' nearest. */
export type TaskSearchMessage = { saved: true } | { rows: Int32Array; neighbours: Neighbours };

/**
 * An index task's search in a worker thread, which builds the index (reading
 * the vectors file a block at a time) and saves it, or loads the one
 * downloaded: the main thread stays free (an index task keeps its claim
 * fresh, stores the index and writes the papers' rows meanwhile), the task
 * holds one index, not a second copy loaded from the saved one beside what
 * the build left behind, and the index is gone with the worker (hnswlib-node
 * cannot free one; a task searching the parts of an index one at a time holds
 * one). `onMessage` hears what the worker posts, with a `stop` that ends its
 * search (a write failed: searching on is wasted).
 */
export async function searchInWorker(
  job: TaskSearch,
  progress: Progress | undefined,
  onMessage: (message: TaskSearchMessage, stop: () => void) => void,
): Promise<void> {
  await stoppable((control) =>
    indexWorker<TaskSearchMessage>({ control, kind: 'taskSearch', ...job }, progress, (message) => onMessage(message, () => askToStop(control))),
  );
}

/** What the worker of an update posts: that the earlier index is not the one index.json describes, or the update, then the hash of the index it saved. */
export type UpdateMessage = { unusable: true } | { update: IndexUpdate } | { hnswHash: string };

/** What the worker of an update is handed once the current papers are read; null: no update after all. */
export type UpdatePapers = { ids: readonly string[]; vectors: Float32Array; k: number } | null;

/** An update under way in a worker: see startUpdate. */
export interface PendingUpdate {
  /**
   * Hands the worker the current papers and resolves, once it has saved the
   * index, to the update, the index's hash and what `meanwhile` made of the
   * update on the main thread while the worker saved and hashed (seconds
   * each at a million papers); undefined when the saved index was not the
   * one index.json describes.
   */
  update<T>(
    papers: NonNullable<UpdatePapers>,
    meanwhile: (update: IndexUpdate) => T,
  ): Promise<{ update: IndexUpdate; hnswHash: string; meanwhile: T } | undefined>;
  /** Ends the worker without an update. */
  cancel(): Promise<void>;
}

/**
 * Starts bringing an earlier index up to date (incremental.ts) in a worker
 * thread, which checks the saved index against its hash and loads it while
 * the main thread reads the papers and vectors (seconds each at a million
 * papers); handed them, it updates the index, posts the update, saves the
 * index at `path`, hashes it and exits. The main thread never holds the
 * index (1.8 GB at a million papers).
 */
export function startUpdate(previous: SavedIndex, ef: number, path: string): PendingUpdate {
  const { control, release } = stopOnSignal();
  let usable = true;
  let update: IndexUpdate | undefined;
  let hnswHash: string | undefined;
  let onUpdate = (_update: IndexUpdate) => {};
  const { worker, exited } = startWorker<UpdateMessage>(WORKER, { control, kind: 'update', previous, ef, path } satisfies IndexJob, undefined, (message) => {
    if ('unusable' in message) usable = false;
    else if ('hnswHash' in message) hnswHash = message.hnswHash;
    else {
      update = message.update;
      onUpdate(update);
    }
  });
  const finished = exited.finally(release);
  // a worker that fails while the main thread reads is reported when it is waited for
  finished.catch(() => undefined);
  return {
    async update<T>(papers: NonNullable<UpdatePapers>, meanwhile: (update: IndexUpdate) => T) {
      let done: { value: T } | { error: unknown } | undefined;
      // a failure here waits for the worker to end: a thread stopped inside hnswlib aborts the process
      onUpdate = (update) => {
        try {
          done = { value: meanwhile(update) };
        } catch (error) {
          done = { error };
        }
      };
      worker.postMessage(papers satisfies UpdatePapers);
      await finished;
      if (!usable) return undefined;
      if (done && 'error' in done) throw done.error;
      return { update: update!, hnswHash: hnswHash!, meanwhile: (done as { value: T }).value };
    },
    async cancel() {
      worker.postMessage(null satisfies UpdatePapers);
      await finished.catch(() => undefined);
    },
  };
}
