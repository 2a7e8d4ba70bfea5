/**
 * A worker thread of the index stage (threads.ts): builds and saves the
 * index, searches a range of papers through the saved one and posts their
 * nearest back, or brings an earlier index up to date, posts the update
 * back, and saves and hashes the index.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildHnsw, hnswNeighbours, loadHnsw, saveHnsw } from './hnsw.js';
import { updateIndex } from './incremental.js';
import { atWork } from './stop.js';
import { sha256File } from '../shared/files.js';
import type { IndexJob, UpdateMessage } from './threads.js';

const job = workerData as IndexJob;
const progress = (done: number) => parentPort!.postMessage({ progress: done });
atWork(job.control, () => {
  if (job.kind === 'build') {
    saveHnsw(buildHnsw(job.vectors, job.dim, job.hnsw, progress), job.path);
  } else if (job.kind === 'search') {
    const { vectors, dim, from, to } = job;
    const index = loadHnsw(job.path, dim, job.ef);
    const found = hnswNeighbours(index, vectors, dim, vectors.subarray(from * dim, to * dim), job.k, (query, row) => query + from === row, undefined, progress);
    parentPort!.postMessage(found, movable(found.labels, found.scores));
  } else {
    const { path, ...previous } = job.previous;
    const index = loadHnsw(path, job.dim, job.ef);
    const update = updateIndex({ index, ...previous }, job.ids, job.vectors, job.dim, job.k);
    // the main thread writes the graph while the index is saved and hashed
    parentPort!.postMessage({ update } satisfies UpdateMessage, movable(update.labelOfRow, update.neighbours.labels, update.neighbours.scores));
    saveHnsw(index, job.path);
    parentPort!.postMessage({ hnswHash: sha256File(job.path) } satisfies UpdateMessage);
  }
});

/** The buffers of arrays made here (plain ArrayBuffers, not the shared vectors), which move to the main thread without a copy. */
function movable(...arrays: (Int32Array | Float32Array)[]): ArrayBuffer[] {
  return arrays.map((array) => array.buffer as ArrayBuffer);
}
