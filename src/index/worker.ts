/**
 * A worker thread of the index stage (threads.ts): builds and saves the
 * index, or searches a range of papers through the saved one and posts
 * their nearest back.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { buildHnsw, hnswNeighbours, loadHnsw, saveHnsw } from './hnsw.js';
import type { IndexJob } from './threads.js';

const job = workerData as IndexJob;
const progress = (done: number) => parentPort!.postMessage({ progress: done });
if (job.kind === 'build') {
  saveHnsw(buildHnsw(job.vectors, job.dim, job.hnsw, progress), job.path);
} else {
  const { vectors, dim, from, to } = job;
  const index = loadHnsw(job.path, dim, job.ef);
  const found = hnswNeighbours(index, vectors, dim, vectors.subarray(from * dim, to * dim), job.k, (query, row) => query + from === row, undefined, progress);
  // emptyNeighbours made them of plain ArrayBuffers, which move to the main thread without a copy
  parentPort!.postMessage(found, [found.labels.buffer as ArrayBuffer, found.scores.buffer as ArrayBuffer]);
}
