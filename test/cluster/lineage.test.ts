import { describe, expect, test } from 'vitest';
import { matchTopics } from '../../src/cluster/lineage.js';

const papers = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('topic ids across a refit', () => {
  const previous = [
    { id: 0, paperIds: papers('a', 10) },
    { id: 1, paperIds: papers('b', 10) },
    { id: 2, paperIds: papers('c', 10) },
    { id: 5, paperIds: papers('d', 10) },
  ];

  test('a topic keeps its id when it keeps its papers, whatever order the refit finds it in', () => {
    const lineage = matchTopics(previous, [[...papers('c', 10), 'new1'], papers('a', 10), papers('d', 9), papers('b', 10)], 6);
    expect(lineage).toEqual({ ids: [2, 0, 5, 1], nextId: 6, births: [], deaths: [], merges: [], splits: [] });
  });

  test('births take fresh ids never used, deaths are recorded, merges and splits are named', () => {
    const lineage = matchTopics(
      previous,
      [
        [...papers('a', 10), ...papers('b', 10)], // a and b merged
        papers('c', 5), // c split in two
        papers('c', 10).slice(5),
        papers('n', 8), // new subject
      ],
      6,
    );
    // d (id 5) vanished; the merged topic keeps one of its parents' ids; one half of c keeps 2
    expect(lineage.ids[0]).toBe(0);
    expect(lineage.ids.slice(1, 3).sort()).toEqual([2, 6]);
    expect(lineage.ids[3]).toBe(7);
    expect(lineage.nextId).toBe(8);
    expect(lineage.births.sort()).toEqual([6, 7]);
    expect(lineage.deaths.sort()).toEqual([1, 5]);
    expect(lineage.merges).toEqual([{ into: 0, from: [0, 1] }]);
    expect(lineage.splits).toEqual([{ from: 2, into: lineage.ids.slice(1, 3) }]);
  });
});
