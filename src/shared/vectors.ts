/** Dot product of two vectors stored at offsets of row-major matrices; the cosine similarity of unit vectors. */
export function dot(a: Float32Array, aOffset: number, b: Float32Array, bOffset: number, dim: number): number {
  let sum = 0;
  for (let d = 0; d < dim; d++) sum += a[aOffset + d] * b[bOffset + d];
  return sum;
}

/** The given rows of a row-major matrix of vectors, as a new matrix. */
export function gatherRows(vectors: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  const gathered = new Float32Array(rows.length * dim);
  for (let index = 0; index < rows.length; index++) gathered.set(vectors.subarray(rows[index] * dim, (rows[index] + 1) * dim), index * dim);
  return gathered;
}
