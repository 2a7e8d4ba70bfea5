import { appendFileSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256, writeFileAtomic } from '../shared/files.js';
import { cacheLabel } from '../store/schemas.js';

const HASH_BYTES = 32;

/** The hash a text is cached under. */
export function textHash(text: string): string {
  return sha256(text);
}

/**
 * Vectors of one model, keyed by the hash of the text they were made from.
 *
 * One append-only file per model identity: each record is the 32-byte text
 * hash followed by the vector. Every finished batch is written at once, so a
 * killed run loses at most the batch in flight; a torn last record is cut off
 * when the file is next opened. close() flushes the file to disk (once a run:
 * a flush per batch cost 3% of the embedding time). A record whose vector is
 * not a finite unit vector (a damaged file) is ignored, so its text is
 * embedded again; the last record of a hash wins.
 */
export class VectorCache {
  private readonly rows = new Map<string, Float32Array>();
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
    const stem = basename(cachePath(dir, identity, 'vectors')).replace(/\.vectors$/, '');
    // the main file first, then the shards' in name order: the same vectors whatever order the files came in
    const files = readdirSync(dir).filter((name) => name.startsWith(`${stem}.`) && name.endsWith('.vectors')).sort((a, b) => a.length - b.length || (a < b ? -1 : 1));
    const main = join(dir, `${stem}.vectors`);
    if (existsSync(main)) this.load(main);
    const known = new Set(this.rows.keys());
    const shardFiles = files.map((name) => join(dir, name)).filter((path) => path !== main);
    for (const path of shardFiles) this.load(path);
    if (shard || shardFiles.length === 0) return;
    // A run that is not a shard takes the gathered shards' vectors into the main file and deletes theirs, so the
    // folder a CI cache keeps holds one file, and tomorrow's shard files hold only tomorrow's vectors.
    const gathered = [...this.rows.keys()].filter((hash) => !known.has(hash));
    const vectors = new Float32Array(gathered.length * dim);
    gathered.forEach((hash, row) => vectors.set(this.rows.get(hash)!, row * dim));
    if (gathered.length > 0) this.add(gathered, vectors);
    this.close();
    for (const path of shardFiles) rmSync(path);
  }

  get size(): number {
    return this.rows.size;
  }

  get(hash: string): Float32Array | undefined {
    return this.rows.get(hash);
  }

  /** Appends vectors (row-major, one per hash) to the file. */
  add(hashes: readonly string[], vectors: Float32Array): void {
    const record = HASH_BYTES + this.dim * 4;
    const bytes = Buffer.alloc(hashes.length * record);
    hashes.forEach((hash, row) => {
      const vector = vectors.slice(row * this.dim, (row + 1) * this.dim);
      bytes.write(hash, row * record, HASH_BYTES, 'hex');
      Buffer.from(vector.buffer).copy(bytes, row * record + HASH_BYTES);
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

  private load(path: string): void {
    const record = HASH_BYTES + this.dim * 4;
    const size = statSync(path).size;
    const whole = Math.floor(size / record) * record;
    if (whole !== size) truncateSync(path, whole);
    const bytes = readFileSync(path);
    for (let offset = 0; offset < whole; offset += record) {
      const hash = bytes.toString('hex', offset, offset + HASH_BYTES);
      const vector = new Float32Array(this.dim);
      new Uint8Array(vector.buffer).set(bytes.subarray(offset + HASH_BYTES, offset + record));
      if (isUnitVector(vector)) this.rows.set(hash, vector);
      else this.rows.delete(hash);
    }
  }
}

/** Every vector papermap makes is unit length; anything else in the cache is damage. */
function isUnitVector(vector: Float32Array): boolean {
  let squares = 0;
  for (const value of vector) squares += value * value;
  return Math.abs(squares - 1) < 1e-3;
}

/** One of N deterministic parts of the work, for the jobs of a CI matrix: `index` counts from 1. */
export interface Shard {
  index: number;
  count: number;
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
