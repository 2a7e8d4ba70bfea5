/** Which papers are ranked (the new ones, or all) and which are said to be new, on a small corpus in memory. */
import { describe, expect, test } from 'vitest';
import { recommend, type FolderPapers } from '../../src/recommend/index.js';
import { parseLibrary } from '../../src/recommend/library.js';

/** Eight papers, the even rows on one side of the map and the odd on the other, none a near-duplicate of another; rows 6 and 7 were added by the last run. */
function folderPapers(): FolderPapers {
  const dim = 4;
  const vectors = new Float32Array(8 * dim);
  for (let row = 0; row < 8; row++) {
    const step = row >> 1;
    const vector = [row % 2 === 0 ? 1 : 0, row % 2 === 0 ? 0 : 1, 0.5 * step, 0.7 * (step % 2)];
    const norm = Math.hypot(...vector);
    vector.forEach((value, axis) => (vectors[row * dim + axis] = value / norm));
  }
  const papers = Array.from({ length: 8 }, (_, row) => ({ id: `p${row}`, title: `Paper ${row}`, abstract: '', sources: ['test'], metadata: {} }));
  return {
    papers,
    // recommend ranks from the corpus; the vectors' description is not read
    info: {} as FolderPapers['info'],
    corpus: { papers, vectors, dim, topicOf: () => null, isNew: (row) => row >= 6 },
  };
}

describe('what recommend ranks', () => {
  const library = parseLibrary('p0\np2\n', 'ids.txt');

  test('by default the new papers only, each said to be new', async () => {
    const found = await recommend(folderPapers(), library, 'ids.txt', { top: 10, all: false });
    expect(found.scope).toBe('new');
    expect(found.candidates).toBe(2);
    expect(found.results.map((result) => [result.id, result.new])).toEqual([
      ['p6', true],
      ['p7', true],
    ]);
  });

  test('with all, every paper not in the library, and only those the last run added said to be new', async () => {
    const found = await recommend(folderPapers(), library, 'ids.txt', { top: 10, all: true });
    expect(found.scope).toBe('all');
    expect(found.candidates).toBe(6);
    const results = found.results.map((result) => [result.id, result.new] as const);
    expect(results.map(([id]) => id).sort()).toEqual(['p1', 'p3', 'p4', 'p5', 'p6', 'p7']);
    for (const [id, isNew] of results) expect(isNew, id).toBe(id === 'p6' || id === 'p7');
    // the library's side of the map first
    expect(new Set(results.slice(0, 2).map(([id]) => id))).toEqual(new Set(['p4', 'p6']));
  });
});
