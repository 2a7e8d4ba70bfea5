/**
 * The linear algebra behind the builtin embedder: a truncated SVD of a sparse
 * matrix by randomized range finding (Halko, Martinsson & Tropp 2011), with a
 * seeded PRNG and a fixed order of every sum, so the same matrix always gives
 * the same bits.
 */

import { seededRandom } from '../shared/random.js';

/** Sparse rows (CSR): row r holds columns[rowStart[r]..rowStart[r+1]) with their values. */
export interface SparseRows {
  rowStart: Int32Array;
  columns: Int32Array;
  values: Float64Array;
  columnCount: number;
}

function rowCount(matrix: SparseRows): number {
  return matrix.rowStart.length - 1;
}

/** matrix (rows x columnCount) times dense X (columnCount x width, row-major). */
function sparseTimesDense(matrix: SparseRows, X: Float64Array, width: number): Float64Array {
  const rows = rowCount(matrix);
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const target = out.subarray(r * width, (r + 1) * width);
    for (let p = matrix.rowStart[r]; p < matrix.rowStart[r + 1]; p++) {
      const value = matrix.values[p];
      const source = X.subarray(matrix.columns[p] * width, (matrix.columns[p] + 1) * width);
      for (let j = 0; j < width; j++) target[j] += value * source[j];
    }
  }
  return out;
}

/** Transposed matrix (columnCount x rows) times dense Y (rows x width, row-major). */
function sparseTransposeTimesDense(matrix: SparseRows, Y: Float64Array, width: number): Float64Array {
  const out = new Float64Array(matrix.columnCount * width);
  for (let r = 0; r < rowCount(matrix); r++) {
    const source = Y.subarray(r * width, (r + 1) * width);
    for (let p = matrix.rowStart[r]; p < matrix.rowStart[r + 1]; p++) {
      const value = matrix.values[p];
      const target = out.subarray(matrix.columns[p] * width, (matrix.columns[p] + 1) * width);
      for (let j = 0; j < width; j++) target[j] += value * source[j];
    }
  }
  return out;
}

/** Aᵀ B for row-major A and B of the same shape (rows x width): a width x width matrix. */
function crossProduct(A: Float64Array, B: Float64Array, rows: number, width: number): Float64Array {
  const out = new Float64Array(width * width);
  for (let r = 0; r < rows; r++) {
    const a = A.subarray(r * width, (r + 1) * width);
    const b = B.subarray(r * width, (r + 1) * width);
    for (let i = 0; i < width; i++) {
      const x = a[i];
      if (x === 0) continue;
      const target = out.subarray(i * width, (i + 1) * width);
      for (let j = 0; j < width; j++) target[j] += x * b[j];
    }
  }
  // rounding can leave the two halves a few ulps apart; the eigensolver wants exact symmetry
  for (let i = 0; i < width; i++) {
    for (let j = 0; j < i; j++) out[i * width + j] = out[j * width + i] = (out[i * width + j] + out[j * width + i]) / 2;
  }
  return out;
}

/** Dense M (rows x inner, row-major) times T (inner x width, row-major). */
function denseTimes(M: Float64Array, rows: number, inner: number, T: Float64Array, width: number): Float64Array {
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const m = M.subarray(r * inner, (r + 1) * inner);
    const target = out.subarray(r * width, (r + 1) * width);
    for (let t = 0; t < inner; t++) {
      const x = m[t];
      if (x === 0) continue;
      const source = T.subarray(t * width, (t + 1) * width);
      for (let j = 0; j < width; j++) target[j] += x * source[j];
    }
  }
  return out;
}

/**
 * Eigenvalues (descending) and eigenvectors (columns of a row-major n x n
 * matrix) of a symmetric matrix: Householder tridiagonalisation then the
 * implicit QL method (tred2/tql2 as in EISPACK and JAMA).
 */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const V = Float64Array.from(matrix);
  const { d, e } = tridiagonalise(V, n);
  diagonalise(V, d, e, n);
  return byDescendingValue(V, d, n);
}

/**
 * tred2: reduces symmetric V to tridiagonal form, its diagonal in d and its
 * subdiagonal in e[1..], and leaves in V the orthogonal transformation that does it.
 */
function tridiagonalise(V: Float64Array, n: number): { d: Float64Array; e: Float64Array } {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) d[j] = V[(n - 1) * n + j];
  for (let i = n - 1; i > 0; i--) {
    let scale = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]);
    d[i] = scale === 0 ? skipRow(V, d, e, n, i) : reflectRow(V, d, e, n, i, scale);
  }
  accumulateTransformations(V, d, n);
  e[0] = 0;
  return { d, e };
}

/** Row i is already zero left of the subdiagonal: nothing to reflect (tred2's h is 0). */
function skipRow(V: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number): number {
  e[i] = d[i - 1];
  for (let j = 0; j < i; j++) {
    d[j] = V[(i - 1) * n + j];
    V[i * n + j] = 0;
    V[j * n + i] = 0;
  }
  return 0;
}

