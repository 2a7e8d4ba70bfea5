import { describe, expect, test } from 'vitest';
import { fitTopics, WEAK_COHERENCE } from '../../src/cluster/fit.js';
import { howChosen } from '../../src/cluster/sentence.js';
import type { Resolution } from '../../src/cluster/resolution.js';
import { blocksOf } from '../../src/shared/vectors.js';
import type { Paper } from '../../src/store/read.js';

const DIM = 16;
const PER_TOPIC = 24;

/** Words of a made-up subject, none shared with another's. */
const subject = (name: string, count: number) => Array.from({ length: count }, (_, index) => `${name}${String.fromCharCode(97 + index)}word`);

/**
 * Four groups of papers, each group around its own axis. In groups 0-2 every
 * paper uses its subject's six words: their top terms share every paper. Group
 * 3 is a grab bag: eight unrelated subjects of three papers each, so that its
 * top terms, from different subjects, seldom share a paper.
 */
function corpus(): { papers: Paper[]; vectors: Float32Array } {
  let state = 11;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const papers: Paper[] = [];
  const vectors = new Float32Array(4 * PER_TOPIC * DIM);
  for (let group = 0; group < 4; group++) {
    for (let index = 0; index < PER_TOPIC; index++) {
      const row = group * PER_TOPIC + index;
      // words one to a sentence, so that no phrase of two words is made of them
      const words = group < 3 ? subject(`pure${group}`, 6) : subject(`mixed${Math.floor(index / 3)}`, 3);
      papers.push({ id: `p${row}`, title: `Paper ${row}`, abstract: `${words.join('. ')}.`, sources: ['made up'], metadata: {} });
      const values = Array.from({ length: DIM }, (_, d) => (d === group ? 1 : 0) + 0.15 * random());
      const norm = Math.hypot(...values);
      values.forEach((value, d) => (vectors[row * DIM + d] = value / norm));
    }
  }
  return { papers, vectors };
}

describe('weak topics', () => {
  test('the grab bag, whose top terms seldom share a paper, is flagged weak, and only it', async () => {
    const { papers, vectors } = corpus();
    const info = { model: 'made up', modelIdentity: 'made up', dim: DIM, count: papers.length, normalized: true as const, papersHash: 'x', vectorsHash: 'y' };
    const result = await fitTopics(
      papers.map((paper) => paper.id),
      (rows) => Array.from(rows, (row) => papers[row]),
      info,
      blocksOf(vectors, DIM, 7),
      {
        k: 4,
        broad: 2,
        seed: 42,
        refit: true,
      },
    );
    expect(result.topics).toHaveLength(4);
    const weak = result.topics.filter((topic) => topic.weak);
    expect(weak).toHaveLength(1);
    // the weak topic holds the grab bag's papers, whole (an outlier among them counts in its nearest topic)
    const outliers = result.outliers.filter((outlier) => outlier.nearestTopic === weak[0].id).map((outlier) => outlier.id);
    expect([...weak[0].paperIds, ...outliers].sort()).toEqual(
      papers
        .slice(3 * PER_TOPIC)
        .map((paper) => paper.id)
        .sort(),
    );
    expect(weak[0].coherence).toBeLessThan(WEAK_COHERENCE);
    for (const topic of result.topics.filter((topic) => !topic.weak)) expect(topic.coherence).toBeGreaterThan(0.9);
    expect(result.quality.weakTopics).toBe(1);
    expect(result.kSelection.summary).toMatch(/1, whose top terms seldom share a paper, is marked weak/);
  });

  test("the sentence says how many are weak, or that none is, with the subsamples' agreement", () => {
    const resolution = { agreement: 0.4012 } as Resolution;
    const facts = {
      papers: 408,
      sizes: [14, 43, 20],
      broad: 2,
      middle: 0,
      resolution,
      options: { k: 'auto' as const, broad: 'auto' as const, seed: 42, refit: false },
    };
    expect(howChosen({ ...facts, weak: 2 })).toBe(
      '3 topics of 14-43 papers in 2 broad topics, sized for reading 408 papers (2.2 × the cube root of the papers), the broad ones where their merge tree rises most; ' +
        '2, whose top terms seldom share a paper, are marked weak (k-means fits on 10 seeded subsamples agree .40 with each other).',
    );
    expect(howChosen({ ...facts, weak: 0 })).toMatch(/; in every one the top terms share papers more often than chance \(k-means fits/);
  });
});
