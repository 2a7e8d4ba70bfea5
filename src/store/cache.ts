import { hash } from 'node:crypto';
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { sha256, writeFileAtomic } from '../shared/files.js';
import { cacheLabel } from './schemas.js';

/** One of N deterministic parts of the work, for the jobs of a CI matrix: `index` counts from 1. */
export interface Shard {
  index: number;
  count: number;
}

const HASH_BYTES = 32;
/** Bytes of the check that ends each record. */
const CHECK_BYTES = 8;
/** Records read at a time: a cache of a million vectors is more than one buffer may hold. */
const RECORDS_PER_READ = 4096;
/** Vectors per block of the cache's store: 24 MB at 384 dimensions. */
const SLOTS_PER_BLOCK = 16_384;

/** The hash a text is cached under. */
export function textHash(text: string): string {
  return sha256(text);
}

/**
 * Vectors of one model, keyed by the hash of the text they were made from.
 *
 * One append-only file per model identity: each record is the 32-byte text
 * hash, the vector, and an 8-byte check (the start of the SHA-256 of the two).
 * Every finished batch is written at once, so a killed run loses at most the
 * batch in flight. close() flushes the file to disk (once a run: a flush per
 * batch cost 3% of the embedding time). A record that fails its check or
 * whose vector is not a finite unit vector (a damaged file), and a torn last
 * record, are dropped when the file is opened (the file is rewritten without
 * them), so their texts are embedded again; the last record of a hash wins.
 *
 * What is held is where each hash's record is, not its vector: the vectors
 * are read from the files when asked for, so a cache of a million vectors
 * (1.5 GB of them) holds about 130 MB.
 */
export class VectorCache {
  /** Each hash's slot; the slot's file and record are in `places`. */
  private readonly slots = new Map<string, number>();
  /**
   * Each slot's file (an index into `files`) and record in it, two numbers a
   * slot, in blocks of SLOTS_PER_BLOCK slots: a store that grows never copies
   * what it holds.
   */
  private readonly places: Int32Array[] = [];
  /** The files records were read from or appended to, and how many records each holds. */
  private readonly files: { path: string; records: number }[] = [];
  private readonly path: string;
  private fd: number | undefined;

  /**
   * `shard` names the file this cache appends to when it embeds one shard of
   * a CI matrix (`embed --shard I/N`): each shard writes its own file, and a
   * cache folder gathered from every shard reads them all.
   */
  constructor(
    dir: string,
    readonly identity: string,
    readonly dim: number,
    shard?: Shard,
  ) {
    mkdirSync(dir, { recursive: true });
    this.path = cachePath(dir, identity, 'vectors', shard);
    const label = cachePath(dir, identity, 'json');
    if (!existsSync(label)) writeFileAtomic(label, JSON.stringify({ identity, dim }) + '\n');
    const main = cachePath(dir, identity, 'vectors');
    const stem = basename(main).replace(/\.vectors$/, '');
    if (existsSync(main)) this.load(main);
    // then the shards' files in name order: the same vectors whatever order the files came in
    const shardFiles = readdirSync(dir)
      .filter((name) => name.startsWith(`${stem}.shard-`) && name.endsWith('.vectors'))
      .sort()
      .map((name) => join(dir, name));
    for (const path of shardFiles) this.load(path);
    if (shard || shardFiles.length === 0) return;
    // A run that is not a shard takes the gathered shards' vectors into the main file and deletes theirs, so the
    // folder a CI cache keeps holds one file, and tomorrow's shard files hold only tomorrow's vectors.
    // every hash whose last record is in a shard's file, the hashes the main file also holds among them
    const inMain = this.files.findIndex((file) => file.path === main);
    const gathered: string[] = [];
    for (const [hash, slot] of this.slots) if (this.placeOf(slot)[0] !== inMain) gathered.push(hash);
    for (let start = 0; start < gathered.length; start += RECORDS_PER_READ) {
      const hashes = gathered.slice(start, start + RECORDS_PER_READ);
      const vectors = new Float32Array(hashes.length * dim);
      this.vectorsOf(hashes, vectors);
      this.add(hashes, vectors);
    }
    this.close();
    for (const path of shardFiles) rmSync(path);
  }

