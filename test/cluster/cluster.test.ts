import { describe, expect, test } from 'vitest';
import { termsOf, topicKeywords, topicLabel } from '../../src/cluster/ctfidf.js';
import { assignToNearest, clusterVectors } from '../../src/cluster/kmeans.js';
import { chooseK, cosineDistances, silhouette } from '../../src/cluster/select.js';
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

describe('k-means and the choice of k', () => {
  test('chooses the number of topics the data was made with, and finds them', () => {
    const dim = 24;
    const vectors = topicVectors(6, 40, dim, 0.6);
    const chosen = chooseK(vectors, dim, 2, 12, 42, 2);
    expect(chosen.k).toBe(6);
    expect(chosen.structure).toBe('clear');
    expect(chosen.scores.map((score) => score.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const best = Math.max(...chosen.scores.map((score) => score.silhouette));
    expect(chosen.scores.find((score) => score.k === 6)!.silhouette).toBe(best);

    const clustering = clusterVectors(vectors, dim, 6, 42, 4);
    // every made-up topic lands whole in one cluster
    for (let topic = 0; topic < 6; topic++) {
      expect(new Set(clustering.assignments.subarray(topic * 40, (topic + 1) * 40)).size).toBe(1);
    }
    expect(new Set(clustering.assignments).size).toBe(6);
  });

  test('without separated topics, takes k from the upper half of the range', () => {
    // 240 directions spread evenly at random: no topics in them, so silhouettes stay near zero for every k
    const dim = 24;
    const vectors = topicVectors(240, 1, dim, 0);
    const chosen = chooseK(vectors, dim, 2, 14, 42, 1);
    expect(chosen.structure).toBe('weak');
    expect(Math.max(...chosen.scores.map((score) => score.silhouette))).toBeLessThan(0.25);
    expect(chosen.range).toEqual([7, 14]);
    expect(chosen.k).toBeGreaterThanOrEqual(7);
  });

  test('is deterministic for a seed', () => {
    const dim = 16;
    const vectors = topicVectors(4, 30, dim, 1.2);
    const a = clusterVectors(vectors, dim, 5, 1, 3);
    const b = clusterVectors(vectors, dim, 5, 1, 3);
    expect(Array.from(a.assignments)).toEqual(Array.from(b.assignments));
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
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
    const { similarities } = assignToNearest(vectors, dim, clustering.centroids);
    const { topics, outliers } = describeTopics(dim, clustering.centroids, clustering.assignments, similarities);
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
    expect(termsOf('We propose a novel TTS model. Speech synthesis, fast')).toEqual(['TTS', 'model', 'TTS model', 'Speech', 'synthesis', 'Speech synthesis', 'fast']);
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
