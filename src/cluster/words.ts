import { dot, type VectorBlocks } from '../shared/vectors.js';
import type { Paper } from '../store/read.js';
import { termsOf, topicKeywords } from './ctfidf.js';
import type { Layout } from './fit.js';
import { topicCentresOver } from './passes.js';
import {
  CANDIDATES,
  DIVERSITY,
  describeTopic,
  embedPhrases,
  levelLabels,
  mmrOrder,
  rankCandidates,
  avoidedBy,
  type Candidate,
  type PhraseEmbedder,
} from './labels.js';
import { npmiCoherence } from './quality.js';
import type { TopicFigures } from './topics.js';
import type { Tree } from './tree.js';

export type { PhraseEmbedder } from './labels.js';

/**
 * The papers as labelling reads them: how many there are, the rows keywords
 * are taken from (keywordSample's), and the title and abstract of those and
 * of the papers describedRows gives.
 */
export interface PaperTexts {
  count: number;
  keywordRows: Int32Array;
  text(row: number): Pick<Paper, 'title' | 'abstract'>;
}

/** Keywords shown per topic, in the model's order. */
const KEYWORDS = 10;

/** The words of one level's topics, by id. */
export interface LevelWords {
  labels: string[];
  labelTerms: string[][];
  descriptions: string[];
  keywords: string[][];
  coherence: number[];
}

/** One level as the labeller sees it: each fine topic's group (by id), the number of groups, and what a group's label must avoid. */
interface Level {
  groupOfFine: readonly number[];
  groups: number;
}

/** Each paper's group at a level (-1 for an outlier), from its fine topic's id. */
function memberships(fineOfPaper: Int32Array, level: Level): Int32Array {
  return fineOfPaper.map((id) => (id < 0 ? -1 : level.groupOfFine[id]));
}

/** Papers of each fine topic, its most central first, that a description may name. */
const CENTRAL_CANDIDATES = 5;

/** The vectors of the papers a description may name (the first CENTRAL_CANDIDATES of each fine topic), and where each row's is. */
interface Candidates {
  vectors: Float32Array;
  placeOf: ReadonlyMap<number, number>;
}

/** Each paper's fine topic id by row, -1 for an outlier. */
export function fineTopicOfPapers(count: number, figures: readonly TopicFigures[], layout: Layout): Int32Array {
  const fineOfPaper = new Int32Array(count).fill(-1);
  figures.forEach((figure, topic) => figure.members.forEach((row) => (fineOfPaper[row] = layout.fineId[topic])));
  return fineOfPaper;
}

/** The rows of the papers a description may name, in order. */
export function describedRows(figures: readonly TopicFigures[]): Int32Array {
  return Int32Array.from(figures.flatMap((figure) => figure.members.slice(0, CENTRAL_CANDIDATES))).sort();
}

/** Reads the vectors of the papers a description may name, and those only. */
function candidatesOf(figures: readonly TopicFigures[], vectors: VectorBlocks): Candidates {
  const rows = describedRows(figures);
  return { vectors: vectors.rows(rows), placeOf: new Map(Array.from(rows, (row, index) => [row, index])) };
}

/** The paper closest to a group's centre among the first papers of its fine topics. */
function centralPaper(
  figures: readonly TopicFigures[],
  fineIdOf: readonly number[],
  level: Level,
  group: number,
  centres: Float32Array,
  candidates: Candidates,
  dim: number,
): number | undefined {
  let best: { row: number; similarity: number } | undefined;
  figures.forEach((figure, topic) => {
    if (level.groupOfFine[fineIdOf[topic]] !== group) return;
    for (const row of figure.members.slice(0, CENTRAL_CANDIDATES)) {
      const similarity = dot(candidates.vectors, candidates.placeOf.get(row)! * dim, centres, group * dim, dim);
      if (!best || similarity > best.similarity) best = { row, similarity };
    }
  });
  return best?.row;
}

/**
 * The terms of each text (termsOf), every distinct term one string that all
 * the texts using it share: 50,000 abstracts hold 8 million terms, 400 MB as
 * strings of their own and a third of that shared.
 */
function sharedTerms(texts: readonly string[]): string[][] {
  const pool = new Map<string, string>();
  return texts.map((text) =>
    termsOf(text).map((term) => {
      const shared = pool.get(term);
      if (shared !== undefined) return shared;
      pool.set(term, term);
      return term;
    }),
  );
}

/**
 * Keywords, labels, descriptions and coherence of every level: fine topics
 * first, then the middle and broad ones, each of which avoids the terms its
 * fine topics' labels use. The candidates of all levels are embedded in one
 * call. Past KEYWORD_SAMPLE papers the terms come from a sample. The
 * levels' centres take one pass over the vectors; the descriptions read the
 * vectors of the few papers they may name.
 */
