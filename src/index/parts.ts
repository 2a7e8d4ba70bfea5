/**
 * The shared index in parts. Index tasks over more papers than one part
 * holds build the index as parts of consecutive paper rows, each an HNSW
 * index of its own whose labels are the papers' rows, and search them one
 * at a time, merging each paper's nearest: a task holds one part, not the
 * whole index (1.8 GB at a million papers). index.hnsw then holds the parts
 * one after another, and index.json says where each is.
 */
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { loadHnsw, type HnswIndex } from '../graph/hnsw.js';
import type { IndexPart } from '../store/schemas.js';
import { scratchFolder } from '../store/scratch.js';

/**
 * Papers a part holds at most: about 1 GB of index (1.9 KB a paper at 384
 * dimensions and m 32), so a task with one part and its other data stays
 * within 2 GB. A corpus up to it is one part, the one-machine run's index.
 */
export const INDEX_PART_PAPERS = 524_288;

/** The rows of each part of an index of `count` papers: as few parts as hold them, of sizes that differ by one at most. */
export function indexParts(count: number, partPapers = INDEX_PART_PAPERS): { from: number; to: number }[] {
  const parts = Math.max(1, Math.ceil(count / partPapers));
  return Array.from({ length: parts }, (_, part) => ({ from: Math.floor((part * count) / parts), to: Math.floor(((part + 1) * count) / parts) }));
}

/** Bytes copied at a time between files. */
const COPY_BYTES = 8 << 20;

/** Copies `length` bytes of the file open as `from`, from `position`, to the end of the file open as `to`; the bytes copied. */
function copyBytes(from: number, position: number, length: number, to: number): number {
  const buffer = Buffer.allocUnsafe(Math.min(COPY_BYTES, Math.max(length, 1)));
  let copied = 0;
  while (copied < length) {
    const read = readSync(from, buffer, 0, Math.min(buffer.length, length - copied), position + copied);
    if (read === 0) break;
    writeSync(to, buffer, 0, read);
    copied += read;
  }
  return copied;
}

/** Appends a whole file to the file open as `to` (index.hnsw being gathered from its parts); its size. */
export function appendFile(file: string, to: number): number {
  const from = openSync(file, 'r');
  try {
    return copyBytes(from, 0, Number.MAX_SAFE_INTEGER, to);
  } finally {
    closeSync(from);
  }
}

/**
 * Loads each part of an index in parts from index.hnsw at `path`: hnswlib
 * reads an index from a file of its own, so each part's bytes are copied to
 * a scratch file first, removed once read.
 */
export function loadParts(path: string, parts: readonly IndexPart[], dim: number, efSearch: number): HnswIndex[] {
  const scratch = scratchFolder('index-parts');
  const fd = openSync(path, 'r');
  try {
    let position = 0;
    return parts.map((part, at) => {
      const file = join(scratch, `part-${at + 1}.hnsw`);
      const out = openSync(file, 'w');
      try {
        if (copyBytes(fd, position, part.bytes, out) !== part.bytes) throw new Error(`part ${at + 1} of ${parts.length} is cut short`);
      } finally {
        closeSync(out);
      }
      position += part.bytes;
      const index = loadHnsw(file, dim, efSearch);
      rmSync(file);
      return index;
    });
  } finally {
    closeSync(fd);
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Whether parts are those of an index of `count` papers, one after another, filling a file of `size` bytes. */
export function partsFit(parts: readonly IndexPart[], count: number, size: number): boolean {
  const rowsFit = parts.every((part, at) => part.from === (at === 0 ? 0 : parts[at - 1].to) && part.to > part.from) && parts.at(-1)?.to === count;
  return rowsFit && parts.reduce((sum, part) => sum + part.bytes, 0) === size;
}
