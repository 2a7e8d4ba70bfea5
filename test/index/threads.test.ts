import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { embedWithBuiltin, fitBuiltin } from '../../src/embed/builtin.js';
import { paperText } from '../../src/embed/index.js';
import { DEFAULT_HNSW } from '../../src/index/index.js';
import { buildAndSearch } from '../../src/index/threads.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { bytesOf, sha256File } from '../../src/shared/files.js';
import { seededRandom } from '../../src/shared/random.js';
import { oneLine, papermapInBackground, waitFor } from '../hostile/hostile.js';
import { folderWithVectors } from '../helpers.js';
import { tempFolder } from '../temp.js';

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
    const dir = tempFolder('threads');

    const single = await buildAndSearch(vectors, dim, DEFAULT_HNSW, join(dir, 'single.hnsw'), 10, Infinity);
    const parallel = await buildAndSearch(vectors, dim, DEFAULT_HNSW, join(dir, 'parallel.hnsw'), 10, 0);

    expect(sha256File(join(dir, 'parallel.hnsw'))).toBe(sha256File(join(dir, 'single.hnsw')));
    expect(Buffer.from(bytesOf(parallel.labels)).equals(Buffer.from(bytesOf(single.labels)))).toBe(true);
    expect(Buffer.from(bytesOf(parallel.scores)).equals(Buffer.from(bytesOf(single.scores)))).toBe(true);
    // and it is an answer: every paper has its 10 nearest, itself not among them
    expect(parallel.labels.every((row, slot) => row >= 0 && row !== Math.floor(slot / 10))).toBe(true);
  });

  test("Ctrl-C while the workers search: exit 130 with the runner's one line, hnswlib not stopped mid-call", async () => {
    const count = 20_000;
    const dim = 64;
    const random = seededRandom(9);
    const vectors = new Float32Array(count * dim);
    for (let row = 0; row < count; row++) {
      let norm = 0;
      for (let d = 0; d < dim; d++) norm += (vectors[row * dim + d] = random() - 0.5) ** 2;
      for (let d = 0; d < dim; d++) vectors[row * dim + d] /= Math.sqrt(norm);
    }
    const out = tempFolder('threads');
    folderWithVectors(
      out,
      Array.from({ length: count }, (_, row) => ({ id: `p${row}`, title: `Paper ${row}`, abstract: '', sources: ['x'], metadata: {} })),
      vectors,
      dim,
    );
    const run = papermapInBackground(['index', '--out', out]);
    // the build worker has saved the index; a second later the searchers are at work (for seconds, here)
    await waitFor(() => existsSync(join(out, '.papermap-staging', 'index.hnsw')) || run.child.exitCode !== null, 300, 'the saved index');
    await new Promise((done) => setTimeout(done, 1000));
    expect(run.child.exitCode).toBe(null);
    run.child.kill('SIGINT');
    expect((await run.exited).code).toBe(130);
    expect(run.stderr()).toBe(
      oneLine('interrupted during index: no stage had finished, index left the output folder as it was; run the same command again to go on from there'),
    );
  });
});
