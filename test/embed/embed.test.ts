import { mkdtempSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { embed, loadQueryEmbedder, type EmbedOptions } from '../../src/embed/index.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { readVectors, writePapers, type Paper } from '../../src/shared/artifacts.js';
import { rmSync } from 'node:fs';

const TINY = 'test/fixtures/tiny-bert';
const seeds = readInputs(listInputFiles(['seeds'])).papers;

function outWith(papers: readonly Paper[]): string {
  const out = mkdtempSync(join(tmpdir(), 'papermap-embed-'));
  writePapers(out, papers);
  return out;
}

function options(out: string, model: string): EmbedOptions {
  return { out, model, batchSize: 4, offline: true, modelsDir: join(out, 'no-models') };
}

function norms(vectors: Float32Array, dim: number): number[] {
  return Array.from({ length: vectors.length / dim }, (_, row) => Math.hypot(...vectors.subarray(row * dim, (row + 1) * dim)));
}

afterEach(() => vi.restoreAllMocks());

describe('embed with the builtin embedder', () => {
  test('writes one unit vector per seed paper, then embeds nothing on a second run', async () => {
    const out = outWith(seeds);
    const first = await embed(options(out, 'builtin'));
    expect(first).toMatchObject({ papers: 408, model: 'builtin', dim: 384, embedded: 408, cached: 0 });
    const { info, vectors } = readVectors(out);
    expect(info).toMatchObject({ model: 'builtin', dim: 384, count: 408, normalized: true });
    expect(info.modelIdentity).toMatch(/^builtin-lsa-v\d+:[0-9a-f]{16}$/);
    for (const norm of norms(vectors, 384)) expect(norm).toBeCloseTo(1, 5);
    const second = await embed(options(out, 'builtin'));
    expect(second).toMatchObject({ embedded: 0, cached: 408 });
    expect(readVectors(out).vectors).toEqual(vectors);
  });
});

describe('embed with a transformers.js model folder (the tiny BERT)', () => {
  test('embeds only papers it has not seen, and a killed run resumes from the cache', async () => {
    const out = outWith(seeds.slice(0, 20));
    expect(await embed(options(out, TINY))).toMatchObject({ papers: 20, model: TINY, dim: 32, embedded: 20, cached: 0 });
    const first = readVectors(out).vectors;
    for (const norm of norms(first, 32)) expect(norm).toBeCloseTo(1, 5);

    expect(await embed(options(out, TINY))).toMatchObject({ embedded: 0, cached: 20 });

    // ten new papers: only they are embedded, and the first twenty keep their vectors
    writePapers(out, seeds.slice(0, 30));
    expect(await embed(options(out, TINY))).toMatchObject({ papers: 30, embedded: 10, cached: 20 });
    const grown = readVectors(out).vectors;
    expect(grown.subarray(0, 20 * 32)).toEqual(first);

    // a run killed mid-write: the cache's last record is torn and vectors.json never came
    const cacheDir = join(out, 'cache');
    const cacheFile = join(cacheDir, readdirSync(cacheDir).find((name) => name.endsWith('.vectors'))!);
    truncateSync(cacheFile, statSync(cacheFile).size - 50);
    rmSync(join(out, 'vectors.json'));
    expect(await embed(options(out, TINY))).toMatchObject({ papers: 30, embedded: 1, cached: 29 });
    expect(readVectors(out).vectors).toEqual(grown);
  });

  test('queries are embedded with the same model into the same space', async () => {
    const out = outWith(seeds.slice(0, 5));
    await embed(options(out, TINY));
    const { info, vectors } = readVectors(out);
    const embedder = await loadQueryEmbedder(out, info, join(out, 'no-models'));
    const text = `${seeds[2].title}. ${seeds[2].abstract}`;
    const query = await embedder.embed([text, 'another query']);
    await embedder.dispose();
    expect(Array.from(query.subarray(0, 32)).map((x) => x.toFixed(5))).toEqual(Array.from(vectors.subarray(2 * 32, 3 * 32)).map((x) => x.toFixed(5)));
  });
});

describe('choosing the model', () => {
  test('auto falls back to the builtin embedder with a one-line notice, and records why', async () => {
    const out = outWith(seeds.slice(0, 50));
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const summary = await embed(options(out, 'auto'));
    const written = stderr.mock.calls.map((call) => String(call[0]));
    expect(summary.model).toBe('builtin');
    expect(summary.fallbackReason).toBe(`MiniLM not found in ${join(out, 'no-models', 'Xenova', 'all-MiniLM-L6-v2')}/ (--offline: no download tried)`);
    const notice = written.find((line) => line.includes('using the builtin embedder'))!;
    expect(notice.trimEnd().split('\n')).toHaveLength(1);
    expect(notice).toContain('papermap fetch-model');
    expect(readVectors(out).info.fallbackReason).toBe(summary.fallbackReason);
  });

  test('minilm without its weights fails with what to do, and writes nothing', async () => {
    const out = outWith(seeds.slice(0, 5));
    await expect(embed(options(out, 'minilm'))).rejects.toThrow(/^MiniLM not found in .*no-models\/Xenova\/all-MiniLM-L6-v2\/ \(--offline: no download tried\); run `papermap fetch-model`, or on an air-gapped machine copy config\.json, tokenizer_config\.json, tokenizer\.json, onnx\/model_quantized\.onnx from https:\/\/huggingface\.co\/Xenova\/all-MiniLM-L6-v2 into .*, or use --model builtin$/);
    expect(() => readFileSync(join(out, 'vectors.json'))).toThrow();
  });

  test('an unknown model name is refused', async () => {
    await expect(embed(options(outWith(seeds.slice(0, 5)), 'gpt-17'))).rejects.toThrow('unknown model "gpt-17": use auto, minilm, builtin, or the path of a transformers.js model folder');
  });
});
