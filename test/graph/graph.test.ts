import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import {
  autoFloor,
  autoFloorOver,
  floorOf,
  linkCount,
  paperFloor,
  randomPairFloor,
  randomPairQuantiles,
  relatedOf,
  relatedPapers,
} from '../../src/graph/related.js';
import { escapeXml, graphmlTexts, toGraphml } from '../../src/graph/graphml.js';
import { buildHnsw, hnswNeighbours } from '../../src/graph/hnsw.js';
import { nearestAmong } from '../../src/graph/nearest.js';
import { exactNeighbours, recallAtK } from '../../src/graph/neighbours.js';
import { sampleRows } from '../../src/shared/random.js';
import { blocksOf, gatherRows } from '../../src/shared/vectors.js';

/** Unit vectors in `dim` dimensions around `centres` directions, seeded. */
function clusteredVectors(count: number, dim: number, centres: number, spread: number): Float32Array {
  let state = 12345;
  const random = () => ((state = (state * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  const centre = Array.from({ length: centres }, () => Array.from({ length: dim }, random));
  const vectors = new Float32Array(count * dim);
  for (let row = 0; row < count; row++) {
    const values = centre[row % centres].map((value) => value + spread * random());
    const norm = Math.hypot(...values);
    values.forEach((value, d) => (vectors[row * dim + d] = value / norm));
  }
  return vectors;
}

describe("nearestAmong (the map's sample)", () => {
  test("a 2% sample of clustered papers: each sampled paper's nearest sampled papers, as exact search finds them", () => {
    // 30,000 papers around 150 directions, 600 sampled: a few sampled papers a direction, as a million papers sampled to 20,000 have
    const dim = 32;
    const vectors = clusteredVectors(30_000, dim, 150, 0.6);
    const sampled = gatherRows(vectors, dim, sampleRows(30_000, 600, 42));
    const found = nearestAmong(sampled, dim, 10);
    const exact = exactNeighbours(sampled, dim, sampled, 10, (query, label) => query === label);
    expect(recallAtK(found, exact)).toBeGreaterThan(0.97);
    // scores are exact similarities, best first, and no paper is its own neighbour
    for (let query = 0; query < 600; query++) {
      for (let slot = 0; slot < 10; slot++) {
        const other = found.labels[query * 10 + slot];
        expect(other).not.toBe(query);
        let score = 0;
        for (let d = 0; d < dim; d++) score += sampled[query * dim + d] * sampled[other * dim + d];
        expect(found.scores[query * 10 + slot]).toBeCloseTo(score, 5);
        if (slot > 0) expect(found.scores[query * 10 + slot]).toBeLessThanOrEqual(found.scores[query * 10 + slot - 1]);
      }
    }
    // up to 500 vectors the search is exact
    const few = sampled.subarray(0, 400 * dim);
    expect(nearestAmong(few, dim, 10)).toEqual(exactNeighbours(few, dim, few, 10, (query, label) => query === label));
  });
});

describe('exactNeighbours', () => {
  test('ranks by cosine, skips what it is told to, breaks ties by row', () => {
    const vectors = new Float32Array([1, 0, 0.8, 0.6, 0.8, 0.6, 0, 1]);
    const result = exactNeighbours(vectors, 2, vectors, 2, (query, label) => query === label);
    expect(Array.from(result.labels)).toEqual([1, 2, 2, 0, 1, 0, 1, 2]);
    expect(Array.from(result.scores).map((score) => score.toFixed(2))).toEqual(['0.80', '0.80', '1.00', '0.80', '1.00', '0.80', '0.60', '0.60']);
  });

  test('leaves -1 where fewer papers than k exist', () => {
    const result = exactNeighbours(new Float32Array([1, 0, 0, 1]), 2, new Float32Array([1, 0]), 3);
    expect(Array.from(result.labels)).toEqual([0, 1, -1]);
  });
});

describe('HNSW search', () => {
  test('finds at least 99% of the exact 10 nearest on clustered vectors, with the same scores', () => {
    const dim = 32;
    const vectors = clusteredVectors(3000, dim, 20, 0.8);
    const index = buildHnsw(vectors, dim, { m: 16, efConstruction: 200, efSearch: 128 });
    const queries = vectors.subarray(0, 300 * dim);
    const skipSelf = (query: number, label: number) => query === label;
    const approximate = hnswNeighbours(index, vectors, dim, queries, 10, skipSelf);
    const exact = exactNeighbours(vectors, dim, queries, 10, skipSelf);
    expect(recallAtK(approximate, exact)).toBeGreaterThanOrEqual(0.99);
    // where both found the same paper they give it the same score
    expect(approximate.scores[0]).toBe(exact.scores[0]);
    // a second build gives the same neighbours
    const again = hnswNeighbours(buildHnsw(vectors, dim, { m: 16, efConstruction: 200, efSearch: 128 }), vectors, dim, queries, 10, skipSelf);
    expect(Array.from(again.labels)).toEqual(Array.from(approximate.labels));
  });
});

describe('relatedPapers', () => {
  test('keeps neighbours above the floor and marks mutual links', () => {
    // paper 0 and 1 are each other's nearest; paper 2's nearest is 1, not the other way round
    const neighbours = { k: 2, labels: new Int32Array([1, 2, 0, 2, 1, 0]), scores: new Float32Array([0.9, 0.2, 0.9, 0.5, 0.5, 0.2]) };
    const related = relatedPapers(neighbours, 0.3);
    expect([0, 1, 2].map((row) => relatedOf(related, row))).toEqual([
      [{ row: 1, score: expect.closeTo(0.9, 5), mutual: true }],
      [
        { row: 0, score: expect.closeTo(0.9, 5), mutual: true },
        { row: 2, score: expect.closeTo(0.5, 5), mutual: true },
      ],
      [{ row: 1, score: expect.closeTo(0.5, 5), mutual: true }],
    ]);
    expect(relatedOf(relatedPapers(neighbours, 0.6), 2)).toEqual([]);
    expect(linkCount(relatedPapers(neighbours, 0.6))).toBe(2);
  });

  test('a paper with no neighbour over the floor keeps its nearest if it reaches the lower floor; nothing under that is ever related', () => {
    // paper 0's nearest (0.5) is under the global floor 0.6 but over the lower 0.4; paper 2's nearest (0.3) is under both
    const neighbours = { k: 2, labels: new Int32Array([1, 2, 0, 2, 0, 1]), scores: new Float32Array([0.5, 0.45, 0.7, 0.45, 0.3, 0.2]) };
    const rule = { global: 0.6, lower: 0.4, band: 0 };
    const related = relatedPapers(neighbours, rule);
    expect([0, 1, 2].map((row) => relatedOf(related, row).map((link) => link.row))).toEqual([[1], [0], []]);
    expect(relatedOf(related, 0)[0].mutual).toBe(true);
    expect([0, 1, 2].map((row) => floorOf(related, row))).toEqual([expect.closeTo(0.5, 5), 0.6, 0.4]);
    // within a band of its nearest: paper 0 keeps 0.45 too
    expect(relatedOf(relatedPapers(neighbours, { ...rule, band: 0.06 }), 0).map((link) => link.row)).toEqual([1, 2]);
    expect(paperFloor(rule, 0.9)).toBe(0.6);
    expect(paperFloor(rule, 0.5)).toBe(0.5);
    expect(paperFloor(rule, 0.1)).toBe(0.4);
  });

  test('the automatic rule takes the 99th and 90th percentiles of random pairs', () => {
    const dim = 16;
    const vectors = clusteredVectors(400, dim, 8, 0.5);
    const [p99, p90] = randomPairQuantiles(vectors, dim, [0.99, 0.9]);
    expect(autoFloor(vectors, dim)).toEqual({ global: p99, lower: p90, band: 0 });
    expect(p90).toBeLessThan(p99);
  });

  test("the automatic rule from the sampled pairs' vectors alone is the rule over every vector, and reads no other row", () => {
    const dim = 16;
    const count = 60_000;
    const vectors = clusteredVectors(count, dim, 8, 0.5);
    const held = blocksOf(vectors, dim);
    const asked: number[] = [];
    const source = {
      ...held,
      rows: (rows: ArrayLike<number>) => {
        asked.push(rows.length);
        return held.rows(rows);
      },
    };
    expect(autoFloorOver(source)).toEqual(autoFloor(vectors, dim));
    // 20,000 pairs draw at most 40,000 distinct rows, read in one call
    expect(asked).toHaveLength(1);
    expect(asked[0]).toBeLessThanOrEqual(40_000);
  });

  test('the automatic floor is reached by about 1% of all pairs of papers, the same on every run', () => {
    const dim = 16;
    const vectors = clusteredVectors(400, dim, 8, 0.5);
    const floor = randomPairFloor(vectors, dim);
    expect(randomPairFloor(vectors, dim)).toBe(floor);
    let above = 0;
    let pairs = 0;
    for (let a = 0; a < 400; a++) {
      for (let b = a + 1; b < 400; b++) {
        let score = 0;
        for (let d = 0; d < dim; d++) score += vectors[a * dim + d] * vectors[b * dim + d];
        pairs++;
        if (score >= floor) above++;
      }
    }
    expect(above / pairs).toBeGreaterThan(0.005);
    expect(above / pairs).toBeLessThan(0.02);
  });
});

describe('GraphML', () => {
  test('is valid XML with one node per paper, one edge per related pair, and escaped text', () => {
    const papers = [
      { id: 'a&1', title: '<script>alert("x")</script> & Friends' },
      { id: 'b', title: 'Quotes \' and " and a control\u0001 char' },
      { id: 'c', title: 'Plain' },
    ];
    const topicOf = Int32Array.from([0, 1, -1]);
    const labels = new Map([
      [0, 'Speech <TTS>'],
      [1, 'Vision'],
    ]);
    // a and b each other's nearest; b's second is c, which has none above the floor
    const neighbours = { k: 2, labels: Int32Array.from([1, -1, 0, 2, -1, -1]), scores: Float32Array.from([0.91234, 0, 0.91234, 0.5, 0, 0]) };
    const xml = [...toGraphml(graphmlTexts(papers), topicOf, labels, relatedPapers(neighbours, 0.3))].join('');
    expect(XMLValidator.validate(xml)).toBe(true);
    const graph = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false }).parse(xml).graphml.graph;
    expect(graph.edgedefault).toBe('undirected');
    expect(graph.node).toHaveLength(3);
    expect(graph.edge).toHaveLength(2);
    expect(graph.node[0].id).toBe('a&1');
    expect(graph.node[0].data[0]['#text']).toBe('<script>alert("x")</script> & Friends');
    expect(graph.node[0].data[1]['#text']).toBe('Speech <TTS>');
    expect(graph.node[1].data[0]['#text']).toBe('Quotes \' and " and a control char');
    expect(
      graph.edge.map((edge: { source: string; target: string; data: { '#text': string }[] }) => [
        edge.source,
        edge.target,
        edge.data.map((d) => String(d['#text'])),
      ]),
    ).toEqual([
      ['a&1', 'b', ['0.9123', 'true']],
      ['b', 'c', ['0.5000', 'false']],
    ]);
  });

  test('escapeXml drops characters XML cannot hold', () => {
    expect(escapeXml('a\u0000b\uffffc<')).toBe('abc&lt;');
  });
});
