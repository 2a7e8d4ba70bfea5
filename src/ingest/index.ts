import { accessSync, constants, existsSync, lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { hash } from 'node:crypto';
import { join } from 'node:path';
import type { StageWrites, Store } from '../store/store.js';
import type { Paper } from '../store/read.js';
import { UserError } from '../shared/errors.js';
import { sha256 } from '../shared/files.js';
import { notice } from '../shared/progress.js';
import { openText } from './decode.js';
import { detectFormat, type Format } from './detect.js';
import { ListingParser } from './listing.js';
import { titleKey, type RecordSink, type SourceRecord } from './records.js';
import { MemoryStore, SpillStore, type PaperChange, type PaperStore } from './store.js';
import { decodeState, encodeState, type FileEntry, type IngestState } from './state.js';
import { CsvParser, JsonArrayParser, JsonlParser } from './tabular.js';

export interface IngestOptions {
  /** Files or directories; a directory contributes every non-hidden file under it, in name order. */
  inputs: string[];
  /** Stop at the first problem (a bad record or a refused file) instead of reporting it and going on; nothing is written. */
  strict: boolean;
}

export interface FileProblem {
  file: string;
  line: number;
  reason: string;
}

export interface IngestSummary {
  files: FileEntry[];
  /** Records read from all files, duplicates included. */
  records: number;
  papers: number;
  /** Records that were the same paper as an earlier record and were merged into it. */
  duplicatesMerged: number;
  problems: FileProblem[];
  /** The first inputs, unchanged since the last run, whose papers were taken as that run left them rather than read again. */
  filesKept: number;
}

/** What a path that is neither a file nor a folder is, in a user's words. */
function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return 'a named pipe';
  if (stat.isSocket()) return 'a socket';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  return 'neither a file nor a folder';
}

/** Why a path cannot be read at all (a link that loops or leads nowhere), or undefined when stat failed for another reason. */
function brokenLink(path: string, error: unknown): string | undefined {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ELOOP') return 'a symbolic link that loops back on itself';
  if (code === 'ENOENT' && lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink()) return 'a symbolic link to nothing';
  return undefined;
}

/**
 * Every input file, in a stable order: inputs as given, folders walked in
 * name order. An input given by name must be a readable file or a folder; in
 * a folder, what cannot be read as a file (a link that loops, a named pipe, a
 * device, a folder reached again through a link) is skipped with a notice
 * naming it, and the other files are read. Nothing is opened: a pipe or a
 * device never blocks the listing.
 */
