/**
 * The steps that need every paper's full vector, each one pass over the
 * vectors a block at a time (VectorBlocks): what they keep is a figure per
 * paper or a sum per topic, never the vectors. Sums are added up in row
 * order, as over vectors held whole, so the figures are the same to the bit.
 */
import { dot, type VectorBlocks } from '../shared/vectors.js';
import { centresOf } from './kmeans.js';

/** Papers grouped into `k` topics: each paper's topic by row, -1 for none. */
export interface Grouping {
  assignments: Int32Array;
  k: number;
}

/** The sum of each topic's vectors for several groupings in one pass; a row in topic -1 counts for none. */
export function topicSumsOver(source: VectorBlocks, groupings: readonly Grouping[]): Float64Array[] {
  const dim = source.dim;
  const sums = groupings.map((grouping) => new Float64Array(grouping.k * dim));
  source.forEachBlock((start, vectors) => {
    const rows = vectors.length / dim;
    groupings.forEach(({ assignments }, index) => {
      const into = sums[index];
      for (let row = 0; row < rows; row++) {
        const topic = assignments[start + row];
        if (topic < 0) continue;
        for (let d = 0, base = topic * dim, at = row * dim; d < dim; d++) into[base + d] += vectors[at + d];
      }
    });
  });
  return sums;
}

/** The centre of each topic of several groupings (the mean of its papers' vectors scaled to unit length), in one pass. */
export function topicCentresOver(source: VectorBlocks, groupings: readonly Grouping[]): Float32Array[] {
  return topicSumsOver(source, groupings).map((sums) => centresOf(sums, source.dim));
}

/** Cosine similarity of each paper to the centre of its own topic. */
export function similarityToOwnTopicOver(source: VectorBlocks, centres: Float32Array, assignments: Int32Array): Float64Array {
  const dim = source.dim;
  const similarities = new Float64Array(assignments.length);
  source.forEachBlock((start, vectors) => {
    for (let row = 0, at = 0; at < vectors.length; row++, at += dim) similarities[start + row] = dot(vectors, at, centres, assignments[start + row] * dim, dim);
  });
  return similarities;
}
