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
  for (let digit = 0; digit < 8; digit++) {
    HEX_DIGITS[digit] = HEX[(a >>> (28 - 4 * digit)) & 15];
    HEX_DIGITS[8 + digit] = HEX[(b >>> (28 - 4 * digit)) & 15];
  }
  // one flat string of 16 characters (32 bytes): two padded halves joined took 88 bytes a paper, held for every paper by the cluster stage
  return String.fromCharCode(...HEX_DIGITS);
}

const HEX = Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
/** The fingerprint's character codes: one array every call fills, not one a paper. */
const HEX_DIGITS = new Array<number>(16);

/** Float32 arrays one after another, in one array. */
export function concatenate(parts: readonly Float32Array[]): Float32Array {
  return joinInto(new Float32Array(lengthOf(parts)), parts);
}

/** Int32 arrays (paper rows) one after another, in one array. */
export function concatenateRows(parts: readonly Int32Array[]): Int32Array {
  return joinInto(new Int32Array(lengthOf(parts)), parts);
}

const lengthOf = (parts: readonly ArrayLike<number>[]) => parts.reduce((sum, part) => sum + part.length, 0);

function joinInto<T extends Float32Array | Int32Array>(joined: T, parts: readonly T[]): T {
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

/**
 * Every paper's vector, read a block of rows at a time, and a few rows on
 * demand: what a step over every vector needs without holding them all
 * (1.5 GB at a million papers of 384 dimensions).
 */
export interface VectorBlocks {
  readonly count: number;
  readonly dim: number;
  /** Every row in order, a block at a time; the block's array may be used again for the next: copy what is kept. */
  forEachBlock(onBlock: (start: number, vectors: Float32Array) => void): void;
  /** The vectors of some distinct rows, in the order given. */
  rows(rows: ArrayLike<number>): Float32Array;
}

/** Vectors held in memory as VectorBlocks, `blockRows` rows a block: for vectors a step has anyway, and for tests of the passes. */
export function blocksOf(vectors: Float32Array, dim: number, blockRows = 16_384): VectorBlocks {
  const count = vectors.length / dim;
  return {
    count,
    dim,
    forEachBlock: (onBlock) => {
      for (let start = 0; start < count; start += blockRows) onBlock(start, vectors.subarray(start * dim, Math.min(count, start + blockRows) * dim));
    },
    rows: (rows) => gatherRows(vectors, dim, rows),
  };
}

/** Every row of VectorBlocks in one array: for steps on so few papers, or so few dimensions, that this is no more than they hold anyway. */
export function allRows(source: VectorBlocks): Float32Array {
  const all = new Float32Array(source.count * source.dim);
  source.forEachBlock((start, vectors) => all.set(vectors, start * source.dim));
  return all;
}

/** Each paper's vector fingerprint (vectorFingerprint), by row. */
export function fingerprintsOver(source: VectorBlocks): string[] {
  const fingerprints = new Array<string>(source.count);
  source.forEachBlock((start, vectors) => {
    for (let row = 0; row * source.dim < vectors.length; row++) fingerprints[start + row] = vectorFingerprint(vectors, row, source.dim);
  });
  return fingerprints;
}
