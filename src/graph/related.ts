import { seededRandom } from '../shared/random.js';
import { blocksOf, dot, type VectorBlocks } from '../shared/vectors.js';
import type { Neighbours } from './neighbours.js';

export interface RelatedPaper {
  /** Row of the neighbour in papers.jsonl. */
  row: number;
  score: number;
  /** The neighbour also has this paper among its own kept neighbours. */
  mutual: boolean;
}

/**
 * How a paper's related papers are chosen among its nearest: a neighbour at
 * or above `global` is always related; below it, a paper still keeps the
 * neighbours within `band` of its nearest one, if they reach `lower`. So a
 * paper in a sparse part of the map keeps its closest relatives instead of
 * none, and nothing below `lower` is ever a link. A fixed floor X is
 * { global: X, lower: X, band: 0 }.
 */
export interface FloorRule {
  global: number;
  lower: number;
  band: number;
}

/** The floor `--min-similarity X` sets: one similarity for every paper. */
export const fixedFloor = (floor: number): FloorRule => ({ global: floor, lower: floor, band: 0 });

/**
 * The default rule (`--min-similarity auto`), chosen by measurement
 * (docs/quality.md, scripts/eval-floor.ts): a neighbour more alike than 99%
 * of random pairs of the corpus is related, and a paper with none keeps its
 * nearest if that is more alike than 90% of them. On OHSUMED the nearest
 * links so added share a label 2 to 4 times as often as random pairs do.
 */
export const AUTO_FLOOR = { global: 0.99, lower: 0.9, band: 0 };

/** The automatic rule on a corpus: its quantiles of random-pair similarity. */
export function autoFloor(vectors: Float32Array, dim: number): FloorRule {
  return autoFloorOver(blocksOf(vectors, dim));
}

/**
 * The same rule from the vectors of the sampled pairs' papers alone (a few
 * tens of thousands, whatever the corpus): the floors autoFloor gives over
 * every vector held.
 */
export function autoFloorOver(source: VectorBlocks): FloorRule {
  const { dim } = source;
  const pairs = randomPairs(source.count);
  const rows = Int32Array.from(new Set(pairs)).sort();
  const vectors = source.rows(rows);
  const at = new Map(Array.from(rows, (row, index) => [row, index * dim]));
  const [global, lower] = pairQuantiles(pairs, (a, b) => dot(vectors, at.get(a)!, vectors, at.get(b)!, dim), [AUTO_FLOOR.global, AUTO_FLOOR.lower]);
  return { global, lower, band: AUTO_FLOOR.band };
}

/** The rule of a graph as index.json records it. */
export function floorRuleOf(graph: { minSimilarity: number; nearestMinSimilarity?: number; band?: number }): FloorRule {
  return { global: graph.minSimilarity, lower: graph.nearestMinSimilarity ?? graph.minSimilarity, band: graph.band ?? 0 };
}

/** A paper's floor, from the similarity of its nearest other paper: min(global, max(lower, nearest - band)). */
export function paperFloor(rule: FloorRule, nearest: number): number {
  return Math.min(rule.global, Math.max(rule.lower, nearest - rule.band));
}

/**
 * The related-paper graph: each paper's nearest neighbours (best first) whose
 * similarity reaches its floor (FloorRule), with mutual-neighbour links marked. Kept flat,
 * in the arrays of the neighbours it was made from: at a million papers, an
 * object per link is ten million objects for the garbage collector.
 */
export interface RelatedGraph {
  /** For every paper row, its nearest other papers; its first `links[row]` are its related papers. */
  neighbours: Neighbours;
  links: Int32Array;
  /** Per slot of `neighbours`: 1 when that related paper also has this paper among its own. */
  mutual: Uint8Array;
  rule: FloorRule;
}

export function relatedPapers(neighbours: Neighbours, floor: FloorRule | number): RelatedGraph {
  const { k, labels, scores } = neighbours;
  const rule = typeof floor === 'number' ? fixedFloor(floor) : floor;
  const count = labels.length / k;
  // each paper's links: its first neighbours that reach its floor
  // links and mutual in shared memory: the report's graph worker posts the graph without a copy (its neighbours are shared too, readNeighbours)
  const links = new Int32Array(new SharedArrayBuffer(count * 4));
  for (let row = 0; row < count; row++) {
    const minimum = paperFloor(rule, labels[row * k] >= 0 ? scores[row * k] : -1);
    while (links[row] < k && labels[row * k + links[row]] >= 0 && scores[row * k + links[row]] >= minimum) links[row]++;
  }
  // a link is mutual when the neighbour links back; its few links are looked through, which at a million papers beats a set of ten million pairs
  const mutual = new Uint8Array(new SharedArrayBuffer(labels.length));
  for (let row = 0; row < count; row++) {
    for (let slot = 0; slot < links[row]; slot++) {
      const other = labels[row * k + slot];
      for (let back = 0; back < links[other]; back++) {
        if (labels[other * k + back] === row) {
          mutual[row * k + slot] = 1;
          break;
        }
      }
    }
  }
  return { neighbours, links, mutual, rule };
}

