import { PCA } from 'ml-pca';
import { sampleRows, seededRandom } from '../shared/random.js';
import { allRows, type VectorBlocks } from '../shared/vectors.js';

/**
 * Dimensions topics are found in. On OHSUMED (builtin vectors, k = 23, 3
 * seeds) k-means on a 48-dimension PCA projection matched the labels better
 * than on all 384 dimensions (NMI 0.276 against 0.250, ARI 0.134 against
 * 0.111) and ran 7 times faster: the dropped directions are mostly noise.
 */
export const TOPIC_DIMS = 48;
/** Papers the principal directions are fitted on; more change them little. */
const PCA_SAMPLE = 2000;

/** Mean and covariance (dim x dim, row-major) of a row-major matrix. */
function covarianceOf(rows: Float32Array, dim: number): { means: Float64Array; covariance: Float64Array } {
  const count = rows.length / dim;
  const means = new Float64Array(dim);
  for (let row = 0; row < count; row++) for (let d = 0; d < dim; d++) means[d] += rows[row * dim + d] / count;
  const sums = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let row = 0; row < count; row++) {
    for (let d = 0; d < dim; d++) centred[d] = rows[row * dim + d] - means[d];
    for (let a = 0; a < dim; a++) {
      const value = centred[a];
      for (let b = a; b < dim; b++) sums[a * dim + b] += value * centred[b];
    }
  }
  const covariance = new Float64Array(dim * dim);
  for (let a = 0; a < dim; a++) for (let b = a; b < dim; b++) covariance[a * dim + b] = covariance[b * dim + a] = sums[a * dim + b] / (count - 1);
  return { means, covariance };
}

/** Columns of a dim x width row-major matrix made orthonormal (modified Gram-Schmidt). */
function orthonormalise(matrix: Float64Array, dim: number, width: number): void {
  for (let c = 0; c < width; c++) {
    for (let previous = 0; previous < c; previous++) {
      let projection = 0;
      for (let d = 0; d < dim; d++) projection += matrix[d * width + c] * matrix[d * width + previous];
      for (let d = 0; d < dim; d++) matrix[d * width + c] -= projection * matrix[d * width + previous];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += matrix[d * width + c] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dim; d++) matrix[d * width + c] /= norm;
  }
}

/** covariance (dim x dim) times basis (dim x width), row-major. */
function times(covariance: Float64Array, basis: Float64Array, dim: number, width: number): Float64Array {
  const product = new Float64Array(dim * width);
  for (let a = 0; a < dim; a++)
    for (let b = 0; b < dim; b++) {
      const value = covariance[a * dim + b];
      if (value !== 0) for (let c = 0; c < width; c++) product[a * width + c] += value * basis[b * width + c];
    }
  return product;
}

/** Extra directions the subspace iteration carries, and its rounds: enough for the leading TOPIC_DIMS to settle. */
const OVERSAMPLE = 8;
const POWER_ROUNDS = 4;

/**
 * The leading principal directions of a covariance matrix, as a dim x TOPIC_DIMS
 * matrix (row-major), by seeded subspace iteration and a small eigenproblem
 * (ml-pca) in that subspace: a full eigendecomposition of 384 x 384 took
 * most of the cluster stage's time on a few hundred papers.
 */
function leadingDirections(covariance: Float64Array, dim: number, seed: number): (d: number, c: number) => number {
  const width = Math.min(dim, TOPIC_DIMS + OVERSAMPLE);
  const random = seededRandom(seed);
  let basis: Float64Array = Float64Array.from({ length: dim * width }, () => random() - 0.5);
  orthonormalise(basis, dim, width);
  for (let round = 0; round < POWER_ROUNDS; round++) {
    basis = times(covariance, basis, dim, width);
    orthonormalise(basis, dim, width);
  }
  const projected = times(covariance, basis, dim, width);
  const small = Array.from({ length: width }, (_, a) =>
    Array.from({ length: width }, (_, b) => {
      let sum = 0;
      for (let d = 0; d < dim; d++) sum += basis[d * width + a] * projected[d * width + b];
      return sum;
    }),
  );
  const rotation = new PCA(small, { isCovarianceMatrix: true }).getEigenvectors();
  return (d, c) => {
    let sum = 0;
    for (let w = 0; w < width; w++) sum += basis[d * width + w] * rotation.get(w, c);
    return sum;
  };
}

/** The projection into the space topics are found in: TOPIC_DIMS components (each a row of `dim`) and the means they take off. */
export interface Projection {
  components: Float64Array;
  offsets: Float64Array;
}

/** Whether vectors of `dim` dimensions, `count` of them, are projected at all: those with no more dimensions than TOPIC_DIMS are used as they are. */
export const projected = (dim: number, count: number) => dim > TOPIC_DIMS && count > TOPIC_DIMS;

/** The rows of `count` the principal directions are fitted on. */
export const projectionRows = (count: number, seed: number) => sampleRows(count, PCA_SAMPLE, seed);

/** The projection on the TOPIC_DIMS principal directions of the sample (the rows projectionRows gives, row-major). */
export function fitProjection(sample: Float32Array, dim: number, seed: number): Projection {
  const { means, covariance } = covarianceOf(sample, dim);
  const direction = leadingDirections(covariance, dim, seed);
  // components[c * dim + d]: component c as a contiguous row, so each projected value is one dot product;
  // the mean is taken off once per component (offsets) instead of once per paper and dimension
  const components = new Float64Array(TOPIC_DIMS * dim);
  const offsets = new Float64Array(TOPIC_DIMS);
  for (let c = 0; c < TOPIC_DIMS; c++) {
    for (let d = 0; d < dim; d++) {
      components[c * dim + d] = direction(d, c);
      offsets[c] += means[d] * components[c * dim + d];
    }
  }
  return { components, offsets };
}

/** Vectors projected and scaled to unit length, each on its own: a slice of the papers projects as it would among all. */
export function project(vectors: Float32Array, dim: number, { components, offsets }: Projection): Float32Array {
  const count = vectors.length / dim;
  const out = new Float32Array(count * TOPIC_DIMS);
  const row = new Float64Array(TOPIC_DIMS);
  for (let paper = 0; paper < count; paper++) {
    let squares = 0;
    for (let c = 0; c < TOPIC_DIMS; c++) {
      let sum = -offsets[c];
      for (let d = 0, base = paper * dim, at = c * dim; d < dim; d++) sum += vectors[base + d] * components[at + d];
      row[c] = sum;
      squares += row[c] * row[c];
    }
    const norm = Math.sqrt(squares) || 1;
    for (let c = 0; c < TOPIC_DIMS; c++) out[paper * TOPIC_DIMS + c] = row[c] / norm;
  }
  return out;
}

/**
 * The papers in the space topics are found in: their projection on the
 * TOPIC_DIMS principal directions of a seeded sample (ml-pca), scaled to unit
 * length so that k-means compares directions, a block of vectors at a time
 * (each paper projects on its own). Vectors with no more dimensions than
 * that, or too few papers to project, are used as they are.
 */
export function topicSpace(source: VectorBlocks, seed: number): { vectors: Float32Array; dim: number } {
  const { count, dim } = source;
  if (!projected(dim, count)) return { vectors: allRows(source), dim };
  const projection = fitProjection(source.rows(projectionRows(count, seed)), dim, seed);
  const space = new Float32Array(count * TOPIC_DIMS);
  source.forEachBlock((start, vectors) => space.set(project(vectors, dim, projection), start * TOPIC_DIMS));
  return { vectors: space, dim: TOPIC_DIMS };
}
