/**
 * Drawing the map: the points (WebGL, or a sampled 2D canvas below it) and,
 * over them on a 2D canvas, the labels, the rings of the selected, hovered
 * and newly added papers, and the lines to the selected paper's related
 * papers. Frames are drawn on demand; while the map moves the points are
 * drawn from a sample sized so frames keep up, and all of them once it stops.
 */
import { ADDED, type Points } from './data.js';
import type { MapContext } from './context.js';
import { type LabelCandidate, type Level, labelLevel, placeLabels, titleLabel, type PlacedLabel } from './labels.js';
import { projection, type Projection, type Viewport } from './layout.js';
import type { PointRenderer } from './webgl.js';

/** Frames slower than this while moving draw fewer points; faster ones draw more. */
const FRAME_BUDGET_MS = 30;
/** Papers the moving map draws at least. */
const MIN_MOVING = 5_000;
/** A map at rest is drawn in parts of about this many papers a frame at first (then as many as take FRAME_BUDGET_MS each, at least this many), so it shows at once and the page stays responsive while the rest comes. */
const FIRST_PART = 50_000;
/** A pause this long after the last moving frame is a stop: every paper is drawn. */
const SETTLE_MS = 120;
/** Label anchors are worked out from at most this many papers of the draw order (a uniform sample). */
const ANCHOR_SAMPLE = 100_000;

export interface DrawingStats {
  level: Level;
  labels: PlacedLabel[];
  /** Papers drawn in the last frame. */
  drawn: number;
  /** Milliseconds between the last frames while moving. */
  frames: number[];
  /** Milliseconds the last frame's script took (the drawing itself may go on after). */
  frameMs: number;
}

/** Diameter of a point: bigger the fewer papers share the view, 2 to 8 pixels. */
export function pointSize(count: number, zoom: number, viewport: Viewport): number {
  const inView = Math.max(1, count / Math.max(1, zoom * zoom));
  return Math.min(8, Math.max(2, 0.35 * Math.sqrt((viewport.width * viewport.height) / inView)));
}

/** Where a topic's label goes: the mean place (map units) of its papers in view, and how many of the sample those are. */
interface Anchor {
  group: number;
  x: number;
  y: number;
  count: number;
}

/** Each group's papers in view (from a uniform sample of at most ANCHOR_SAMPLE), averaged. */
function topicAnchors(context: MapContext, view: Projection, viewport: Viewport, order: Uint32Array, broad: boolean): Anchor[] {
  const { data, points } = context;
  const groups = broad ? data.broad.length : data.topics.length;
  const sums = new Float64Array(groups * 3);
  const sample = Math.min(order.length, ANCHOR_SAMPLE);
  const [x0, x1, y0, y1] = [view.toMapX(0), view.toMapX(viewport.width), view.toMapY(0), view.toMapY(viewport.height)];
  for (let at = 0; at < sample; at++) {
    const row = order[at];
    const topic = points.topic[row] - 1;
    const [x, y] = [points.x[row], points.y[row]];
    if (topic < 0 || x < x0 || x > x1 || y < y0 || y > y1) continue;
    const group = broad ? data.topics[topic].parent : topic;
    sums[group * 3] += x;
    sums[group * 3 + 1] += y;
    sums[group * 3 + 2]++;
  }
  const anchors: Anchor[] = [];
  for (let group = 0; group < groups; group++) {
    const count = sums[group * 3 + 2];
    if (count > 0) anchors.push({ group, x: sums[group * 3] / count, y: sums[group * 3 + 1] / count, count });
  }
  return anchors;
}

/** Topic label candidates at their anchors, those the filter leaves out left out. */
function topicCandidates(context: MapContext, view: Projection, anchors: readonly Anchor[], broad: boolean): LabelCandidate[] {
  const { data, state } = context;
  const candidates: LabelCandidate[] = [];
  for (const { group, x, y, count } of anchors) {
    const topics = broad ? data.broad[group].topicIds : [group];
    if (state.filter && !topics.some((topic) => state.filter!.topics.has(topic))) continue;
    const source = broad ? data.broad[group] : data.topics[group];
    candidates.push({ kind: broad ? 'broad' : 'fine', text: source.short, x: view.toScreenX(x), y: view.toScreenY(y), weight: count, ink: source.ink, topics });
  }
  return candidates;
}

/** Title candidates: papers in view whose title the page has, the selected and highlighted ones first. */
function titleCandidates(context: MapContext, rows: number[], view: Projection): LabelCandidate[] {
  const { state } = context;
  return rows.map((row) => ({
    kind: 'title' as const,
    text: titleLabel(context.titleOf(row) ?? ''),
    x: view.toScreenX(context.points.x[row]),
    y: view.toScreenY(context.points.y[row]),
    weight: row === state.selected ? 3 : state.highlight?.has.has(row) ? 2 : 1 - row / (context.points.count + 1),
    ink: '#1f2937',
    row,
  }));
}

