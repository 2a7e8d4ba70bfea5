/** The logic of the page's script, without a browser: hit testing, the camera, label placement, the points' bytes. */
import { describe, expect, test } from 'vitest';
import { decodePoints, encodePoints, QUANTUM } from '../../../src/report/map/data.js';
import { buildGrid, drawOrder, forEachInBox, nearestPoint } from '../../../src/report/map/grid.js';
import { labelLevel, placeLabels, titleLabel, type LabelCandidate } from '../../../src/report/map/labels.js';
import { boundsOf, panBy, projection, wholeView, zoomAbout } from '../../../src/report/map/layout.js';
import { seededRandom } from '../../../src/shared/random.js';

function randomPoints(count: number, seed = 3): { x: Uint16Array; y: Uint16Array } {
  const random = seededRandom(seed);
  return {
    x: Uint16Array.from({ length: count }, () => Math.floor(random() * QUANTUM)),
    y: Uint16Array.from({ length: count }, () => Math.floor(random() * QUANTUM)),
  };
}

describe('hit testing', () => {
  test('the nearest point within the radius, as a scan of every point finds it, or none', () => {
    const { x, y } = randomPoints(20_000);
    const grid = buildGrid(x, y);
    const random = seededRandom(9);
    for (let query = 0; query < 300; query++) {
      const [qx, qy, radius] = [random() * QUANTUM, random() * QUANTUM, 50 + random() * 2000];
      let best = -1;
      let bestDistance = radius * radius;
      for (let row = 0; row < x.length; row++) {
        const distance = (x[row] - qx) ** 2 + (y[row] - qy) ** 2;
        if (distance < bestDistance) [best, bestDistance] = [row, distance];
      }
      expect(nearestPoint(grid, qx, qy, radius)).toBe(best);
    }
  });

  test('papers that do not count (dimmed) are passed over for the next nearest', () => {
    const x = Uint16Array.from([100, 110, 5000]);
    const y = Uint16Array.from([100, 100, 5000]);
    const grid = buildGrid(x, y);
    expect(nearestPoint(grid, 101, 100, 50)).toBe(0);
    expect(nearestPoint(grid, 101, 100, 50, (row) => row !== 0)).toBe(1);
    expect(nearestPoint(grid, 101, 100, 5, (row) => row !== 0)).toBe(-1);
  });

  test('the rows in a box are exactly those inside it', () => {
    const { x, y } = randomPoints(5000);
    const grid = buildGrid(x, y);
    const found: number[] = [];
    forEachInBox(grid, 10_000, 20_000, 30_000, 25_000, (row) => {
      found.push(row);
      return true;
    });
    const expected = [...x.keys()].filter((row) => x[row] >= 10_000 && x[row] <= 30_000 && y[row] >= 20_000 && y[row] <= 25_000);
    expect(found.sort((a, b) => a - b)).toEqual(expected);
  });
});

describe('the draw order', () => {
  test('a seeded permutation of every row, whose first tenth is spread like the whole', () => {
    const order = drawOrder(10_000, 42);
    expect(new Set(order).size).toBe(10_000);
    expect(Array.from(drawOrder(10_000, 42))).toEqual(Array.from(order));
    // rows were drawn in bands of 1,000: the first 1,000 of the order take about 100 from each band
    const bands = new Array(10).fill(0);
    for (const row of order.subarray(0, 1000)) bands[Math.floor(row / 1000)]++;
    for (const band of bands) expect(band).toBeGreaterThan(60);
  });
});

describe('the camera', () => {
  const bounds = { minX: 1000, minY: 2000, maxX: 61_000, maxY: 32_000 };
  const viewport = { width: 800, height: 600 };

  test('the whole view fits every paper inside the canvas, centred', () => {
    const view = projection(wholeView(bounds), bounds, viewport);
    for (const [x, y] of [
      [bounds.minX, bounds.minY],
      [bounds.maxX, bounds.maxY],
    ]) {
      expect(view.toScreenX(x)).toBeGreaterThanOrEqual(15.99);
      expect(view.toScreenX(x)).toBeLessThanOrEqual(784.01);
      expect(view.toScreenY(y)).toBeGreaterThanOrEqual(0);
      expect(view.toScreenY(y)).toBeLessThanOrEqual(600);
    }
    expect(view.toScreenX((bounds.minX + bounds.maxX) / 2)).toBeCloseTo(400);
  });

  test('zooming keeps the map point under the pointer; panning moves the map with it; back to the whole view', () => {
    const start = wholeView(bounds);
    const before = projection(start, bounds, viewport);
    const [mx, my] = [before.toMapX(130), before.toMapY(470)];
    const zoomed = zoomAbout(start, bounds, viewport, 130, 470, 7.5, 100);
    const after = projection(zoomed, bounds, viewport);
    expect(zoomed.zoom).toBe(7.5);
    expect(after.toScreenX(mx)).toBeCloseTo(130, 6);
    expect(after.toScreenY(my)).toBeCloseTo(470, 6);
    expect(zoomAbout(zoomed, bounds, viewport, 0, 0, 1000, 100).zoom).toBe(100);
    const panned = projection(panBy(zoomed, bounds, viewport, 25, -40), bounds, viewport);
    expect(panned.toScreenX(mx)).toBeCloseTo(155, 6);
    expect(panned.toScreenY(my)).toBeCloseTo(430, 6);
    expect(wholeView(bounds)).toEqual(start);
  });

  test('one paper alone, or none, still gives a finite view', () => {
    const single = boundsOf(Uint16Array.from([500]), Uint16Array.from([700]));
    const view = projection(wholeView(single), single, viewport);
    expect(view.toScreenX(500)).toBeCloseTo(400);
    expect(Number.isFinite(view.scale)).toBe(true);
    expect(boundsOf(new Uint16Array(0), new Uint16Array(0))).toEqual({ minX: 0, minY: 0, maxX: QUANTUM, maxY: QUANTUM });
  });
});

