import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { embedWithBuiltin, fitBuiltin } from '../../src/embed/builtin.js';
import { paperText } from '../../src/embed/index.js';
import { DEFAULT_HNSW } from '../../src/index/index.js';
import { buildAndSearch } from '../../src/index/threads.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { bytesOf, sha256File } from '../../src/shared/files.js';
import { seededRandom } from '../../src/shared/random.js';

describe('building the index and searching every paper in worker threads', () => {
  test('gives exactly what the main thread gives, from the same index file', async () => {
    // the seed papers' builtin vectors, and more drawn near them: a few thousand papers with real neighbourhoods
    const seeds = readInputs(listInputFiles(['seeds'])).papers.map(paperText);
    const real = embedWithBuiltin(fitBuiltin(seeds), seeds);
    const dim = real.length / seeds.length;
    const count = 3000;
    const vectors = new Float32Array(new SharedArrayBuffer(count * dim * 4));
    vectors.set(real);
    const random = seededRandom(5);
    for (let row = seeds.length; row < count; row++) {
      const source = Math.floor(random() * seeds.length);
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += (vectors[row * dim + d] = real[source * dim + d] + (random() - 0.5) * 0.1) ** 2;
      for (let d = 0; d < dim; d++) vectors[row * dim + d] /= Math.sqrt(norm);
    }
    const dir = mkdtempSync(join(tmpdir(), 'papermap-threads-'));

    const single = await buildAndSearch(vectors, dim, DEFAULT_HNSW, join(dir, 'single.hnsw'), 10, Infinity);
    const parallel = await buildAndSearch(vectors, dim, DEFAULT_HNSW, join(dir, 'parallel.hnsw'), 10, 0);

    expect(sha256File(join(dir, 'parallel.hnsw'))).toBe(sha256File(join(dir, 'single.hnsw')));
    expect(Buffer.from(bytesOf(parallel.labels)).equals(Buffer.from(bytesOf(single.labels)))).toBe(true);
    expect(Buffer.from(bytesOf(parallel.scores)).equals(Buffer.from(bytesOf(single.scores)))).toBe(true);
    // and it is an answer: every paper has its 10 nearest, itself not among them
    expect(parallel.labels.every((row, slot) => row >= 0 && row !== Math.floor(slot / 10))).toBe(true);
  });
});