/** Rows in view that have a title on the page (at most `limit`). */
function titledInView(context: MapContext, view: Projection, viewport: Viewport, limit: number): number[] {
  const found: number[] = [];
  for (const paper of context.data.papers) {
    const x = view.toScreenX(context.points.x[paper.row]);
    const y = view.toScreenY(context.points.y[paper.row]);
    if (x < 0 || y < 0 || x > viewport.width || y > viewport.height) continue;
    found.push(paper.row);
    if (found.length > limit) break;
  }
  return found;
}

/** The anchors of the last frame at rest: a moving frame reuses them (moved with the map) rather than work them out again. */
interface AnchorCache {
  level: Level;
  anchors: Anchor[];
}

function drawLabels(
  overlay: CanvasRenderingContext2D,
  context: MapContext,
  view: Projection,
  viewport: Viewport,
  order: Uint32Array,
  cache: { last?: AnchorCache; moving: boolean },
): Pick<DrawingStats, 'level' | 'labels'> {
  const { data, state } = context;
  const twoLevels = data.broad.length < data.topics.length;
  const area = viewport.width * viewport.height;
  const titled = titledInView(context, view, viewport, Math.floor(area / 9000) + 1);
  const level = labelLevel(state.camera.zoom, twoLevels, titled.length, area);
  if (!cache.moving || cache.last?.level !== level) cache.last = { level, anchors: topicAnchors(context, view, viewport, order, level === 'broad') };
  const candidates = topicCandidates(context, view, cache.last.anchors, level === 'broad');
  if (level === 'titles') candidates.push(...titleCandidates(context, titled, view));
  overlay.textAlign = 'center';
  overlay.textBaseline = 'middle';
  overlay.lineJoin = 'round';
  const measure = (text: string, font: number) => {
    overlay.font = `600 ${font}px system-ui, -apple-system, "Segoe UI", sans-serif`;
    return overlay.measureText(text).width;
  };
  const labels = placeLabels(candidates, measure, viewport.width, viewport.height, level === 'titles');
  for (const label of labels) {
    overlay.font = `${label.kind === 'title' ? 500 : 600} ${label.font}px system-ui, -apple-system, "Segoe UI", sans-serif`;
    const y = (label.box[1] + label.box[3]) / 2;
    overlay.lineWidth = 4;
    overlay.strokeStyle = 'rgba(255, 255, 255, 0.92)';
    overlay.strokeText(label.text, label.x, y);
    overlay.fillStyle = label.ink;
    overlay.fillText(label.text, label.x, y);
  }
  return { level, labels };
}

function ring(overlay: CanvasRenderingContext2D, x: number, y: number, radius: number, colour: string, width: number): void {
  overlay.strokeStyle = colour;
  overlay.lineWidth = width;
  overlay.beginPath();
  overlay.arc(x, y, radius, 0, Math.PI * 2);
  overlay.stroke();
}

/** Rings round the papers the last run added (those in view, at most a few thousand), the selected paper's related papers joined to it, and the selected and hovered papers ringed. */
function drawMarks(overlay: CanvasRenderingContext2D, context: MapContext, view: Projection, viewport: Viewport, size: number, added: readonly number[]): void {
  const { points, state } = context;
  const at = (row: number): [number, number] => [view.toScreenX(points.x[row]), view.toScreenY(points.y[row])];
  const inView = ([x, y]: [number, number]) => x >= -10 && y >= -10 && x <= viewport.width + 10 && y <= viewport.height + 10;
  if (state.markAdded) {
    let drawn = 0;
    for (const row of added) {
      if (drawn >= 5000) break;
      if (!inView(at(row))) continue;
      ring(overlay, ...at(row), size / 2 + 3, '#b91c1c', 1.5);
      drawn++;
    }
  }
  const paper = state.selected >= 0 ? context.paperAt(state.selected) : undefined;
  if (paper) {
    overlay.strokeStyle = 'rgba(17, 24, 39, 0.35)';
    overlay.lineWidth = 1;
    const [sx, sy] = at(paper.row);
    for (const [row] of paper.r) {
      overlay.beginPath();
      overlay.moveTo(sx, sy);
      overlay.lineTo(...at(row));
      overlay.stroke();
    }
  }
  for (const row of [state.hovered, state.selected]) if (row >= 0) ring(overlay, ...at(row), size / 2 + 4, '#111827', 2);
}

export interface Drawing {
  /** Draws a frame soon; `moving` while the view is being dragged, zoomed or pinched. */
  request(moving?: boolean): void;
  stats: DrawingStats;
  viewport(): Viewport;
  /** Milliseconds to draw the first `count` papers of the draw order once, points only, waiting until done (for benches). */
  time(count: number): number;
}

