/**
 * Agreement of two labellings of the same papers: the adjusted Rand index
 * (Hubert & Arabie 1985), 1 for the same partition, about 0 for chance.
 * Labels are small non-negative integers; negative labels (outliers) count as
 * one more group.
 */
export function adjustedRand(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`labellings differ in length: ${a.length} vs ${b.length}`);
  const count = a.length;
  const shift = (labels: ArrayLike<number>) => Int32Array.from(labels as ArrayLike<number>, (label) => (label < 0 ? 0 : label + 1));
  const x = shift(a);
  const y = shift(b);
  // a loop, not Math.max(...x): a million arguments overflow the call stack
  const kx = x.reduce((most, label) => Math.max(most, label), 0) + 1;
  const ky = y.reduce((most, label) => Math.max(most, label), 0) + 1;
  const cells = new Float64Array(kx * ky);
  const rows = new Float64Array(kx);
  const columns = new Float64Array(ky);
  for (let i = 0; i < count; i++) {
    cells[x[i] * ky + y[i]]++;
    rows[x[i]]++;
    columns[y[i]]++;
  }
  const pairs = (n: number) => (n * (n - 1)) / 2;
  const sum = (values: Float64Array) => values.reduce((total, value) => total + pairs(value), 0);
  const together = sum(cells);
  const rowPairs = sum(rows);
  const columnPairs = sum(columns);
  const expected = (rowPairs * columnPairs) / Math.max(1, pairs(count));
  const best = (rowPairs + columnPairs) / 2;
  if (best === expected) return 1;
  return (together - expected) / (best - expected);
}

/**
 * For each group of `a`, the best Jaccard overlap with any group of `b`
 * (as sets of positions): how well that one topic is found again.
 */
export function bestMatchJaccard(a: ArrayLike<number>, ka: number, b: ArrayLike<number>, kb: number): Float64Array {
  const cells = new Float64Array(ka * kb);
  const sizesA = new Float64Array(ka);
  const sizesB = new Float64Array(kb);
  for (let i = 0; i < a.length; i++) {
    if (a[i] < 0 || b[i] < 0) continue;
    cells[a[i] * kb + b[i]]++;
    sizesA[a[i]]++;
    sizesB[b[i]]++;
  }
  const best = new Float64Array(ka);
  for (let p = 0; p < ka; p++) {
    for (let q = 0; q < kb; q++) {
      const both = cells[p * kb + q];
      if (both > 0) best[p] = Math.max(best[p], both / (sizesA[p] + sizesB[q] - both));
    }
  }
  return best;
}
