import { join } from 'node:path';
import { UserError } from '../shared/errors.js';
import { writeFileAtomic } from '../shared/files.js';
import { notice } from '../shared/progress.js';
import type { OutputFolder } from '../store/folder.js';
import { readChanges, type Paper } from '../store/read.js';
import type { Store } from '../store/store.js';
import type { VectorsInfo } from '../store/schemas.js';
import { librarySummary, libraryItems, rankCandidates, selfCheck, type Corpus, type Recommendations } from './core.js';
import type { LibraryEntry } from './entry.js';
import { parseLibrary, type Library } from './library.js';
import { matchEntries } from './match.js';
import { recommendationsMarkdown } from './markdown.js';

export type { Recommendations, Result, ServedRecommendations } from './core.js';
export { parseLibrary, readLibraryText, MAX_LIBRARY_BYTES } from './library.js';
export { recommendationsMarkdown, librarySection, selfCheckLine } from './markdown.js';

/** The file `papermap recommend` writes beside the reports, and nothing else. */
export const RECOMMENDATIONS_FILE = 'recommendations.md';

export interface RecommendOptions {
  /** How many papers to list. */
  top: number;
  /** Rank every paper not in the library, not only those added in the last run. */
  all: boolean;
}

/** Embeds texts with the model the folder's vectors came from (loadQueryEmbedder); a UserError says why it cannot. */
export type EmbedTexts = (texts: readonly string[]) => Promise<Float32Array>;

/** What recommend reads of an output folder: every paper, its vector, its topic, and whether it is new. */
export interface FolderPapers {
  papers: Paper[];
  info: VectorsInfo;
  corpus: Corpus;
}

/**
 * The folder's papers, vectors and topics through the store's readers, and
 * which papers are new (changes.json). With `all`, the ranking does not need
 * to know: a changes.json that cannot be read then counts every paper new.
 */
export function readFolderPapers(folder: Store, all: boolean): FolderPapers {
  const { papers, info, vectors } = folder.readCurrentVectors((store) => store.readPapers());
  const topics = new Map<string, { id: number; label: string }>();
  try {
    for (const topic of folder.readClusters(info).topics) for (const id of topic.paperIds) topics.set(id, { id: topic.id, label: topic.label });
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    notice(`papers are recommended without their topics: ${error.message}`);
  }
  let isNew: (row: number) => boolean = () => true;
  try {
    const changes = readChanges(folder, papers);
    const added = new Set(changes.added.map((paper) => paper.id));
    // a first run has no earlier papers: every paper is new, and changes.json lists none
    if (changes.since !== null) isNew = (row) => added.has(papers[row].id);
  } catch (error) {
    if (!all || !(error instanceof UserError)) throw error;
  }
  const corpus: Corpus = { papers, vectors, dim: info.dim, topicOf: (row) => topics.get(papers[row].id) ?? null, isNew };
  return { papers, info, corpus };
}

/** The text an unmatched entry is embedded from, as a paper's is: its title, then its abstract. */
function entryText(entry: LibraryEntry): string {
  return entry.abstract ? `${entry.title}. ${entry.abstract}` : entry.title!;
}

/** The unmatched entries that have a title, embedded; none when the model cannot be had (said once). */
async function embedUnmatched(
  unmatched: readonly LibraryEntry[],
  dim: number,
  embed: EmbedTexts | undefined,
): Promise<{ entry: LibraryEntry; vector: Float32Array }[]> {
  const usable = unmatched.filter((entry) => entry.title !== undefined);
  if (usable.length === 0 || !embed) return [];
  let vectors: Float32Array;
  try {
    vectors = await embed(usable.map(entryText));
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    notice(`the ${usable.length} library entries that are not papers of the folder are left out: ${error.message}`);
    return [];
  }
  return usable.map((entry, index) => ({ entry, vector: vectors.slice(index * dim, (index + 1) * dim) }));
}

/**
 * Recommends papers of an output folder for a library: its entries matched
 * to papers (the others embedded from their own title and abstract), the
 * candidates (papers added in the last run, or every paper with `all`)
 * ranked, near-duplicates dropped, each result with its reasons, and the
 * self-check. A library that gives nothing to rank by is a UserError.
 */
export async function recommend(read: FolderPapers, library: Library, file: string, options: RecommendOptions, embed?: EmbedTexts): Promise<Recommendations> {
  const { papers, corpus } = read;
  const { matched, unmatched } = matchEntries(library.entries, papers);
  const embedded = await embedUnmatched(unmatched, corpus.dim, embed);
  const items = libraryItems(corpus, matched, embedded);
  if (items.length === 0) throw emptyLibrary(file, library, unmatched);
  const inLibrary = new Set(items.map((item) => item.row));
  // with `all` the papers that are not new are ranked too (and said not to be new)
  const rows = Int32Array.from(papers.keys()).filter((row) => !inLibrary.has(row) && (options.all || corpus.isNew(row)));
  const { results, scoring } = rankCandidates(corpus, items, rows, options.top);
  return {
    library: librarySummary(file, library, matched, unmatched, new Set(embedded.map(({ entry }) => entry))),
    scope: options.all ? 'all' : 'new',
    candidates: rows.length,
    scoring,
    selfCheck: selfCheck(corpus, items, options.top),
    results,
  };
}

function emptyLibrary(file: string, library: Library, unmatched: readonly LibraryEntry[]): UserError {
  const entries = library.entries.length;
  if (entries === 0) {
    const first = library.problems[0];
    return new UserError(
      `${file}${first ? `:${first.line}` : ''}: no entry could be read${first ? ` (${first.message})` : ''}: give a BibTeX, RIS, CSL-JSON or CSV export, or one id, DOI, arXiv id or title a line`,
    );
  }
  const titled = unmatched.some((entry) => entry.title !== undefined);
  return new UserError(
    `${file}: none of its ${entries} entries is a paper of this folder (by id, DOI, arXiv id or title)${titled ? ', and their titles could not be embedded' : ', and none has a title or abstract to go by'}: give a library of papers in the folder, or one with titles`,
  );
}

/** Writes recommendations.md into the output folder, atomically: the only file recommend writes. */
export function writeRecommendations(folder: OutputFolder, recommendations: Recommendations): string {
  const path = join(folder.out, RECOMMENDATIONS_FILE);
  writeFileAtomic(path, recommendationsMarkdown(recommendations));
  return path;
}

/** How many unreadable entries are said on stderr, one line each; `--json` lists them all. */
const PROBLEMS_SAID = 20;

/** Reads a library's text as a library, saying each entry it could not read (the first 20) as one line naming the file and the line. */
export function libraryFrom(text: string, file: string): Library {
  const library = parseLibrary(text, file);
  for (const problem of library.problems.slice(0, PROBLEMS_SAID)) notice(`${file}:${problem.line}: ${problem.message}`);
  if (library.problems.length > PROBLEMS_SAID)
    notice(`${file}: ${library.problems.length - PROBLEMS_SAID} more entries could not be read (all in --json and recommendations.md's count)`);
  return library;
}
