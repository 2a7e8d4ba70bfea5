import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { WEAK_COHERENCE, WEAK_STABILITY, type Clusters } from '../../src/cluster/index.js';
import { clusterStage } from '../../src/cluster/stage.js';
import { runStage } from '../helpers.js';
import { commonStems, stemsOf, termsOf, topicKeywords, topicLabel, topicLabels } from '../../src/cluster/ctfidf.js';
import { adjustedRand, bestMatchJaccard } from '../../src/cluster/agreement.js';
import { averageLinkage, cutTree } from '../../src/cluster/hierarchy.js';
import { labelDiversity, npmiCoherence } from '../../src/cluster/quality.js';
import { adjustedRandIndex } from '../../scripts/metrics.js';
import { assignToNearest, clusterVectors } from '../../src/cluster/kmeans.js';
import { chooseBroadK, chooseK, cosineDistances, kLadder, largestGap, silhouette, stableK } from '../../src/cluster/select.js';
import { autoLevels } from '../../src/cluster/levels.js';
import { describeTopics } from '../../src/cluster/topics.js';

/** `perTopic` unit vectors around each of `topics` random directions, seeded. */
function topicVectors(topics: number, perTopic: number, dim: number, spread: number): Float32Array {
  let state = 7;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const centres = Array.from({ length: topics }, () => Array.from({ length: dim }, random));
  const vectors = new Float32Array(topics * perTopic * dim);
  for (let row = 0; row < topics * perTopic; row++) {
    const values = centres[Math.floor(row / perTopic)].map((value) => value + spread * random());
    const norm = Math.hypot(...values);
    values.forEach((value, d) => (vectors[row * dim + d] = value / norm));
  }
  return vectors;
}

/** `perTopic` unit vectors around each of the given centre directions, uniform noise of `spread` per dimension, seeded. */
function around(centres: number[][], perTopic: number, spread: number): Float32Array {
  const dim = centres[0].length;
  let state = 7;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const vectors = new Float32Array(centres.length * perTopic * dim);
  for (let row = 0; row < centres.length * perTopic; row++) {
    const values = centres[Math.floor(row / perTopic)].map((value) => value + spread * random());
    const norm = Math.hypot(...values);
    values.forEach((value, d) => (vectors[row * dim + d] = value / norm));
  }
  return vectors;
}

const DIM = 24;
const axis = (...weights: [number, number][]) => Array.from({ length: DIM }, (_, d) => weights.find(([axisOf]) => axisOf === d)?.[1] ?? 0);

