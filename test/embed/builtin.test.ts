import { describe, expect, test } from 'vitest';
import { symmetricEigen, truncatedSvd, type SparseRows } from '../../src/embed/builtin-svd.js';
import { seededRandom } from '../../src/shared/random.js';
import { deserializeBuiltin, embedWithBuiltin, fitBuiltin, serializeBuiltin } from '../../src/embed/builtin.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';

const papers = readInputs(listInputFiles(['seeds'])).papers;
const texts = papers.map((paper) => `${paper.title}. ${paper.abstract}`);
const model = fitBuiltin(texts);
const vectors = embedWithBuiltin(model, texts);

function row(all: Float32Array, i: number): Float32Array {
  return all.subarray(i * model.dim, (i + 1) * model.dim);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let j = 0; j < a.length; j++) dot += a[j] * b[j];
  return dot;
}

function norm(vector: Float32Array): number {
  return Math.sqrt(cosine(vector, vector));
}

/** Position of the seed paper whose title starts with `start`. */
function paper(start: string): number {
  const found = papers.findIndex((p) => p.title.startsWith(start));
  if (found < 0) throw new Error(`no seed paper titled "${start}..."`);
  return found;
}

function bytes(floats: Float32Array): Buffer {
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength);
}

describe('builtin embedder on the seed papers', () => {
  test('gives every paper a unit vector of 384 dimensions', () => {
    expect(papers.length).toBe(408);
    expect(model.dim).toBe(384);
    expect(vectors.length).toBe(408 * 384);
    for (let i = 0; i < papers.length; i++) expect(norm(row(vectors, i))).toBeCloseTo(1, 5);
  });

  test('is deterministic: the same texts give byte-identical models and vectors', () => {
    const again = fitBuiltin(texts);
    expect(Buffer.from(serializeBuiltin(again)).equals(Buffer.from(serializeBuiltin(model)))).toBe(true);
    expect(bytes(embedWithBuiltin(again, texts)).equals(bytes(vectors))).toBe(true);
  });

  test('a model read back from its bytes gives identical vectors', () => {
    // a Buffer from readFileSync can start at any offset of a shared pool
    const file = Buffer.concat([Buffer.from([7, 7, 7]), Buffer.from(serializeBuiltin(model))]).subarray(3);
    const loaded = deserializeBuiltin(file);
    expect(loaded.dim).toBe(model.dim);
    expect(loaded.terms).toEqual(model.terms);
    expect(bytes(embedWithBuiltin(loaded, texts)).equals(bytes(vectors))).toBe(true);
    // compact: float32 weights for each term, not JSON
    expect(serializeBuiltin(model).length).toBeLessThan(model.terms.length * (model.topics * 4 + 20) + 1000);
  });

  test('a title finds its own abstract first for most papers', () => {
    // fitted on the abstracts only, as the evaluation does: 90.7% rank-1, MRR 0.939 when written
    const abstracts = papers.map((p) => p.abstract);
    const onAbstracts = fitBuiltin(abstracts);
    const titleVectors = embedWithBuiltin(
      onAbstracts,
      papers.map((p) => p.title),
    );
    const abstractVectors = embedWithBuiltin(onAbstracts, abstracts);
    let first = 0;
    let reciprocal = 0;
    for (let i = 0; i < papers.length; i++) {
      const own = cosine(row(titleVectors, i), row(abstractVectors, i));
      let rank = 1;
      for (let j = 0; j < papers.length; j++) if (j !== i && cosine(row(titleVectors, i), row(abstractVectors, j)) >= own) rank++;
      if (rank === 1) first++;
      reciprocal += 1 / rank;
    }
    expect(first / papers.length).toBeGreaterThan(0.88);
    expect(reciprocal / papers.length).toBeGreaterThan(0.92);
  });

  test('related papers are nearer than unrelated ones', () => {
    const cotValve = row(vectors, paper('CoT-Valve: Length-Compressible Chain-of-Thought Tuning'));
    const shorterCot = row(vectors, paper('C3oT: Generating Shorter Chain-of-Thought'));
    const speechEfficiency = row(vectors, paper('Training and Inference Efficiency of Encoder-Decoder Speech Models'));
    const speechSynthesis = row(vectors, paper('F5-TTS: A Fairytaler that Fakes Fluent and Faithful Speech'));
    expect(cosine(cotValve, shorterCot)).toBeGreaterThan(cosine(cotValve, speechSynthesis) + 0.1);
    expect(cosine(speechEfficiency, speechSynthesis)).toBeGreaterThan(cosine(speechEfficiency, cotValve) + 0.1);
  });

  test('a free-text query, embedded with the saved model, finds the paper it describes', () => {
    const saved = deserializeBuiltin(serializeBuiltin(model));
    const queries = embedWithBuiltin(saved, ['speech synthesis with flow matching', 'making chain-of-thought shorter']);
    const best = (query: Float32Array) =>
      papers[papers.map((_, i) => i).sort((a, b) => cosine(query, row(vectors, b)) - cosine(query, row(vectors, a)))[0]].title;
    expect(best(row(queries, 0))).toMatch(/^F5-TTS/);
    expect(best(row(queries, 1))).toMatch(/^C3oT/);
  });

  test('text with no known word still gets a unit vector: the first axis', () => {
    const empty = embedWithBuiltin(model, ['', 'the of and with', 'qwxzzy vbnmmq']);
    for (let i = 0; i < 3; i++) {
      expect(norm(row(empty, i))).toBe(1);
      expect(row(empty, i)[0]).toBe(1);
    }
  });

  test('a different corpus gives a different fit', () => {
    expect(Buffer.from(serializeBuiltin(fitBuiltin(texts.slice(1)))).equals(Buffer.from(serializeBuiltin(model)))).toBe(false);
  });
});

