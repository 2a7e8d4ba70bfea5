import { readFileSync } from 'node:fs';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { meanPoolNormalize } from '../../src/embed/pooling.js';
import { TransformerEmbedder } from '../../src/embed/transformer.js';
import { transformerIn } from '../../src/embed/model.js';

const TINY = 'test/fixtures/tiny-bert';
const reference = JSON.parse(readFileSync(`${TINY}/reference.json`, 'utf8')) as { texts: { text: string; input_ids: number[]; vector: number[] }[] };

function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

describe('meanPoolNormalize', () => {
  test('averages the unmasked tokens only and scales to unit length', () => {
    // batch 2, 3 tokens, dim 2; the second text has one padding token holding junk
    const hidden = new Float32Array([1, 0, 3, 0, 5, 0, 0, 2, 0, 4, 100, 100]);
    const pooled = meanPoolNormalize(hidden, [1, 1, 1, 1, 1, 0], 2, 3, 2);
    expect(Array.from(pooled)).toEqual([1, 0, 0, 1]);
    const unnormalised = meanPoolNormalize(new Float32Array([3, 4]), [1], 1, 1, 2);
    expect(Array.from(unnormalised).map((x) => x.toFixed(6))).toEqual(['0.600000', '0.800000']);
  });
});

describe('the transformers.js path on the tiny BERT fixture', () => {
  let embedder: TransformerEmbedder;
  beforeAll(async () => {
    embedder = await TransformerEmbedder.load(transformerIn(TINY, TINY));
  });
  afterAll(async () => embedder.dispose());

  test('loads offline and reads the model shape', () => {
    expect(embedder.dim).toBe(32);
    expect(embedder.maxTokens).toBe(256);
    expect(embedder.identity).toMatch(/^[0-9a-f]{16}:[0-9a-f]{8}:max256:mn:mean-l2$/);
  });

  test('tokenizes like the reference WordPiece and embeds like torch', async () => {
    const ids = reference.texts.map((item) => embedder.tokenize(item.text));
    expect(ids).toEqual(reference.texts.map((item) => item.input_ids));
    const vectors = await embedder.embedTokenized(ids);
    reference.texts.forEach((item, row) => {
      expect(maxAbsDifference(vectors.subarray(row * 32, (row + 1) * 32), item.vector)).toBeLessThan(1e-5);
    });
  });

  test('pools and normalises exactly like a direct onnxruntime computation, padding included', async () => {
    const ids = reference.texts.map((item) => item.input_ids);
    const tokens = Math.max(...ids.map((row) => row.length));
    const flatIds = new BigInt64Array(ids.length * tokens);
    const mask = new BigInt64Array(ids.length * tokens);
    ids.forEach((row, r) =>
      row.forEach((id, t) => {
        flatIds[r * tokens + t] = BigInt(id);
        mask[r * tokens + t] = 1n;
      }),
    );
    const session = await InferenceSession.create(`${TINY}/onnx/model.onnx`);
    const dims = [ids.length, tokens];
    const output = await session.run({
      input_ids: new Tensor('int64', flatIds, dims),
      attention_mask: new Tensor('int64', mask, dims),
      token_type_ids: new Tensor('int64', new BigInt64Array(flatIds.length), dims),
    });
    const hidden = output.last_hidden_state.data as Float32Array;
    // pooling written out independently: sum over unmasked tokens, divide, normalise
    const expected: number[] = [];
    for (let r = 0; r < ids.length; r++) {
      const mean = new Array(32).fill(0);
      for (let t = 0; t < ids[r].length; t++) for (let d = 0; d < 32; d++) mean[d] += hidden[(r * tokens + t) * 32 + d] / ids[r].length;
      const norm = Math.hypot(...mean);
      expected.push(...mean.map((x) => x / norm));
    }
    const vectors = await embedder.embedTokenized(ids);
    expect(maxAbsDifference(vectors, expected)).toBeLessThan(1e-6);
    for (let r = 0; r < ids.length; r++) expect(Math.hypot(...vectors.subarray(r * 32, (r + 1) * 32))).toBeCloseTo(1, 6);
  });

  test('a text embeds the same alone as in a padded batch', async () => {
    const [short, long] = [
      embedder.tokenize('speculative decoding'),
      embedder.tokenize('chain of thought prompting for arithmetic reasoning in large language models'),
    ];
    const batch = await embedder.embedTokenized([short, long]);
    expect(maxAbsDifference(batch.subarray(0, 32), await embedder.embedTokenized([short]))).toBeLessThan(1e-5);
    expect(maxAbsDifference(batch.subarray(32), await embedder.embedTokenized([long]))).toBeLessThan(1e-5);
  });

  test('cuts long texts at 256 word pieces and keeps the closing [SEP], as sentence-transformers does', () => {
    const ids = embedder.tokenize('inference acceleration '.repeat(400));
    expect(ids).toHaveLength(256);
    expect(ids[0]).toBe(2); // [CLS]
    expect(ids[255]).toBe(3); // [SEP]
    const pieces = embedder.tokenize('inference acceleration').slice(1, -1);
    expect(ids.slice(1, 255)).toEqual(Array.from({ length: 254 }, (_, i) => pieces[i % pieces.length]));
  });
});
