/**
 * A worker thread of the index stage (threads.ts): builds and saves the
 * index, searches a range of papers through the saved one and posts their
 * nearest back, or brings an earlier index up to date: checks it against
 * its hash and loads it, waits for the current papers, updates it, posts the
 * update back, and saves and hashes the index.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildHnsw, hnswNeighbours, loadHnsw, saveHnsw, type HnswIndex } from '../graph/hnsw.js';
import { updateIndex } from './incremental.js';
import { atWork } from '../shared/stop.js';
import { sha256File } from '../shared/files.js';
import type { IndexJob, UpdateMessage, UpdatePapers } from './threads.js';

const job = workerData as IndexJob;
const progress = (done: number) => parentPort!.postMessage({ progress: done });
if (job.kind === 'update') {
  const { path, hnswHash, dim, ...previous } = job.previous;
  let index: HnswIndex | undefined;
  atWork(job.control, () => {
    // hnswlib trusts the file it reads and can crash on a damaged one: its bytes are checked first
    if (sha256File(path) === hnswHash) index = loadHnsw(path, dim, job.ef);
  });
  if (!index) parentPort!.postMessage({ unusable: true } satisfies UpdateMessage);
  else {
    const loaded = index;
    parentPort!.once('message', (papers: UpdatePapers) => {
      if (papers === null) return;
      atWork(job.control, () => {
        const update = updateIndex({ index: loaded, ...previous }, papers.ids, papers.vectors, dim, papers.k);
        // the main thread writes the graph while the index is saved and hashed
        parentPort!.postMessage({ update } satisfies UpdateMessage, movable(update.labelOfRow, update.neighbours.labels, update.neighbours.scores));
        saveHnsw(loaded, job.path);
        parentPort!.postMessage({ hnswHash: sha256File(job.path) } satisfies UpdateMessage);
      });
    });
  }
} else {
  atWork(job.control, () => {
    if (job.kind === 'build') {
      saveHnsw(buildHnsw(job.vectors, job.dim, job.hnsw, progress), job.path);
    } else {
      const { vectors, dim, from, to } = job;
      const index = loadHnsw(job.path, dim, job.ef);
      const found = hnswNeighbours(
        index,
        vectors,
        dim,
        vectors.subarray(from * dim, to * dim),
        job.k,
        (query, row) => query + from === row,
        undefined,
        progress,
      );
      parentPort!.postMessage(found, movable(found.labels, found.scores));
    }
  });
}

/** The buffers of arrays made here (plain ArrayBuffers, not the shared vectors), which move to the main thread without a copy. */
function movable(...arrays: (Int32Array | Float32Array)[]): ArrayBuffer[] {
  return arrays.map((array) => array.buffer as ArrayBuffer);
}