describe('labels', () => {
  const measure = (text: string, font: number) => text.length * font * 0.55;
  const label = (text: string, x: number, y: number, weight: number, kind: LabelCandidate['kind'] = 'fine'): LabelCandidate => ({
    kind,
    text,
    x,
    y,
    weight,
    ink: '#000',
  });

  test('bigger first; one that would overlap a placed label or leave the canvas is dropped', () => {
    const placed = placeLabels(
      [label('small topic', 102, 52, 3), label('big topic', 100, 50, 10), label('far away', 400, 300, 1), label('off the edge', 2, 300, 50)],
      measure,
      500,
      400,
    );
    expect(placed.map((entry) => entry.text)).toEqual(['big topic', 'far away']);
    for (const a of placed)
      for (const b of placed) if (a !== b) expect(a.box[2] <= b.box[0] || b.box[2] <= a.box[0] || a.box[3] <= b.box[1] || b.box[3] <= a.box[1]).toBe(true);
  });

  test('topic labels before titles, whatever their weight, except at the title level; a title sits above its point', () => {
    const crowded = [label('A title of a paper', 200, 200, 99, 'title'), label('topic', 200, 190, 1)];
    expect(placeLabels(crowded, measure, 500, 400).map((entry) => entry.kind)).toEqual(['fine']);
    expect(placeLabels(crowded, measure, 500, 400, true).map((entry) => entry.kind)).toEqual(['title']);
    const alone = placeLabels([label('A title', 200, 200, 1, 'title')], measure, 500, 400);
    expect(alone[0].box[3]).toBeLessThan(200);
  });

  test('many candidates: none of those placed overlap', () => {
    const random = seededRandom(5);
    const candidates = Array.from({ length: 400 }, (_, index) =>
      label(`label ${index}`, random() * 1000, random() * 700, random(), index % 2 ? 'title' : 'fine'),
    );
    const placed = placeLabels(candidates, measure, 1000, 700);
    expect(placed.length).toBeGreaterThan(20);
    for (const [i, a] of placed.entries())
      for (const b of placed.slice(i + 1)) expect(a.box[2] <= b.box[0] || b.box[2] <= a.box[0] || a.box[3] <= b.box[1] || b.box[3] <= a.box[1]).toBe(true);
  });

  test('the level: broad far out, fine closer, titles when few papers with titles are in view', () => {
    expect(labelLevel(1, true, 400, 800 * 600)).toBe('broad');
    expect(labelLevel(2, true, 400, 800 * 600)).toBe('fine');
    expect(labelLevel(1, false, 400, 800 * 600)).toBe('fine');
    expect(labelLevel(5, true, 30, 800 * 600)).toBe('titles');
    // titles never at the whole view, where labels name topics
    expect(labelLevel(1, true, 30, 800 * 600)).toBe('broad');
    expect(titleLabel('A very long title that goes on and on about large language models and reasoning')).toBe('A very long title that goes on and on about…');
  });
});

describe("the points' bytes", () => {
  test('decode what was encoded, and refuse bytes of another size', () => {
    const points = {
      count: 3,
      x: Uint16Array.from([0, 65535, 7]),
      y: Uint16Array.from([1, 2, 3]),
      topic: Uint16Array.from([0, 4, 2]),
      flags: Uint8Array.from([1, 0, 3]),
      colourings: [Uint16Array.from([9, 0, 1])],
    };
    const bytes = encodePoints(points);
    expect(bytes.length).toBe(3 * 2 * 4 + 3);
    expect(decodePoints(bytes, 3, 1)).toEqual(points);
    expect(() => decodePoints(bytes.subarray(1), 3, 1)).toThrow(/not the 27 expected/);
  });
});
