import { renameSync, rmSync } from 'node:fs';
import hnswlib from 'hnswlib-node';
import { dot } from '../shared/vectors.js';
import type { HnswParameters } from '../store/schemas.js';
import { emptyNeighbours, keepNearest, type Neighbours } from './neighbours.js';
import { checkStop } from '../shared/stop.js';

/** One fixed seed: the same vectors and parameters always give the same graph. */
const SEED = 100;

export type HnswIndex = InstanceType<typeof hnswlib.HierarchicalNSW>;

/** Papers between two calls of a progress callback. */
export const PROGRESS_STEP = 10_000;

/** Builds a cosine-space HNSW index over unit vectors, one label per paper row, inserted in row order; `onProgress` hears how many were added. */
export function buildHnsw(vectors: Float32Array, dim: number, parameters: HnswParameters, onProgress: (added: number) => void = () => {}): HnswIndex {
  return buildHnswFrom([vectors], vectors.length / dim, dim, parameters, onProgress);
}

/**
 * The same from `count` vectors given as consecutive blocks of rows (read
 * from a file a block at a time): only the index and one block are held,
 * and the index is the same bytes as buildHnsw's. The rows are labelled
 * from `firstLabel` (a part of an index in parts labels its papers by their
 * rows in the corpus).
 */
export function buildHnswFrom(
  blocks: Iterable<Float32Array>,
  count: number,
  dim: number,
  parameters: HnswParameters,
  onProgress: (added: number) => void = () => {},
  firstLabel = 0,
): HnswIndex {
  const index = new hnswlib.HierarchicalNSW('cosine', dim);
  index.initIndex(Math.max(count, 1), parameters.m, parameters.efConstruction, SEED);
  const point = new Array<number>(dim);
  let row = 0;
  for (const block of blocks) {
    for (let at = 0; at < block.length / dim; at++, row++) {
      checkStop();
      index.addPoint(pointOf(block, at, dim, point), firstLabel + row);
      if ((row + 1) % PROGRESS_STEP === 0 || row + 1 === count) onProgress((row % PROGRESS_STEP) + 1);
    }
  }
  if (row !== count) throw new Error(`expected ${count} vectors, read ${row}`);
  index.setEf(parameters.efSearch);
  return index;
}

/**
 * Row `row` of `vectors` in `point`: hnswlib-node takes plain arrays only (it
 * refuses typed arrays), and one array refilled for every call spares making
 * a new one each time. The vectors stay Float32Array everywhere else.
 */
export function pointOf(vectors: Float32Array, row: number, dim: number, point: number[]): number[] {
  for (let d = 0; d < dim; d++) point[d] = vectors[row * dim + d];
  return point;
}

export function saveHnsw(index: HnswIndex, path: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  try {
    index.writeIndexSync(temp);
    renameSync(temp, path);
  } finally {
    rmSync(temp, { force: true });
  }
}

export function loadHnsw(path: string, dim: number, efSearch: number): HnswIndex {
  const index = new hnswlib.HierarchicalNSW('cosine', dim);
  index.readIndexSync(path);
  index.setEf(efSearch);
  return index;
}

/**
 * The k nearest papers of each query through the index, as paper rows
 * (`rowOfLabel` maps index labels to rows when they differ, after
 * incremental updates). Scores are recomputed as exact dot products and ties
 * broken by row, so the HNSW and the exact path rank and score alike.
 */
export function hnswNeighbours(
  index: HnswIndex,
  vectors: Float32Array,
  dim: number,
  queries: Float32Array,
  k: number,
  skip: (query: number, row: number) => boolean = () => false,
  rowOfLabel?: Int32Array,
  onProgress: (searched: number) => void = () => {},
): Neighbours {
  const queryCount = queries.length / dim;
  const count = vectors.length / dim;
  const neighbours = emptyNeighbours(queryCount, k);
  // one spare candidate per skipped label (the query paper itself, at most); a part of an index in parts can hold fewer
  const wanted = Math.min(count, index.getCurrentCount(), k + 1);
  const point = new Array<number>(dim);
  for (let q = 0; q < queryCount; q++) {
    checkStop();
    const found = index
      .searchKnn(pointOf(queries, q, dim, point), wanted)
      .neighbors.map((label) => (rowOfLabel ? rowOfLabel[label] : label))
      .filter((row) => row >= 0 && !skip(q, row))
      .map((row) => ({ label: row, score: Math.fround(dot(queries, q * dim, vectors, row * dim, dim)) }));
    keepNearest(neighbours, q, found);
    if ((q + 1) % PROGRESS_STEP === 0 || q + 1 === queryCount) onProgress((q % PROGRESS_STEP) + 1);
  }
  return neighbours;
}