export function listInputFiles(inputs: readonly string[]): string[] {
  const files: string[] = [];
  const folders = new Set<string>();
  const walk = (path: string, given: boolean): void => {
    const refuse = (problem: string) => {
      if (given) throw new UserError(`${path}: ${problem}; give a file of papers or a folder of them`);
      notice(`skipped ${path}: ${problem}; the other files are read`);
    };
    let stat: Stats;
    try {
      stat = statSync(path);
    } catch (error) {
      const broken = brokenLink(path, error);
      if (broken === undefined) throw error;
      refuse(broken);
      return;
    }
    if (stat.isDirectory()) {
      const real = realpathSync(path);
      if (folders.has(real)) {
        refuse(`a link to the folder ${real}, which is read already`);
        return;
      }
      folders.add(real);
      for (const name of readdirSync(path).sort()) if (!name.startsWith('.')) walk(join(path, name), false);
    } else if (stat.isFile()) {
      try {
        accessSync(path, constants.R_OK);
      } catch (error) {
        throw new UserError(`cannot read input ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      files.push(path.split('\\').join('/'));
    } else refuse(`not a regular file (${kindOf(stat)})`);
  };
  for (const input of inputs) {
    if (!existsSync(input) && !lstatSync(input, { throwIfNoEntry: false })) throw new UserError(`input not found: ${input}`);
    walk(input, true);
  }
  return [...new Set(files)];
}

/**
 * An open-addressing hash table from 96-bit hashes to numbers, in one typed
 * array (16 bytes a slot, at most 5/8 full): the title and id indexes of
 * millions of papers without a JavaScript object per paper.
 */
class HashIndex {
  private mask: number;

  /** An empty index, or the table of one saved with the ingest state and the number of entries in it. */
  constructor(
    private slots: Uint32Array = new Uint32Array(4 * 4096),
    private size = 0,
  ) {
    this.mask = slots.length / 4 - 1;
  }

  /** The table as it stands, to be saved with the ingest state. */
  get table(): Uint32Array {
    return this.slots;
  }

  find(hash: Uint32Array): number {
    for (let slot = hash[0] & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = slot * 4;
      const value = this.slots[at + 3];
      if (value === 0) return -1;
      if (this.slots[at] === hash[0] && this.slots[at + 1] === hash[1] && this.slots[at + 2] === hash[2]) return value - 1;
    }
  }

  insert(hash: Uint32Array, value: number): void {
    if ((this.size + 1) * 8 > (this.mask + 1) * 5) this.grow();
    this.put(hash[0], hash[1], hash[2], value + 1);
    this.size += 1;
  }

  private put(h0: number, h1: number, h2: number, stored: number): void {
    let slot = h0 & this.mask;
    while (this.slots[slot * 4 + 3] !== 0) slot = (slot + 1) & this.mask;
    const at = slot * 4;
    this.slots[at] = h0;
    this.slots[at + 1] = h1;
    this.slots[at + 2] = h2;
    this.slots[at + 3] = stored;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Uint32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += 4) if (old[at + 3] !== 0) this.put(old[at], old[at + 1], old[at + 2], old[at + 3]);
  }
}

/** The first 96 bits of the MD5 of a text, into `into` (reused, to spare the garbage collector). */
function hash96(text: string, into: Uint32Array): Uint32Array {
  const digest = hash('md5', text, 'buffer');
  into[0] = digest.readUInt32LE(0);
  into[1] = digest.readUInt32LE(4);
  into[2] = digest.readUInt32LE(8);
  return into;
}

/** Per-paper facts the merge needs, 6 numbers a paper in one growing array. */
const FIRST_FILE = 0;
const FIRST_LINE = 1;
/** where the paper's abstract (and title) came from */
const KEPT_FILE = 2;
const KEPT_LINE = 3;
const ABSTRACT_LENGTH = 4;
const LAST_FILE = 5;
const STRIDE = 6;

/**
 * Merges records into papers: records with the same normalised title are one
 * paper. Memory per paper is two hash-table slots and six numbers; the
 * papers themselves go to a store.
 *
 * - A later record of a paper adds its file to `sources` and its fields to the
 *   metadata (the earlier value of a field wins); its details merge with the
 *   paper's (the earliest date, the categories of both: details.ts); it is
 *   counted as merged.
 * - Its abstract fills the paper's when the paper's is empty; an empty or
 *   identical abstract changes nothing (a true duplicate, merged silently).
 * - Two different non-empty abstracts: the record with the longer abstract
 *   is kept whole (its title and abstract), on equal length the first seen;
 *   the clash is reported naming both records' places.
 * - A title with no letters or digits, and a source id already used by a
 *   paper with another title, are reported and the record skipped.
 */
class Merger {
  private readonly titles: HashIndex;
  private readonly ids: HashIndex;
  private readonly keyHash = new Uint32Array(3);
  private readonly idHash = new Uint32Array(3);
  private facts: Uint32Array;
  count: number;
  duplicatesMerged: number;
  records: number;

  /** A merger that has read nothing, or one that goes on from a saved ingest state. */
  constructor(
    private readonly store: PaperStore,
    private readonly files: readonly string[],
    private readonly report: (file: string, line: number, reason: string) => void,
    from?: IngestState,
  ) {
    this.titles = from ? new HashIndex(from.titles, from.papers) : new HashIndex();
    this.ids = from ? new HashIndex(from.ids, from.papers) : new HashIndex();
    this.facts = from?.factTable ?? new Uint32Array(STRIDE * 1024);
    this.count = from?.papers ?? 0;
    this.duplicatesMerged = from?.duplicatesMerged ?? 0;
    this.records = from?.records ?? 0;
  }

  /** What a later run needs to go on from here. */
  tables(): Pick<IngestState, 'titles' | 'ids' | 'factTable'> {
    return { titles: this.titles.table, ids: this.ids.table, factTable: this.facts.subarray(0, this.count * STRIDE) };
  }

  private place(fileIndex: number, line: number): string {
    return `${this.files[fileIndex]}:${line}`;
  }

  add(record: SourceRecord, fileIndex: number): void {
    this.records += 1;
    const file = this.files[fileIndex];
    const key = titleKey(record.title);
    if (key === '') {
      this.report(file, record.line, 'title has no letters or digits; record skipped (give it a real title)');
      return;
    }
    const keyHash = hash96(key, this.keyHash);
    const index = this.titles.find(keyHash);
    if (index !== -1) {
      this.merge(index, record, fileIndex);
      return;
    }
    const id = record.id ?? sha256(key).slice(0, 12);
    const idHash = hash96(id, this.idHash);
    const holder = this.ids.find(idHash);
    if (holder !== -1) {
      const at = holder * STRIDE;
      this.report(
        file,
        record.line,
        `id "${id}" is already used by a different paper at ${this.place(this.facts[at + FIRST_FILE], this.facts[at + FIRST_LINE])}; skipped (give one of them another id)`,
      );
      return;
    }
    if ((this.count + 1) * STRIDE > this.facts.length) {
      const grown = new Uint32Array(this.facts.length * 2);
      grown.set(this.facts);
      this.facts = grown;
    }
    const at = this.count * STRIDE;
    this.facts[at + FIRST_FILE] = fileIndex;
    this.facts[at + FIRST_LINE] = record.line;
    this.facts[at + LAST_FILE] = fileIndex;
    this.setAbstract(at, record, fileIndex);
    this.ids.insert(idHash, this.count);
    this.titles.insert(keyHash, this.count);
    this.count += 1;
    const paper: Paper = { id, title: record.title, abstract: record.abstract, sources: [file], ...record.details, metadata: record.metadata };
    this.store.add(paper);
  }

  private setAbstract(at: number, record: SourceRecord, fileIndex: number): void {
    this.facts[at + KEPT_FILE] = fileIndex;
    this.facts[at + KEPT_LINE] = record.line;
    this.facts[at + ABSTRACT_LENGTH] = record.abstract.length;
  }

  private merge(index: number, record: SourceRecord, fileIndex: number): void {
    this.duplicatesMerged += 1;
    const at = index * STRIDE;
    const change: PaperChange = {};
    if (this.facts[at + LAST_FILE] !== fileIndex) {
      change.source = this.files[fileIndex];
      this.facts[at + LAST_FILE] = fileIndex;
    }
    for (const _ in record.metadata) {
      change.metadata = record.metadata;
      break;
    }
    for (const _ in record.details) {
      change.details = record.details;
      break;
    }
    const length = record.abstract.length;
    const keptLength = this.facts[at + ABSTRACT_LENGTH];
    if (length > 0 && keptLength === 0) {
      change.abstract = record.abstract;
      this.setAbstract(at, record, fileIndex);
    } else if (length > 0) {
      const same = length === keptLength && record.abstract === this.store.abstractOf(index);
      if (!same) {
        const kept = this.place(this.facts[at + KEPT_FILE], this.facts[at + KEPT_LINE]);
        if (length > keptLength) {
          this.report(
            this.files[fileIndex],
            record.line,
            `same title as ${kept} but a different abstract; kept this record's title and abstract (the longer abstract), dropped those of ${kept}`,
          );
          change.title = record.title;
          change.abstract = record.abstract;
          this.setAbstract(at, record, fileIndex);
        } else {
          const rule = length === keptLength ? 'abstracts of equal length: the first seen' : 'the longer abstract';
          this.report(
            this.files[fileIndex],
            record.line,
            `same title as ${kept} but a different abstract; kept the title and abstract of ${kept} (${rule}), dropped this record's`,
          );
        }
      }
    }
    if (change.source !== undefined || change.metadata !== undefined || change.details !== undefined || change.abstract !== undefined)
      this.store.change(index, change);
  }
}