describe('k-means and the choice of k', () => {
  test('finds the number of well separated groups the data was made with, for 3 seeds', () => {
    const vectors = around(
      [0, 1, 2, 3, 4, 5].map((d) => axis([d, 1])),
      40,
      0.3,
    );
    for (const seed of [42, 7, 1234]) {
      const chosen = chooseK(vectors, DIM, 2, 15, seed);
      expect(chosen.k, `seed ${seed}`).toBe(6);
      expect(chosen.structure).toBe('clear');
      expect(chosen.scores.map((score) => score.k)).toEqual(kLadder(2, 15));
      for (const score of chosen.scores) expect(Math.abs(score.stability)).toBeLessThanOrEqual(1);
    }
    const clustering = clusterVectors(vectors, DIM, 6, 42, 4);
    // every made-up topic lands whole in one cluster
    for (let topic = 0; topic < 6; topic++) {
      expect(new Set(clustering.assignments.subarray(topic * 40, (topic + 1) * 40)).size).toBe(1);
    }
    expect(new Set(clustering.assignments).size).toBe(6);
  });

  test('two broad groups of three groups each: 2 broad topics of 3 fine ones, for 3 seeds', () => {
    // broad group b around axis b, its sub-groups leaning towards axes 2 + 3b + j
    const centres = [0, 1].flatMap((broad) => [0, 1, 2].map((j) => axis([broad, 1], [2 + broad * 3 + j, 0.6])));
    const vectors = around(centres, 40, 0.15);
    for (const seed of [42, 7, 1234]) {
      const levels = autoLevels({ vectors, dim: DIM }, seed);
      expect(levels.broadK, `seed ${seed}`).toBe(2);
      expect(levels.within).toEqual([3, 3]);
      // each made-up sub-group is one fine topic, inside the broad topic of its group
      for (let group = 0; group < 6; group++) {
        const fine = new Set(levels.fine.subarray(group * 40, (group + 1) * 40));
        expect(fine.size).toBe(1);
        expect(levels.parentOf[[...fine][0]]).toBe(levels.broad[group * 40]);
      }
      expect(new Set(levels.broad.subarray(0, 120)).size).toBe(1);
      expect(levels.broad[0]).not.toBe(levels.broad[120]);
    }
  });

  test('the most stable k, ties to the smaller; with a tolerance, the smallest k about as stable', () => {
    const score = (k: number, stability: number) => ({ k, stability, silhouette: 0, predictionStrength: 0 });
    expect(stableK([score(2, 0.3), score(3, 0.62), score(4, 0.7), score(5, 0.5)])).toBe(4);
    expect(stableK([score(2, 0.3), score(3, 0.62), score(4, 0.7), score(5, 0.5)], 0.1)).toBe(3);
    expect(stableK([score(2, 0.95), score(3, 0.95)])).toBe(2);
  });

  test('is deterministic for a seed', () => {
    const dim = 16;
    const vectors = topicVectors(4, 30, dim, 1.2);
    const a = clusterVectors(vectors, dim, 5, 1, 3);
    const b = clusterVectors(vectors, dim, 5, 1, 3);
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    expect(Array.from(a.centres)).toEqual(Array.from(b.centres));
  });

  test('silhouette matches a hand computation', () => {
    // points on a line at 0, 1 (topic 0) and 5 (topic 1): a(0)=1, b(0)=5 -> 0.8; a(1)=1, b(1)=4 -> 0.75; singleton -> 0
    const distances = new Float64Array([0, 1, 5, 1, 0, 4, 5, 4, 0]);
    expect(silhouette(distances, new Int32Array([0, 0, 1]), 2)).toBeCloseTo((0.8 + 0.75 + 0) / 3, 10);
    expect(Array.from(cosineDistances(new Float32Array([1, 0, 0, 1]), 2))).toEqual([0, 1, 1, 0]);
  });
});

describe('outliers and topic figures', () => {
  test('a paper far from its topic centre is flagged, not counted in the topic', () => {
    const dim = 8;
    const vectors = topicVectors(2, 20, dim, 0.2);
    // paper 3 is replaced by a direction unlike both topics
    const stray = [1, -1, 1, -1, 1, -1, 1, -1].map((value) => value / Math.sqrt(8));
    vectors.set(stray, 3 * dim);
    const clustering = clusterVectors(vectors, dim, 2, 42, 2);
    const { similarities } = assignToNearest(vectors, dim, clustering.centres);
    const { topics, outliers } = describeTopics(dim, clustering.centres, clustering.assignments, similarities);
    expect(outliers.map((outlier) => outlier.row)).toEqual([3]);
    expect(outliers[0].topic).toBe(clustering.assignments[3]);
    expect(topics.map((topic) => topic.members.length).sort()).toEqual([19, 20]);
    for (const topic of topics) {
      expect(topic.members).not.toContain(3);
      expect(topic.cohesion).toBeGreaterThan(0.9);
      // members come most central first
      const order = topic.members.map((row) => similarities[row]);
      expect([...order].sort((a, b) => b - a)).toEqual(order);
    }
    expect(topics[0].nearestTopic?.topic).toBe(1);
  });
});