/** The floor of a paper of the graph: its neighbours below it are not related ("weak" in the reports). */
export function floorOf(graph: RelatedGraph, row: number): number {
  const { k, labels, scores } = graph.neighbours;
  return paperFloor(graph.rule, labels[row * k] >= 0 ? scores[row * k] : -1);
}

/** A paper's related papers, best first. */
export function relatedOf(graph: RelatedGraph, row: number): RelatedPaper[] {
  const { k, labels, scores } = graph.neighbours;
  return Array.from({ length: graph.links[row] }, (_, slot) => ({
    row: labels[row * k + slot],
    score: scores[row * k + slot],
    mutual: graph.mutual[row * k + slot] === 1,
  }));
}

/**
 * Prints similarities rounded to 4 decimals as `print` prints the rounded
 * value, from a table of every value from -1 to 1: printing ten million
 * numbers one by one takes seconds.
 */
export function scorePrinter(print: (rounded: number) => string): (score: number) => string {
  const table = Array.from({ length: 20_001 }, (_, at) => print((at - 10_000) / 10_000));
  return (score) => table[Math.round(score * 10_000) + 10_000] ?? print(Math.round(score * 10_000) / 10_000);
}

/** Links of the graph, a mutual pair counted from both ends. */
export function linkCount(graph: RelatedGraph): number {
  return graph.links.reduce((sum, links) => sum + links, 0);
}

/**
 * Quantiles of the similarity of random pairs of papers of the corpus, the
 * scale the floors are set on: it adapts them to the model (MiniLM and the
 * builtin embedder score on different scales) and to the corpus (a corpus on
 * one narrow subject has similar random pairs). Pairs are drawn with a fixed
 * seed, so the floors are the same on every run; rounded to 3 decimals.
 */
export function randomPairQuantiles(vectors: Float32Array, dim: number, quantiles: readonly number[], pairs = 20_000): number[] {
  return pairQuantiles(randomPairs(vectors.length / dim, pairs), (a, b) => dot(vectors, a * dim, vectors, b * dim, dim), quantiles);
}

/** Random pairs of two distinct rows of `count`, drawn with a fixed seed: `[a, b, a, b, ...]`; none when there are fewer than 2 rows. */
function randomPairs(count: number, pairs = 20_000): Int32Array {
  if (count < 2) return new Int32Array(0);
  const random = seededRandom(1);
  const next = (bound: number) => Math.floor(random() * bound);
  const drawn = new Int32Array(pairs * 2);
  for (let p = 0; p < pairs; p++) {
    const a = next(count);
    let b = next(count - 1);
    if (b >= a) b++;
    drawn[2 * p] = a;
    drawn[2 * p + 1] = b;
  }
  return drawn;
}

/** Quantiles of the similarity of the pairs, rounded to 3 decimals; 0 each when there are none. */
function pairQuantiles(pairs: Int32Array, similarity: (a: number, b: number) => number, quantiles: readonly number[]): number[] {
  const count = pairs.length / 2;
  if (count === 0) return quantiles.map(() => 0);
  const scores = new Float64Array(count);
  for (let p = 0; p < count; p++) scores[p] = similarity(pairs[2 * p], pairs[2 * p + 1]);
  scores.sort();
  return quantiles.map((quantile) => Math.round(scores[Math.min(count - 1, Math.floor(quantile * count))] * 1000) / 1000);
}

/** One quantile of random-pair similarity (randomPairQuantiles): 0.99 is "more alike than 99% of pairs". */
export function randomPairFloor(vectors: Float32Array, dim: number, quantile = 0.99, pairs = 20_000): number {
  return randomPairQuantiles(vectors, dim, [quantile], pairs)[0];
}

/** A similarity as the reports and the API print it: four decimals. */
export function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