function parserFor(format: Format, sink: RecordSink): { push(chunk: string): void; end(): void } {
  switch (format.kind) {
    case 'jsonl':
      return new JsonlParser(sink);
    case 'json':
      return new JsonArrayParser(sink);
    case 'csv':
      return new CsvParser(format.delimiter, sink);
    case 'listing':
      return new ListingParser(sink);
  }
}

/**
 * Reads one file as a stream into the merger: encoding, then format (refused
 * when not recognised with confidence), then records one at a time.
 */
function readFile(
  path: string,
  fileIndex: number,
  merger: Merger,
  report: (file: string, line: number, reason: string) => void,
  say: (message: string) => void,
): FileEntry {
  const opened = openText(path);
  if ('reason' in opened) {
    report(path, 1, opened.reason);
    return { path, format: 'unreadable', records: 0 };
  }
  let problems = 0;
  const problem = (line: number, reason: string) => {
    problems += 1;
    report(path, line, reason);
  };
  const entry: FileEntry = { path, format: 'refused', records: 0, encoding: opened.encoding };
  try {
    const format = detectFormat(opened.head, opened.complete);
    if ('refused' in format) {
      problem(format.line, `refused: ${format.refused}`);
      return entry;
    }
    entry.format = format.kind;
    if (opened.encoding === 'windows-1252') say(`${path}: not UTF-8; read as Windows-1252 (Latin-1). Save it as UTF-8 to silence this notice`);
    const parser = parserFor(format, {
      record: (record) => {
        entry.records += 1;
        merger.add(record, fileIndex);
      },
      problem,
      notice: (line, message) => say(`${path}:${line}: ${message}`),
    });
    for (const chunk of opened.chunks(problem)) parser.push(chunk);
    parser.end();
  } finally {
    opened.close();
  }
  entry.encoding = opened.encoding;
  if (opened.windows1252FromLine !== undefined)
    say(`${path}: not UTF-8 from line ${opened.windows1252FromLine} on; read as Windows-1252 (Latin-1). Save it as UTF-8 to silence this notice`);
  if (entry.records === 0 && problems === 0) problem(1, 'no papers found in this file (only blank lines or headers?)');
  return entry;
}

