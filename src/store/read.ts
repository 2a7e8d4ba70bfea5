import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from '../shared/errors.js';
import { notice } from '../shared/progress.js';
import { forEachBlock, rememberedHash, sha256 } from '../shared/files.js';
import { ARTIFACTS, type ArtifactName } from './artifacts.js';
import { schemaProblem, type OutputFolder } from './folder.js';
import { DATE_SHAPE } from '../shared/dates.js';
import type { Store } from './store.js';
import { paperLine, type ChangesFile, type Clusters, type IndexInfo, type VectorsInfo } from './schemas.js';

/**
 * What the inputs say about a paper beyond its text, each only where an input
 * gives it (papers.jsonl writes them after the sources, in this order).
 */
export interface PaperDetails {
  /** Published or listed: "2024-03-14", "2024-03", "2024", or "--03-14" (a month and day, no year given). */
  date?: string;
  authors?: string[];
  categories?: string[];
  /** "10.1103/PhysRevD.76.044016", without "https://doi.org/". */
  doi?: string;
  /** "2403.12345" or "hep-th/9901001", without a version. */
  arxivId?: string;
  /** An http or https address of the paper. */
  url?: string;
}

export const DETAIL_FIELDS = ['date', 'authors', 'categories', 'doi', 'arxivId', 'url'] as const satisfies readonly (keyof PaperDetails)[];

/** One paper as every stage after ingest sees it. */
export interface Paper extends PaperDetails {
  id: string;
  title: string;
  abstract: string;
  /** Every input file the paper was listed in, in input order. */
  sources: string[];
  /** Fields of the source record that papermap does not interpret (keywords, journal, ...). */
  metadata: Record<string, unknown>;
}

/** A paper's details, without the missing ones. */
export function detailsOf(paper: PaperDetails): PaperDetails {
  const details: PaperDetails = {};
  for (const field of DETAIL_FIELDS) if (paper[field] !== undefined) (details as Record<string, unknown>)[field] = paper[field];
  return details;
}

/** A paper's line in papers.jsonl. */
export function paperToJson(paper: Paper): string {
  return JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract, sources: paper.sources, ...detailsOf(paper), ...paper.metadata });
}

/** A paper from the fields of its papers.jsonl line (checked against the schema by the caller, or written by papermap itself). */
export function paperFromFields(fields: Record<string, unknown>): Paper {
  const { id, title, abstract, sources, date, authors, categories, doi, arxivId, url, ...metadata } = fields as unknown as Paper & Record<string, unknown>;
  return { id, title, abstract, sources, ...detailsOf({ date, authors, categories, doi, arxivId, url }), metadata };
}

/**
 * Each line of papers.jsonl (without its newline) as bytes, and the file's
 * hash. The file is read in blocks and each line handed on as it is: a
 * million papers are more text than one JavaScript string can hold, and
 * holding their bytes as well as their strings would double what a stage
 * needs. `bytes` is valid only during the call.
 */
function forEachLine(folder: OutputFolder, version: 'current' | 'previous', onLine: (bytes: Buffer, start: number, end: number, line: number) => void): string {
  let line = 0;
  // the start of a line that runs on into the next block
  let carried: Buffer[] = [];
  const hash = folder.readBlocks('papers', version, (bytes) => {
    let start = 0;
    for (let end = bytes.indexOf(10); end >= 0; end = bytes.indexOf(10, start)) {
      line++;
      if (carried.length > 0) {
        const joined = Buffer.concat([...carried, bytes.subarray(start, end)]);
        onLine(joined, 0, joined.length, line);
      } else onLine(bytes, start, end, line);
      carried = [];
      start = end + 1;
    }
    // the block's buffer is reused: what runs on is copied
    if (start < bytes.length) carried.push(Buffer.from(bytes.subarray(start)));
  });
  if (carried.length > 0) throw folder.damaged('papers', 'the last line is cut short');
  return hash;
}

