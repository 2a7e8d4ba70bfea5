/**
 * Sentence-transformers pooling for all-MiniLM-L6-v2: the mean of the token
 * vectors over the attention mask (padding does not count), then L2
 * normalisation so that cosine similarity is a dot product.
 *
 * `hidden` is [batch, tokens, dim] row-major, `mask` is [batch, tokens].
 * Returns [batch, dim] row-major unit vectors.
 */
export function meanPoolNormalize(hidden: Float32Array, mask: ArrayLike<number | bigint>, batch: number, tokens: number, dim: number): Float32Array {
  if (hidden.length !== batch * tokens * dim) throw new Error(`hidden state has ${hidden.length} values, expected ${batch}x${tokens}x${dim}`);
  const pooled = new Float32Array(batch * dim);
  const sum = new Float64Array(dim);
  for (let b = 0; b < batch; b++) {
    sum.fill(0);
    let count = 0;
    for (let t = 0; t < tokens; t++) {
      if (Number(mask[b * tokens + t]) === 0) continue;
      count++;
      const offset = (b * tokens + t) * dim;
      for (let d = 0; d < dim; d++) sum[d] += hidden[offset + d];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      sum[d] /= Math.max(count, 1);
      norm += sum[d] * sum[d];
    }
    // same floor as torch.nn.functional.normalize, so an all-zero vector stays zero instead of NaN
    const scale = 1 / Math.max(Math.sqrt(norm), 1e-12);
    for (let d = 0; d < dim; d++) pooled[b * dim + d] = sum[d] * scale;
  }
  return pooled;
}