describe('class-based TF-IDF labels', () => {
  const papers = [
    'Text-to-speech synthesis with flow matching. We synthesise speech from text with a TTS model.',
    'Zero-shot TTS. Speech synthesis for unseen speakers with a TTS model.',
    'Streaming speech recognition. Automatic speech recognition with a model that streams audio.',
    'Chain-of-thought prompting. Chain-of-thought prompting elicits reasoning in a language model.',
    'Self-consistency for chain-of-thought. Sampling many chains of thought improves reasoning of a language model.',
    'Math reasoning benchmark. A benchmark of math word problems to test reasoning of a language model.',
  ];

  test('terms are words and two-word phrases without stop words, split at punctuation', () => {
    expect(termsOf('We propose a novel TTS model. Speech synthesis, fast')).toEqual([
      'TTS',
      'model',
      'TTS model',
      'Speech',
      'synthesis',
      'Speech synthesis',
      'fast',
    ]);
  });

  test('name each topic by what sets it apart, not by what all topics share', () => {
    const assignments = new Int32Array([0, 0, 0, 1, 1, 1]);
    const keywords = topicKeywords(papers.map(termsOf), assignments, 2, 5);
    const speech = keywords[0].map((keyword) => keyword.term);
    const reasoning = keywords[1].map((keyword) => keyword.term);
    expect(speech.slice(0, 3)).toEqual(expect.arrayContaining(['speech', 'TTS']));
    expect(reasoning.slice(0, 3)).toEqual(expect.arrayContaining(['reasoning']));
    expect(reasoning).toContain('Chain-of-thought');
    // "model" is in every paper of both topics: it ranks below what names them
    expect([...speech.slice(0, 3), ...reasoning.slice(0, 3)].map((term) => term.toLowerCase())).not.toContain('model');
    for (const list of keywords) expect(list.map((keyword) => keyword.weight)).toEqual([...list.map((keyword) => keyword.weight)].sort((a, b) => b - a));
    expect(topicLabel(keywords[0])).toMatch(/speech/i);
  });

  test('a label does not repeat a word, and prefers a phrase to its words', () => {
    const keywords = (...terms: string[]) => terms.map((term, rank) => ({ term, weight: 10 - rank }));
    expect(topicLabel(keywords('speech', 'speech recognition', 'TTS', 'audio', 'recognition'))).toBe('speech recognition, TTS, audio');
    expect(topicLabel(keywords('speculative', 'draft', 'speculative decoding', 'decoding', 'Medusa'))).toBe('speculative decoding, draft, Medusa');
    expect(topicLabel(keywords('mixture', 'experts', 'mixture experts', 'MoE'))).toBe('mixture experts, MoE');
    expect(topicLabel(keywords('reasoning', 'reasoning', 'math'))).toBe('reasoning, math');
  });
});

describe('labels a person can read', () => {
  const keywords = (...terms: string[]) => terms.map((term, rank) => ({ term, weight: 10 - rank }));

  test('no label repeats a word stem', () => {
    expect(topicLabel(keywords('agents', 'agent', 'planning', 'tools'))).toBe('agents, planning, tools');
    expect(topicLabel(keywords('rats', 'rat', 'cells', 'cell', 'liver'))).toBe('rats, cells, liver');
    expect(topicLabel(keywords('cell', 'cells', 'tumor cells'))).toBe('tumor cells');
  });

  test('a word in the top keywords of most topics gives way to one that sets its topic apart', () => {
    const lists = [
      keywords('reasoning', 'math', 'proofs'),
      keywords('reasoning', 'agents', 'tools'),
      keywords('reasoning', 'chain-of-thought', 'CoT'),
      keywords('reasoning', 'reward', 'RL'),
      keywords('speech', 'TTS', 'audio'),
    ];
    expect([...commonStems(lists)]).toEqual(['reason']);
    const labels = topicLabels(lists);
    expect(labels.slice(0, 4).some((label) => /reasoning/.test(label))).toBe(false);
    expect(labels[0]).toBe('math, proofs');
    // a phrase with a common word still says something
    expect(topicLabels([...lists, keywords('reasoning models', 'distillation')])[5]).toBe('reasoning models, distillation');
  });

  test('two topics never share a label', () => {
    const labels = topicLabels([keywords('retrieval', 'RAG', 'documents', 'search'), keywords('RAG', 'retrieval', 'documents', 'graphs'), keywords('speech')]);
    expect(new Set(labels).size).toBe(3);
    expect(labels[0]).toMatch(/search/);
    expect(labels[1]).toMatch(/graphs/);
    // nothing left to tell them apart: the topic number does
    expect(new Set(topicLabels([keywords('speech'), keywords('speech')])).size).toBe(2);
  });

  test('keywords keep one form of a stem', () => {
    const papers = ['Agents use tools. An agent plans.', 'Agents and tools. The agent acts.', 'Speech synthesis. Speech.', 'Speech recognition. Speech.'];
    const lists = topicKeywords(papers.map(termsOf), new Int32Array([0, 0, 1, 1]), 2, 10);
    const stems = lists[0].map((keyword) => keyword.term.toLowerCase().replace(/s$/, ''));
    expect(new Set(stems).size).toBe(stems.length);
  });

  test('label diversity is the share of distinct words', () => {
    expect(labelDiversity(['speech, TTS', 'math, proofs'])).toBe(1);
    expect(labelDiversity(['speech, TTS', 'speech, audio'])).toBe(0.75);
  });
});

