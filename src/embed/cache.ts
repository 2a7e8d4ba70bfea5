import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sha256, writeFileAtomic } from '../shared/files.js';
import { cacheLabel } from '../store/schemas.js';

const HASH_BYTES = 32;
/** Bytes of the check that ends each record. */
const CHECK_BYTES = 8;

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
  private readonly rows = new Map<string, Float32Array>();
  private readonly path: string;
  private fd: number | undefined;

  constructor(
    dir: string,
    readonly identity: string,
    readonly dim: number,
  ) {
    mkdirSync(dir, { recursive: true });
    this.path = cachePath(dir, identity, 'vectors');
    const label = cachePath(dir, identity, 'json');
    if (!existsSync(label)) writeFileAtomic(label, JSON.stringify({ identity, dim }) + '\n');
    if (existsSync(this.path)) this.load();
  }

  get size(): number {
    return this.rows.size;
  }

  get(hash: string): Float32Array | undefined {
    return this.rows.get(hash);
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
      this.rows.set(hash, vector);
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

  private load(): void {
    const record = this.recordBytes;
    const bytes = readFileSync(this.path);
    const whole = Math.floor(bytes.byteLength / record) * record;
    const kept: Buffer[] = [];
    for (let offset = 0; offset < whole; offset += record) {
      const body = bytes.subarray(offset, offset + record - CHECK_BYTES);
      const hash = bytes.toString('hex', offset, offset + HASH_BYTES);
      const vector = new Float32Array(this.dim);
      new Uint8Array(vector.buffer).set(bytes.subarray(offset + HASH_BYTES, offset + HASH_BYTES + this.dim * 4));
      if (recordCheck(body).equals(bytes.subarray(offset + record - CHECK_BYTES, offset + record)) && isUnitVector(vector)) {
        this.rows.set(hash, vector);
        kept.push(bytes.subarray(offset, offset + record));
      } else {
        this.rows.delete(hash);
      }
    }
    // a torn or damaged record is dropped from the file too, so that what follows it is appended to sound records only
    if (kept.length * record !== bytes.byteLength) writeFileAtomic(this.path, kept);
  }
}

/** The check that ends a cache record: the first bytes of the SHA-256 of its text hash and vector. */
function recordCheck(body: Uint8Array): Buffer {
  return createHash('sha256').update(body).digest().subarray(0, CHECK_BYTES);
}

/** Every vector papermap makes is unit length; anything else in the cache is damage. */
function isUnitVector(vector: Float32Array): boolean {
  let squares = 0;
  for (const value of vector) squares += value * value;
  return Math.abs(squares - 1) < 1e-3;
}

/** Where the cache keeps a file of the given kind for a model identity. */
export function cachePath(dir: string, identity: string, kind: 'vectors' | 'json' | 'model'): string {
  return join(dir, `${sha256(identity).slice(0, 16)}.${kind}`);
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
    for (const kind of ['vectors', 'model', 'json'] as const) rmSync(cachePath(dir, identity, kind), { force: true });
  }
}