export function createDrawing(context: MapContext, renderer: PointRenderer, overlayCanvas: HTMLCanvasElement, order: Uint32Array): Drawing {
  const overlay = overlayCanvas.getContext('2d')!;
  const points: Points = context.points;
  const stats: DrawingStats = { level: 'broad', labels: [], drawn: 0, frames: [], frameMs: 0 };
  const added: number[] = [];
  for (let row = 0; row < points.count; row++) if (points.flags[row] & ADDED) added.push(row);
  // the first moving frames draw at most this many, then as many as keep frames quick
  let budget = Math.min(points.count, 100_000);
  const anchors: { last?: AnchorCache; moving: boolean } = { moving: false };
  let pending = false;
  /** Whether the view moved since the last frame: a moving frame draws `budget` papers. */
  let moved = false;
  let lastMoving = 0;
  let settle: ReturnType<typeof setTimeout> | undefined;
  const viewport = (): Viewport => ({ width: context.canvas.clientWidth || 1, height: context.canvas.clientHeight || 1 });

  /** Moving frames that take longer than the budget draw fewer papers next time; quick ones, more. */
  const adapt = (now: number) => {
    if (lastMoving > 0) {
      const took = now - lastMoving;
      stats.frames.push(took);
      if (stats.frames.length > 240) stats.frames.shift();
      if (took > FRAME_BUDGET_MS) budget = Math.max(Math.min(MIN_MOVING, points.count), Math.floor(budget * Math.max(0.3, FRAME_BUDGET_MS / took)));
      else if (took < FRAME_BUDGET_MS / 2) budget = Math.min(points.count, Math.ceil(budget * 1.2));
    }
    lastMoving = now;
  };

  /** Papers of the draw order already on the canvas since it was last cleared (a map at rest fills in over frames). */
  let filled = 0;
  /** Whether anything but the filling-in changed since the last frame: the map starts again from a clear canvas. */
  let changed = true;
  let part = Math.min(points.count, FIRST_PART);
  let partStarted = 0;

  /** Parts of a map at rest that take longer than the budget are smaller next time; quick ones, bigger. */
  const adaptPart = (now: number) => {
    if (partStarted > 0) {
      const took = now - partStarted;
      part = Math.max(Math.min(points.count, FIRST_PART / 2), Math.floor(part * Math.min(2, Math.max(0.3, FRAME_BUDGET_MS / took))));
    }
    partStarted = now;
  };

  const frame = () => {
    const started = performance.now();
    pending = false;
    const moving = moved;
    moved = false;
    const state = context.state;
    const size = viewport();
    const pointDiameter = pointSize(points.count, state.camera.zoom, size);
    // a frame that continues filling in a map at rest changes nothing else
    const continuing = !moving && !changed && filled > 0 && filled < points.count;
    if (moving) adapt(started);
    else lastMoving = 0;
    if (!moving) adaptPart(continuing ? started : 0);
    const from = continuing ? filled : 0;
    const count = moving ? budget : part;
    renderer.draw({
      camera: state.camera,
      bounds: context.bounds,
      viewport: size,
      pointSize: pointDiameter,
      from,
      count,
      strength: state.highlight ? 0.15 : 1,
      highlighted: state.highlight?.rows,
    });
    filled = moving ? 0 : Math.min(points.count, from + count);
    stats.drawn = moving ? Math.min(budget, points.count) : filled;
    changed = false;
    if (!continuing) {
      overlayFrame(size, pointDiameter, moving);
      clearTimeout(settle);
      // once the view stops moving, every paper
      if (moving) settle = setTimeout(() => request(), SETTLE_MS);
    }
    context.canvas.dataset.drawn = String(stats.drawn);
    context.canvas.dataset.total = String(points.count);
    stats.frameMs = performance.now() - started;
    if (!moving && filled < points.count) {
      pending = true;
      requestAnimationFrame(frame);
    }
  };

  /** The labels and marks over the points. */
  const overlayFrame = (size: Viewport, pointDiameter: number, moving: boolean) => {
    const ratio = window.devicePixelRatio || 1;
    if (overlayCanvas.width !== Math.round(size.width * ratio) || overlayCanvas.height !== Math.round(size.height * ratio)) {
      [overlayCanvas.width, overlayCanvas.height] = [Math.round(size.width * ratio), Math.round(size.height * ratio)];
    }
    overlay.setTransform(ratio, 0, 0, ratio, 0, 0);
    overlay.clearRect(0, 0, size.width, size.height);
    const view = projection(context.state.camera, context.bounds, size);
    drawMarks(overlay, context, view, size, pointDiameter, added);
    anchors.moving = moving;
    Object.assign(stats, drawLabels(overlay, context, view, size, order, anchors));
    context.canvas.dataset.labels = String(stats.labels.length);
    context.canvas.dataset.level = stats.level;
  };

  const request = (move = false) => {
    if (move) moved = true;
    changed = true;
    if (pending) return;
    pending = true;
    requestAnimationFrame(frame);
  };
  const time = (count: number) => {
    const state = context.state;
    const started = performance.now();
    const size = viewport();
    renderer.draw({
      camera: state.camera,
      bounds: context.bounds,
      viewport: size,
      pointSize: pointSize(points.count, state.camera.zoom, size),
      from: 0,
      count,
      strength: 1,
      highlighted: undefined,
    });
    renderer.finish();
    // the canvas now holds those papers only: the next frame draws the map again
    request();
    return performance.now() - started;
  };
  return { request, stats, viewport, time };
}