/**
 * Reads the inputs into a merger, or the inputs after those a saved state
 * read: what that run reported is then reported again, as a run that read
 * those files again would.
 */
function readAll(
  files: readonly string[],
  store: PaperStore,
  report: (file: string, line: number, reason: string) => void,
  say: (message: string) => void,
  from?: IngestState,
): Omit<IngestSummary, 'problems' | 'filesKept'> & { merger: Merger } {
  const merger = new Merger(store, files, report, from);
  for (const message of from?.messages ?? []) {
    if ('notice' in message) say(message.notice);
    else report(message.file, message.line, message.reason);
  }
  const read = from?.files.length ?? 0;
  const entries = [
    ...(from?.files.map((file) => file.entry) ?? []),
    ...files.slice(read).map((file, index) => readFile(file, read + index, merger, report, say)),
  ];
  return { files: entries, records: merger.records, papers: merger.count, duplicatesMerged: merger.duplicatesMerged, merger };
}

/**
 * Reads every input, merges records of the same paper (same normalised title),
 * and returns the papers in order of first appearance, in memory. For small
 * inputs (tests, benchmarks); the ingest stage streams papers to disk instead.
 */
export function readInputs(files: readonly string[]): { papers: Paper[]; summary: Omit<IngestSummary, 'papers' | 'filesKept'> } {
  const store = new MemoryStore();
  const problems: FileProblem[] = [];
  const {
    files: entries,
    records,
    duplicatesMerged,
  } = readAll(
    files,
    store,
    (file, line, reason) => problems.push({ file, line, reason }),
    () => {},
  );
  return { papers: store.papers, summary: { files: entries, records, duplicatesMerged, problems } };
}

/**
 * The ingest state the folder's last ingest left, when this run can go on
 * from it: its inputs are the first of this run's, unchanged and in the same
 * order. A missing, damaged or outdated one means reading every input.
 */
function lastState(folder: Store, files: readonly string[], hashes: ReadonlyMap<string, string>): IngestState | undefined {
  if (!folder.has('ingestState') || !folder.has('papers')) return undefined;
  let state: IngestState | undefined;
  try {
    state = decodeState(folder.readBytes('ingestState'));
  } catch (error) {
    // damaged: ingest runs as on a new folder, as the index stage does on a damaged index
    if (error instanceof UserError) return undefined;
    throw error;
  }
  const same =
    state !== undefined &&
    state.factTable.length === state.papers * STRIDE &&
    state.files.length <= files.length &&
    state.files.every((file, index) => file.entry.path === files[index] && file.sha256 === hashes.get(files[index]));
  return same ? state : undefined;
}

/**
 * The ingest stage: inputs in, `<out>/papers.jsonl` and `<out>/ingest.state`
 * out. Inputs are read as streams and papers written as they are first met,
 * so memory holds only the merge index, not the papers. When the inputs
 * begin with those the last run read, unchanged, it goes on from where that
 * run ended (ingest.state) and reads only the files after them: the result
 * is the same. Problems are reported on stderr as they are found; with
 * `strict` the first one stops the run and nothing is written.
 */
export function ingest(writer: StageWrites, options: IngestOptions, files: readonly string[], hashes: ReadonlyMap<string, string>): IngestSummary {
  const problems: FileProblem[] = [];
  const messages: IngestState['messages'] = [];
  const report = (file: string, line: number, reason: string): void => {
    if (options.strict) throw new UserError(`${file}:${line}: ${reason} (--strict: stopped at the first problem; nothing written)`);
    problems.push({ file, line, reason });
    messages.push({ file, line, reason });
    notice(`warning: ${file}:${line}: ${reason}`);
  };
  const say = (message: string): void => {
    messages.push({ notice: message });
    notice(message);
  };
  let from = lastState(writer.store, files, hashes);
  let store = from && SpillStore.goOn(writer.localFile('papers'), writer.store, from.papers);
  if (!store) {
    from = undefined;
    store = new SpillStore(writer.localFile('papers'));
  }
  try {
    const { merger, ...summary } = readAll(files, store, report, say, from);
    if (summary.papers === 0) {
      throw new UserError(
        `no papers found in ${options.inputs.join(', ')} (every file was refused, empty or unreadable; see the warnings above); nothing written`,
      );
    }
    store.commit();
    const read = summary.files.map((entry) => ({ sha256: hashes.get(entry.path)!, entry }));
    writer.write(
      'ingestState',
      encodeState({ files: read, messages, records: summary.records, duplicatesMerged: summary.duplicatesMerged, papers: summary.papers, ...merger.tables() }),
    );
    return { ...summary, problems, filesKept: from?.files.length ?? 0 };
  } catch (error) {
    store.discard();
    throw error;
  }
}
