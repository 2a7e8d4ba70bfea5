/**
 * The points without WebGL: a 2D canvas drawing a sample (the first
 * CANVAS_SAMPLE papers of the draw order, a uniform sample), since a 2D
 * canvas draws a few tens of thousands of points per frame, not a million.
 * The page says so in a notice.
 */
import type { Points } from './data.js';
import { projection } from './layout.js';
import type { DrawRequest, PointRenderer } from './webgl.js';

export const CANVAS_SAMPLE = 30_000;

export function canvasRenderer(canvas: HTMLCanvasElement, points: Points, order: Uint32Array): PointRenderer {
  const context = canvas.getContext('2d')!;
  let values: Uint16Array = points.topic;
  let palette: readonly string[] = ['#9ca3af'];
  let topicStrength: Float32Array = new Float32Array(1).fill(1);

  const drawRows = (rows: ArrayLike<number>, count: number, request: DrawRequest, strength: number, size: number) => {
    const view = projection(request.camera, request.bounds, request.viewport);
    const { width, height } = request.viewport;
    // one fill style per colour: switching styles is what costs
    const byColour = new Map<number, number[]>();
    for (let at = 0; at < count; at++) {
      const row = rows[at];
      const x = view.toScreenX(points.x[row]);
      const y = view.toScreenY(points.y[row]);
      if (x < -size || y < -size || x > width + size || y > height + size) continue;
      const key = values[row] * 64 + Math.round(topicStrength[points.topic[row]] * 63);
      let list = byColour.get(key);
      if (!list) byColour.set(key, (list = []));
      list.push(x, y);
    }
    for (const [key, list] of byColour) {
      context.globalAlpha = 0.85 * strength * ((key % 64) / 63);
      context.fillStyle = palette[Math.floor(key / 64)] ?? '#9ca3af';
      for (let at = 0; at < list.length; at += 2) context.fillRect(list[at] - size / 2, list[at + 1] - size / 2, size, size);
    }
    context.globalAlpha = 1;
  };

  return {
    kind: 'canvas',
    setColours(next, colours) {
      values = next;
      palette = colours;
    },
    setTopicStrength(strength) {
      topicStrength = strength;
    },
    finish() {},
    draw(request) {
      // the sample is drawn whole at once: a later part of the draw order has nothing to add
      if (request.from > 0) return;
      const ratio = window.devicePixelRatio || 1;
      const [width, height] = [Math.round(request.viewport.width * ratio), Math.round(request.viewport.height * ratio)];
      if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
      context.setTransform(ratio, 0, 0, ratio, 0, 0);
      context.clearRect(0, 0, request.viewport.width, request.viewport.height);
      drawRows(order, Math.min(request.count, CANVAS_SAMPLE, points.count), request, request.strength, request.pointSize);
      if (request.highlighted) drawRows(request.highlighted, request.highlighted.length, request, 1, Math.max(request.pointSize + 2, 4));
    },
  };
}
