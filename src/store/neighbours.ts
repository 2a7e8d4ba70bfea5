import { bytesOf } from '../shared/files.js';
import type { OutputFolder } from './folder.js';
import type { StageWrites } from './store.js';
import type { IndexInfo } from './schemas.js';

/**
 * The k nearest papers of each query: row-major labels (paper rows, -1 for
 * none) and cosine similarities, best first. neighbours.bin holds each
 * paper's, as int32 labels then float32 similarities.
 */
export interface Neighbours {
  k: number;
  labels: Int32Array;
  scores: Float32Array;
}

export function readNeighbours(folder: OutputFolder, info: IndexInfo): Neighbours {
  const bytes = folder.readBytes('neighbours');
  const cells = info.count * info.storedNeighbours;
  if (bytes.byteLength !== cells * 8) throw folder.damaged('neighbours', `${bytes.byteLength} bytes where ${cells * 8} were expected (cut short?)`);
  // shared: the report's graph worker is handed them without a copy of its own (80 bytes a paper)
  const buffer = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  const labels = new Int32Array(buffer, 0, cells);
  const scores = new Float32Array(buffer, cells * 4, cells);
  for (let i = 0; i < cells; i++) {
    if (labels[i] < -1 || labels[i] >= info.count || (labels[i] >= 0 && !Number.isFinite(scores[i])))
      throw folder.damaged('neighbours', `entry ${i} is not a paper and a similarity (damaged?)`);
  }
  return { k: info.storedNeighbours, labels, scores };
}

/** Writes neighbours.bin: the labels, then the similarities. */
export function writeNeighbours(writer: StageWrites, neighbours: Neighbours): void {
  writer.write('neighbours', [bytesOf(neighbours.labels), bytesOf(neighbours.scores)]);
}
