import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { WEAK_COHERENCE, type Clusters } from '../../src/cluster/index.js';
import { clusterStage } from '../../src/cluster/stage.js';
import { runStage } from '../helpers.js';
import { tempFolder } from '../temp.js';
import { commonStems, stemsOf, termsOf, topicKeywords, topicLabel, topicLabels } from '../../src/cluster/ctfidf.js';
import { adjustedRand, bestMatchJaccard } from '../../src/cluster/agreement.js';
import { averageLinkage, cutTree } from '../../src/cluster/hierarchy.js';
import { labelDiversity, npmiCoherence } from '../../src/cluster/quality.js';
import { adjustedRandIndex } from '../../scripts/metrics.js';
import { assignToNearest, clusterVectors } from '../../src/cluster/kmeans.js';
import { readingCount, reproducibility, resolutionAt } from '../../src/cluster/resolution.js';
import { topicTree } from '../../src/cluster/tree.js';
import { topicCentresOver } from '../../src/cluster/passes.js';
import { blocksOf } from '../../src/shared/vectors.js';
import { describeTopic, levelLabels, mmrOrder, type Candidate } from '../../src/cluster/labels.js';
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

describe('k-means and the number of topics', () => {
  test('k-means finds well separated groups whole, and fits on subsamples find each again', () => {
    const vectors = around(
      [0, 1, 2, 3, 4, 5].map((d) => axis([d, 1])),
      40,
      0.3,
    );
    const clustering = clusterVectors(vectors, DIM, 6, 42, 4);
    // every made-up topic lands whole in one cluster
    for (let topic = 0; topic < 6; topic++) {
      expect(new Set(clustering.assignments.subarray(topic * 40, (topic + 1) * 40)).size).toBe(1);
    }
    expect(new Set(clustering.assignments).size).toBe(6);
    const resolution = resolutionAt({ vectors, dim: DIM }, 6, 42);
    expect(resolution.agreement).toBeGreaterThan(0.9);
    const judged = Int32Array.from(resolution.judged.rows, (row) => clustering.assignments[row]);
    for (const value of reproducibility(judged, 6, resolution.fits)) expect(value).toBeGreaterThan(0.9);
  });

  test('k topics stay k: a centre left with no paper takes the paper farthest from its own', () => {
    // 30 papers on one direction and 2 elsewhere: 5 topics are asked for, and 5 come back
    const vectors = around([axis([0, 1]), axis([1, 1])], 16, 0.05);
    expect(new Set(clusterVectors(vectors, DIM, 5, 42, 1).assignments).size).toBe(5);
  });

  test('the reading count grows more slowly than the corpus', () => {
    expect([408, 3357, 10_000, 100_000].map(readingCount)).toEqual([16, 33, 47, 102]);
    // papers per topic grow with the corpus
    const perTopic = [400, 4000, 40_000, 400_000].map((papers) => papers / readingCount(papers));
    for (let i = 1; i < perTopic.length; i++) expect(perTopic[i]).toBeGreaterThan(perTopic[i - 1]);
    expect(readingCount(5)).toBe(4);
  });

  test('broad topics: 3 groups of 3 fine topics give 3 broad topics, and a middle level only from 20,000 papers', () => {
    const centres = [0, 1, 2].flatMap((broad) => [0, 1, 2].map((j) => axis([broad, 1], [3 + broad * 3 + j, 0.5])));
    const vectors = around(centres, 10, 0.05);
    const fine = Int32Array.from({ length: 90 }, (_, row) => Math.floor(row / 10));
    const [fineCentres] = topicCentresOver(blocksOf(vectors, DIM), [{ assignments: fine, k: 9 }]);
    const tree = topicTree(fineCentres, DIM, fine, 9, 90);
    expect(tree.broadK).toBe(3);
    expect(tree.broadOf).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(tree.middleK).toBe(0);
    expect(topicTree(fineCentres, DIM, fine, 9, 90, 4).broadK).toBe(4);
  });

  test('is deterministic for a seed', () => {
    const dim = 16;
    const vectors = topicVectors(4, 30, dim, 1.2);
    const a = clusterVectors(vectors, dim, 5, 1, 3);
    const b = clusterVectors(vectors, dim, 5, 1, 3);
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    expect(Array.from(a.centres)).toEqual(Array.from(b.centres));
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

  test('terms are words and phrases of two and three words without stop words, split at punctuation', () => {
    expect(termsOf('We propose a novel TTS model. Speech synthesis model, fast')).toEqual([
      'TTS',
      'model',
      'TTS model',
      'Speech',
      'synthesis',
      'Speech synthesis',
      'model',
      'synthesis model',
      'Speech synthesis model',
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

  test('average linkage joins the nearest groups first', () => {
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
  });
});

describe('labels told apart', () => {
  const candidate = (term: string, relevance: number, row = -1): Candidate => ({ term, relevance, row, stems: stemsOf(term) });

  test('MMR keeps one term per stem, and a phrase takes the place of its one word', () => {
    const order = mmrOrder(
      [candidate('reinforcement', 0.9), candidate('agents', 0.8), candidate('reinforcement learning', 0.7), candidate('agent', 0.6)],
      undefined,
      384,
    );
    expect(order.map(({ term }) => term)).toEqual(['reinforcement learning', 'agents']);
  });

  test('MMR passes over a term too like one already picked', () => {
    // rows 0 and 1 point the same way, row 2 elsewhere: the second pick is the different one though it is less relevant
    const vectors = new Float32Array([1, 0, 0.99, Math.sqrt(1 - 0.99 ** 2), 0, 1]);
    const order = mmrOrder([candidate('diffusion', 0.9, 0), candidate('denoising', 0.85, 1), candidate('video', 0.6, 2)], vectors, 2, 0.5);
    expect(order.map(({ term }) => term)).toEqual(['diffusion', 'video', 'denoising']);
  });

  test('no two labels of a level lead with the same word, and a broad label leads with none of its fine leads', () => {
    const lists = [
      [candidate('cancer', 0.9), candidate('breast', 0.8), candidate('mammography', 0.7)],
      [candidate('cancer', 0.9), candidate('colon', 0.8), candidate('polyps', 0.7)],
      [candidate('cancer therapy', 0.9), candidate('chemotherapy', 0.8), candidate('dose', 0.7)],
      [candidate('heart', 0.9), candidate('coronary', 0.8), candidate('infarction', 0.7)],
    ];
    const { labels, terms } = levelLabels(lists, [0, 1, 2, 3]);
    expect(labels[0]).toBe('cancer, breast, mammography');
    expect(terms.map((list) => stemsOf(list[0])[0])).toEqual(['cancer', 'colon', 'chemotherapi', 'heart']);
    const broad = levelLabels([[candidate('cancer', 0.9), candidate('tumour', 0.8), candidate('oncology', 0.7)]], [0], [new Set(['cancer'])]);
    // it may still name the fine topic's word after its own lead
    expect(broad.labels[0]).toBe('tumour, cancer, oncology');
  });

  test('a description names what the topic is about and its most central paper', () => {
    const ordered = ['diffusion', 'video', 'denoising', 'sampling', 'noise'].map((term, rank) => candidate(term, 1 - rank / 10));
    expect(describeTopic(ordered, ['diffusion', 'video'], 12, 'Video Diffusion Models')).toBe(
      '12 papers on diffusion, video, denoising, sampling and noise; most central: “Video Diffusion Models”',
    );
  });
});

describe('the cluster stage on the seeds', () => {
  const out = tempFolder('topics');
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
  });

  test('topics sized for reading, and a sentence that says how they were chosen', () => {
    expect(result.topics.length).toBe(readingCount(408));
    // no topic holds more than 15% of the papers
    for (const topic of result.topics) expect(topic.size).toBeLessThanOrEqual(0.15 * 408);
    expect(result.broadTopics.length).toBeGreaterThanOrEqual(3);
    expect(result.broadTopics.length).toBeLessThanOrEqual(12);
    const sizes = result.topics.map((topic) => topic.size);
    expect(result.kSelection.summary).toContain(
      `${result.topics.length} topics of ${Math.min(...sizes)}-${Math.max(...sizes)} papers in ${result.broadTopics.length} broad topics`,
    );
    expect(result.kSelection.summary).toMatch(/sized for reading 408 papers/);
    for (const topic of [...result.topics, ...result.broadTopics])
      expect(topic.description).toMatch(new RegExp(`^${topic.size} papers on .+; most central: “`));
  });

  test('no two labels of a level lead with the same word, and no broad label leads as one of its fine labels', () => {
    const lead = (label: string) => stemsOf(label.split(', ')[0])[0];
    for (const labels of [result.topics.map((topic) => topic.label), result.broadTopics.map((topic) => topic.label)]) {
      expect(new Set(labels.map(lead)).size).toBe(labels.length);
    }
    const termsOf = (label: string) =>
      label
        .split(', ')
        .map((term) => stemsOf(term).join(' '))
        .sort();
    for (const broad of result.broadTopics) {
      for (const id of broad.topicIds) {
        const fine = result.topics.find((topic) => topic.id === id)!.label;
        expect(lead(broad.label)).not.toBe(lead(fine));
        // not the same terms in another order either
        expect(termsOf(broad.label)).not.toEqual(termsOf(fine));
      }
    }
  });

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
      expect(topic.weak).toBe(topic.coherence < WEAK_COHERENCE);
    }
    const { quality } = result;
    expect(quality.labelDiversity.topics).toBeGreaterThan(0.8);
    expect(quality.stability.ari).toHaveLength(2);
    expect(quality.weakTopics).toBe(result.topics.filter((topic) => topic.weak).length);
    expect(result.kScores).toEqual([{ k: result.topics.length, stability: expect.any(Number) }]);
    expect(result.kSelection.criterion).toMatch(/sized for reading/);
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
    const other = tempFolder('topics');
    for (const file of ['papers.jsonl', 'vectors.f32', 'vectors.json', 'manifest.json']) copyFileSync(join(out, file), join(other, file));
    // the label candidates are embedded with the model the vectors came from: the builtin one lives in cache/
    cpSync(join(out, 'cache'), join(other, 'cache'), { recursive: true });
    await runStage(clusterStage, other, { k: 'auto', seed: 42 });
    expect(readFileSync(join(other, 'clusters.json')).equals(first)).toBe(true);
  });

  test('another seed gives the same numbers of topics', async () => {
    const other = await runStage(clusterStage, out, { k: 'auto', seed: 7 });
    expect([other.topics.length, other.broadTopics.length]).toEqual([result.topics.length, result.broadTopics.length]);
  });

  test('with --k and --broad, the topics are as many as asked, and the manifest records them', async () => {
    const given = await runStage(clusterStage, out, { k: 9, broad: 3, seed: 42 });
    expect(given.k).toBe(9);
    expect(given.kSelection.criterion).toBe('given with --k');
    expect(given.broadTopics.length).toBe(3);
    expect(given.kSelection.summary).toMatch(/^9 topics of \d+-\d+ papers in 3 broad topics, as asked with --k 9, the broad ones as asked with --broad 3; /);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
    expect(manifest.stages.cluster.parameters).toMatchObject({ k: 9, broad: 3, seed: 42 });
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