  get size(): number {
    return this.slots.size;
  }

  has(hash: string): boolean {
    return this.slots.has(hash);
  }

  /** The vectors of these hashes, each of which the cache holds, into `into` (row-major, in the order given). */
  vectorsOf(hashes: readonly string[], into: Float32Array): void {
    const record = this.recordBytes;
    const bytes = new Uint8Array(into.buffer, into.byteOffset, into.byteLength);
    const opened = new Map<number, number>();
    try {
      hashes.forEach((hash, row) => {
        const slot = this.slots.get(hash);
        if (slot === undefined) throw new Error(`the cache of ${this.identity} holds no vector for ${hash}`);
        const [file, at] = this.placeOf(slot);
        let fd = opened.get(file);
        if (fd === undefined) opened.set(file, (fd = openSync(this.files[file].path, 'r')));
        const length = this.dim * 4;
        if (readSync(fd, bytes, row * length, length, at * record + HASH_BYTES) !== length)
          throw new Error(`${this.files[file].path} was cut short while it was read`);
      });
    } finally {
      for (const fd of opened.values()) closeSync(fd);
    }
  }

  /** A slot's file (an index into `files`) and record. */
  private placeOf(slot: number): [number, number] {
    const block = this.places[Math.floor(slot / SLOTS_PER_BLOCK)];
    const start = (slot % SLOTS_PER_BLOCK) * 2;
    return [block[start], block[start + 1]];
  }

  /** Where a hash's vector is: record `at` of file `file`, the slot the hash had if it had one. */
  private keep(hash: string, file: number, at: number): void {
    let slot = this.slots.get(hash);
    if (slot === undefined) {
      slot = this.slots.size;
      if (slot % SLOTS_PER_BLOCK === 0) this.places.push(new Int32Array(SLOTS_PER_BLOCK * 2));
      this.slots.set(hash, slot);
    }
    this.places[Math.floor(slot / SLOTS_PER_BLOCK)].set([file, at], (slot % SLOTS_PER_BLOCK) * 2);
  }

  /** The index of a file in `files`, added with `records` records when it is not there yet. */
  private fileIndex(path: string, records: number): number {
    const known = this.files.findIndex((file) => file.path === path);
    if (known >= 0) return known;
    this.files.push({ path, records });
    return this.files.length - 1;
  }

  /** Appends vectors (row-major, one per hash) to the file. */
  add(hashes: readonly string[], vectors: Float32Array): void {
    const record = this.recordBytes;
    const bytes = Buffer.alloc(hashes.length * record);
    const file = this.fileIndex(this.path, 0);
    hashes.forEach((hash, row) => {
      const start = row * record;
      bytes.write(hash, start, HASH_BYTES, 'hex');
      Buffer.from(vectors.buffer, vectors.byteOffset + row * this.dim * 4, this.dim * 4).copy(bytes, start + HASH_BYTES);
      recordCheck(bytes.subarray(start, start + record - CHECK_BYTES)).copy(bytes, start + record - CHECK_BYTES);
    });
    this.fd ??= openSync(this.path, 'a');
    appendFileSync(this.fd, bytes);
    // known once written: a vector is read back from its file
    hashes.forEach((hash, row) => this.keep(hash, file, this.files[file].records + row));
    this.files[file].records += hashes.length;
  }

