import { UMAP } from 'umap-js';
import type { Neighbours } from '../graph/neighbours.js';
import { seededRandom } from '../shared/random.js';
import { inWorker, workerFile } from '../shared/worker.js';

/**
 * Papers a UMAP neighbourhood holds: the paper itself and its 10 nearest
 * others, as in the related-paper graph; the map keeps labels together as
 * well as with UMAP's usual 15, in less time (docs/benchmarks.md, "Where the
 * constants come from").
 */
export const MAP_NEIGHBOURS = 11;

/**
 * The 2D map of the papers: UMAP over the nearest-neighbour graph the index
 * already found (so no second neighbour search), seeded, scaled to [0, 1].
 * `neighbours` holds each paper's nearest other papers, best first.
 * Returns count x 2 coordinates, row-major.
 */
export function mapPapers(neighbours: Neighbours, count: number, seed: number): Float64Array {
  const map = new Float64Array(count * 2);
  if (count < 4) {
    // too few papers for a neighbourhood graph: a row is an honest picture
    for (let row = 0; row < count; row++) map.set([count === 1 ? 0.5 : row / (count - 1), 0.5], row * 2);
    return map;
  }
  const knnIndices: number[][] = [];
  const knnDistances: number[][] = [];
  for (let row = 0; row < count; row++) {
    const indices = [row];
    const distances = [0];
    for (let slot = 0; slot < neighbours.k; slot++) {
      const label = neighbours.labels[row * neighbours.k + slot];
      // umap-js wants rows of one length; -1 marks a neighbour that is not there
      indices.push(label);
      distances.push(label < 0 ? Infinity : Math.max(0, 1 - neighbours.scores[row * neighbours.k + slot]));
    }
    knnIndices.push(indices);
    knnDistances.push(distances);
  }
  // seeded: UMAP would otherwise use the unseeded Math.random
  const random = seededRandom(seed);
  // umap-js's own choice is 500 epochs up to 10,000 points, 200 above; the layout settles sooner the more
  // points there are, and the epochs are most of the report's time
  const nEpochs = count <= 2000 ? 500 : count <= 5000 ? 200 : 100;
  const umap = new UMAP({ nComponents: 2, nNeighbors: Math.min(MAP_NEIGHBOURS, neighbours.k + 1, count - 1), minDist: 0.1, random, nEpochs });
  umap.setPrecomputedKNN(knnIndices, knnDistances);
  // UMAP only counts the rows when the neighbours are given
  const epochs = umap.initializeFit(Array.from({ length: count }, () => [] as number[]));
  for (let epoch = 0; epoch < epochs; epoch++) umap.step();
  const embedding = umap.getEmbedding();
  return scaleToUnitSquare(embedding, map);
}

/** What the layout worker (layout-worker.ts) lays out: `count` papers from their nearest others, or from their vectors, whose `k` nearest among them it finds. */
export type LayoutJob = { count: number; seed: number } & ({ neighbours: Neighbours } | { vectors: Float32Array; dim: number; k: number });

/**
 * The layout worker's heap: UMAP of 20,000 papers (the most it lays out: 10
 * neighbours each at most) holds up to about 310 MB at once, and left to
 * itself V8 lets its garbage pile up to twice that before collecting it.
 */
const LAYOUT_HEAP_MB = 512;

/** mapPapers in a worker thread of its own (layout-worker.ts): the same places, and UMAP's garbage goes with the worker. */
export async function mapInWorker(job: LayoutJob): Promise<Float64Array> {
  const xy = await inWorker<Float64Array>(workerFile('report', 'layout-worker.js'), job, undefined, undefined, { maxOldGenerationSizeMb: LAYOUT_HEAP_MB });
  if (xy === undefined) throw new Error("the map's layout worker ended without posting the places");
  return xy;
}

/** Papers with a place on the map that the others are placed around: their rows, and x, y of each. */
export interface Places {
  rows: Int32Array;
  xy: Float64Array;
}

/**
 * The whole map from the papers already placed (`laidOut`: by UMAP, in this
 * run or when the topics were last fitted): every other paper goes to the
 * similarity-weighted mean of its nearest papers already placed
 * (`neighbours`: every paper's nearest others, as rows). UMAP's cost grows
 * with the papers it lays out; placing one is a handful of additions.
 */
export function placeAround(laidOut: Places, neighbours: Neighbours, count: number): Float64Array {
  const map = new Float64Array(count * 2).fill(NaN);
  laidOut.rows.forEach((row, index) => map.set(laidOut.xy.subarray(index * 2, index * 2 + 2), row * 2));
  // A paper whose neighbours are all unplaced waits for a later pass; each pass sees only earlier passes' places, so row order does not matter.
  for (let pass = 0; pass < 4; pass++) {
    const placed = Float64Array.from(map);
    for (let row = 0; row < count; row++) {
      if (!Number.isNaN(placed[row * 2])) continue;
      let x = 0,
        y = 0,
        weight = 0;
      for (let slot = 0; slot < neighbours.k; slot++) {
        const label = neighbours.labels[row * neighbours.k + slot];
        if (label < 0 || Number.isNaN(placed[label * 2])) continue;
        const score = Math.max(neighbours.scores[row * neighbours.k + slot], 1e-6);
        x += placed[label * 2] * score;
        y += placed[label * 2 + 1] * score;
        weight += score;
      }
      if (weight > 0) map.set([Math.round((x / weight) * 1e4) / 1e4, Math.round((y / weight) * 1e4) / 1e4], row * 2);
    }
  }
  // papers with no placed paper within four steps: the middle of the map
  for (let index = 0; index < map.length; index++) if (Number.isNaN(map[index])) map[index] = 0.5;
  return map;
}

/** Scales both axes by the same factor so the map keeps its shape, centred in [0, 1]. */
function scaleToUnitSquare(points: number[][], into: Float64Array): Float64Array {
  let minX = Infinity,
    maxX = -Infinity,
    minY = Infinity,
    maxY = -Infinity;
  for (const [x, y] of points) {
    minX = Math.min(minX, x);
    maxX = Math.max(maxX, x);
    minY = Math.min(minY, y);
    maxY = Math.max(maxY, y);
  }
  const span = Math.max(maxX - minX, maxY - minY) || 1;
  points.forEach(([x, y], row) => {
    into[row * 2] = Math.round(((x - minX) / span + (1 - (maxX - minX) / span) / 2) * 1e4) / 1e4;
    into[row * 2 + 1] = Math.round(((y - minY) / span + (1 - (maxY - minY) / span) / 2) * 1e4) / 1e4;
  });
  return into;
}
