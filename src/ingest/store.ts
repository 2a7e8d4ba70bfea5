import { closeSync, copyFileSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { UserError } from '../shared/errors.js';
import { forEachBlock, rememberHash, versionOf } from '../shared/files.js';
import type { Store } from '../store/store.js';
import { detailsOf, paperFromFields, paperToJson, type Paper, type PaperDetails } from '../store/read.js';
import { CHUNK_BYTES } from './decode.js';
import { mergeDetails, sameDetails } from './details.js';
import { LineSplitter } from './lines.js';

/** What a later record of the same paper changes. */
export interface PaperChange {
  /** A file the paper was not yet listed in. */
  source?: string;
  /** Fields of the later record: added where the paper does not have them yet. */
  metadata?: Record<string, unknown>;
  /** The later record's details, merged with the paper's (mergeDetails). */
  details?: PaperDetails;
  /** The later record's title and abstract, when they replace the paper's. */
  title?: string;
  abstract?: string;
}

/** Where merged papers go, in order of first appearance. */
export interface PaperStore {
  add(paper: Paper): void;
  change(index: number, change: PaperChange): void;
  /** The paper's abstract as it stands (to compare a later record's with). */
  abstractOf(index: number): string;
}

function apply(paper: Paper, change: PaperChange): void {
  if (change.source !== undefined) paper.sources.push(change.source);
  if (change.metadata !== undefined) paper.metadata = { ...change.metadata, ...paper.metadata };
  if (change.details !== undefined) Object.assign(paper, mergeDetails(detailsOf(paper), change.details));
  if (change.title !== undefined) paper.title = change.title;
  if (change.abstract !== undefined) paper.abstract = change.abstract;
}

/** Papers kept in memory (for small inputs, tests and benchmarks). */
export class MemoryStore implements PaperStore {
  readonly papers: Paper[] = [];

  add(paper: Paper): void {
    this.papers.push(paper);
  }

  change(index: number, change: PaperChange): void {
    apply(this.papers[index], change);
  }

  abstractOf(index: number): string {
    return this.papers[index].abstract;
  }
}

const FLUSH_CHARS = 1 << 20;

/**
 * Papers written out as they are first met, so memory does not grow with the
 * input: each paper goes to a spill file in its final papers.jsonl form, and
 * the changes later records make (rare: duplicates) are kept in memory and
 * applied while the spill file is copied to papers.jsonl at the end. Without
 * changes the spill file itself becomes papers.jsonl. Both files sit next to
 * papers.jsonl, which is replaced by a rename, so readers see the old or the
 * new file, never a half-written one. papers.jsonl is hashed as it is
 * written, for the commit.
 */
export class SpillStore implements PaperStore {
  private readonly target: string;
  private readonly spillPath: string;
  private readonly tempPath: string;
  private fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  private readonly changes = new Map<number, PaperChange[]>();
  /** Byte offset of each paper's line in the spill file (and the end of the last one). */
  private offsets = new Float64Array(1024);
  private bytes = 0;
  private flushed = 0;
  /** The hash of what the spill file holds, while it is to become papers.jsonl as it is. */
  private digest: Hash = createHash('sha256');
  count = 0;

  /**
   * `target`: where the stage writer stages papers.jsonl; the spill files go
   * beside it. `from`: a papers.jsonl the spill file starts as a copy of.
   */
  constructor(target: string, from?: string) {
    this.target = target;
    const stem = `${this.target}.${process.pid}.${randomBytes(4).toString('hex')}`;
    this.spillPath = `${stem}.spill.tmp`;
    this.tempPath = `${stem}.tmp`;
    if (from !== undefined) copyFileSync(from, this.spillPath);
    // appending: what is written goes after the copy
    this.fd = openSync(this.spillPath, from === undefined ? 'w+' : 'a+');
  }

  /**
   * A store that goes on from the folder's papers.jsonl, as a run that read
   * the same files again would: the spill file starts as a copy of it (the
   * kernel copies a gigabyte in a fraction of the time a write of it takes),
   * read once to find its lines and hash it, and checked against the hash
   * manifest.json recorded. Undefined when it does not match, or does not
   * hold `papers` whole lines: the caller then reads every input.
   */
  static goOn(target: string, folder: Store, papers: number): SpillStore | undefined {
    let recorded: string | undefined;
    try {
      recorded = folder.recordedHash('papers');
    } catch (error) {
      if (error instanceof UserError) return undefined;
      throw error;
    }
    const committed = folder.localFile('papers');
    const version = versionOf(committed);
    const store = new SpillStore(target, committed);
    forEachBlock(store.spillPath, (bytes) => {
      for (let end = bytes.indexOf(10); end >= 0; end = bytes.indexOf(10, end + 1)) store.noteLine(store.bytes + end + 1);
      store.bytes += bytes.length;
      store.digest.update(bytes);
    });
    store.flushed = store.bytes;
    // the hash of the copy so far, while the digest goes on to take what is appended
    if (recorded === undefined || store.digest.copy().digest('hex') !== recorded || store.count !== papers || store.offsets[store.count] !== store.bytes) {
      store.discard();
      return undefined;
    }
    // the commit keeps the old papers.jsonl as the previous one only if sound: the copy vouches for it, unless it changed since
    rememberHash(committed, recorded, version);
    return store;
  }

  /** The end of paper `count`'s line, at `offset` bytes. */
  private noteLine(offset: number): void {
    this.count += 1;
    if (this.count + 1 > this.offsets.length) {
      const grown = new Float64Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[this.count] = offset;
  }

  add(paper: Paper): void {
    const line = paperToJson(paper) + '\n';
    this.pending.push(line);
    this.pendingChars += line.length;
    this.bytes += Buffer.byteLength(line);
    this.noteLine(this.bytes);
    if (this.pendingChars >= FLUSH_CHARS) this.flush(this.fd);
  }

  abstractOf(index: number): string {
    const changes = this.changes.get(index);
    if (changes) for (let i = changes.length - 1; i >= 0; i--) if (changes[i].abstract !== undefined) return changes[i].abstract!;
    return this.spilled(index).abstract;
  }

  /**
   * Keeps a change for the final copy. Metadata that would change neither
   * the paper's fields nor their order, and details that would not change
   * the paper's, are dropped, so a file read twice (or a copy of it) does not
   * keep a second copy of every record's fields in memory.
   */
  change(index: number, change: PaperChange): void {
    const list = this.changes.get(index);
    if (change.metadata !== undefined || change.details !== undefined) {
      const current = this.spilled(index);
      for (const earlier of list ?? []) apply(current, earlier);
      if (change.metadata !== undefined) {
        // the earlier value of a field wins, so only the fields present and their order can change
        const before = Object.keys(current.metadata);
        const after = Object.keys({ ...change.metadata, ...current.metadata });
        if (after.length === before.length && after.every((key, i) => key === before[i])) {
          const { metadata: _, ...rest } = change;
          change = rest;
        }
      }
      if (change.details !== undefined && sameDetails(mergeDetails(detailsOf(current), change.details), detailsOf(current))) {
        const { details: _, ...rest } = change;
        change = rest;
      }
    }
    if (
      change.source === undefined &&
      change.metadata === undefined &&
      change.details === undefined &&
      change.abstract === undefined &&
      change.title === undefined
    )
      return;
    if (list) list.push(change);
    else this.changes.set(index, [change]);
  }

  /** A paper as first written to the spill file. */
  private spilled(index: number): Paper {
    if (this.offsets[index + 1] > this.flushed) this.flush(this.fd);
    const start = this.offsets[index];
    const line = Buffer.alloc(this.offsets[index + 1] - start);
    let read = 0;
    while (read < line.length) read += readSync(this.fd, line, read, line.length - read, start + read);
    return paperFromFields(JSON.parse(line.toString('utf8')) as Record<string, unknown>);
  }

  /** Puts papers.jsonl in place. */
  commit(): void {
    this.flush(this.fd);
    if (this.changes.size === 0) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = -1;
      renameSync(this.spillPath, this.target);
      rememberHash(this.target, this.digest.digest('hex'));
      return;
    }
    closeSync(this.fd);
    this.fd = -1;
    // papers.jsonl is now the copy, hashed as it is written
    this.digest = createHash('sha256');
    const out = openSync(this.tempPath, 'w');
    try {
      const input = openSync(this.spillPath, 'r');
      try {
        const lines = new LineSplitter((line, text) => {
          const changes = this.changes.get(line - 1);
          if (!changes) this.queue(text! + '\n', out);
          else {
            const paper = paperFromFields(JSON.parse(text!) as Record<string, unknown>);
            for (const change of changes) apply(paper, change);
            this.queue(paperToJson(paper) + '\n', out);
          }
        });
        const decoder = new TextDecoder();
        const buffer = Buffer.alloc(CHUNK_BYTES);
        for (let read = readSync(input, buffer); read > 0; read = readSync(input, buffer))
          lines.push(decoder.decode(buffer.subarray(0, read), { stream: true }));
        lines.push(decoder.decode());
        lines.end();
      } finally {
        closeSync(input);
      }
      this.flush(out);
      fsyncSync(out);
    } catch (error) {
      closeSync(out);
      throw error;
    }
    closeSync(out);
    renameSync(this.tempPath, this.target);
    rememberHash(this.target, this.digest.digest('hex'));
    rmSync(this.spillPath, { force: true });
  }

  /** Removes the temp files (after a failure). */
  discard(): void {
    if (this.fd !== -1) closeSync(this.fd);
    this.fd = -1;
    rmSync(this.spillPath, { force: true });
    rmSync(this.tempPath, { force: true });
  }

  private queue(line: string, fd: number): void {
    this.pending.push(line);
    this.pendingChars += line.length;
    if (this.pendingChars >= FLUSH_CHARS) this.flush(fd);
  }

  private flush(fd: number): void {
    if (this.pending.length === 0) return;
    this.write(fd, Buffer.from(this.pending.join('')));
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Writes bytes of what is to become papers.jsonl: the spill file, or the copy of it with the changes. */
  private write(fd: number, bytes: Uint8Array): void {
    this.digest.update(bytes);
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    if (fd === this.fd) this.flushed += bytes.length;
  }
}