describe('builtin embedder on tiny corpora', () => {
  test('fewer papers than topic axes: unit vectors, unused axes zero', () => {
    const tiny = fitBuiltin(['Graph neural networks for molecules', 'Speech synthesis with diffusion', 'Graph transformers for molecules']);
    expect(tiny.dim).toBe(384);
    expect(tiny.topics).toBeLessThanOrEqual(3);
    const tinyVectors = embedWithBuiltin(tiny, ['graph molecules', 'speech', 'graph networks']);
    for (let i = 0; i < 3; i++) {
      const vector = tinyVectors.subarray(i * 384, (i + 1) * 384);
      expect(norm(vector)).toBeCloseTo(1, 6);
      expect(vector.subarray(3, 256).every((value) => value === 0)).toBe(true);
    }
    const [graph, speech, networks] = [0, 1, 2].map((i) => tinyVectors.subarray(i * 384, (i + 1) * 384));
    expect(cosine(graph, networks)).toBeGreaterThan(cosine(graph, speech));
  });

  test('the same paper many times, or no papers at all', () => {
    const copies = fitBuiltin(Array(20).fill('Speech synthesis with diffusion models'));
    expect(copies.topics).toBe(1);
    expect(norm(embedWithBuiltin(copies, ['diffusion speech']))).toBeCloseTo(1, 6);
    const none = fitBuiltin([]);
    expect(Array.from(embedWithBuiltin(none, ['anything']).subarray(0, 2))).toEqual([1, 0]);
    expect(deserializeBuiltin(serializeBuiltin(none)).terms).toEqual([]);
  });

  test('bytes that are not a model are refused', () => {
    expect(() => deserializeBuiltin(new TextEncoder().encode('{"not": "a model"}'))).toThrow(/not a papermap builtin model/);
    expect(() => deserializeBuiltin(serializeBuiltin(model).subarray(0, 1000))).toThrow(/truncated or damaged/);
  });
});

