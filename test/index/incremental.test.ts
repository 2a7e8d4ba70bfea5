import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { PaperSearch } from '../../src/index/index.js';
import { indexStage } from '../../src/index/stage.js';
import { readNeighbours } from '../../src/store/neighbours.js';
import { readIndexInfo, readVectors } from '../../src/store/read.js';
import { folderWithVectors, runStage } from '../helpers.js';
import { flipBit, oneLine, papermap } from '../hostile/hostile.js';
import { buildHnsw, hnswNeighbours } from '../../src/graph/hnsw.js';
import { updateIndex } from '../../src/index/incremental.js';
import { vectorFingerprint } from '../../src/shared/vectors.js';
import { exactNeighbours, recallAtK } from '../../src/graph/neighbours.js';
import { seededRandom } from '../../src/shared/random.js';
import { tempFolder } from '../temp.js';

const DIM = 32;
const K = 10;
const PARAMETERS = { m: 16, efConstruction: 100, efSearch: 128 };

/** Unit vectors around 40 random centres: neighbourhoods like those of real papers, made in a blink. */
function clusteredVectors(count: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: 40 }, () => Array.from({ length: DIM }, gaussian));
  const vectors = new Float32Array(count * DIM);
  for (let row = 0; row < count; row++) {
    const centre = centres[Math.floor(random() * centres.length)];
    let norm = 0;
    for (let d = 0; d < DIM; d++) norm += (vectors[row * DIM + d] = centre[d] + 0.8 * gaussian()) ** 2;
    for (let d = 0; d < DIM; d++) vectors[row * DIM + d] /= Math.sqrt(norm);
  }
  return vectors;
}

function rows(vectors: Float32Array, picked: readonly number[]): Float32Array {
  const out = new Float32Array(picked.length * DIM);
  picked.forEach((row, position) => out.set(vectors.subarray(row * DIM, (row + 1) * DIM), position * DIM));
  return out;
}

describe('an incremental index update', () => {
  // yesterday: papers 0..2699; today: 50 of them gone, 20 changed, 300 new
  const pool = clusteredVectors(3300, 7);
  const yesterday = Array.from({ length: 2700 }, (_, row) => row);
  const removed = new Set(Array.from({ length: 50 }, (_, i) => i * 53));
  const changed = new Set(Array.from({ length: 20 }, (_, i) => 7 + i * 131).filter((row) => !removed.has(row)));
  const today = [...yesterday.filter((row) => !removed.has(row)), ...Array.from({ length: 300 }, (_, i) => 2700 + i)];

  const oldVectors = rows(pool, yesterday);
  const oldIds = yesterday.map((row) => `p${row}`);
  const index = buildHnsw(oldVectors, DIM, PARAMETERS);
  const selfSkip = (query: number, row: number) => query === row;
  const oldNeighbours = hnswNeighbours(index, oldVectors, DIM, oldVectors, K, selfSkip);

  const newVectors = rows(pool, today);
  // a changed paper keeps its id and gets another vector
  today.forEach((row, position) => {
    if (!changed.has(row)) return;
    newVectors.set(pool.subarray((3299 - (position % 200)) * DIM, (3300 - (position % 200)) * DIM), position * DIM);
  });
  const newIds = today.map((row) => `p${row}`);

  const update = updateIndex(
    { index, labels: oldIds, fingerprints: oldIds.map((_, row) => vectorFingerprint(oldVectors, row, DIM)), rows: oldIds, neighbours: oldNeighbours },
    newIds,
    newVectors,
    DIM,
    K,
  );

  test('does only the new work: adds the new and changed papers, deletes the removed and changed ones', () => {
    expect(update.added).toBe(300 + changed.size);
    expect(update.removed).toBe(removed.size + changed.size);
    expect(update.labels.filter((label) => label === null)).toHaveLength(removed.size + changed.size);
    expect(update.searchedAgain).toBeLessThan(today.length / 4);
    // every current paper has a label holding its own id
    newIds.forEach((id, row) => expect(update.labels[update.labelOfRow[row]]).toBe(id));
  });

  test('equals a full rebuild within HNSW recall, and removed papers are in no list', () => {
    const exact = exactNeighbours(newVectors, DIM, newVectors, K, selfSkip);
    const rebuilt = hnswNeighbours(buildHnsw(newVectors, DIM, PARAMETERS), newVectors, DIM, newVectors, K, selfSkip);
    const incremental = recallAtK(update.neighbours, exact);
    const full = recallAtK(rebuilt, exact);
    expect(full).toBeGreaterThan(0.95);
    expect(incremental).toBeGreaterThan(full - 0.002);
    expect(Math.max(...update.neighbours.labels)).toBeLessThan(today.length);
    for (let row = 0; row < today.length; row++) {
      const list = Array.from(update.neighbours.labels.subarray(row * K, (row + 1) * K));
      expect(list).not.toContain(row);
      expect(new Set(list).size).toBe(K);
    }
  });
});

