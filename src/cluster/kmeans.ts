import { seededRandom } from '../shared/random.js';
import { dot } from '../shared/vectors.js';

export interface Clustering {
  k: number;
  /** Topic of each paper row. */
  assignments: Int32Array;
  /** k x dim unit vectors: the direction of each topic. */
  centres: Float32Array;
}

/** Rows of a row-major matrix as views, for libraries that read arrays of rows, without a copy. */
export function rowsOf(vectors: Float32Array, dim: number): number[][] {
  const rows: Float32Array[] = [];
  for (let offset = 0; offset < vectors.length; offset += dim) rows.push(vectors.subarray(offset, offset + dim));
  return rows as unknown as number[][];
}

/** Each paper's nearest centre by cosine, ties to the lower topic. */
export function assignToNearest(vectors: Float32Array, dim: number, centres: Float32Array): { assignments: Int32Array; similarities: Float64Array } {
  const count = vectors.length / dim;
  const k = centres.length / dim;
  const assignments = new Int32Array(count);
  const similarities = new Float64Array(count);
  for (let row = 0; row < count; row++) {
    let best = -Infinity;
    for (let topic = 0; topic < k; topic++) {
      const similarity = dot(vectors, row * dim, centres, topic * dim, dim);
      if (similarity > best) {
        best = similarity;
        assignments[row] = topic;
      }
    }
    similarities[row] = best;
  }
  return { assignments, similarities };
}

function normalizeRows(matrix: Float32Array, dim: number): void {
  for (let offset = 0; offset < matrix.length; offset += dim) {
    const norm = Math.sqrt(dot(matrix, offset, matrix, offset, dim)) || 1;
    for (let d = 0; d < dim; d++) matrix[offset + d] /= norm;
  }
}

/**
 * Lloyd iterations at most. From k-means++ seeds the topics have settled by
 * then; the last small moves of papers near borders cost the most time and
 * change little (docs/benchmarks.md, "Where the constants come from").
 */
const MAX_ITERATIONS = 15;

/**
 * Greedy k-means++ seeding (as scikit-learn does it): each next centre is the
 * best of 2 + ln k candidates drawn in proportion to the squared distance to
 * the nearest centre so far. Written on typed arrays, since ml-kmeans's own
 * seeding copies every row on every step and took most of the clustering time.
 */
export function kmeansPlusPlus(vectors: Float32Array, dim: number, k: number, seed: number): Float32Array {
  const count = vectors.length / dim;
  const random = seededRandom(seed);
  const centres = new Float32Array(k * dim);
  const trials = 2 + Math.floor(Math.log(k));
  // squared distance of unit vectors: 2 - 2 cos
  const distancesFrom = (row: number) => {
    const distances = new Float64Array(count);
    for (let other = 0; other < count; other++) distances[other] = Math.max(0, 2 - 2 * dot(vectors, row * dim, vectors, other * dim, dim));
    return distances;
  };
  const first = Math.floor(random() * count);
  centres.set(vectors.subarray(first * dim, (first + 1) * dim), 0);
  const closest = distancesFrom(first);
  for (let centre = 1; centre < k; centre++) {
    const total = closest.reduce((sum, distance) => sum + distance, 0);
    let best: { row: number; distances: Float64Array; potential: number } | undefined;
    for (let trial = 0; trial < trials; trial++) {
      // a row drawn with probability proportional to its distance; any row when all distances are 0
      let row = 0;
      if (total > 0) for (let target = random() * total; row < count - 1 && (target -= closest[row]) > 0; row++);
      else row = Math.floor(random() * count);
      const distances = distancesFrom(row);
      let potential = 0;
      for (let other = 0; other < count; other++) potential += Math.min(closest[other], distances[other]);
      if (!best || potential < best.potential) best = { row, distances, potential };
    }
    centres.set(vectors.subarray(best!.row * dim, (best!.row + 1) * dim), centre * dim);
    for (let other = 0; other < count; other++) closest[other] = Math.min(closest[other], best!.distances[other]);
  }
  return centres;
}

/**
 * One round of spherical k-means: each paper to its nearest centre, then each
 * centre to the normalised sum of its papers. A centre left with no paper
 * moves to the paper farthest from its own centre, so k topics stay k.
 * Returns the number of papers that changed topic and the inertia before the move.
 */
