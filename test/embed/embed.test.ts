import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { embedWithTransformer, loadQueryEmbedder, planEmbedding } from '../../src/embed/index.js';
import { resolveModel } from '../../src/embed/model.js';
import { embedStage } from '../../src/embed/stage.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { OutputFolder } from '../../src/store/folder.js';
import { readVectors, type Paper } from '../../src/store/read.js';
import { folderWith, runStage } from '../helpers.js';
import { tempFolder } from '../temp.js';

const TINY = 'test/fixtures/tiny-bert';
const seeds = readInputs(listInputFiles(['seeds'])).papers;

function outWith(papers: readonly Paper[]): string {
  const out = tempFolder('embed');
  folderWith(out, papers);
  mkdirSync(join(out, 'cache'));
  return out;
}

const embedInto = (out: string, model: string, shard?: { index: number; count: number }) => runStage(embedStage, out, { model, batchSize: 4, shard });
const vectorsOf = (out: string) => readVectors(OutputFolder.existing(out));

function norms(vectors: Float32Array, dim: number): number[] {
  return Array.from({ length: vectors.length / dim }, (_, row) => Math.hypot(...vectors.subarray(row * dim, (row + 1) * dim)));
}

afterEach(() => vi.restoreAllMocks());

describe('embed with the builtin embedder', () => {
  test('writes one unit vector per seed paper, then embeds nothing on a second run', async () => {
    const out = outWith(seeds);
    const first = await embedInto(out, 'builtin');
    expect(first).toMatchObject({ papers: 408, model: 'builtin', dim: 384, embedded: 408, cached: 0 });
    const { info, vectors } = vectorsOf(out);
    expect(info).toMatchObject({ model: 'builtin', dim: 384, count: 408, normalized: true });
    expect(info.modelIdentity).toMatch(/^builtin-lsa-v\d+:[0-9a-f]{16}$/);
    for (const norm of norms(vectors, 384)) expect(norm).toBeCloseTo(1, 5);
    const second = await embedInto(out, 'builtin');
    expect(second).toMatchObject({ embedded: 0, cached: 408 });
    expect(vectorsOf(out).vectors).toEqual(vectors);
  });
});

