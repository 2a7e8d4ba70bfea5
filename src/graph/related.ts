import { seededRandom } from '../shared/random.js';
import { dot } from '../shared/vectors.js';
import type { Neighbours } from './neighbours.js';

export interface RelatedPaper {
  /** Row of the neighbour in papers.jsonl. */
  row: number;
  score: number;
  /** The neighbour also has this paper among its own kept neighbours. */
  mutual: boolean;
}

/**
 * The related-paper graph: each paper's nearest neighbours (best first) whose
 * similarity reaches the floor, with mutual-neighbour links marked. Kept flat,
 * in the arrays of the neighbours it was made from: at a million papers, an
 * object per link is ten million objects for the garbage collector.
 */
export interface RelatedGraph {
  /** For every paper row, its nearest other papers; its first `links[row]` are its related papers. */
  neighbours: Neighbours;
  links: Int32Array;
  /** Per slot of `neighbours`: 1 when that related paper also has this paper among its own. */
  mutual: Uint8Array;
}

export function relatedPapers(neighbours: Neighbours, minSimilarity: number): RelatedGraph {
  const { k, labels, scores } = neighbours;
  const count = labels.length / k;
  // each paper's links: its first neighbours that reach the floor
  const links = new Int32Array(count);
  for (let row = 0; row < count; row++) {
    while (links[row] < k && labels[row * k + links[row]] >= 0 && scores[row * k + links[row]] >= minSimilarity) links[row]++;
  }
  // a link is mutual when the neighbour links back; its few links are looked through, which at a million papers beats a set of ten million pairs
  const mutual = new Uint8Array(labels.length);
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
  return { neighbours, links, mutual };
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
 * The default similarity floor: a neighbour is kept only if it is more similar
 * than 99% of random pairs of papers in the same corpus. It adapts to the
 * model (MiniLM and the builtin embedder score on different scales) and to the
 * corpus (a corpus on one narrow subject has similar random pairs).
 * Pairs are drawn with a fixed seed so the floor is the same on every run.
 */
export function randomPairFloor(vectors: Float32Array, dim: number, quantile = 0.99, pairs = 20_000): number {
  const count = vectors.length / dim;
  if (count < 2) return 0;
  const random = seededRandom(1);
  const next = (bound: number) => Math.floor(random() * bound);
  const scores = new Float64Array(pairs);
  for (let p = 0; p < pairs; p++) {
    const a = next(count);
    let b = next(count - 1);
    if (b >= a) b++;
    scores[p] = dot(vectors, a * dim, vectors, b * dim, dim);
  }
  scores.sort();
  return Math.round(scores[Math.min(pairs - 1, Math.floor(quantile * pairs))] * 1000) / 1000;
}

/** A similarity as the reports and the API print it: four decimals. */
export function roundScore(score: number): number {
  return Math.round(score * 10_000) / 10_000;
}
