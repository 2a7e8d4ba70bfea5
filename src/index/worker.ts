/**
 * A worker thread of the index stage (threads.ts): builds and saves the
 * index, searches an index task's papers through the shared index (or a
 * part of it), built here first or downloaded,
 * searches a range of papers through the saved one and posts their nearest
 * back, or brings an earlier index up to date: checks it against its hash
 * and loads it, waits for the current papers, updates it, posts the update
 * back, and saves and hashes the index.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { closeSync, openSync, readSync } from 'node:fs';
import { buildHnsw, buildHnswFrom, hnswNeighbours, loadHnsw, saveHnsw, type HnswIndex } from '../graph/hnsw.js';
import { updateIndex } from './incremental.js';
import { atWork } from '../shared/stop.js';
import { sha256File } from '../shared/files.js';
import { blocksOfRows, searchIndex } from './search.js';
import type { IndexJob, TaskSearch, TaskSearchMessage, UpdateMessage, UpdatePapers } from './threads.js';

const job = workerData as IndexJob;
/** Rows a build from a file reads at a time. */
const FILE_BLOCK_ROWS = 16_384;
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
    } else if (job.kind === 'taskSearch') {
      taskSearch(job);
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

/** Builds the index (or a part) of a vectors file and saves it, or loads a downloaded one, then searches it for the task's papers, posting each block's nearest. */
function taskSearch(job: TaskSearch): void {
  let index: HnswIndex;
  if (job.build) {
    const { from, to } = job.build;
    index = buildHnswFrom(blocksOfFile(job.file, job.dim, from, to), to - from, job.dim, job.hnsw, progress, from);
    saveHnsw(index, job.path);
    parentPort!.postMessage({ saved: true } satisfies TaskSearchMessage);
  } else index = loadHnsw(job.path, job.dim, job.hnsw.efSearch);
  const fd = openSync(job.file, 'r');
  try {
    for (const { rows, vectors } of blocksOfRows(fd, job.rows, job.dim, job.blockRows)) {
      const neighbours = searchIndex(index, fd, job.dim, vectors, rows, job.k);
      // the rows are a view of the task's: posted alone, not the whole array under them
      const copy = rows.slice();
      parentPort!.postMessage({ rows: copy, neighbours } satisfies TaskSearchMessage, movable(copy, neighbours.labels, neighbours.scores));
    }
  } finally {
    closeSync(fd);
  }
}

/** Rows [from, to) of a vectors file, read a block at a time, in row order. */
function* blocksOfFile(file: string, dim: number, from: number, to: number): Generator<Float32Array> {
  const block = new Float32Array(FILE_BLOCK_ROWS * dim);
  const bytes = new Uint8Array(block.buffer);
  const rowBytes = dim * Float32Array.BYTES_PER_ELEMENT;
  const fd = openSync(file, 'r');
  try {
    for (let at = from * rowBytes; at < to * rowBytes; ) {
      const read = readSync(fd, bytes, 0, Math.min(bytes.byteLength, to * rowBytes - at), at);
      if (read === 0) return;
      if (read % (dim * Float32Array.BYTES_PER_ELEMENT) !== 0) throw new Error(`${file}: cut short while being read`);
      at += read;
      yield block.subarray(0, read / Float32Array.BYTES_PER_ELEMENT);
    }
  } finally {
    closeSync(fd);
  }
}

/** The buffers of arrays made here (plain ArrayBuffers, not the shared vectors), which move to the main thread without a copy. */
function movable(...arrays: (Int32Array | Float32Array)[]): ArrayBuffer[] {
  return arrays.map((array) => array.buffer as ArrayBuffer);
}