describe('embed with a transformers.js model folder (the tiny BERT)', () => {
  test('embeds only papers it has not seen, and a killed run resumes from the cache', async () => {
    const out = outWith(seeds.slice(0, 20));
    expect(await embedInto(out, TINY)).toMatchObject({ papers: 20, model: TINY, dim: 32, embedded: 20, cached: 0 });
    const first = vectorsOf(out).vectors;
    for (const norm of norms(first, 32)) expect(norm).toBeCloseTo(1, 5);

    expect(await embedInto(out, TINY)).toMatchObject({ embedded: 0, cached: 20 });

    // ten new papers: only they are embedded, and the first twenty keep their vectors
    folderWith(out, seeds.slice(0, 30));
    expect(await embedInto(out, TINY)).toMatchObject({ papers: 30, embedded: 10, cached: 20 });
    const grown = vectorsOf(out).vectors;
    expect(grown.subarray(0, 20 * 32)).toEqual(first);

    // a run killed mid-write: the cache's last record is torn
    const cacheDir = join(out, 'cache');
    const cacheFile = join(cacheDir, readdirSync(cacheDir).find((name) => name.endsWith('.vectors'))!);
    truncateSync(cacheFile, statSync(cacheFile).size - 50);
    expect(await embedInto(out, TINY)).toMatchObject({ papers: 30, embedded: 1, cached: 29 });
    expect(vectorsOf(out).vectors).toEqual(grown);
  });

  test('a damaged cache record is embedded again, never served', async () => {
    const out = outWith(seeds.slice(0, 4));
    await embedInto(out, TINY);
    const good = vectorsOf(out).vectors;
    const cacheDir = join(out, 'cache');
    const cacheFile = join(cacheDir, readdirSync(cacheDir).find((name) => name.endsWith('.vectors'))!);
    const bytes = readFileSync(cacheFile);
    bytes.fill(0x7f, 32, 32 + 16); // the first record's vector, after its 32-byte text hash: no longer a unit vector
    writeFileSync(cacheFile, bytes);
    expect(await embedInto(out, TINY)).toMatchObject({ embedded: 1, cached: 3 });
    expect(vectorsOf(out).vectors).toEqual(good);
    rmSync(cacheDir, { recursive: true });
    expect(await embedInto(out, TINY)).toMatchObject({ embedded: 4, cached: 0 });
    expect(vectorsOf(out).vectors).toEqual(good);
  });

  test('three shards of a CI matrix, gathered, give the vectors of one machine to the bit, with nothing left to embed', async () => {
    const papers = seeds.slice(0, 30);
    const single = outWith(papers);
    await embedInto(single, TINY);
    const gathered = outWith(papers);
    let embedded = 0;
    for (let index = 1; index <= 3; index++) {
      const job = outWith(papers);
      const summary = await embedInto(job, TINY, { index, count: 3 });
      expect(summary).toMatchObject({ shard: { index, count: 3 }, papers: 30 });
      embedded += summary.embedded;
      expect(() => readFileSync(join(job, 'vectors.f32'))).toThrow(); // a shard commits nothing
      // every shard writes vectors of its own name, so gathering never overwrites one (the labels are the same)
      for (const file of readdirSync(join(job, 'cache')))
        writeFileSync(join(gathered, 'cache', file), readFileSync(join(job, 'cache', file)), { flag: file.endsWith('.vectors') ? 'wx' : 'w' });
    }
    expect(embedded).toBe(30);
    expect(await embedInto(gathered, TINY)).toMatchObject({ embedded: 0, cached: 30 });
    expect(readFileSync(join(gathered, 'vectors.f32')).equals(readFileSync(join(single, 'vectors.f32')))).toBe(true);
  });

  test('texts read a part at a time (seven to a part) are embedded in the same batches, to the same vectors to the bit', async () => {
    const papers = seeds.slice(0, 30);
    const whole = outWith(papers);
    await embedInto(whole, TINY);
    const inParts = outWith(papers);
    const folder = OutputFolder.writable(inParts);
    const options = { model: TINY, batchSize: 4, shard: undefined };
    const writer = folder.begin('embed');
    const resolved = resolveModel(TINY);
    if (resolved.kind !== 'transformer') throw new Error(`${TINY} is not a transformer folder`);
    const plan = planEmbedding(folder, options);
    const reads = vi.spyOn(writer.store, 'forEachPaper');
    expect(await embedWithTransformer(plan, resolved, writer, options.batchSize, undefined, 7)).toMatchObject({ embedded: 30 });
    writer.abort();
    // one pass for the texts' lengths, then one for each part (batches of these short texts hold 4 to 7)
    expect(reads.mock.calls.length).toBeGreaterThanOrEqual(1 + Math.ceil(30 / 7));
    expect(await embedInto(inParts, TINY)).toMatchObject({ embedded: 0, cached: 30 });
    expect(readFileSync(join(inParts, 'vectors.f32')).equals(readFileSync(join(whole, 'vectors.f32')))).toBe(true);
  });

  test('queries are embedded with the same model into the same space', async () => {
    const out = outWith(seeds.slice(0, 5));
    await embedInto(out, TINY);
    const { info, vectors } = vectorsOf(out);
    const embedder = await loadQueryEmbedder(OutputFolder.existing(out), info);
    const text = `${seeds[2].title}. ${seeds[2].abstract}`;
    const query = await embedder.embed([text, 'another query']);
    await embedder.dispose();
    expect(Array.from(query.subarray(0, 32)).map((x) => x.toFixed(5))).toEqual(Array.from(vectors.subarray(2 * 32, 3 * 32)).map((x) => x.toFixed(5)));
  });
});

describe('choosing the model', () => {
  test('an unknown model name is refused, and nothing is written', async () => {
    const out = outWith(seeds.slice(0, 5));
    await expect(embedInto(out, 'gpt-17')).rejects.toThrow('unknown model "gpt-17": use auto, minilm, builtin, or the path of a transformers.js model folder');
    expect(() => readFileSync(join(out, 'vectors.json'))).toThrow();
  });
});