function lloydStep(
  vectors: Float32Array,
  dim: number,
  centres: Float32Array,
  assignments: Int32Array,
  sums: Float64Array,
): { changed: number; inertia: number } {
  const count = vectors.length / dim;
  const k = centres.length / dim;
  const similarities = new Float64Array(count);
  let changed = 0;
  let inertia = 0;
  for (let row = 0; row < count; row++) {
    let best = -Infinity;
    let topic = 0;
    for (let centre = 0; centre < k; centre++) {
      const similarity = dot(vectors, row * dim, centres, centre * dim, dim);
      if (similarity > best) {
        best = similarity;
        topic = centre;
      }
    }
    if (assignments[row] !== topic) changed++;
    assignments[row] = topic;
    similarities[row] = best;
    inertia += 2 - 2 * best;
  }
  sums.fill(0);
  const sizes = new Int32Array(k);
  for (let row = 0; row < count; row++) {
    const base = assignments[row] * dim;
    sizes[assignments[row]]++;
    for (let d = 0; d < dim; d++) sums[base + d] += vectors[row * dim + d];
  }
  for (let centre = 0; centre < k; centre++) {
    if (sizes[centre] > 0) continue;
    // the least well placed paper founds the empty topic
    let far = 0;
    for (let row = 1; row < count; row++) if (similarities[row] < similarities[far]) far = row;
    similarities[far] = Infinity;
    for (let d = 0; d < dim; d++) sums[centre * dim + d] = vectors[far * dim + d];
    changed++;
  }
  centres.set(centresOf(sums, dim));
  return { changed, inertia };
}

/**
 * Spherical k-means on unit vectors from k-means++ seeds (or from given
 * centres), restarted with seeds seed, seed+1, ... and the tightest result
 * kept. Centres are unit vectors, so topics are directions, as cosine
 * similarity sees them. Written on typed arrays: the sweep runs it dozens of
 * times, and ml-kmeans's arrays of arrays took most of the stage's time.
 */
export function clusterVectors(vectors: Float32Array, dim: number, k: number, seed: number, restarts: number, start?: Float32Array): Clustering {
  const count = vectors.length / dim;
  const sums = new Float64Array(k * dim);
  let best: { clustering: Clustering; inertia: number } | undefined;
  for (let restart = 0; restart < (start ? 1 : restarts); restart++) {
    const centres = start ? Float32Array.from(start) : kmeansPlusPlus(vectors, dim, k, seed + restart);
    const assignments = new Int32Array(count).fill(-1);
    let inertia = 0;
    for (let iteration = 0; iteration < MAX_ITERATIONS; iteration++) {
      const step = lloydStep(vectors, dim, centres, assignments, sums);
      inertia = step.inertia;
      if (step.changed === 0) break;
    }
    const final = assignToNearest(vectors, dim, centres);
    inertia = final.similarities.reduce((sum, similarity) => sum + 2 - 2 * similarity, 0);
    if (!best || inertia < best.inertia) best = { clustering: { k, assignments: final.assignments, centres }, inertia };
  }
  return best!.clustering;
}

/**
 * Renumbers topics so that none is empty (k-means can leave a centre no
 * paper is nearest to), keeping their order.
 */
export function compactTopics(assignments: Int32Array): { k: number; assignments: Int32Array } {
  const used = [...new Set(assignments)].sort((a, b) => a - b);
  const renumbered = new Map(used.map((topic, index) => [topic, index]));
  return { k: used.length, assignments: assignments.map((topic) => renumbered.get(topic)!) };
}

/** The sum of each topic's papers' vectors; a row in topic -1 counts for none. With `rows`, only those rows are added, to `sums`. */
export function topicSums(
  vectors: Float32Array,
  dim: number,
  assignments: Int32Array,
  k: number,
  rows?: readonly number[],
  sums: Float64Array = new Float64Array(k * dim),
): Float64Array {
  const add = (row: number) => {
    const topic = assignments[row];
    if (topic < 0) return;
    for (let d = 0; d < dim; d++) sums[topic * dim + d] += vectors[row * dim + d];
  };
  if (rows) rows.forEach(add);
  else for (let row = 0; row < assignments.length; row++) add(row);
  return sums;
}

/** Topic centres from the sums of their vectors: each scaled to unit length. */
export function centresOf(sums: Float64Array, dim: number): Float32Array {
  const centres = Float32Array.from(sums);
  normalizeRows(centres, dim);
  return centres;
}
