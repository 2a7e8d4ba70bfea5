import { dot } from '../shared/vectors.js';
import { commonStems, stemsOf, type Keyword } from './ctfidf.js';

/**
 * Topic labels told apart, as BERTopic's KeyBERTInspired and
 * MaximalMarginalRelevance representations make them: the candidates are a
 * topic's c-TF-IDF terms (words and phrases of 2-3 words); the model embeds
 * each, and a candidate ranks by its similarity to the topic's centre; the
 * label's terms are then picked by maximal marginal relevance, so that they
 * say different things. Across a level, no two labels lead with the same word,
 * and a broad label repeats no term of its fine topics' labels.
 */

/** c-TF-IDF terms of each topic the model re-ranks. */
export const CANDIDATES = 20;
/** Terms in a label. */
export const LABEL_TERMS = 3;
/** Terms a topic's description names beyond its label. */
const DESCRIPTION_TERMS = 3;
/**
 * MMR's weight on novelty against relevance, BERTopic's default `diversity`.
 * On OHSUMED 0.3 made labels more diverse (word diversity 0.945 against
 * 0.921) but named the topics' majority category less often (21 of 33
 * against 23) and less coherently (docs/quality.md).
 */
export const DIVERSITY = 0.1;
/** Weight of a term's similarity to the nearest other topic, taken off its relevance (0 is BERTopic's KeyBERTInspired). */
export const SEPARATION = 0.5;

/** Embeds short texts into the papers' vector space: unit vectors, one row per text. */
export type PhraseEmbedder = (phrases: readonly string[]) => Promise<Float32Array>;

/** A candidate term with its relevance to its topic, and its row in the phrase vectors (-1 without a model). */
export interface Candidate {
  term: string;
  relevance: number;
  row: number;
  stems: string[];
}

/** Vectors of phrases: one row each, found by the phrase. */
export interface PhraseVectors {
  rowOf: Map<string, number>;
  vectors: Float32Array;
}

/** Every distinct phrase embedded once, for all levels; undefined without a model. */
export async function embedPhrases(phrases: Iterable<string>, embed: PhraseEmbedder | undefined): Promise<PhraseVectors | undefined> {
  const distinct = [...new Set(phrases)];
  if (!embed || distinct.length === 0) return undefined;
  return { rowOf: new Map(distinct.map((phrase, row) => [phrase, row])), vectors: await embed(distinct) };
}

/**
 * How much a term names its own topic rather than the others: its
 * similarity to the topic's centre, less SEPARATION x its greatest
 * similarity to another topic's centre. Similarity alone favours words the
 * whole corpus shares ("learning", "patients"), which name no topic.
 */
function telling(vectors: Float32Array, row: number, centres: Float32Array, topic: number, dim: number, separation: number): number {
  let other = 0;
  for (let centre = 0; centre < centres.length / dim; centre++)
    if (centre !== topic) other = Math.max(other, dot(vectors, row * dim, centres, centre * dim, dim));
  return dot(vectors, row * dim, centres, topic * dim, dim) - separation * other;
}

/** Each topic's candidates ranked by their similarity to its centre (or, without phrase vectors, by c-TF-IDF). */
export function rankCandidates(
  keywords: readonly (readonly Keyword[])[],
  centres: Float32Array,
  dim: number,
  phrases: PhraseVectors | undefined,
  separation = SEPARATION,
): Candidate[][] {
  return keywords.map((list, topic) => {
    const top = list[0]?.weight || 1;
    return list
      .map(({ term, weight }) => {
        const row = phrases?.rowOf.get(term) ?? -1;
        return {
          term,
          relevance: phrases && row >= 0 ? telling(phrases.vectors, row, centres, topic, dim, separation) : weight / top,
          row,
          stems: stemsOf(term),
        };
      })
      .sort((a, b) => b.relevance - a.relevance || (a.term < b.term ? -1 : 1));
  });
}

/** Similarity of two candidates: cosine of their phrase vectors, or without them the share of stems they have in common. */
function similarity(a: Candidate, b: Candidate, vectors: Float32Array | undefined, dim: number): number {
  if (vectors && a.row >= 0 && b.row >= 0) return dot(vectors, a.row * dim, vectors, b.row * dim, dim);
  const shared = a.stems.filter((stem) => b.stems.includes(stem)).length;
  return shared / Math.max(1, new Set([...a.stems, ...b.stems]).size);
}

/**
 * A topic's candidates in the order maximal marginal relevance picks them:
 * each next one the best by (1 - diversity) x relevance - diversity x its
 * greatest similarity to those already picked. A candidate sharing a word
 * stem with one already picked is left out: "agents" after "agent".
 */