describe("the index stage on a folder that holds yesterday's index", () => {
  const pool = clusteredVectors(1300, 11);
  const paper = (row: number) => ({ id: `p${row}`, title: `Paper ${row}`, abstract: '', sources: ['x'], metadata: {} });
  const picked = (count: number, skip: Set<number> = new Set()) => Array.from({ length: count }, (_, row) => row).filter((row) => !skip.has(row));

  test('adds the new papers, drops the removed ones, and answers as a fresh build does', async () => {
    const out = tempFolder('incremental');
    const yesterday = picked(1200);
    folderWithVectors(out, yesterday.map(paper), rows(pool, yesterday), DIM);
    expect((await runStage(indexStage, out)).update).toEqual({ kind: 'built', added: 1200, removed: 0, searchedAgain: 0 });

    const gone = new Set([3, 500, 900]);
    const today = [...picked(1200, gone), ...Array.from({ length: 100 }, (_, i) => 1200 + i)];
    const folder = folderWithVectors(out, today.map(paper), rows(pool, today), DIM);
    expect((await runStage(indexStage, out)).update).toMatchObject({ kind: 'updated', added: 100, removed: 3 });

    // searching the updated index (labels no longer rows) finds what exact search finds
    const { info: vectorsInfo, vectors } = readVectors(folder);
    const info = readIndexInfo(folder, vectorsInfo);
    const stored = readNeighbours(folder, info);
    const exact = exactNeighbours(vectors, DIM, vectors, 10, (query, row) => query === row);
    expect(recallAtK(stored, exact)).toBeGreaterThan(0.995);
    const { search } = PaperSearch.open(folder);
    expect(
      recallAtK(
        search.nearest(vectors, 10, (query, row) => query === row),
        exact,
      ),
    ).toBeGreaterThan(0.995);
  });

  test('an index.hnsw that is not the one index.json describes (bit-flipped) is built anew, byte for byte as a fresh folder builds it', async () => {
    const out = tempFolder('incremental');
    folderWithVectors(out, picked(1200).map(paper), rows(pool, picked(1200)), DIM);
    await runStage(indexStage, out);
    // the worker checks the file against index.json's hash before hnswlib reads it
    flipBit(join(out, 'index.hnsw'));
    const today = picked(1300);
    folderWithVectors(out, today.map(paper), rows(pool, today), DIM);
    expect((await runStage(indexStage, out)).update).toEqual({ kind: 'built', added: 1300, removed: 0, searchedAgain: 0 });
    const fresh = tempFolder('incremental');
    folderWithVectors(fresh, today.map(paper), rows(pool, today), DIM);
    await runStage(indexStage, fresh);
    for (const file of ['index.hnsw', 'neighbours.bin', 'related.json', 'index.json'])
      expect(readFileSync(join(out, file)).equals(readFileSync(join(fresh, file))), file).toBe(true);
  });

  test('vectors that cannot be read while the earlier index loads: one line naming vectors.f32, exit 1, the index as it was, no worker left waiting', async () => {
    const out = tempFolder('incremental');
    folderWithVectors(out, picked(1200).map(paper), rows(pool, picked(1200)), DIM);
    await runStage(indexStage, out);
    const today = picked(1300);
    folderWithVectors(out, today.map(paper), rows(pool, today), DIM);
    const before = readFileSync(join(out, 'index.hnsw'));
    flipBit(join(out, 'vectors.f32'));
    // a worker still waiting for the papers would keep the process from ending: spawnSync would wait
    const result = papermap(['index', '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      oneLine(
        `${join(out, 'vectors.f32')}: does not match the hash ${join(out, 'manifest.json')} recorded when it was written (damaged or changed since); run \`papermap embed --out ${out}\` again`,
      ),
    );
    expect(readFileSync(join(out, 'index.hnsw')).equals(before)).toBe(true);
  });
});
