import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { emptyNeighbours, exactNeighbours, keepNearest, mergeNearest, recallAtK } from '../../src/graph/neighbours.js';
import { DEFAULT_HNSW, PaperSearch } from '../../src/index/index.js';
import { indexParts, loadParts, partsFit } from '../../src/index/parts.js';
import { gatherIndexTasks, indexTask, indexTasks } from '../../src/index/shards.js';
import { LanceBackend } from '../../src/store/lance/backend.js';
import { parseLocation } from '../../src/store/location.js';
import type { IndexInfo } from '../../src/store/schemas.js';
import { papermap } from '../hostile/hostile.js';
import { tempFolder } from '../temp.js';

describe('the rows of the parts of an index', () => {
  test('as few parts as hold the papers, of sizes that differ by one at most, one after another', () => {
    expect(indexParts(10, 10)).toEqual([{ from: 0, to: 10 }]);
    expect(indexParts(11, 10)).toEqual([
      { from: 0, to: 5 },
      { from: 5, to: 11 },
    ]);
    const parts = indexParts(1_000_000, 524_288);
    expect(parts.map((part) => part.to - part.from)).toEqual([500_000, 500_000]);
    expect(indexParts(2, 524_288)).toEqual([{ from: 0, to: 2 }]);
  });

  test('parts fit an index only when their rows follow each other to the last paper and their bytes fill the file', () => {
    const parts = [
      { from: 0, to: 5, bytes: 100 },
      { from: 5, to: 11, bytes: 120 },
    ];
    expect(partsFit(parts, 11, 220)).toBe(true);
    expect(partsFit(parts, 11, 221)).toBe(false);
    expect(partsFit(parts, 12, 220)).toBe(false);
    expect(partsFit([parts[1]], 11, 120)).toBe(false);
    expect(partsFit([{ from: 0, to: 6, bytes: 100 }, parts[1]], 11, 220)).toBe(false);
  });
});

describe('the nearest found in parts, merged', () => {
  test('keep the best k of both lists, by similarity and ties by row, as one search of all would', () => {
    const into = emptyNeighbours(2, 3);
    keepNearest(into, 0, [
      { label: 1, score: 0.9 },
      { label: 2, score: 0.5 },
    ]);
    keepNearest(into, 1, [
      { label: 4, score: 0.7 },
      { label: 3, score: 0.6 },
      { label: 2, score: 0.1 },
    ]);
    const from = emptyNeighbours(1, 3);
    keepNearest(from, 0, [
      { label: 9, score: 0.6 },
      { label: 8, score: 0.6 },
      { label: 7, score: 0.2 },
    ]);
    mergeNearest(into, 1, from);
    expect(Array.from(into.labels)).toEqual([1, 2, -1, 4, 3, 8]);
    expect(Array.from(into.scores)).toEqual([0.9, 0.5, -Infinity, 0.7, 0.6, 0.6].map(Math.fround));
  });
});

/** A LanceDB store in a folder holding 1,200 distinct papers (past exact search) and their vectors from the builtin embedder. */
function storeOf1200(folder: string): string {
  const seeds = join(folder, 'seeds');
  expect(papermap(['ingest', '--input', resolve('seeds'), '--out', seeds]).status).toBe(0);
  const papers = readFileSync(join(seeds, 'papers.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { title: string; abstract: string });
  const input = join(folder, 'papers.jsonl');
  writeFileSync(
    input,
    Array.from({ length: 1200 }, (_, row) => {
      const [one, other] = [papers[row % papers.length], papers[(row * 7 + 3) % papers.length]];
      return JSON.stringify({ id: `p${row}`, title: `${one.title} (${row})`, abstract: `${one.abstract} ${other.title}` }) + '\n';
    }).join(''),
  );
  const lance = join(folder, 'lance');
  for (const args of [
    ['ingest', '--store', 'lance', '--input', input],
    ['embed', '--model', 'builtin'],
  ])
    expect(papermap([...args, '--out', lance]).status).toBe(0);
  return lance;
}

describe('index tasks over an index in parts (1,200 papers cut into parts of at most 400)', () => {
  test('two tasks at once build each part once, and their gathered nearest are the exact nearest, as one task finds them and PaperSearch searches the gathered index', async () => {
    const folder = tempFolder('index-parts');
    const lance = storeOf1200(folder);
    const single = join(folder, 'single');
    cpSync(lance, single, { recursive: true });
    const PART_PAPERS = 400;
    const workers = await Promise.all([lance, lance, single].map((store) => LanceBackend.open(parseLocation(store), undefined)));
    try {
      const summaries = await Promise.all(workers.slice(0, 2).map((worker, w) => indexTask(worker, { index: w + 1, count: 2 }, DEFAULT_HNSW, 10, PART_PAPERS)));
      expect(summaries.map((summary) => [summary.search, summary.parts, summary.searched])).toEqual([
        ['hnsw', 3, 600],
        ['hnsw', 3, 600],
      ]);
      // three parts, each built by one task: no task built one another had built
      expect(summaries[0].builtParts + summaries[1].builtParts).toBe(3);
      expect(readdirSync(join(lance, 'tasks')).filter((name) => name.endsWith('.hnsw')).length).toBe(3);

      const [reader] = workers;
      const info = await reader.vectorsInfo();
      const plan = indexTasks(info, DEFAULT_HNSW, 10, PART_PAPERS);
      const hnswPath = join(folder, 'index.hnsw');
      const gathered = (await gatherIndexTasks(reader, plan, hnswPath))!;
      expect(gathered.parts!.map(({ from, to }) => [from, to])).toEqual([
        [0, 400],
        [400, 800],
        [800, 1200],
      ]);
      expect(partsFit(gathered.parts!, 1200, statSync(hnswPath).size)).toBe(true);

      const vectors = await reader.readVectors(0, info.count);
      const exact = exactNeighbours(vectors, info.dim, vectors, plan.k, (query, row) => query === row);
      expect(recallAtK(gathered.neighbours, exact)).toBeGreaterThanOrEqual(0.99);
      // every slot filled, and no paper its own neighbour
      expect(gathered.neighbours.labels.every((label, slot) => label >= 0 && label !== Math.floor(slot / plan.k))).toBe(true);

      // one task alone on a copy of the store, searching the parts in another order, finds the same nearest to the bit
      const alone = workers[2];
      expect((await indexTask(alone, { index: 1, count: 1 }, DEFAULT_HNSW, 10, PART_PAPERS)).builtParts).toBe(3);
      const aloneFound = (await gatherIndexTasks(alone, plan, join(folder, 'alone.hnsw')))!;
      expect(Array.from(aloneFound.neighbours.labels)).toEqual(Array.from(gathered.neighbours.labels));
      expect(Array.from(aloneFound.neighbours.scores)).toEqual(Array.from(gathered.neighbours.scores));
      expect(readFileSync(join(folder, 'alone.hnsw')).equals(readFileSync(hnswPath))).toBe(true);

      const indexInfo = { dim: info.dim, count: info.count, ids: [], labels: [], hnsw: DEFAULT_HNSW } as unknown as IndexInfo;
      const search = new PaperSearch(indexInfo, vectors, loadParts(hnswPath, gathered.parts!, info.dim, DEFAULT_HNSW.efSearch));
      const found = search.nearest(vectors, plan.k, (query, row) => query === row);
      expect(Array.from(found.labels)).toEqual(Array.from(gathered.neighbours.labels));
      expect(Array.from(found.scores)).toEqual(Array.from(gathered.neighbours.scores));
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
    }
  }, 300_000);
});