/** A Householder reflection that zeroes row i left of its subdiagonal, applied to the rows and columns above it; returns tred2's h. */
function reflectRow(V: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number, scale: number): number {
  let h = 0;
  for (let k = 0; k < i; k++) {
    d[k] /= scale;
    h += d[k] * d[k];
  }
  const f = d[i - 1];
  const g = f > 0 ? -Math.sqrt(h) : Math.sqrt(h);
  e[i] = scale * g;
  h -= f * g;
  d[i - 1] = f - g;
  applyReflection(V, d, e, n, i, h);
  return h;
}

/** The reflection of reflectRow (its vector in d[0..i), h its scale) applied to the leading i x i block of V: A' = A - v qᵀ - q vᵀ. */
function applyReflection(V: Float64Array, d: Float64Array, e: Float64Array, n: number, i: number, h: number): void {
  for (let j = 0; j < i; j++) e[j] = 0;
  for (let j = 0; j < i; j++) {
    const f = d[j];
    V[j * n + i] = f;
    let g = e[j] + V[j * n + j] * f;
    for (let k = j + 1; k <= i - 1; k++) {
      g += V[k * n + j] * d[k];
      e[k] += V[k * n + j] * f;
    }
    e[j] = g;
  }
  let f = 0;
  for (let j = 0; j < i; j++) {
    e[j] /= h;
    f += e[j] * d[j];
  }
  const hh = f / (h + h);
  for (let j = 0; j < i; j++) e[j] -= hh * d[j];
  for (let j = 0; j < i; j++) {
    const fj = d[j];
    const gj = e[j];
    for (let k = j; k <= i - 1; k++) V[k * n + j] -= fj * e[k] + gj * d[k];
    d[j] = V[(i - 1) * n + j];
    V[i * n + j] = 0;
  }
}

/** The end of tred2: the reflections stored in V multiplied out into the orthogonal matrix, and the diagonal read into d. */
function accumulateTransformations(V: Float64Array, d: Float64Array, n: number): void {
  for (let i = 0; i < n - 1; i++) {
    V[(n - 1) * n + i] = V[i * n + i];
    V[i * n + i] = 1;
    const h = d[i + 1];
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = V[k * n + i + 1] / h;
      for (let j = 0; j <= i; j++) {
        let g = 0;
        for (let k = 0; k <= i; k++) g += V[k * n + i + 1] * V[k * n + j];
        for (let k = 0; k <= i; k++) V[k * n + j] -= g * d[k];
      }
    }
    for (let k = 0; k <= i; k++) V[k * n + i + 1] = 0;
  }
  for (let j = 0; j < n; j++) {
    d[j] = V[(n - 1) * n + j];
    V[(n - 1) * n + j] = 0;
  }
  if (n > 0) V[n * n - 1] = 1;
}

/** tql2: diagonalises the tridiagonal matrix (d, e) by implicit QL steps, rotating V along: d ends as the eigenvalues, V's columns as the eigenvectors. */
function diagonalise(V: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i];
  if (n > 0) e[n - 1] = 0;
  let shift = 0;
  let largest = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    largest = Math.max(largest, Math.abs(d[l]) + Math.abs(e[l]));
    let m = l;
    while (m < n && Math.abs(e[m]) > eps * largest) m++;
    if (m > l) {
      do shift += qlStep(V, d, e, n, l, m);
      while (Math.abs(e[l]) > eps * largest);
    }
    d[l] += shift;
    e[l] = 0;
  }
}

/** One implicit QL step on the block l..m (Wilkinson's shift, then Givens rotations from m up to l, applied to V too); returns the shift taken from the diagonal. */
function qlStep(V: Float64Array, d: Float64Array, e: Float64Array, n: number, l: number, m: number): number {
  let g = d[l];
  let p = (d[l + 1] - g) / (2 * e[l]);
  let r = Math.hypot(p, 1);
  if (p < 0) r = -r;
  d[l] = e[l] / (p + r);
  d[l + 1] = e[l] * (p + r);
  const dl1 = d[l + 1];
  const shift = g - d[l];
  for (let i = l + 2; i < n; i++) d[i] -= shift;
  p = d[m];
  let c = 1;
  let c2 = c;
  let c3 = c;
  const el1 = e[l + 1];
  let s = 0;
  let s2 = 0;
  for (let i = m - 1; i >= l; i--) {
    c3 = c2;
    c2 = c;
    s2 = s;
    g = c * e[i];
    const h = c * p;
    r = Math.hypot(p, e[i]);
    e[i + 1] = s * r;
    s = e[i] / r;
    c = p / r;
    p = c * d[i] - s * g;
    d[i + 1] = h + s * (c * g + s * d[i]);
    rotateColumns(V, n, i, c, s);
  }
  p = (-s * s2 * c3 * el1 * e[l]) / dl1;
  e[l] = s * p;
  d[l] = c * p;
  return shift;
}

