/**
 * An index task's search of the shared HNSW index, from the local vectors
 * file (vectors.f32's form) the task streamed the vectors table into: its
 * papers' vectors and their candidates' are read from it a row at a time,
 * so the task holds the index and one block of its papers, whatever the
 * corpus. Used by the worker thread of an index task (worker.ts), whether it
 * built the index (or a part of it) or downloaded it.
 */
import { readSync } from 'node:fs';
import { dot } from '../shared/vectors.js';
import { checkStop } from '../shared/stop.js';
import { pointOf, type HnswIndex } from '../graph/hnsw.js';
import { emptyNeighbours, keepNearest, type Neighbours } from '../graph/neighbours.js';

/** Row `row` of the vectors file open as `fd` into `vector`, refusing a file cut short. */
function readRow(fd: number, row: number, vector: Float32Array): Float32Array {
  const bytes = new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
  if (readSync(fd, bytes, 0, bytes.byteLength, row * bytes.byteLength) !== bytes.byteLength)
    throw new Error(`the local vectors file holds no row ${row}: cut short while being written`);
  return vector;
}

/** Some rows (a task's papers) with their vectors from the vectors file, `blockRows` rows a block. */
export function* blocksOfRows(fd: number, rows: Int32Array, dim: number, blockRows: number): Generator<{ rows: Int32Array; vectors: Float32Array }> {
  for (let at = 0; at < rows.length; at += blockRows) {
    const block = rows.subarray(at, at + blockRows);
    const vectors = new Float32Array(block.length * dim);
    block.forEach((row, offset) => readRow(fd, row, vectors.subarray(offset * dim, (offset + 1) * dim)));
    yield { rows: block, vectors };
  }
}

/**
 * Each query's k nearest other papers through the index. Scores are dot
 * products with the candidates' vectors read from the file (the index's own
 * copies are normalised once more, a last bit off), so that they are the
 * one-machine stage's to the bit.
 */
export function searchIndex(index: HnswIndex, fd: number, dim: number, queries: Float32Array, rows: Int32Array, k: number): Neighbours {
  const neighbours = emptyNeighbours(rows.length, k);
  const point = new Array<number>(dim);
  const candidate = new Float32Array(dim);
  // one spare for the query paper itself; a part of an index in parts can hold fewer
  const wanted = Math.min(k + 1, index.getCurrentCount());
  for (let q = 0; q < rows.length; q++) {
    checkStop();
    const found = index
      .searchKnn(pointOf(queries, q, dim, point), wanted)
      .neighbors.filter((row) => row !== rows[q])
      .map((row) => ({ label: row, score: Math.fround(dot(queries, q * dim, readRow(fd, row, candidate), 0, dim)) }));
    keepNearest(neighbours, q, found);
  }
  return neighbours;
}
