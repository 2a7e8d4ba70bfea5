import { sampleRows } from '../shared/random.js';

/**
 * `size` paper rows out of those of `topicOf`, in increasing order: every
 * topic, and the outliers, get one paper, and the rest go to each in
 * proportion to its size (largest remainders first); within each, a seeded
 * uniform sample. So every topic is on the map however small, in its share.
 */
export function sampleByTopic(topicOf: Int32Array, size: number, seed: number): Int32Array {
  const count = topicOf.length;
  if (size >= count) return Int32Array.from({ length: count }, (_, row) => row);
  // stratum 0 holds the outliers, stratum t + 1 topic t
  let strata = 1;
  for (const topic of topicOf) strata = Math.max(strata, topic + 2);
  const sizes = new Int32Array(strata);
  for (const topic of topicOf) sizes[topic + 1]++;
  const nonEmpty = sizes.filter((stratumSize) => stratumSize > 0).length;
  const first = size >= nonEmpty ? 1 : 0;
  const left = count - first * nonEmpty;
  const quotas = Array.from(
    sizes,
    (stratumSize) => Math.min(stratumSize, first) + (stratumSize > 0 ? (size - first * nonEmpty) * ((stratumSize - first) / left) : 0),
  );
  const taken = quotas.map(Math.floor);
  const byRemainder = quotas.map((_, stratum) => stratum).sort((a, b) => quotas[b] - taken[b] - (quotas[a] - taken[a]) || a - b);
  for (let extra = size - taken.reduce((sum, quota) => sum + quota, 0), at = 0; extra > 0; extra--, at++) taken[byRemainder[at]]++;
  // the rows of each stratum, in order, one after another
  const starts = new Int32Array(strata + 1);
  for (let stratum = 0; stratum < strata; stratum++) starts[stratum + 1] = starts[stratum] + sizes[stratum];
  const grouped = new Int32Array(count);
  const next = starts.slice(0, strata);
  topicOf.forEach((topic, row) => (grouped[next[topic + 1]++] = row));
  const sample = new Int32Array(size);
  let at = 0;
  for (let stratum = 0; stratum < strata; stratum++) {
    for (const index of sampleRows(sizes[stratum], taken[stratum], seed)) sample[at++] = grouped[starts[stratum] + index];
  }
  return sample.sort();
}