/** Columns i and i + 1 of V turned by the Givens rotation (c, s). */
function rotateColumns(V: Float64Array, n: number, i: number, c: number, s: number): void {
  for (let k = 0; k < n; k++) {
    const h = V[k * n + i + 1];
    V[k * n + i + 1] = s * V[k * n + i] + c * h;
    V[k * n + i] = c * V[k * n + i] - s * h;
  }
}

/** The eigenpairs sorted by value, largest first (ties in their order), the vectors as columns. */
function byDescendingValue(V: Float64Array, d: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => d[b] - d[a] || a - b);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((source, j) => {
    values[j] = d[source];
    for (let k = 0; k < n; k++) vectors[k * n + j] = V[k * n + source];
  });
  return { values, vectors };
}

/** Eigenvalues below this share of the largest (singular values below 1e-6 of the largest) are rounding noise: their directions are dropped. */
const NULL_EIGENVALUE = 1e-12;

/**
 * Orthonormal columns spanning the columns of M (rows x width), via the
 * eigenvectors of MᵀM. Directions M does not span (duplicate documents,
 * fewer documents than columns) come out as zero columns instead of noise.
 */
function orthonormalColumns(M: Float64Array, rows: number, width: number): Float64Array {
  const { values, vectors } = symmetricEigen(crossProduct(M, M, rows, width), width);
  const T = new Float64Array(width * width);
  for (let j = 0; j < width; j++) {
    if (!(values[j] > values[0] * NULL_EIGENVALUE)) continue;
    const scale = 1 / Math.sqrt(values[j]);
    for (let k = 0; k < width; k++) T[k * width + j] = vectors[k * width + j] * scale;
  }
  return denseTimes(M, rows, width, T, width);
}

export interface TruncatedSvd {
  /** Right singular vectors: columnCount x rank, row-major (one row per column of the matrix). */
  vectors: Float64Array;
  singularValues: Float64Array;
  rank: number;
}

/** Extra random directions beyond the rank asked for, so the top ones converge. */
const OVERSAMPLING = 10;

/**
 * The top right singular vectors of a sparse matrix. One power iteration was
 * as good as two on the evaluation corpora; the caller adds a pass over the
 * whole corpus on top. Each singular vector's sign is fixed so that its
 * largest entry is positive: the result depends on the matrix alone.
 */
export function truncatedSvd(matrix: SparseRows, rank: number, seed: number): TruncatedSvd {
  const rows = rowCount(matrix);
  const width = Math.min(rank + OVERSAMPLING, rows, matrix.columnCount);
  const random = seededRandom(seed);
  const omega = new Float64Array(matrix.columnCount * width);
  for (let i = 0; i < omega.length; i++) omega[i] = random() * 2 - 1;

  let Q = orthonormalColumns(sparseTimesDense(matrix, omega, width), rows, width);
  Q = orthonormalColumns(sparseTimesDense(matrix, sparseTransposeTimesDense(matrix, Q, width), width), rows, width);

  // B = QᵀA; the eigenvectors of B Bᵀ = Qᵀ A Aᵀ Q (width x width, built in row space: rows < columns
  // at scale) give the right singular vectors as Bᵀ w / σ.
  const Bt = sparseTransposeTimesDense(matrix, Q, width);
  const { values, vectors } = symmetricEigen(crossProduct(Q, sparseTimesDense(matrix, Bt, width), rows, width), width);
  // directions with no weight (fewer distinct papers than asked for) are dropped, not kept as noise
  let kept = 0;
  while (kept < Math.min(rank, width) && values[kept] > values[0] * NULL_EIGENVALUE) kept++;
  const singularValues = new Float64Array(kept);
  const toVectors = new Float64Array(width * kept);
  for (let j = 0; j < kept; j++) {
    singularValues[j] = Math.sqrt(values[j]);
    for (let t = 0; t < width; t++) toVectors[t * kept + j] = vectors[t * width + j] / singularValues[j];
  }
  const right = denseTimes(Bt, matrix.columnCount, width, toVectors, kept);
  fixSigns(right, matrix.columnCount, kept);
  return { vectors: right, singularValues, rank: kept };
}

/** Makes the largest-magnitude entry of each column positive (first one on ties). */
export function fixSigns(M: Float64Array, rows: number, width: number): void {
  for (let j = 0; j < width; j++) {
    let largest = 0;
    for (let r = 1; r < rows; r++) if (Math.abs(M[r * width + j]) > Math.abs(M[largest * width + j])) largest = r;
    if (M[largest * width + j] < 0) for (let r = 0; r < rows; r++) M[r * width + j] = -M[r * width + j];
  }
}
