/**
 * Quality figures for the evaluation scripts, as scikit-learn defines them:
 * clustering against true labels (NMI, ARI, V-measure) and retrieval ranks
 * (share ranked first, MRR). Pure functions of label and rank lists.
 */

export type Label = string | number;

/** Counts of papers per (true label, cluster) pair, with the row and column totals. */
function contingency(truth: readonly Label[], predicted: readonly Label[]) {
  if (truth.length !== predicted.length) throw new Error(`label lists differ in length: ${truth.length} vs ${predicted.length}`);
  const rowOf = new Map<Label, number>();
  const columnOf = new Map<Label, number>();
  const cells = new Map<string, { row: number; column: number; count: number }>();
  const rows: number[] = [];
  const columns: number[] = [];
  for (let i = 0; i < truth.length; i++) {
    let row = rowOf.get(truth[i]);
    if (row === undefined) rowOf.set(truth[i], (row = rows.push(0) - 1));
    let column = columnOf.get(predicted[i]);
    if (column === undefined) columnOf.set(predicted[i], (column = columns.push(0) - 1));
    rows[row]++;
    columns[column]++;
    const key = `${row},${column}`;
    const cell = cells.get(key);
    if (cell) cell.count++;
    else cells.set(key, { row, column, count: 1 });
  }
  return { cells: [...cells.values()], rows, columns, total: truth.length };
}

/** Shannon entropy (natural log) of a distribution given as counts. */
function entropy(counts: readonly number[], total: number): number {
  let h = 0;
  for (const count of counts) if (count > 0) h -= (count / total) * Math.log(count / total);
  return h;
}

/** Mutual information of the two labellings, and the entropy of each. */
function information(truth: readonly Label[], predicted: readonly Label[]) {
  const { cells, rows, columns, total } = contingency(truth, predicted);
  let mutual = 0;
  for (const { row, column, count } of cells) mutual += (count / total) * Math.log((total * count) / (rows[row] * columns[column]));
  const truthEntropy = entropy(rows, total);
  const predictedEntropy = entropy(columns, total);
  // rounding can leave independent labellings a hair below zero
  return { mutual: Math.max(0, mutual), truthEntropy, predictedEntropy, classes: rows.length, clusters: columns.length };
}

/**
 * Normalized mutual information with the arithmetic mean of the entropies
 * (scikit-learn's default), so it equals the V-measure.
 */
export function normalizedMutualInformation(truth: readonly Label[], predicted: readonly Label[]): number {
  const { mutual, truthEntropy, predictedEntropy, classes, clusters } = information(truth, predicted);
  // both labellings put everything in one group (or there is nothing): a perfect match
  if (classes === clusters && classes <= 1) return 1;
  if (mutual === 0) return 0;
  return mutual / ((truthEntropy + predictedEntropy) / 2);
}

/**
 * Homogeneity (each cluster holds one class), completeness (each class is in
 * one cluster) and their harmonic mean, the V-measure (Rosenberg & Hirschberg 2007).
 */
export function vMeasure(truth: readonly Label[], predicted: readonly Label[]): { homogeneity: number; completeness: number; vMeasure: number } {
  const { mutual, truthEntropy, predictedEntropy } = information(truth, predicted);
  // 1 - H(C|K)/H(C) = I/H(C); a labelling with no entropy is trivially homogeneous / complete
  const homogeneity = truthEntropy === 0 ? 1 : mutual / truthEntropy;
  const completeness = predictedEntropy === 0 ? 1 : mutual / predictedEntropy;
  const sum = homogeneity + completeness;
  return { homogeneity, completeness, vMeasure: sum === 0 ? 0 : (2 * homogeneity * completeness) / sum };
}

/** Adjusted Rand index (Hubert & Arabie 1985): pair agreement corrected for chance; 1 is a perfect match, 0 chance. */
export function adjustedRandIndex(truth: readonly Label[], predicted: readonly Label[]): number {
  const { cells, rows, columns, total } = contingency(truth, predicted);
  const pairs = (n: number) => (n * (n - 1)) / 2;
  const sum = (counts: readonly number[]) => counts.reduce((acc, count) => acc + pairs(count), 0);
  const together = sum(cells.map((cell) => cell.count));
  const expected = (sum(rows) * sum(columns)) / pairs(total);
  const best = (sum(rows) + sum(columns)) / 2;
  // identical partitions with nothing to chance (one group each, or all singletons)
  if (best === expected) return 1;
  return (together - expected) / (best - expected);
}

/**
 * Rank of item `target` when items are sorted by descending score: 1 plus the
 * number of other items scoring at least as high, so ties count against it.
 */
export function rankOf(scores: ArrayLike<number>, target: number): number {
  let rank = 1;
  for (let i = 0; i < scores.length; i++) if (i !== target && scores[i] >= scores[target]) rank++;
  return rank;
}

export function meanReciprocalRank(ranks: readonly number[]): number {
  return ranks.reduce((acc, rank) => acc + 1 / rank, 0) / ranks.length;
}

export function shareRankedFirst(ranks: readonly number[]): number {
  return ranks.filter((rank) => rank === 1).length / ranks.length;
}
