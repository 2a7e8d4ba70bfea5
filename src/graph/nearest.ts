import type { HnswParameters } from '../store/schemas.js';
import { buildHnsw, hnswNeighbours } from './hnsw.js';
import { exactNeighbours, type Neighbours } from './neighbours.js';

/**
 * Up to this many papers exact search is as fast as HNSW, build included, and
 * its recall is perfect, so queries and the graph use it; the HNSW index is
 * still built and saved (docs/benchmarks.md, "Where the constants come from").
 */
export const EXACT_SEARCH_MAX_PAPERS = 500;

/**
 * For nearestAmong: a few thousand to tens of thousands of vectors are
 * searched once each, so a lighter graph than the corpus's keeps recall
 * (docs/benchmarks.md, "Where the constants come from").
 */
const SAMPLE_HNSW: HnswParameters = { m: 16, efConstruction: 64, efSearch: 64 };

/**
 * Each row's k nearest other rows of `vectors` (the report's map lays a
 * sample of the papers out from these): exact search up to
 * EXACT_SEARCH_MAX_PAPERS, above through an HNSW index of its own. The
 * neighbours of the whole corpus will not do: a sample of 2% has about two
 * sampled papers among a paper's hundred nearest.
 */
export function nearestAmong(vectors: Float32Array, dim: number, k: number): Neighbours {
  const count = vectors.length / dim;
  const self = (query: number, row: number) => query === row;
  if (count <= EXACT_SEARCH_MAX_PAPERS) return exactNeighbours(vectors, dim, vectors, k, self);
  return hnswNeighbours(buildHnsw(vectors, dim, SAMPLE_HNSW), vectors, dim, vectors, k, self);
}
