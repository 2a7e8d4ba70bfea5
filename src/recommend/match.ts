import type { Paper } from '../store/read.js';
import { arxivOf, doiOf, titleKey, yearOf, type LibraryEntry } from './entry.js';

/** How an entry was found among the papers, in the order they are tried. */
export type MatchedBy = 'id' | 'doi' | 'arxiv' | 'title';

export interface Matched {
  entry: LibraryEntry;
  /** The paper's row in papers.jsonl. */
  row: number;
  by: MatchedBy;
}

/** The papers' ids, DOIs, arXiv ids and normalised titles, each to its rows. */
export interface PaperKeys {
  id: Map<string, number>;
  doi: Map<string, number>;
  arxiv: Map<string, number>;
  title: Map<string, number[]>;
}

/** Metadata fields that may name a paper's DOI or arXiv id (JSON Lines and the arXiv snapshot keep them as they were). */
const LINK_FIELD = /doi|arxiv|url|link|eprint/i;
const YEAR_FIELD = /^(year|published|date|update_date|created|publication_date)$/i;
const ARXIV_ID = /^(\d{4}\.\d{4,5}|[a-z]+(-[a-z]+)?(\.[A-Z]{2})?\/\d{7})(v\d+)?$/i;

/** What a paper's source record says of its DOI and arXiv id: its id when it has an arXiv id's shape, and link-like metadata. */
function paperLinks(paper: Pick<Paper, 'id' | 'metadata'>): { doi?: string; arxiv?: string } {
  const texts = Object.entries(paper.metadata)
    .filter(([name, value]) => LINK_FIELD.test(name) && typeof value === 'string')
    .map(([, value]) => value as string);
  const arxiv =
    (ARXIV_ID.test(paper.id) ? arxivOf(paper.id, true) : undefined) ??
    texts.map((text) => arxivOf(text, /arxiv/i.test(text) || ARXIV_ID.test(text))).find(Boolean);
  return { doi: texts.map(doiOf).find(Boolean), arxiv };
}

export function paperKeys(papers: readonly Pick<Paper, 'id' | 'title' | 'metadata'>[]): PaperKeys {
  const keys: PaperKeys = { id: new Map(), doi: new Map(), arxiv: new Map(), title: new Map() };
  papers.forEach((paper, row) => {
    keys.id.set(paper.id, row);
    const { doi, arxiv } = paperLinks(paper);
    if (doi && !keys.doi.has(doi)) keys.doi.set(doi, row);
    if (arxiv && !keys.arxiv.has(arxiv)) keys.arxiv.set(arxiv, row);
    const title = titleKey(paper.title);
    if (title !== '') keys.title.set(title, [...(keys.title.get(title) ?? []), row]);
  });
  return keys;
}

/** Words of three letters or more, for comparing abstracts. */
function words(text: string): Set<string> {
  return new Set(
    titleKey(text)
      .split(' ')
      .filter((word) => word.length >= 3),
  );
}

/**
 * Whether a paper found by its title is the entry's: where both give a year,
 * they are at most a year apart (a preprint and its publication); where both
 * have an abstract, at least a third of the entry's words are the paper's
 * (a published abstract is often edited, never rewritten).
 */
export function titleAgrees(entry: LibraryEntry, paper: Pick<Paper, 'abstract' | 'metadata'>): boolean {
  const paperYear = Object.entries(paper.metadata)
    .filter(([name]) => YEAR_FIELD.test(name))
    .map(([, value]) => yearOf(value))
    .find((year) => year !== undefined);
  if (entry.year !== undefined && paperYear !== undefined && Math.abs(entry.year - paperYear) > 1) return false;
  if (entry.abstract && paper.abstract) {
    const mine = words(entry.abstract);
    const theirs = words(paper.abstract);
    if (mine.size >= 10 && [...mine].filter((word) => theirs.has(word)).length < mine.size / 3) return false;
  }
  return true;
}

/**
 * Each entry's paper, tried in order: papermap id, DOI, arXiv id, then the
 * normalised title checked against the year and abstract. An entry that
 * matches nothing is unmatched (not an error).
 */
export function matchEntries(
  entries: readonly LibraryEntry[],
  papers: readonly Pick<Paper, 'id' | 'title' | 'abstract' | 'metadata'>[],
  keys = paperKeys(papers),
): { matched: Matched[]; unmatched: LibraryEntry[] } {
  const matched: Matched[] = [];
  const unmatched: LibraryEntry[] = [];
  for (const entry of entries) {
    const found = findPaper(entry, papers, keys);
    if (found) matched.push({ entry, ...found });
    else unmatched.push(entry);
  }
  return { matched, unmatched };
}

function findPaper(entry: LibraryEntry, papers: readonly Pick<Paper, 'abstract' | 'metadata'>[], keys: PaperKeys): { row: number; by: MatchedBy } | undefined {
  const tries: [MatchedBy, number | undefined][] = [
    ['id', entry.id === undefined ? undefined : keys.id.get(entry.id)],
    ['doi', entry.doi === undefined ? undefined : keys.doi.get(entry.doi)],
    ['arxiv', entry.arxiv === undefined ? undefined : (keys.arxiv.get(entry.arxiv) ?? keys.id.get(entry.arxiv))],
  ];
  for (const [by, row] of tries) if (row !== undefined) return { row, by };
  const rows = entry.title === undefined ? [] : (keys.title.get(titleKey(entry.title)) ?? []);
  const row = rows.find((candidate) => titleAgrees(entry, papers[candidate]));
  return row === undefined ? undefined : { row, by: 'title' };
}