describe('topic quality', () => {
  test('NPMI coherence: 1 for words always together, -1 for words never together, in [-1, 1]', () => {
    const documents = [['a', 'b'], ['a', 'b'], ['c'], ['d'], ['c', 'e']];
    const [together, apart, mixed] = npmiCoherence(documents, [
      ['a', 'b'],
      ['a', 'c'],
      ['c', 'e', 'a'],
    ]);
    // p(a) = p(b) = p(a,b) = 0.4: log(0.4 / 0.16) / -log 0.4 = 1
    expect(together).toBeCloseTo(1, 10);
    expect(apart).toBe(-1);
    // c,e: p = 0.4, 0.2, 0.2 -> log(0.2 / 0.08) / -log 0.2; c,a and e,a never together
    expect(mixed).toBeCloseTo((Math.log(0.2 / 0.08) / -Math.log(0.2) - 2) / 3, 10);
    for (const value of [together, apart, mixed]) expect(Math.abs(value)).toBeLessThanOrEqual(1);
  });

  test('ARI agrees with the evaluation scripts, and best-match Jaccard finds a topic again', () => {
    const a = [0, 0, 0, 1, 1, 2, 2, 2];
    const b = [1, 1, 0, 0, 0, 2, 2, 1];
    expect(adjustedRand(a, b)).toBeCloseTo(adjustedRandIndex(a, b), 12);
    expect(adjustedRand(a, a)).toBe(1);
    expect(Array.from(bestMatchJaccard(a, 3, [5, 5, 5, 3, 3, 4, 4, 4], 6))).toEqual([1, 1, 1]);
  });

  test('average linkage joins the nearest groups first, and the largest gap finds the groups', () => {
    // two tight pairs of directions far apart, and one pair a little apart inside the first
    const angle = (degrees: number) => [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)];
    const centres = new Float32Array([0, 2, 10, 12, 90, 92].flatMap(angle));
    const merges = averageLinkage(centres, 2, [1, 1, 1, 1, 1, 1]);
    expect(
      merges
        .map((merge) => [merge.a, merge.b])
        .slice(0, 3)
        .sort((x, y) => x[0] - y[0]),
    ).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(Array.from(cutTree(merges, 6, 2))).toEqual([0, 0, 0, 0, 1, 1]);
    expect(Array.from(cutTree(merges, 6, 3))).toEqual([0, 0, 1, 1, 2, 2]);
    expect(largestGap(merges, 6, 2, 5).k).toBe(2);
    expect(chooseBroadK(merges, 6).k).toBe(2);
    expect(chooseBroadK(merges.slice(0, 1), 2)).toEqual({ k: 2, gaps: [] });
  });
});

