import { seededRandom } from '../shared/random.js';
import { dot, gatherRows } from '../shared/vectors.js';
import { entryName, type LibraryEntry } from './entry.js';
import type { Library as LibraryFile } from './library.js';
import type { Matched } from './match.js';
import { chooseScoring } from './rank.js';
import type { Library } from './score.js';
import { bestFirst, withoutNearDuplicates } from './select.js';

/**
 * The pure part of `papermap recommend`: the library's vectors, the ranking,
 * the list and its reasons, and the self-check, from papers and vectors
 * already read. No I/O.
 */

/** Two results this alike (cosine) are one paper listed twice: the lower one is dropped (0.95 dropped distinct papers: docs/quality.md). */
export const NEAR_DUPLICATE = 0.98;
/** How many library entries each result names as its reason. */
const BECAUSE = 3;

export interface Corpus {
  papers: readonly { id: string; title: string }[];
  vectors: Float32Array;
  dim: number;
  /** A paper's topic, or null (an outlier, or no topics). */
  topicOf: (row: number) => { id: number; label: string } | null;
  /** Whether the paper was added in the last run. */
  isNew: (row: number) => boolean;
}

/** One library entry as the ranking uses it: its vector, and the paper it is (or null: embedded from its own text). */
export interface LibraryItem {
  entry: LibraryEntry;
  row: number | null;
  vector: Float32Array;
}

export interface Reason {
  id: string | null;
  title: string;
  similarity: number;
}

export interface Result {
  id: string;
  title: string;
  score: number;
  topic: { id: number; label: string } | null;
  new: boolean;
  because: Reason[];
}

export type SelfCheck =
  | { heldOut: number; found: number; share: number; top: number; papers: number; rule: 'most recently added' | 'a random fifth' }
  | { skipped: string };

export interface Recommendations {
  library: {
    file: string;
    format: string;
    entries: number;
    matched: number;
    /** Entries that match no paper: `used` when their own title (and abstract) was embedded instead. */
    unmatched: { line: number; name: string; used: boolean }[];
    problems: { line: number; message: string }[];
  };
  scope: 'new' | 'all';
  candidates: number;
  scoring: string;
  selfCheck: SelfCheck;
  results: Result[];
}

/**
 * Recommendations as `papermap serve` answers them: each paper, and each
 * library paper it is close to, with its row, its point on the map (null: an
 * entry embedded by its own text).
 */
export type ServedRecommendations = Omit<Recommendations, 'results'> & {
  results: (Omit<Result, 'because'> & { row: number; because: (Reason & { row: number | null })[] })[];
};

const round = (value: number) => Math.round(value * 10_000) / 10_000;

/** The library's items newest first: by date added where every item has one, else the file's order read from the end. */
export function newestFirst(items: readonly LibraryItem[]): LibraryItem[] {
  const dated = items.every((item) => item.entry.added !== undefined);
  const order = items.map((item, index) => ({ item, index }));
  order.sort((a, b) => (dated ? b.item.entry.added! - a.item.entry.added! : 0) || b.index - a.index);
  return order.map(({ item }) => item);
}

function libraryMatrix(items: readonly LibraryItem[], dim: number): Library {
  const vectors = new Float32Array(items.length * dim);
  items.forEach((item, index) => vectors.set(item.vector, index * dim));
  return { vectors, dim, count: items.length };
}

/** The candidates' indexes (into `rows`) ranked by the scoring chosen for a library of this size, and its name. */
function ranked(corpus: Corpus, items: readonly LibraryItem[], rows: Int32Array): { order: number[]; scores: Float32Array; scoring: string } {
  const inLibrary = new Set(items.map((item) => item.row).filter((row): row is number => row !== null));
  const { name, make } = chooseScoring(items.length);
  const scores = make(corpus.papers.length, (row) => inLibrary.has(row))(libraryMatrix(items, corpus.dim), corpus.vectors, rows);
  return { order: bestFirst(scores, Math.min(rows.length, 1000)), scores, scoring: name };
}

/** The library entries a paper is closest to, with their similarity. */
function reasons(corpus: Corpus, items: readonly LibraryItem[], row: number): Reason[] {
  const similar = items.map((item) => ({ item, similarity: dot(item.vector, 0, corpus.vectors, row * corpus.dim, corpus.dim) }));
  similar.sort((a, b) => b.similarity - a.similarity);
  return similar.slice(0, BECAUSE).map(({ item, similarity }) => ({
    id: item.row === null ? null : corpus.papers[item.row].id,
    title: item.row === null ? (item.entry.title ?? entryName(item.entry)) : corpus.papers[item.row].title,
    similarity: round(similarity),
  }));
}