  /** Flushes what was added to disk and closes the file. */
  close(): void {
    if (this.fd === undefined) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private get recordBytes(): number {
    return HASH_BYTES + this.dim * 4 + CHECK_BYTES;
  }

  /**
   * Reads a cache file a block of records at a time and notes where each
   * record is; a file with a record that is not sound is rewritten with its
   * sound records only, and read again.
   */
  private load(path: string): void {
    const record = this.recordBytes;
    const block = Buffer.alloc(record * RECORDS_PER_READ);
    // each record's hash, undefined where the record is not sound
    const hashes: (string | undefined)[] = [];
    const fd = openSync(path, 'r');
    let torn = false;
    try {
      for (let read: number; (read = readFull(fd, block)) > 0; ) {
        if (read % record !== 0) torn = true;
        for (let offset = 0; offset + record <= read; offset += record) {
          const bytes = block.subarray(offset, offset + record);
          hashes.push(this.isSound(bytes) ? bytes.toString('hex', 0, HASH_BYTES) : undefined);
        }
      }
    } finally {
      closeSync(fd);
    }
    if (torn || hashes.includes(undefined)) {
      this.rewrite(path, hashes);
      this.load(path);
      return;
    }
    const file = this.fileIndex(path, hashes.length);
    hashes.forEach((hash, at) => this.keep(hash!, file, at));
  }

  /** Whether a record passes its check and holds a finite unit vector. */
  private isSound(bytes: Buffer): boolean {
    const start = bytes.byteOffset + HASH_BYTES;
    // a view of the record's vector where it is aligned (records are whole multiples of 4 bytes), a copy where not
    const vector =
      start % 4 === 0
        ? new Float32Array(bytes.buffer, start, this.dim)
        : new Float32Array(Uint8Array.prototype.slice.call(bytes, HASH_BYTES, HASH_BYTES + this.dim * 4).buffer);
    return recordCheck(bytes.subarray(0, bytes.length - CHECK_BYTES)).equals(bytes.subarray(bytes.length - CHECK_BYTES)) && isUnitVector(vector);
  }

  /** Writes a cache file again with its sound records only (those `hashes` names), so that what follows is appended to sound records. */
  private rewrite(path: string, hashes: readonly (string | undefined)[]): void {
    const record = this.recordBytes;
    const block = Buffer.alloc(record * RECORDS_PER_READ);
    const temp = `${path}.${process.pid}.tmp`;
    const input = openSync(path, 'r');
    const output = openSync(temp, 'w');
    let at = 0;
    try {
      for (let read: number; (read = readFull(input, block)) > 0; ) {
        for (let offset = 0; offset + record <= read; offset += record, at++)
          if (hashes[at] !== undefined) writeSync(output, block.subarray(offset, offset + record));
      }
      fsyncSync(output);
    } finally {
      closeSync(input);
      closeSync(output);
    }
    renameSync(temp, path);
  }
}

/** Fills `block` from the file's position, short only at its end. */
function readFull(fd: number, block: Buffer): number {
  let filled = 0;
  for (let read: number; filled < block.length && (read = readSync(fd, block, filled, block.length - filled, null)) > 0; ) filled += read;
  return filled;
}

/** The check that ends a cache record: the first bytes of the SHA-256 of its text hash and vector. */
function recordCheck(body: Uint8Array): Buffer {
  return hash('sha256', body, 'buffer').subarray(0, CHECK_BYTES);
}

/** Every vector papermap makes is unit length; anything else in the cache is damage. */
function isUnitVector(vector: Float32Array): boolean {
  let squares = 0;
  for (const value of vector) squares += value * value;
  return Math.abs(squares - 1) < 1e-3;
}

/** Where the cache keeps a file of the given kind for a model identity (a shard's vectors in a file of their own). */
export function cachePath(dir: string, identity: string, kind: 'vectors' | 'json' | 'model', shard?: Shard): string {
  return join(dir, `${sha256(identity).slice(0, 16)}${shard ? `.shard-${shard.index}-of-${shard.count}` : ''}.${kind}`);
}

/**
 * Removes every cache file of models whose identity starts with `prefix`,
 * except `keep`'s: a builtin fitted on last week's corpus never serves again.
 */
export function pruneCaches(dir: string, prefix: string, keep: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    let identity: string;
    try {
      identity = cacheLabel.parse(JSON.parse(readFileSync(join(dir, name), 'utf8'))).identity;
    } catch {
      continue; // a damaged label: its vectors file is never found by identity, so it is inert
    }
    if (!identity.startsWith(prefix) || identity === keep) continue;
    const stem = `${sha256(identity).slice(0, 16)}.`;
    for (const file of readdirSync(dir)) if (file.startsWith(stem)) rmSync(join(dir, file), { force: true });
  }
}