describe('the cluster stage on the seeds', () => {
  const out = mkdtempSync(join(tmpdir(), 'papermap-topics-'));
  let result: Clusters;

  beforeAll(async () => {
    // vectors from the builtin embedder: the tests cannot count on MiniLM's weights
    for (const args of [
      ['ingest', '--input', resolve('seeds')],
      ['embed', '--model', 'builtin'],
    ]) {
      const run = spawnSync(process.execPath, [resolve('dist/src/cli.js'), ...args, '--out', out], { encoding: 'utf8' });
      expect(run.status, run.stderr).toBe(0);
    }
    result = await runStage(clusterStage, out, { k: 'auto', seed: 42 });
  }, 180_000);

  test('no label repeats a word stem, and no two labels are equal, at either level', () => {
    for (const labels of [result.topics.map((topic) => topic.label), result.broadTopics.map((topic) => topic.label)]) {
      expect(new Set(labels.map((label) => label.toLowerCase())).size).toBe(labels.length);
      for (const label of labels) {
        const stems = label.split(', ').flatMap(stemsOf);
        expect(new Set(stems).size, label).toBe(stems.length);
      }
    }
  });

  test('every fine topic has a parent that lists it, and the levels add up', () => {
    expect(result.broadTopics.length).toBeGreaterThanOrEqual(2);
    expect(result.broadTopics.length).toBeLessThanOrEqual(result.topics.length);
    for (const topic of result.topics) expect(result.broadTopics[topic.parent].topicIds).toContain(topic.id);
    expect(result.broadTopics.flatMap((broad) => broad.topicIds).sort((a, b) => a - b)).toEqual(result.topics.map((topic) => topic.id));
    for (const broad of result.broadTopics) {
      expect(broad.size).toBe(broad.topicIds.reduce((sum, id) => sum + result.topics[id].size, 0));
    }
    expect(result.topics.reduce((sum, topic) => sum + topic.size, 0) + result.outliers.length).toBe(408);
  });

  test('quality figures are in range and weak topics follow the stated rule', () => {
    for (const topic of [...result.topics, ...result.broadTopics]) {
      expect(topic.coherence).toBeGreaterThanOrEqual(-1);
      expect(topic.coherence).toBeLessThanOrEqual(1);
    }
    for (const topic of result.topics) {
      expect(topic.stability).toBeGreaterThanOrEqual(0);
      expect(topic.stability).toBeLessThanOrEqual(1);
      expect(topic.weak).toBe(topic.coherence < WEAK_COHERENCE || topic.stability < WEAK_STABILITY);
    }
    const { quality } = result;
    expect(quality.labelDiversity.topics).toBeGreaterThan(0.8);
    expect(quality.stability.ari).toHaveLength(2);
    expect(quality.weakTopics).toBe(result.topics.filter((topic) => topic.weak).length);
    expect(result.kScores.length).toBeGreaterThan(3);
    expect(result.kSelection.criterion).toMatch(/stability/);
  });

  test('the same seed gives the same topics: run again, refitted, or in another folder', async () => {
    const first = readFileSync(join(out, 'clusters.json'));
    const topicsOf = (clusters: Clusters) => ({
      topics: clusters.topics,
      outliers: clusters.outliers,
      broadTopics: clusters.broadTopics,
      quality: clusters.quality,
    });
    const again = await runStage(clusterStage, out, { k: 'auto', seed: 42 });
    expect(again.history).toMatchObject({ run: 'assigned', sinceFit: { added: 0, changed: 0, removed: 0 } });
    expect(topicsOf(again)).toEqual(topicsOf(result));
    const refitted = await runStage(clusterStage, out, { k: 'auto', seed: 42, refit: true });
    expect(topicsOf(refitted)).toEqual(topicsOf(result));
    const other = mkdtempSync(join(tmpdir(), 'papermap-topics-'));
    for (const file of ['papers.jsonl', 'vectors.f32', 'vectors.json', 'manifest.json']) copyFileSync(join(out, file), join(other, file));
    await runStage(clusterStage, other, { k: 'auto', seed: 42 });
    expect(readFileSync(join(other, 'clusters.json')).equals(first)).toBe(true);
  });

  test('with --k, the topics are merged into broad ones', async () => {
    const given = await runStage(clusterStage, out, { k: 9, seed: 42 });
    expect(given.k).toBe(9);
    expect(given.kSelection.criterion).toBe('given with --k');
    expect(given.broadTopics.length).toBeGreaterThanOrEqual(2);
    expect(given.broadScores.length).toBeGreaterThan(0);
    for (const topic of given.topics) expect(given.broadTopics.find((broad) => broad.id === topic.parent)!.topicIds).toContain(topic.id);
  });
});

test('a hyphenated term has the stems of its words', () => {
  expect(stemsOf('Tree-search')).toEqual(['tree', 'search']);
  expect(
    topicLabel([
      { term: 'tree search', weight: 2 },
      { term: 'tree-search', weight: 1 },
      { term: 'MCTS', weight: 0.5 },
    ]),
  ).toBe('tree search, MCTS');
});