/** A line of papers.jsonl, parsed whole and checked against the schema. */
function parseLine(folder: OutputFolder, text: string, line: number): z.infer<typeof paperLine> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw folder.damaged('papers', `line ${line} is not valid JSON`);
  }
  const parsed = paperLine.safeParse(value);
  if (!parsed.success) throw folder.damaged('papers', `line ${line} is not a paper (${schemaProblem(parsed.error)})`);
  return parsed.data;
}

/** Each paper of papers.jsonl, its line checked against the schema, and the file's hash. */
export function forEachPaper(folder: OutputFolder, version: 'current' | 'previous', take: (paper: Paper) => void): string {
  const ids = new Set<string>();
  return forEachLine(folder, version, (bytes, start, end, line) => {
    const paper = paperFromFields(parseLine(folder, bytes.toString('utf8', start, end), line));
    if (ids.has(paper.id)) throw folder.damaged('papers', `line ${line} repeats the id ${paper.id}`);
    ids.add(paper.id);
    take(paper);
  });
}

/** How paperToJson begins every line: the id, the title, the abstract, then the sources. */
const LINE_START = Buffer.from('{"id":"');
const TITLE_KEY = Buffer.from(',"title":"');
const ABSTRACT_KEY = Buffer.from(',"abstract":"');
const SOURCES_KEY = Buffer.from(',"sources":[');
const DATE_KEY = Buffer.from(',"date":"');
const CLOSING_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;
const CLOSING_BRACE = 125;

