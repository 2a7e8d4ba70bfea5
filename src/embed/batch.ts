/** Token ids of a batch padded to its longest text, as BERT encoders take them ([batch, tokens], int64). */
export interface PaddedBatch {
  inputIds: BigInt64Array;
  attentionMask: BigInt64Array;
  tokenTypeIds: BigInt64Array;
  dims: [number, number];
}

export function padBatch(batch: readonly (readonly number[])[]): PaddedBatch {
  const tokens = Math.max(...batch.map((ids) => ids.length));
  const inputIds = new BigInt64Array(batch.length * tokens);
  const attentionMask = new BigInt64Array(batch.length * tokens);
  batch.forEach((ids, row) => {
    for (let t = 0; t < ids.length; t++) {
      inputIds[row * tokens + t] = BigInt(ids[t]);
      attentionMask[row * tokens + t] = 1n;
    }
  });
  return { inputIds, attentionMask, tokenTypeIds: new BigInt64Array(batch.length * tokens), dims: [batch.length, tokens] };
}

/**
 * Groups texts into model calls: shortest first, so that a batch's texts have
 * about the same length and little compute goes to padding; each call holds
 * about `fullTexts` texts of `maxTokens` word pieces, so short texts travel
 * many to a call and the cost of a call is spread over them.
 * `lengths` are the texts' word-piece counts; returns positions into them.
 */
export function planBatches(lengths: readonly number[], fullTexts: number, maxTokens: number): number[][] {
  const budget = fullTexts * maxTokens;
  const order = lengths.map((_, position) => position).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const batches: number[][] = [];
  let batch: number[] = [];
  for (const position of order) {
    // sorted ascending, so this text is the longest of the batch it joins
    if (batch.length > 0 && (batch.length + 1) * lengths[position] > budget) {
      batches.push(batch);
      batch = [];
    }
    batch.push(position);
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
