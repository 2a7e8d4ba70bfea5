import { describe, expect, test } from 'vitest';
import { inBlocksOf, inRowOrder, type VectorBlock } from '../../src/store/tasks.js';

/** A block of these rows, each row's vector [row, row + 0.25, row + 0.5]. */
function blockOf(rows: number[]): VectorBlock {
  return { rows: Int32Array.from(rows), vectors: Float32Array.from(rows.flatMap((row) => [row, row + 0.25, row + 0.5])) };
}

async function* given(blocks: VectorBlock[]): AsyncIterable<VectorBlock> {
  yield* blocks;
}

async function collected(blocks: AsyncIterable<VectorBlock>): Promise<VectorBlock[]> {
  const all: VectorBlock[] = [];
  for await (const block of blocks) all.push(block);
  return all;
}

describe('vector blocks, as a task reads them', () => {
  test('regrouped into blocks of a size: every row once with its own vector, across the blocks LanceDB gave', async () => {
    const blocks = await collected(inBlocksOf(given([blockOf([7, 3]), blockOf([]), blockOf([9, 1, 4, 2, 8]), blockOf([5])]), 3));
    expect(blocks.map((block) => Array.from(block.rows))).toEqual([
      [7, 3, 9],
      [1, 4, 2],
      [8, 5],
    ]);
    for (const block of blocks) expect(Array.from(block.vectors)).toEqual(Array.from(blockOf(Array.from(block.rows)).vectors));
  });

  test('no blocks, or only empty ones: nothing', async () => {
    expect(await collected(inBlocksOf(given([]), 4))).toEqual([]);
    expect(await collected(inBlocksOf(given([blockOf([])]), 4))).toEqual([]);
  });

  test('a block as large as the size passes whole; one larger is cut', async () => {
    const blocks = await collected(inBlocksOf(given([blockOf([0, 1, 2, 3, 4])]), 5));
    expect(blocks.map((block) => block.rows.length)).toEqual([5]);
    const cut = await collected(inBlocksOf(given([blockOf([0, 1, 2, 3, 4, 5, 6])]), 5));
    expect(cut.map((block) => Array.from(block.rows))).toEqual([
      [0, 1, 2, 3, 4],
      [5, 6],
    ]);
  });

  test('in row order: one row-major array, rows sorted across blocks', () => {
    const joined = inRowOrder([blockOf([]), blockOf([4, 0]), blockOf([2]), blockOf([]), blockOf([3, 1])]);
    expect(Array.from(joined)).toEqual(Array.from(blockOf([0, 1, 2, 3, 4]).vectors));
    expect(inRowOrder([])).toEqual(new Float32Array(0));
  });
});