export async function labelLevels(
  papers: PaperTexts,
  vectors: VectorBlocks,
  figures: readonly TopicFigures[],
  layout: Layout,
  tree: Tree,
  embed: PhraseEmbedder | undefined,
): Promise<{ fine: LevelWords; broad: LevelWords; middle?: LevelWords; labelMethod: string; sampled: number | undefined }> {
  const fineOfPaper = fineTopicOfPapers(papers.count, figures, layout);
  const rows = papers.keywordRows;
  const documents = sharedTerms(
    Array.from(rows, (row) => {
      const { title, abstract } = papers.text(row);
      return `${title}. ${abstract}`;
    }),
  );
  const levels: Level[] = [{ groupOfFine: figures.map((_, id) => id), groups: figures.length }];
  const fineIdOf = layout.fineId;
  const byFineId = (groupOf: readonly number[], ids: readonly number[]) => {
    const out = new Array<number>(figures.length);
    figures.forEach((_, topic) => (out[fineIdOf[topic]] = ids[groupOf[topic]]));
    return out;
  };
  levels.push({ groupOfFine: byFineId(tree.broadOf, layout.broadId), groups: tree.broadK });
  if (tree.middleK > 0) levels.push({ groupOfFine: byFineId(tree.middleOf, layout.middleId), groups: tree.middleK });
  const groupsOfPapers = levels.map((level) => memberships(fineOfPaper, level));
  const dim = vectors.dim;
  const levelCentres = topicCentresOver(
    vectors,
    levels.map((level, index) => ({ assignments: groupsOfPapers[index], k: level.groups })),
  );
  const candidates = candidatesOf(figures, vectors);

  const keywords = levels.map((level, index) => {
    const groups = groupsOfPapers[index];
    return topicKeywords(
      documents,
      Int32Array.from(rows, (row) => groups[row]),
      level.groups,
      CANDIDATES,
    );
  });
  let phrases: Awaited<ReturnType<typeof embedPhrases>>;
  let labelMethod = `c-TF-IDF terms of 1-3 words, the top ${CANDIDATES} of each topic re-ranked by the model's similarity to the topic's centre (as BERTopic's KeyBERTInspired), then picked by maximal marginal relevance (diversity ${DIVERSITY}); no two labels of a level lead with the same word, and a broad label leads with no term its fine topics' labels lead with`;
  try {
    phrases = await embedPhrases(
      keywords.flat(2).map(({ term }) => term),
      embed,
    );
  } catch (error) {
    phrases = undefined;
    labelMethod += `; the model could not embed the terms (${(error as Error).message}), so they keep c-TF-IDF's order`;
  }
  if (!embed) labelMethod += "; without the model the vectors came from, the terms keep c-TF-IDF's order";

  const words: LevelWords[] = [];
  levels.forEach((level, index) => {
    const paperGroups = groupsOfPapers[index];
    const centres = levelCentres[index];
    const ordered = rankCandidates(keywords[index], centres, dim, phrases).map((list) => mmrOrder(list, phrases?.vectors, dim));
    const avoid = index === 0 ? [] : avoidedTerms(words[0], level);
    const { terms, labels } = levelLabels(
      ordered,
      Array.from({ length: level.groups }, (_, id) => id),
      avoid,
    );
    const sizes = new Array<number>(level.groups).fill(0);
    paperGroups.forEach((group) => group >= 0 && sizes[group]++);
    const kept = ordered.map((list: Candidate[]) => list.slice(0, KEYWORDS).map(({ term }) => term));
    words.push({
      labels,
      labelTerms: terms,
      keywords: kept,
      // of the terms as c-TF-IDF ranks them, not as the model re-ranks them: that is what tells mixed topics from pure ones (docs/quality.md)
      coherence: npmiCoherence(
        documents,
        keywords[index].map((list) => list.slice(0, KEYWORDS).map(({ term }) => term)),
      ),
      descriptions: ordered.map((list, group) => {
        const row = centralPaper(figures, fineIdOf, level, group, centres, candidates, dim);
        return describeTopic(list, terms[group], sizes[group], row === undefined ? undefined : papers.text(row).title);
      }),
    });
  });
  return { fine: words[0], broad: words[1], middle: words[2], labelMethod, sampled: rows.length < papers.count ? rows.length : undefined };
}

/** For each group of a level, the words its fine topics' labels lead with, and their terms. */
function avoidedTerms(fine: LevelWords, level: Level): Set<string>[] {
  const avoid = Array.from({ length: level.groups }, () => new Set<string>());
  level.groupOfFine.forEach((group, id) => {
    for (const key of avoidedBy(fine.labelTerms[id])) avoid[group].add(key);
  });
  return avoid;
}
