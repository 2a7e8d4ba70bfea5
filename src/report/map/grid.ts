/**
 * A uniform grid over the points, for finding the paper under the pointer
 * (hit testing) and the papers in view without looking at every paper: a
 * million papers fall into cells of about four each.
 */
import { QUANTUM } from './data.js';

export interface Grid {
  /** Cells per side. */
  size: number;
  /** The rows of cell c are rows[start[c]] to rows[start[c + 1] - 1]. */
  start: Int32Array;
  rows: Int32Array;
  x: Uint16Array;
  y: Uint16Array;
}

const cellOf = (value: number, size: number) => Math.min(size - 1, Math.floor((value / (QUANTUM + 1)) * size));

/** The grid of the points at (x, y), quantised to 0..QUANTUM. */
export function buildGrid(x: Uint16Array, y: Uint16Array): Grid {
  const count = x.length;
  const size = Math.max(1, Math.min(1024, Math.ceil(Math.sqrt(count / 4))));
  const start = new Int32Array(size * size + 1);
  const cells = new Int32Array(count);
  for (let row = 0; row < count; row++) {
    const cell = cellOf(y[row], size) * size + cellOf(x[row], size);
    cells[row] = cell;
    start[cell + 1]++;
  }
  for (let cell = 0; cell < size * size; cell++) start[cell + 1] += start[cell];
  const next = start.slice(0, size * size);
  const rows = new Int32Array(count);
  for (let row = 0; row < count; row++) rows[next[cells[row]]++] = row;
  return { size, start, rows, x, y };
}

/** Calls `visit` with every row in the quantised box [x0, x1] x [y0, y1] (cells first, so not in row order); stops when it returns false. */
export function forEachInBox(grid: Grid, x0: number, y0: number, x1: number, y1: number, visit: (row: number) => boolean | undefined): void {
  const { size, start, rows, x, y } = grid;
  const [c0, c1] = [cellOf(Math.max(0, x0), size), cellOf(Math.min(QUANTUM, x1), size)];
  const [r0, r1] = [cellOf(Math.max(0, y0), size), cellOf(Math.min(QUANTUM, y1), size)];
  if (x1 < 0 || y1 < 0 || x0 > QUANTUM || y0 > QUANTUM) return;
  for (let cellY = r0; cellY <= r1; cellY++) {
    for (let cellX = c0; cellX <= c1; cellX++) {
      const cell = cellY * size + cellX;
      for (let at = start[cell]; at < start[cell + 1]; at++) {
        const row = rows[at];
        if (x[row] < x0 || x[row] > x1 || y[row] < y0 || y[row] > y1) continue;
        if (visit(row) === false) return;
      }
    }
  }
}

/**
 * The row nearest (qx, qy) within `radius` (all quantised units) among the
 * rows `accept` takes, or -1. Ties go to the lower row, so the answer does
 * not depend on the grid's cell order.
 */
export function nearestPoint(grid: Grid, qx: number, qy: number, radius: number, accept: (row: number) => boolean = () => true): number {
  let best = -1;
  let bestDistance = radius * radius;
  forEachInBox(grid, qx - radius, qy - radius, qx + radius, qy + radius, (row) => {
    const distance = (grid.x[row] - qx) ** 2 + (grid.y[row] - qy) ** 2;
    if ((distance < bestDistance || (distance === bestDistance && row < best)) && accept(row)) {
      bestDistance = distance;
      best = row;
    }
    return true;
  });
  return best;
}

/**
 * A seeded shuffle of the rows: the order points are drawn in. Any prefix of
 * it is a uniform sample, so a map in motion, or a canvas without WebGL, can
 * draw the first so many and still show every region in its density.
 */
export function drawOrder(count: number, seed = 42): Uint32Array {
  const order = new Uint32Array(count);
  for (let row = 0; row < count; row++) order[row] = row;
  // mulberry32: small, seeded, and the same in every browser
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let at = count - 1; at > 0; at--) {
    const other = Math.floor(random() * (at + 1));
    const kept = order[at];
    order[at] = order[other];
    order[other] = kept;
  }
  return order;
}