function startsWith(bytes: Buffer, at: number, end: number, prefix: Buffer): boolean {
  return at + prefix.length <= end && bytes.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** The closing quote of the JSON string whose opening quote is at `open`, before `end`; -1 when there is none. */
function closingQuote(bytes: Buffer, open: number, end: number): number {
  for (let at = bytes.indexOf(QUOTE, open + 1); at !== -1 && at < end; at = bytes.indexOf(QUOTE, at + 1)) {
    let slashes = 0;
    while (bytes[at - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return at;
  }
  return -1;
}

/** The JSON string between the quotes at `open` and `close`, decoded (most hold nothing escaped). */
function jsonString(bytes: Buffer, open: number, close: number): string {
  for (let at = open + 1; at < close; at++) if (bytes[at] === BACKSLASH) return JSON.parse(bytes.toString('utf8', open, close + 1)) as string;
  return bytes.toString('utf8', open + 1, close);
}

/**
 * What a stage that does not read abstracts needs of each paper: its id,
 * its title, and a digest of its title and abstract. The line is read no
 * further than its abstract, and the abstract is not decoded: at a million
 * papers, parsing every line whole is most of the time such a stage takes.
 * The line is checked to begin as papermap writes it (the file as a whole
 * is checked against the hash its stage recorded).
 */
/**
 * The date written after the sources array that begins at `open` (its "["),
 * if the paper has one: the sources are file paths, each a JSON string, and
 * the date, when there is one, comes right after them. undefined for none;
 * null when the line does not go on as papermap writes it.
 */
function dateAfterSources(bytes: Buffer, open: number, end: number): string | undefined | null {
  let at = open + 1;
  while (bytes[at] === QUOTE) {
    const close = closingQuote(bytes, at, end);
    if (close === -1) return null;
    at = close + 1;
    if (bytes[at] === 44 /* , */) at++;
  }
  if (bytes[at] !== CLOSING_BRACKET) return null;
  if (!startsWith(bytes, at + 1, end, DATE_KEY)) return undefined;
  const dateOpen = at + DATE_KEY.length;
  const dateClose = closingQuote(bytes, dateOpen, end);
  const date = dateClose === -1 ? '' : bytes.toString('utf8', dateOpen + 1, dateClose);
  return DATE_SHAPE.test(date) ? date : null;
}

function forEachPaperHead(
  folder: OutputFolder,
  version: 'current' | 'previous',
  take: (id: string, title: string, digest: () => string, date: () => string | undefined) => void,
): string {
  const ids = new Set<string>();
  return forEachLine(folder, version, (bytes, start, end, line) => {
    const idOpen = start + LINE_START.length - 1;
    const idClose = startsWith(bytes, start, end, LINE_START) ? closingQuote(bytes, idOpen, end) : -1;
    const titleOpen = idClose + TITLE_KEY.length;
    const titleClose = idClose > idOpen + 1 && startsWith(bytes, idClose + 1, end, TITLE_KEY) ? closingQuote(bytes, titleOpen, end) : -1;
    const abstractOpen = titleClose + ABSTRACT_KEY.length;
    const abstractClose = titleClose > titleOpen + 1 && startsWith(bytes, titleClose + 1, end, ABSTRACT_KEY) ? closingQuote(bytes, abstractOpen, end) : -1;
    const notAPaper = () => folder.damaged('papers', `line ${line} is not a paper as papermap writes it (an id, a title, an abstract and its sources)`);
    if (abstractClose === -1 || !startsWith(bytes, abstractClose + 1, end, SOURCES_KEY) || bytes[end - 1] !== CLOSING_BRACE) throw notAPaper();
    let id: string;
    let title: string;
    try {
      id = jsonString(bytes, idOpen, idClose);
      title = jsonString(bytes, titleOpen, titleClose);
    } catch {
      throw notAPaper();
    }
    if (ids.has(id)) throw folder.damaged('papers', `line ${line} repeats the id ${id}`);
    ids.add(id);
    const date = () => {
      const found = dateAfterSources(bytes, abstractClose + SOURCES_KEY.length, end);
      if (found === null) throw notAPaper();
      return found;
    };
    take(id, title, () => textDigest(bytes.subarray(titleOpen, abstractClose + 1)), date);
  });
}

/** papers.jsonl as papers, and the file's hash. */
export function readPapers(folder: OutputFolder, version: 'current' | 'previous' = 'current'): { papers: Paper[]; hash: string } {
  const papers: Paper[] = [];
  const hash = forEachPaper(folder, version, (paper) => papers.push(paper));
  return { papers, hash };
}

/** What the stages that do not read abstracts see of a paper: its id, and its title for related.json and the reports. */
export type PaperTitle = Pick<Paper, 'id' | 'title'>;

/** Every paper's id and date by row (undefined for a paper without one), and papers.jsonl's hash. */
export interface PaperIdsAndDates {
  ids: string[];
  dates: (string | undefined)[];
  hash: string;
}

/** A paper as changes.json compares it: its id, its title, and a digest of its title and abstract. */
export interface PaperDigest extends PaperTitle {
  digest: string;
}

function textDigest(text: string | Uint8Array): string {
  return sha256(text).slice(0, 32);
}

/** The digest of a paper's title and abstract: that of their JSON text in its papers.jsonl line, so that a line's digest is taken without decoding its abstract. */
export function paperDigest(paper: Pick<Paper, 'title' | 'abstract'>): string {
  return textDigest(`${JSON.stringify(paper.title)},"abstract":${JSON.stringify(paper.abstract)}`);
}

/** Each paper's id and title, and the file's hash (forEachPaperHead: abstracts are not read). */
export function readPaperTitles(folder: OutputFolder, version: 'current' | 'previous' = 'current'): { papers: PaperTitle[]; hash: string } {
  const papers: PaperTitle[] = [];
  const hash = forEachPaperHead(folder, version, (id, title) => papers.push({ id, title }));
  return { papers, hash };
}

/**
 * Each paper's id and date (undefined where it has none), and the file's
 * hash (forEachPaperHead: abstracts are not read): what the cluster stage
 * holds of every paper; the titles it shows are read with readPaperTexts.
 */
export function readPaperIdsAndDates(folder: OutputFolder): PaperIdsAndDates {
  const ids: string[] = [];
  const dates: (string | undefined)[] = [];
  const hash = forEachPaperHead(folder, 'current', (id, _, __, dateOf) => {
    ids.push(id);
    dates.push(dateOf());
  });
  return { ids, dates, hash };
}

/** Each paper's id, title and digest, and the file's hash. */
export function readPaperDigests(folder: OutputFolder, version: 'current' | 'previous' = 'current'): { papers: PaperDigest[]; hash: string } {
  const papers: PaperDigest[] = [];
  const hash = forEachPaperHead(folder, version, (id, title, digest) => papers.push({ id, title, digest: digest() }));
  return { papers, hash };
}

/**
 * How many papers the previous papers.jsonl holds, when it is byte for byte
 * the start of the current one (a run whose inputs only added papers): they
 * are then the current file's first papers, unchanged. Undefined when it is
 * not, or there is no previous version.
 */
export function previousPapersLead(folder: OutputFolder): number | undefined {
  const previous = folder.previousPath('papers');
  if (!existsSync(previous) || statSync(previous).size > statSync(folder.path('papers')).size) return undefined;
  const current = openSync(folder.path('papers'), 'r');
  const same = Buffer.alloc(1 << 23);
  let at = 0;
  let lines = 0;
  let prefix = true;
  let last = 10;
  try {
    forEachBlock(previous, (bytes) => {
      if (!prefix) return;
      const read = readSync(current, same, 0, bytes.length, at);
      prefix = read === bytes.length && same.subarray(0, read).equals(bytes);
      for (let end = bytes.indexOf(10); end >= 0; end = bytes.indexOf(10, end + 1)) lines++;
      at += bytes.length;
      last = bytes[bytes.length - 1];
    });
  } finally {
    closeSync(current);
  }
  // a previous file whose last line is cut short is no account of whole papers
  return prefix && last === 10 ? lines : undefined;
}

/** What a report shows of a paper beyond its title: its abstract and details. */
export type ShownPaper = Pick<Paper, 'abstract'> & PaperDetails;

/** What `pick` takes of each paper at `rows` (distinct papers.jsonl rows, in any order), in the order of `rows`: one pass, the other lines not parsed. */
function readPapersAt<T>(folder: OutputFolder, rows: ArrayLike<number>, pick: (paper: Paper) => T): T[] {
  const place = new Map<number, number>();
  for (let index = 0; index < rows.length; index++) place.set(rows[index], index);
  const picked = new Array<T>(rows.length);
  forEachLine(folder, 'current', (bytes, start, end, line) => {
    const index = place.get(line - 1);
    if (index === undefined) return;
    picked[index] = pick(paperFromFields(parseLine(folder, bytes.toString('utf8', start, end), line)));
  });
  return picked;
}

/** The abstracts and details of the papers at `rows` (distinct papers.jsonl rows, in any order), in the order of `rows`. */
export function readShownPapers(folder: OutputFolder, rows: ArrayLike<number>): ShownPaper[] {
  return readPapersAt(folder, rows, (paper) => ({ abstract: paper.abstract, ...detailsOf(paper) }));
}

/** The titles and abstracts of the papers at `rows` (distinct papers.jsonl rows, in any order), in the order of `rows`. */
export function readPaperTexts(folder: OutputFolder, rows: ArrayLike<number>): Pick<Paper, 'title' | 'abstract'>[] {
  return readPapersAt(folder, rows, ({ title, abstract }) => ({ title, abstract }));
}

/** The index of the first value that is not a finite number, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** vectors.json and vectors.f32, checked against each other: sizes, hash, and finite values. */
export function readVectors(folder: OutputFolder): { info: VectorsInfo; vectors: Float32Array } {
  const info = folder.readJson('vectorsInfo');
  const bytes = folder.readBytes('vectors');
  checkVectorsSize(folder, info, bytes.byteLength);
  // readBytes hashed it, or found it hashed, unless it changed while read
  checkVectorsHash(folder, info, rememberedHash(folder.path('vectors')) ?? sha256(bytes));
  // a large file's bytes come in a buffer of their own, which can be the vectors as they are; a small one may sit unaligned in a shared pool
  const vectors =
    bytes.byteOffset % 4 === 0
      ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
      : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  checkVectorsFinite(folder, info, vectors);
  return { info, vectors };
}

function checkVectorsSize(folder: OutputFolder, info: VectorsInfo, bytes: number): void {
  if (bytes !== info.count * info.dim * 4)
    throw folder.damaged('vectors', `${bytes} bytes where ${folder.where('vectorsInfo')} says ${info.count} vectors of ${info.dim} dimensions (cut short?)`);
}

function checkVectorsHash(folder: OutputFolder, info: VectorsInfo, hash: string): void {
  if (hash !== info.vectorsHash) throw folder.damaged('vectors', `does not match the hash in ${folder.where('vectorsInfo')} (damaged?)`);
}

function checkVectorsFinite(folder: OutputFolder, info: VectorsInfo, vectors: Float32Array): void {
  const bad = firstNonFinite(vectors);
  if (bad >= 0) throw folder.damaged('vectors', `vector ${Math.floor(bad / info.dim) + 1} holds NaN or an infinite value`);
}

/** The papers as `read` reads them (readPapers, readPaperTitles, readPaperDigests) and their vectors, refusing vectors made from another papers.jsonl. */
export function readCurrentVectors<P>(
  folder: OutputFolder,
  read: (folder: OutputFolder) => { papers: P[]; hash: string },
): { papers: P[]; info: VectorsInfo; vectors: Float32Array } {
  const { papers, hash } = read(folder);
  const { info, vectors } = readVectors(folder);
  checkMadeFrom(folder, info, { hash, count: papers.length });
  return { papers, info, vectors };
}

/** vectors.json alone, refusing vectors made from another papers.jsonl than the one read, for a stage that reads vectors.f32 later. */
export function readCurrentVectorsInfo(folder: OutputFolder, papers: { hash: string; count: number }): VectorsInfo {
  const info = folder.readJson('vectorsInfo');
  checkMadeFrom(folder, info, papers);
  return info;
}

/** Refuses vectors made from another papers.jsonl than the one read (its hash, its number of papers). */
function checkMadeFrom(folder: OutputFolder, info: VectorsInfo, papers: { hash: string; count: number }): void {
  if (info.papersHash !== papers.hash || info.count !== papers.count) throw stale(folder, 'vectors', 'papers');
}

/**
 * vectors.json and vectors.f32 as readVectors checks them, the vectors read
 * straight into a SharedArrayBuffer: worker threads search them without a
 * copy each (1.5 GB at a million papers), checked against manifest.json as
 * every artifact is (folder.readBlocks) and against the hash in vectors.json.
 */
function readSharedVectors(folder: OutputFolder): { info: VectorsInfo; vectors: Float32Array } {
  const info = folder.readJson('vectorsInfo');
  const path = folder.path('vectors');
  if (!existsSync(path)) throw new UserError(`${folder.where('vectors')} not found: ${folder.remedy('vectors')} first`);
  const size = statSync(path).size;
  checkVectorsSize(folder, info, size);
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  let done = 0;
  const hash = folder.readBlocks('vectors', 'current', (block) => {
    if (done + block.length > size) throw folder.damaged('vectors', 'grew while being read');
    bytes.set(block, done);
    done += block.length;
  });
  if (done !== size) throw folder.damaged('vectors', 'cut short while being read');
  checkVectorsHash(folder, info, hash);
  const vectors = new Float32Array(bytes.buffer);
  checkVectorsFinite(folder, info, vectors);
  return { info, vectors };
}

/** Rows of vectors a block holds: 16,384 of 384 dimensions are 25 MB, whatever the corpus. */
export const VECTOR_BLOCK_ROWS = 16_384;

/**
 * Every vector of vectors.f32 in row order, `blockRows` rows at a time (the
 * block's array is used again for the next: copy what is kept), checked as
 * readVectors checks them all (the manifest's hash, the size, the hash in
 * vectors.json, every value finite, in that order) once the file has streamed
 * past: a step that makes sums or a figure per paper of every vector holds a
 * block, not the corpus (1.5 GB at a million papers). What is made of the
 * blocks counts only once this returns; a file of the wrong size hands over
 * no block.
 */
export function readVectorBlocks(folder: OutputFolder, onBlock: (start: number, vectors: Float32Array) => void, blockRows = VECTOR_BLOCK_ROWS): VectorsInfo {
  const info = folder.readJson('vectorsInfo');
  const path = folder.path('vectors');
  if (!existsSync(path)) throw new UserError(`${folder.where('vectors')} not found: ${folder.remedy('vectors')} first`);
  const size = statSync(path).size;
  // rows past those vectors.json counts would fall outside what the steps hold per paper: the file is read for its checks alone
  const sized = size === info.count * info.dim * 4;
  const rowBytes = info.dim * 4;
  const rows = Math.max(1, Math.min(blockRows, info.count));
  const block = new Float32Array(rows * info.dim);
  const blockBytes = new Uint8Array(block.buffer);
  let filled = 0;
  let done = 0;
  let firstBad = -1;
  const handOver = () => {
    const vectors = block.subarray(0, filled / 4);
    const start = (done - filled) / rowBytes;
    if (firstBad < 0) {
      const bad = firstNonFinite(vectors);
      if (bad >= 0) firstBad = start + Math.floor(bad / info.dim);
    }
    onBlock(start, vectors);
    filled = 0;
  };
  const hash = folder.readBlocks('vectors', 'current', (bytes) => {
    if (done + bytes.length > size) throw folder.damaged('vectors', 'grew while being read');
    if (!sized) {
      done += bytes.length;
      return;
    }
    for (let at = 0; at < bytes.length; ) {
      const take = Math.min(blockBytes.length - filled, bytes.length - at);
      blockBytes.set(bytes.subarray(at, at + take), filled);
      at += take;
      filled += take;
      done += take;
      if (filled === blockBytes.length) handOver();
    }
  });
  if (done !== size) throw folder.damaged('vectors', 'cut short while being read');
  if (filled > 0) handOver();
  checkVectorsSize(folder, info, size);
  checkVectorsHash(folder, info, hash);
  if (firstBad >= 0) throw folder.damaged('vectors', `vector ${firstBad + 1} holds NaN or an infinite value`);
  return info;
}

/** Rows a block holds when picking a few rows out of every vector: the picked rows are what is held. */
const PICKING_BLOCK_ROWS = 1024;

/**
 * The vectors of some papers (distinct rows, in the order given), checked as
 * readVectors checks them all (size, hash, every value finite) while the file
 * streams past: a step that needs a sample's vectors holds the sample, not the
 * corpus (1.5 GB at a million papers).
 */
export function readVectorRows(folder: OutputFolder, rows: ArrayLike<number>): { info: VectorsInfo; vectors: Float32Array } {
  const info = folder.readJson('vectorsInfo');
  const placeOf = new Int32Array(info.count).fill(-1);
  for (let index = 0; index < rows.length; index++) {
    if (placeOf[rows[index]] !== -1) throw new Error(`row ${rows[index]} asked for twice`);
    placeOf[rows[index]] = index;
  }
  const dim = info.dim;
  const picked = new Float32Array(rows.length * dim);
  readVectorBlocks(
    folder,
    (start, vectors) => {
      for (let row = start, offset = 0; offset < vectors.length; row++, offset += dim)
        if (placeOf[row] >= 0) picked.set(vectors.subarray(offset, offset + dim), placeOf[row] * dim);
    },
    PICKING_BLOCK_ROWS,
  );
  return { info, vectors: picked };
}

/** Paper ids and titles and their vectors (shared, as readSharedVectors reads them), refusing vectors made from another papers.jsonl: what the index stage reads. */
export function readTitlesAndSharedVectors(folder: OutputFolder): { papers: PaperTitle[]; info: VectorsInfo; vectors: Float32Array } {
  const { papers, hash } = readPaperTitles(folder);
  const { info, vectors } = readSharedVectors(folder);
  checkMadeFrom(folder, info, { hash, count: papers.length });
  return { papers, info, vectors };
}

/** index.json, refusing one built from other vectors than the current ones. */
export function readIndexInfo(folder: OutputFolder, vectors: VectorsInfo): IndexInfo {
  const info = folder.readJson('indexInfo');
  if (info.vectorsHash !== vectors.vectorsHash || info.count !== vectors.count) throw stale(folder, 'indexInfo', 'vectors');
  return info;
}

/** clusters.json if it belongs to the current vectors. */
export function readClusters(folder: OutputFolder, vectors: VectorsInfo): Clusters {
  const clusters = folder.readJson('clusters');
  if (clusters.vectorsHash !== vectors.vectorsHash) throw stale(folder, 'clusters', 'vectors');
  return clusters;
}

/** An artifact made from an older version of another: the stage that makes it must run again. */
function stale(folder: OutputFolder, name: ArtifactName, from: ArtifactName): UserError {
  return new UserError(`${folder.where(name)} was made from another ${ARTIFACTS[from].file}: ${folder.remedy(name)} again`);
}

/**
 * The version of an artifact that the last commit of its stage replaced
 * (`.previous/`), read as `read` reads the current one; nothing when there is
 * none (a first run) or it cannot be read.
 */
export function readPrevious<T>(folder: OutputFolder, name: ArtifactName, read: () => T): T | undefined {
  if (!existsSync(folder.previousPath(name))) return undefined;
  try {
    return read();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    notice(`${folder.previousPath(name)} cannot be read (${error.message}); what changed is told as on a first run`);
    return undefined;
  }
}

/** clusters.json, as it is or as it was before the cluster stage's last commit. */
export function readClustersFile(folder: OutputFolder, version: 'current' | 'previous'): Clusters {
  return folder.readJson('clusters', version);
}

/**
 * Some fields of every paper, where its line has them as a string or a list
 * of strings (a list gives its first): `"date":"2024-03-14"`. Each is found by
 * its key's bytes (a quote inside a JSON string is escaped, so a key cannot be
 * text in an abstract) and only its value decoded: parsing a million lines
 * whole would be most of the time the report takes.
 */
export function readPaperFields<K extends string>(folder: OutputFolder, keys: readonly K[]): Record<K, (string | undefined)[]> {
  const patterns = keys.map((key) => Buffer.from(`"${key}":`));
  const values = Object.fromEntries(keys.map((key) => [key, [] as (string | undefined)[]])) as Record<K, (string | undefined)[]>;
  forEachLine(folder, 'current', (bytes, start, end) => {
    keys.forEach((key, index) => values[key].push(fieldValue(bytes, start, end, patterns[index])));
  });
  return values;
}

/** The string (or first string of the list) after `pattern` in the line, if there is one. */
function fieldValue(bytes: Buffer, start: number, end: number, pattern: Buffer): string | undefined {
  // searched within the line only: a key most lines lack would otherwise be looked for to the end of the block, line after line
  const line = bytes.subarray(0, end);
  let at = line.indexOf(pattern, start);
  while (at !== -1 && bytes[at - 1] === BACKSLASH) at = line.indexOf(pattern, at + 1);
  if (at === -1 || at + pattern.length >= end) return undefined;
  let open = at + pattern.length;
  // a list: its first string
  if (bytes[open] === 91) open++;
  const close = bytes[open] === QUOTE ? closingQuote(bytes, open, end) : -1;
  if (close === -1) return undefined;
  try {
    return jsonString(bytes, open, close);
  } catch {
    return undefined;
  }
}

/**
 * changes.json, refusing one that is not about the current papers (the
 * report stage has not run since ingest): the papers it counts must be
 * those of papers.jsonl, and every paper it says was added must be there.
 */
export function readChanges(store: Store, papers: readonly PaperTitle[]): ChangesFile {
  const changes = store.readJson('changes');
  const ids = new Set(papers.map((paper) => paper.id));
  if (changes.counts.papers !== papers.length || changes.added.some((paper) => !ids.has(paper.id)))
    throw new UserError(`${store.where('changes')} was made from another ${ARTIFACTS.papers.file}: ${store.remedy('changes')} again`);
  return changes;
}
