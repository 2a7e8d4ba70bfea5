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

/**
 * A short fingerprint of a vector's bytes (two 32-bit FNV-1a hashes): whether
 * a paper's vector changed since the index was built, without keeping the
 * old vectors.
 */
export function vectorFingerprint(vectors: Float32Array, row: number, dim: number): string {
  const words = new Uint32Array(vectors.buffer, vectors.byteOffset + row * dim * 4, dim);
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ dim;
  for (let i = 0; i < dim; i++) {
    a = Math.imul(a ^ words[i], 0x01000193) >>> 0;
    b = Math.imul(b ^ words[dim - 1 - i], 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

/** Float32 arrays one after another, in one array. */
export function concatenate(parts: readonly Float32Array[]): Float32Array {
  const joined = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}
