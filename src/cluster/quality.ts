import { adjustedRand, bestMatchJaccard } from './agreement.js';

/**
 * Topic coherence by NPMI (Bouma 2009; as Röder et al. 2015 use it for topic
 * models): for each pair of a topic's keywords, log(p(a,b) / (p(a) p(b))) /
 * -log p(a,b), with p the share of the corpus's own documents (each paper's
 * title and abstract) that hold the term; -1 for a pair never seen together.
 * A topic's coherence is the mean over its keyword pairs, in [-1, 1]: above 0
 * its keywords come together more often than chance would have them.
 * `documents[row]` are a paper's terms (as termsOf gives them); keywords are
 * matched without case.
 */
export function npmiCoherence(documents: readonly string[][], keywords: readonly (readonly string[])[]): number[] {
  const wanted = new Map<string, number[]>();
  for (const list of keywords) for (const term of list) wanted.set(term.toLowerCase(), []);
  documents.forEach((terms, row) => {
    for (const term of new Set(terms.map((t) => t.toLowerCase()))) wanted.get(term)?.push(row);
  });
  const total = documents.length;
  const together = (a: number[], b: number[]) => {
    let count = 0;
    for (let i = 0, j = 0; i < a.length && j < b.length; ) {
      if (a[i] === b[j]) {
        count++;
        i++;
        j++;
      } else if (a[i] < b[j]) i++;
      else j++;
    }
    return count;
  };
  return keywords.map((list) => {
    const postings = list.map((term) => wanted.get(term.toLowerCase())!);
    let sum = 0;
    let pairs = 0;
    for (let a = 0; a < postings.length; a++) {
      for (let b = a + 1; b < postings.length; b++) {
        pairs++;
        const both = together(postings[a], postings[b]) / total;
        const pa = postings[a].length / total;
        const pb = postings[b].length / total;
        if (both === 0) sum -= 1;
        else if (both >= 1) sum += 1;
        else sum += Math.log(both / (pa * pb)) / -Math.log(both);
      }
    }
    return pairs === 0 ? 0 : sum / pairs;
  });
}

/** Share of distinct words (without case) among all the words of the labels: 1 when no label repeats another's word. */
export function labelDiversity(labels: readonly string[]): number {
  const words = labels.flatMap((label) =>
    label
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean),
  );
  return words.length === 0 ? 1 : new Set(words).size / words.length;
}

/** Share of distinct keywords among all topics' top keywords (the "topic diversity" of Dieng et al. 2020). */
export function keywordDiversity(keywords: readonly (readonly string[])[]): number {
  const all = keywords.flat().map((term) => term.toLowerCase());
  return all.length === 0 ? 1 : new Set(all).size / all.length;
}

/**
 * How well the chosen topics come back from other seeds: the ARI between the
 * chosen labelling and each other one, and per topic the mean over the other
 * seeds of its best Jaccard overlap with one of their topics.
 */
export function seedStability(chosen: Int32Array, k: number, others: readonly { assignments: Int32Array; k: number }[]): { ari: number[]; perTopic: number[] } {
  const ari = others.map((other) => adjustedRand(chosen, other.assignments));
  const perTopic = new Array<number>(k).fill(0);
  for (const other of others) {
    const best = bestMatchJaccard(chosen, k, other.assignments, other.k);
    best.forEach((value, topic) => (perTopic[topic] += value / others.length));
  }
  return { ari, perTopic };
}
