import { createHash, hash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Writes a file so that readers only ever see the old or the new content:
 * write a temp file in the same directory, flush it, rename it over the target.
 * An interrupted run leaves at most a stray temp file, never a half-written artifact.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly Uint8Array[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(temp, 'w');
  try {
    const chunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) {
      if (typeof chunk === 'string') writeSync(fd, chunk);
      else writeAll(fd, chunk);
    }
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, path);
}

/** Characters of text gathered before a write. */
const WRITE_BLOCK = 1 << 20;

/**
 * Writes a file from a string, bytes, or chunks of either (which may come
 * from a generator, so a file bigger than memory is written as it is made),
 * flushes it, and returns its SHA-256, taken as it was written. Strings are
 * gathered into blocks of 1 MB per write.
 */
export function writeHashed(path: string, data: string | Uint8Array | Iterable<string | Uint8Array>): string {
  const fd = openSync(path, 'w');
  const digest = createHash('sha256');
  const write = (bytes: Uint8Array) => {
    digest.update(bytes);
    writeAll(fd, bytes);
  };
  // strings are encoded straight into one block: joining them first cost a third more at a gigabyte of graph
  const block = Buffer.allocUnsafe(WRITE_BLOCK);
  let used = 0;
  const flush = () => {
    if (used > 0) write(block.subarray(0, used));
    used = 0;
  };
  try {
    for (const chunk of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) {
      // a UTF-16 unit is at most 3 bytes of UTF-8
      if (typeof chunk === 'string' && used + chunk.length * 3 <= WRITE_BLOCK) {
        used += block.write(chunk, used);
      } else if (typeof chunk === 'string' && chunk.length * 3 <= WRITE_BLOCK) {
        flush();
        used = block.write(chunk);
      } else {
        flush();
        write(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
      }
    }
    flush();
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return digest.digest('hex');
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
}

/** SHA-256 in hex; crypto.hash is the one-shot form, a third faster than a Hash object for a paper-sized text, and a million papers are hashed a run. */
export function sha256(data: string | Uint8Array): string {
  return hash('sha256', data);
}

const fileHashes = new Map<string, { version: string; hash: string }>();

/** What tells one version of a file from another here: every write papermap makes is a rename to a new inode. */
export function versionOf(path: string): string {
  const { ino, size, mtimeMs } = statSync(path);
  return `${ino}:${size}:${mtimeMs}`;
}

/**
 * SHA-256 of a file, remembered while the file stays the same inode, size and
 * modification time: the runner hashes what a stage reads for its
 * fingerprint, and the stage's readers then need not hash it again.
 */
export function sha256File(path: string): string {
  const known = rememberedHash(path);
  if (known !== undefined) return known;
  const version = versionOf(path);
  // read in blocks: an input (the arXiv snapshot) can be larger than one buffer may be
  const digest = createHash('sha256');
  forEachBlock(path, (bytes) => digest.update(bytes));
  const hash = digest.digest('hex');
  fileHashes.set(path, { version, hash });
  return hash;
}

/** The hash of a file as sha256File took it or rememberHash was told it, while the file is still that version; undefined otherwise. */
export function rememberedHash(path: string): string | undefined {
  const known = fileHashes.get(path);
  if (known === undefined) return undefined;
  try {
    return known.version === versionOf(path) ? known.hash : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A file's bytes and their SHA-256, remembered as sha256File's are when the
 * file stayed one version while it was read (and taken from what is
 * remembered, then, rather than computed again).
 */
export function readFileHashed(path: string): { bytes: Buffer; hash: string } {
  const before = versionOf(path);
  const bytes = readFileSync(path);
  const unchanged = versionOf(path) === before;
  const known = fileHashes.get(path);
  const hash = unchanged && known?.version === before ? known.hash : sha256(bytes);
  if (unchanged) fileHashes.set(path, { version: before, hash });
  return { bytes, hash };
}

/**
 * Remembers the hash of a file just written (and hashed as it was written),
 * or of the version of it (versionOf) that was copied and the copy hashed, so
 * that a later stage of the same run need not hash it.
 */
export function rememberHash(path: string, hash: string, version = versionOf(path)): void {
  fileHashes.set(path, { version, hash });
}

/**
 * Reads a file (or a pipe) from start to end in blocks of 8 MiB, handing each
 * to `onBlock`; the buffer is reused, so a block kept must be copied. A file
 * is never held whole: it can be larger than one buffer may be.
 */
export function forEachBlock(path: string, onBlock: (bytes: Buffer) => void): void {
  const block = Buffer.alloc(1 << 23);
  const fd = openSync(path, 'r');
  try {
    for (let read: number; (read = readSync(fd, block, 0, block.length, null)) > 0; ) onBlock(block.subarray(0, read));
  } finally {
    closeSync(fd);
  }
}

/** The bytes of a typed array, without copying. */
export function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}