describe('truncated SVD', () => {
  /** Sparse rows from dense ones. */
  function sparse(dense: number[][]): SparseRows {
    const rowStart = [0];
    const columns: number[] = [];
    const values: number[] = [];
    for (const row of dense) {
      row.forEach((value, column) => {
        if (value === 0) return;
        columns.push(column);
        values.push(value);
      });
      rowStart.push(columns.length);
    }
    return { rowStart: Int32Array.from(rowStart), columns: Int32Array.from(columns), values: Float64Array.from(values), columnCount: dense[0].length };
  }

  test('finds the singular values and vectors of a matrix worked by hand', () => {
    // the rows are 10 (0.6, 0.8, 0), 5 (0.8, -0.6, 0) and 2 (0, 0, 1), three orthogonal unit vectors,
    // so AᵀA = 100 v₁v₁ᵀ + 25 v₂v₂ᵀ + 4 v₃v₃ᵀ: singular values 10, 5, 2 on those vectors
    const svd = truncatedSvd(
      sparse([
        [6, 8, 0],
        [4, -3, 0],
        [0, 0, 2],
        [0, 0, 0],
      ]),
      3,
      1,
    );
    expect(svd.rank).toBe(3);
    expect(Array.from(svd.singularValues).map((s) => +s.toFixed(9))).toEqual([10, 5, 2]);
    const expected = [
      [0.6, 0.8, 0],
      [0.8, -0.6, 0],
      [0, 0, 1],
    ];
    // signs fixed: the largest entry of each vector is positive
    expected.forEach((vector, j) => vector.forEach((value, term) => expect(svd.vectors[term * 3 + j]).toBeCloseTo(value, 9)));
  });

  test('keeps only the directions the rows span', () => {
    // every row is a multiple of (1, 2, 0, 0): AᵀA = (1 + 1 + 4) (1, 2)(1, 2)ᵀ, so σ² = 6 × 5
    const svd = truncatedSvd(
      sparse([
        [1, 2, 0, 0],
        [1, 2, 0, 0],
        [2, 4, 0, 0],
        [0, 0, 0, 0],
      ]),
      3,
      1,
    );
    expect(svd.rank).toBe(1);
    expect(svd.singularValues[0]).toBeCloseTo(Math.sqrt(6 * 5), 9);
    expect(Array.from(svd.vectors).map((v) => +v.toFixed(9))).toEqual([+(1 / Math.sqrt(5)).toFixed(9), +(2 / Math.sqrt(5)).toFixed(9), 0, 0]);
  });
});

describe('symmetricEigen', () => {
  /** A V = V Λ column by column, VᵀV = I, and the values largest first. */
  function expectEigen(matrix: number[], n: number): Float64Array {
    const { values, vectors } = symmetricEigen(Float64Array.from(matrix), n);
    for (let j = 0; j < n; j++) {
      for (let row = 0; row < n; row++) {
        let product = 0;
        for (let k = 0; k < n; k++) product += matrix[row * n + k] * vectors[k * n + j];
        expect(product).toBeCloseTo(values[j] * vectors[row * n + j], 9);
      }
      for (let other = 0; other < n; other++) {
        let dot = 0;
        for (let k = 0; k < n; k++) dot += vectors[k * n + j] * vectors[k * n + other];
        expect(dot).toBeCloseTo(j === other ? 1 : 0, 9);
      }
      if (j > 0) expect(values[j]).toBeLessThanOrEqual(values[j - 1]);
    }
    return values;
  }

  test('a 2 x 2 worked by hand: [[2, 1], [1, 2]] has eigenvalues 3 and 1', () => {
    expect(Array.from(expectEigen([2, 1, 1, 2], 2)).map((value) => +value.toFixed(12))).toEqual([3, 1]);
  });

  test('a seeded random symmetric 12 x 12, and one with zero rows and repeated eigenvalues', () => {
    const random = seededRandom(3);
    const n = 12;
    const matrix = new Array<number>(n * n).fill(0);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) matrix[i * n + j] = matrix[j * n + i] = random() - 0.5;
    expectEigen(matrix, n);
    // diag(0, 5, 0, 5) with a coupling: zero rows make tred2 skip its reflection
    expect(Array.from(expectEigen([0, 0, 0, 0, 0, 5, 0, 1, 0, 0, 0, 0, 0, 1, 0, 5], 4)).map((value) => +value.toFixed(12))).toEqual([6, 4, 0, 0]);
  });

  test('no rows, and one row', () => {
    expect(symmetricEigen(new Float64Array(0), 0)).toEqual({ values: new Float64Array(0), vectors: new Float64Array(0) });
    expect(symmetricEigen(Float64Array.of(7), 1)).toEqual({ values: Float64Array.of(7), vectors: Float64Array.of(1) });
  });
});
