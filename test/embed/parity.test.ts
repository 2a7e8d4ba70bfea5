import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { checkShippedModel, SHIPPED_MODEL_DIR, transformerIn } from '../../src/embed/model.js';
import type { TransformerEmbedder } from '../../src/embed/transformer.js';
import { dot } from '../../src/shared/vectors.js';

/** Vectors sentence-transformers (PyTorch, fp32) computed for these texts: scripts/model/make-reference.py. */
const reference = z
  .object({ model: z.string(), texts: z.array(z.string()), wordPieces: z.array(z.number()), vectors: z.array(z.array(z.number()).length(384)) })
  .parse(JSON.parse(readFileSync('test/fixtures/minilm-reference/reference.json', 'utf8')));

describe('the shipped all-MiniLM-L6-v2 against sentence-transformers', () => {
  let embedder: TransformerEmbedder;
  const cosines: number[] = [];

  beforeAll(async () => {
    expect(checkShippedModel()).toBeUndefined();
    const { TransformerEmbedder } = await import('../../src/embed/transformer.js');
    embedder = await TransformerEmbedder.load(transformerIn(SHIPPED_MODEL_DIR, 'all-MiniLM-L6-v2'));
    // one text per call, as the embed stage runs a quantized model
    for (const [row, text] of reference.texts.entries()) {
      const vector = await embedder.embedTokenized([embedder.tokenize(text)]);
      cosines.push(dot(vector, 0, Float32Array.from(reference.vectors[row]), 0, 384));
    }
  });
  afterAll(() => embedder?.dispose());

  test('cuts texts at 256 word pieces as sentence-transformers does', () => {
    reference.texts.forEach((text, row) => expect(embedder.tokenize(text).length, text.slice(0, 40)).toBe(Math.min(256, reference.wordPieces[row])));
  });

  test('every text has cosine >= 0.99 to the reference, and the mean is >= 0.995', () => {
    const worst = cosines.map((cosine, row) => ({ cosine, text: reference.texts[row].slice(0, 50) })).sort((a, b) => a.cosine - b.cosine);
    expect(worst[0].cosine, JSON.stringify(worst.slice(0, 3))).toBeGreaterThanOrEqual(0.99);
    expect(cosines.reduce((sum, cosine) => sum + cosine, 0) / cosines.length).toBeGreaterThanOrEqual(0.995);
  });
});