export function mmrOrder(candidates: readonly Candidate[], vectors: Float32Array | undefined, dim: number, diversity = DIVERSITY): Candidate[] {
  const left = [...candidates];
  const picked: Candidate[] = [];
  while (left.length > 0) {
    let best = 0;
    let bestScore = -Infinity;
    left.forEach((candidate, index) => {
      const redundancy = picked.reduce((most, other) => Math.max(most, similarity(candidate, other, vectors, dim)), 0);
      const score = (1 - diversity) * candidate.relevance - diversity * redundancy;
      if (score > bestScore) {
        bestScore = score;
        best = index;
      }
    });
    const [next] = left.splice(best, 1);
    const overlapping = picked.filter((other) => other.stems.some((stem) => next.stems.includes(stem)));
    if (overlapping.length === 0) picked.push(next);
    // a phrase takes the place of the one word of it picked before: "reinforcement learning" for "reinforcement"
    else if (overlapping.length === 1 && overlapping[0].stems.length === 1 && next.stems.length > 1 && new Set(next.stems).size === next.stems.length)
      picked[picked.indexOf(overlapping[0])] = next;
  }
  return picked;
}

/** The word a label leads with, as a stem. */
const leadOf = (candidate: Candidate) => candidate.stems[0] ?? '';
/** A term as `avoid` holds it, apart from lead words. */
const termKey = (candidate: Pick<Candidate, 'stems'>) => `term:${candidate.stems.join(' ')}`;

export interface LevelLabels {
  /** Each topic's label terms, the lead first. */
  terms: string[][];
  labels: string[];
}

/**
 * Labels for the topics of one level. Topics choose in the order given (the
 * biggest first): each leads with its best term (in MMR order) whose first
 * word no earlier topic leads with and is not in `avoid` (for a broad topic,
 * the words its fine topics' labels lead with), then takes the next terms
 * of its order, those of its fine topics' labels (`avoid`'s "term:" keys) last. A stem
 * among the top candidates of more than a quarter of the topics names the
 * corpus, not a topic, and leads only when nothing else is left.
 */
export function levelLabels(ordered: readonly Candidate[][], order: readonly number[], avoid: readonly ReadonlySet<string>[] = []): LevelLabels {
  const common = commonStems(ordered.map((list) => list.map(({ term, relevance }) => ({ term, weight: relevance }))));
  const taken = new Set<string>();
  const terms: string[][] = ordered.map(() => []);
  for (const topic of order) {
    const telling = ordered[topic].filter((candidate) => !candidate.stems.every((stem) => common.has(stem)));
    // a word common to many topics names none of them: used only when nothing else is left
    const pool = telling.length >= LABEL_TERMS ? telling : ordered[topic];
    const lead = pool.find((candidate) => !taken.has(leadOf(candidate)) && !avoid[topic]?.has(leadOf(candidate)));
    if (!lead) {
      terms[topic] = [`topic ${topic}`];
      continue;
    }
    taken.add(leadOf(lead));
    // terms of the fine labels come last, so that a broad label does not repeat one of them
    const rest = pool.filter((candidate) => candidate !== lead);
    const fresh = rest.filter((candidate) => !avoid[topic]?.has(termKey(candidate)));
    terms[topic] = [lead, ...fresh, ...rest.filter((candidate) => !fresh.includes(candidate))].slice(0, LABEL_TERMS).map(({ term }) => term);
  }
  return { terms, labels: terms.map((list) => list.join(', ')) };
}

/** What a label of these terms puts in `avoid` for the level above: its lead word (as a stem) and each of its terms. */
export function avoidedBy(terms: readonly string[]): string[] {
  return terms.length > 0 ? [stemsOf(terms[0])[0] ?? '', ...terms.map((term) => termKey({ stems: stemsOf(term) }))] : [];
}

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`);

/**
 * One line a reader can scan: what the topic's papers are about beyond its
 * label (the next terms of its MMR order) and its most central paper's title.
 */
export function describeTopic(ordered: readonly Candidate[], label: readonly string[], size: number, centralTitle: string | undefined): string {
  const more = ordered
    .map(({ term }) => term)
    .filter((term) => !label.includes(term))
    .slice(0, DESCRIPTION_TERMS);
  const about = [...label, ...more];
  const list = about.length > 1 ? `${about.slice(0, -1).join(', ')} and ${about[about.length - 1]}` : (about[0] ?? '');
  const paper = centralTitle ? `; most central: “${clip(centralTitle.replace(/\s+/g, ' '), 90)}”` : '';
  return `${size} ${size === 1 ? 'paper' : 'papers'} on ${list}${paper}`;
}
