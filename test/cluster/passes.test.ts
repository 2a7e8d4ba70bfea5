import { describe, expect, test } from 'vitest';
import { topicSums } from '../../src/cluster/kmeans.js';
import { similarityToOwnTopicOver, topicCentresOver, topicSumsOver } from '../../src/cluster/passes.js';
import { fingerprintsOver } from '../../src/shared/vectors.js';
import { fitProjection, project, projectionRows, TOPIC_DIMS, topicSpace } from '../../src/cluster/reduce.js';
import { seededRandom } from '../../src/shared/random.js';
import { blocksOf, dot, gatherRows, vectorFingerprint } from '../../src/shared/vectors.js';

/** `count` unit vectors of `dim` dimensions, seeded. */
function unitVectors(count: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const vectors = Float32Array.from({ length: count * dim }, () => random() - 0.5);
  for (let row = 0; row < count; row++) {
    const norm = Math.sqrt(dot(vectors, row * dim, vectors, row * dim, dim));
    for (let d = 0; d < dim; d++) vectors[row * dim + d] /= norm;
  }
  return vectors;
}

const COUNT = 1003;
const DIM = 24;
const vectors = unitVectors(COUNT, DIM, 1);
const random = seededRandom(2);
// three groupings, one with papers in no topic (-1), as the label levels' outliers are
const groupings = [3, 11, 40].map((k, index) => ({ k, assignments: Int32Array.from({ length: COUNT }, () => Math.floor(random() * (k + index)) - index) }));

/** Blocks that cut the rows anywhere: one row, a prime number of rows, more rows than there are. */
const blockSizes = [1, 7, 256, COUNT, 5000];

describe('passes over the vectors a block at a time give the figures of the vectors held whole, to the bit', () => {
  test.each(blockSizes)('topic sums and centres, %i rows a block', (rows) => {
    const whole = groupings.map(({ assignments, k }) => topicSums(vectors, DIM, assignments, k));
    expect(whole[2].some((sum) => sum !== 0)).toBe(true);
    expect(topicSumsOver(blocksOf(vectors, DIM, rows), groupings)).toEqual(whole);
    const centres = topicCentresOver(blocksOf(vectors, DIM, rows), groupings);
    expect(centres.map((centre) => centre.length)).toEqual([3 * DIM, 11 * DIM, 40 * DIM]);
    expect(centres).toEqual(topicCentresOver(blocksOf(vectors, DIM), groupings));
  });

  test.each(blockSizes)('similarity to own topic and fingerprints, %i rows a block', (rows) => {
    // every paper in a topic, as the fitted topics have them
    const { assignments, k } = groupings[0];
    const [centres] = topicCentresOver(blocksOf(vectors, DIM), [{ assignments, k }]);
    const similarities = similarityToOwnTopicOver(blocksOf(vectors, DIM, rows), centres, assignments);
    expect(similarities).toEqual(Float64Array.from(assignments, (topic, row) => dot(vectors, row * DIM, centres, topic * DIM, DIM)));
    expect(Math.max(...similarities)).toBeGreaterThan(0);
    const fingerprints = fingerprintsOver(blocksOf(vectors, DIM, rows));
    expect(fingerprints).toEqual(Array.from({ length: COUNT }, (_, row) => vectorFingerprint(vectors, row, DIM)));
    expect(new Set(fingerprints).size).toBe(COUNT);
  });

  test.each([1, 13, 4096])('the topic space, %i rows a block, is the projection of the vectors held whole', (rows) => {
    const dim = 64;
    const papers = 300;
    const wide = unitVectors(papers, dim, 3);
    const whole = project(wide, dim, fitProjection(gatherRows(wide, dim, projectionRows(papers, 42)), dim, 42));
    const space = topicSpace(blocksOf(wide, dim, rows), 42);
    expect(space.dim).toBe(TOPIC_DIMS);
    expect(space.vectors).toEqual(whole);
    // too few dimensions to project: the vectors as they are
    expect(topicSpace(blocksOf(vectors, DIM, rows), 42)).toEqual({ vectors, dim: DIM });
  });

  test('a few rows are read on their own, in the order asked', () => {
    expect(blocksOf(vectors, DIM, 7).rows([900, 3, 500])).toEqual(gatherRows(vectors, DIM, [900, 3, 500]));
  });
});
