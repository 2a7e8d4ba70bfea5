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
 */
export class VectorCache {
  /** Each hash's slot; a million small Float32Arrays would cost a fifth more memory than their values. */
  private readonly rows = new Map<string, number>();
  /**
   * The vectors, in blocks of SLOTS_PER_BLOCK slots: a store that grows never
   * copies what it holds (one array grown by half at a million vectors held
   * 1.5 GB and its 2.3 GB successor at once).
   */
  private readonly blocks: Float32Array[] = [];
  private used = 0;
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
    const known = new Set(this.rows.keys());
    // then the shards' files in name order: the same vectors whatever order the files came in
    const shardFiles = readdirSync(dir)
      .filter((name) => name.startsWith(`${stem}.shard-`) && name.endsWith('.vectors'))
      .sort()
      .map((name) => join(dir, name));
    for (const path of shardFiles) this.load(path);
    if (shard || shardFiles.length === 0) return;
    // A run that is not a shard takes the gathered shards' vectors into the main file and deletes theirs, so the
    // folder a CI cache keeps holds one file, and tomorrow's shard files hold only tomorrow's vectors.
    const gathered = [...this.rows.keys()].filter((hash) => !known.has(hash));
    const vectors = new Float32Array(gathered.length * dim);
    gathered.forEach((hash, row) => vectors.set(this.get(hash)!, row * dim));
    if (gathered.length > 0) this.add(gathered, vectors);
    this.close();
    for (const path of shardFiles) rmSync(path);
  }

  get size(): number {
    return this.rows.size;
  }

  get(hash: string): Float32Array | undefined {
    const slot = this.rows.get(hash);
    if (slot === undefined) return undefined;
    const start = (slot % SLOTS_PER_BLOCK) * this.dim;
    return this.blocks[Math.floor(slot / SLOTS_PER_BLOCK)].subarray(start, start + this.dim);
  }

  /** Keeps a vector under its hash, in the slot the hash had if it had one. */
  private keep(hash: string, vector: Float32Array): void {
    let slot = this.rows.get(hash);
    if (slot === undefined) {
      slot = this.used++;
      if (slot % SLOTS_PER_BLOCK === 0) this.blocks.push(new Float32Array(SLOTS_PER_BLOCK * this.dim));
      this.rows.set(hash, slot);
    }
    const start = (slot % SLOTS_PER_BLOCK) * this.dim;
    this.blocks[Math.floor(slot / SLOTS_PER_BLOCK)].set(vector, start);
  }

  /** Appends vectors (row-major, one per hash) to the file. */
  add(hashes: readonly string[], vectors: Float32Array): void {
    const record = this.recordBytes;
    const bytes = Buffer.alloc(hashes.length * record);
    hashes.forEach((hash, row) => {
      const vector = vectors.slice(row * this.dim, (row + 1) * this.dim);
      const start = row * record;
      bytes.write(hash, start, HASH_BYTES, 'hex');
      Buffer.from(vector.buffer).copy(bytes, start + HASH_BYTES);
      recordCheck(bytes.subarray(start, start + record - CHECK_BYTES)).copy(bytes, start + record - CHECK_BYTES);
      this.keep(hash, vector);
    });
    this.fd ??= openSync(this.path, 'a');
    appendFileSync(this.fd, bytes);
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

  /** Reads a cache file a block of records at a time; sound records are kept, and the file is rewritten without the others. */
  private load(path: string): void {
    const record = this.recordBytes;
    const block = Buffer.alloc(record * RECORDS_PER_READ);
    const fd = openSync(path, 'r');
    let damaged = false;
    try {
      for (let read: number; (read = readFull(fd, block)) > 0; ) {
        if (read % record !== 0) damaged = true; // a torn last record
        for (let offset = 0; offset + record <= read; offset += record) {
          if (!this.take(block.subarray(offset, offset + record))) damaged = true;
        }
      }
    } finally {
      closeSync(fd);
    }
    if (damaged) this.rewrite(path);
  }

  /** Takes one record into the map; false when it fails its check or is not a finite unit vector. */
  private take(bytes: Buffer): boolean {
    const hash = bytes.toString('hex', 0, HASH_BYTES);
    const start = bytes.byteOffset + HASH_BYTES;
    // a view of the record's vector where it is aligned (records are whole multiples of 4 bytes), a copy where not
    const vector =
      start % 4 === 0
        ? new Float32Array(bytes.buffer, start, this.dim)
        : new Float32Array(Uint8Array.prototype.slice.call(bytes, HASH_BYTES, HASH_BYTES + this.dim * 4).buffer);
    if (recordCheck(bytes.subarray(0, bytes.length - CHECK_BYTES)).equals(bytes.subarray(bytes.length - CHECK_BYTES)) && isUnitVector(vector)) {
      this.keep(hash, vector);
      return true;
    }
    this.rows.delete(hash);
    return false;
  }

  /** Writes a cache file again with its sound records only, so that what follows is appended to sound records. */
  private rewrite(path: string): void {
    const record = this.recordBytes;
    const block = Buffer.alloc(record * RECORDS_PER_READ);
    const temp = `${path}.${process.pid}.tmp`;
    const input = openSync(path, 'r');
    const output = openSync(temp, 'w');
    try {
      for (let read: number; (read = readFull(input, block)) > 0; ) {
        for (let offset = 0; offset + record <= read; offset += record) {
          const bytes = block.subarray(offset, offset + record);
          if (recordCheck(bytes.subarray(0, record - CHECK_BYTES)).equals(bytes.subarray(record - CHECK_BYTES))) writeSync(output, bytes);
        }
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