/**
 * The `top` best candidates (`rows`: papers not in the library) for the
 * library, near-duplicates dropped, each with its reasons.
 */
export function rankCandidates(corpus: Corpus, items: readonly LibraryItem[], rows: Int32Array, top: number): { results: Result[]; scoring: string } {
  if (rows.length === 0 || items.length === 0) return { results: [], scoring: chooseScoring(items.length).name };
  const { order, scores, scoring } = ranked(corpus, newestFirst(items), rows);
  const picked = withoutNearDuplicates(order, rows, corpus.vectors, corpus.dim, top, NEAR_DUPLICATE);
  const results = picked.map((index) => {
    const row = rows[index];
    return {
      id: corpus.papers[row].id,
      title: corpus.papers[row].title,
      score: round(scores[index]),
      topic: corpus.topicOf(row),
      new: corpus.isNew(row),
      because: reasons(corpus, items, row),
    };
  });
  return { results, scoring };
}

/**
 * How well the ranking works on this library: its most recently added
 * entries that are papers of the corpus (a random fifth when the entries
 * carry no dates), at least one, are held out, the rest is the library,
 * and the share of them the ranking of every other paper puts in the top `top`.
 */
export function selfCheck(corpus: Corpus, items: readonly LibraryItem[], top: number, seed = 1): SelfCheck {
  const papers = items.filter((item) => item.row !== null);
  if (papers.length < 2 || items.length < 3) return { skipped: 'it needs at least 3 entries, 2 of them papers of the map, to hold some out and look for them' };
  const count = Math.max(1, Math.round(papers.length / 5));
  const dated = items.every((item) => item.entry.added !== undefined);
  const heldOut = new Set(dated ? newestFirst(papers).slice(0, count) : shuffled(papers, seed).slice(0, count));
  const kept = newestFirst(items.filter((item) => !heldOut.has(item)));
  const inLibrary = new Set(kept.map((item) => item.row));
  const rows = Int32Array.from(corpus.papers.keys()).filter((row) => !inLibrary.has(row));
  const { order } = ranked(corpus, kept, rows);
  const shown = new Set(withoutNearDuplicates(order, rows, corpus.vectors, corpus.dim, top, NEAR_DUPLICATE).map((index) => rows[index]));
  const found = [...heldOut].filter((item) => shown.has(item.row!)).length;
  return { heldOut: heldOut.size, found, share: round(found / heldOut.size), top, papers: rows.length, rule: dated ? 'most recently added' : 'a random fifth' };
}

/** The items in a seeded random order (Fisher-Yates). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const random = seededRandom(seed);
  const copy = [...items];
  for (let slot = copy.length - 1; slot > 0; slot--) {
    const pick = Math.floor(random() * (slot + 1));
    [copy[slot], copy[pick]] = [copy[pick], copy[slot]];
  }
  return copy;
}

/** What the summary says of the library read: entries, matches, the entries used through their own text. */
export function librarySummary(
  file: string,
  library: LibraryFile,
  matched: readonly Matched[],
  unmatched: readonly LibraryEntry[],
  embedded: ReadonlySet<LibraryEntry>,
): Recommendations['library'] {
  return {
    file,
    format: library.format,
    entries: library.entries.length,
    matched: matched.length,
    unmatched: unmatched.map((entry) => ({ line: entry.line, name: entryName(entry), used: embedded.has(entry) })),
    problems: library.problems,
  };
}

/** The library's items: each matched paper once (its vector from the corpus), then each embedded entry. */
export function libraryItems(corpus: Corpus, matched: readonly Matched[], embedded: readonly { entry: LibraryEntry; vector: Float32Array }[]): LibraryItem[] {
  const seen = new Set<number>();
  const items: LibraryItem[] = [];
  for (const { entry, row } of matched) {
    if (seen.has(row)) continue;
    seen.add(row);
    items.push({ entry, row, vector: gatherRows(corpus.vectors, corpus.dim, [row]) });
  }
  for (const { entry, vector } of embedded) items.push({ entry, row: null, vector });
  return items;
}
