/**
 * The page's script: bundled by esbuild (scripts/bundle-map.ts) into
 * report.html, so the page stays one offline file. It reads the page's data,
 * draws every paper, and mounts the panels.
 */
import { addedPanel, addedRows } from './added.js';
import { canvasRenderer, CANVAS_SAMPLE } from './canvas.js';
import { coloursOf, topicStrength } from './colouring.js';
import { byId, type Change, type MapContext, type MapState, type Panel } from './context.js';
import { controlsPanel } from './controls.js';
import { decodePoints, type PageData } from './data.js';
import { createDrawing } from './drawing.js';
import { attachGestures } from './gestures.js';
import { buildGrid, drawOrder } from './grid.js';
import { boundsOf, projection, wholeView } from './layout.js';
import { legendPanel } from './legend.js';
import { libraryPanel } from './library.js';
import { overTimePanel } from './overtime.js';
import { detailsPanel, bringDetailsIntoView } from './panel.js';
import { searchPanel } from './search.js';
import { webglRenderer } from './webgl.js';

/** The parts of the page, each a module: a new panel is one more entry. */
const PANELS: Panel[] = [detailsPanel, searchPanel, libraryPanel, legendPanel, overTimePanel, addedPanel, controlsPanel];

function base64Bytes(text: string): Uint8Array {
  const fromBase64 = (Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array }).fromBase64;
  if (fromBase64) return fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let at = 0; at < binary.length; at++) bytes[at] = binary.charCodeAt(at);
  return bytes;
}

function showNote(id: string, text: string | undefined): void {
  if (!text) return;
  const note = byId(id);
  note.textContent = text;
  note.hidden = false;
}

function readPage(): { data: PageData; context: Omit<MapContext, 'update' | 'listen' | 'select' | 'onServed' | 'state' | 'api'> } {
  const data = JSON.parse(byId('papermap-data').textContent!) as PageData;
  mark('json');
  const points = decodePoints(base64Bytes(byId('papermap-points').textContent!.trim()), data.total, data.colourings.length);
  mark('points');
  const cards = new Map(data.papers.map((paper) => [paper.row, paper]));
  const titles = new Map(data.titles);
  const fetched = new Map<number, string>();
  return {
    data,
    context: {
      data,
      points,
      grid: buildGrid(points.x, points.y),
      bounds: boundsOf(points.x, points.y),
      paperAt: (row) => cards.get(row),
      titleOf: (row) => cards.get(row)?.t ?? titles.get(row) ?? fetched.get(row),
      canvas: byId<HTMLCanvasElement>('map'),
    },
  };
}

/** Milliseconds from the script's start to each step, for benches (window.papermap.timings). */
const timings: Record<string, number> = {};
const begun = performance.now();
const mark = (step: string) => (timings[step] = Math.round(performance.now() - begun));

function start(): void {
  timings.scriptAt = Math.round(begun);
  const { data, context: parts } = readPage();
  mark('read');
  for (const [id, text] of [
    ['heading', data.heading],
    ['summary', data.summary],
    ['chosen', data.chosen],
    ['projection', data.projection],
  ] as const)
    byId(id).textContent = text;
  showNote('notice', data.notice);
  showNote('sample', data.sample);
  const order = drawOrder(data.total);
  mark('order');
  const webgl = webglRenderer(parts.canvas, parts.points, order);
  mark('renderer');
  const renderer = webgl ?? canvasRenderer(parts.canvas, parts.points, order);
  if (!webgl && data.total > CANVAS_SAMPLE) {
    showNote(
      'fallback',
      `This browser has no WebGL 2, so the map draws a sample of ${CANVAS_SAMPLE.toLocaleString('en-US')} of the ${data.total.toLocaleString('en-US')} papers.`,
    );
  }
  document.body.dataset.renderer = renderer.kind;
  const listeners: ((changed: Set<Change>) => void)[] = [];
  const served: (() => void)[] = [];
  const state: MapState = {
    camera: wholeView(parts.bounds),
    selected: -1,
    hovered: -1,
    filter: undefined,
    highlight: undefined,
    colourBy: -1,
    markAdded: true,
  };
  const context: MapContext = {
    ...parts,
    state,
    api: undefined,
    update(change) {
      Object.assign(state, change);
      const changed = new Set(Object.keys(change) as Change[]);
      for (const listener of listeners) listener(changed);
    },
    listen: (listener) => listeners.push(listener),
    select(row, reveal = false) {
      if (reveal && row >= 0) revealRow(row);
      context.update({ selected: row });
      if (reveal) requestAnimationFrame(bringDetailsIntoView);
    },
    onServed: (listener) => served.push(listener),
  };
  const drawing = createDrawing(context, renderer, byId<HTMLCanvasElement>('overlay'), order);
  /** Brings a paper into view if it is off the canvas, zoomed in so its neighbourhood shows. */
  const revealRow = (row: number) => {
    const view = projection(state.camera, parts.bounds, drawing.viewport());
    const [x, y] = [view.toScreenX(parts.points.x[row]), view.toScreenY(parts.points.y[row])];
    const size = drawing.viewport();
    if (x >= 20 && y >= 20 && x <= size.width - 20 && y <= size.height - 20) return;
    context.update({ camera: { ...state.camera, centreX: parts.points.x[row], centreY: parts.points.y[row] } });
  };
  context.listen((changed) => {
    if (changed.has('colourBy')) {
      const { values, palette } = coloursOf(data, parts.points, state.colourBy);
      renderer.setColours(values, palette);
    }
    if (changed.has('filter')) renderer.setTopicStrength(topicStrength(data, state.filter));
    drawing.request();
  });
  context.update({ colourBy: -1, filter: undefined });
  const tooltip = byId<HTMLDivElement>('tooltip');
  attachGestures(context, drawing, (row, clientX, clientY) => {
    if (row === state.hovered) return;
    tooltip.hidden = row < 0;
    if (row >= 0) {
      tooltip.textContent = context.titleOf(row) ?? 'A paper without a title in this file (click for what is known)';
      tooltip.style.left = `${clientX + 12}px`;
      tooltip.style.top = `${clientY + 12}px`;
    }
    context.update({ hovered: row });
  });
  for (const panel of PANELS) panel.mount(context);
  detectServer(context, served);
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => drawing.request()).observe(parts.canvas);
  exposeForTests(context, drawing);
  mark('mounted');
}

/** Served by `papermap serve` for the same papers: search by meaning and every paper's details come from it. */
function detectServer(context: MapContext, served: (() => void)[]): void {
  if (!/^https?:$/.test(location.protocol)) return;
  const api = async (path: string, body?: Blob | string) => {
    const response = await fetch(path, body === undefined ? undefined : { method: 'POST', body });
    // an answer that is not JSON (a proxy's error page) is said by its status
    const answer = (await response.json().catch(() => ({}))) as { error?: string };
    if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status} ${response.statusText}`.trim());
    return answer;
  };
  api('/api/health')
    .then((health) => {
      const { papers, papersHash, search } = health as { papers?: number; papersHash?: string; search?: boolean };
      if (papers !== context.data.total || papersHash !== context.data.papersHash) return;
      context.api = api;
      if (search !== true) return;
      document.body.dataset.search = 'meaning';
      for (const listener of served) listener();
    })
    .catch(() => {});
}

/** For tests, benches and curious readers: where papers are drawn, the labels, the view. */
function exposeForTests(context: MapContext, drawing: ReturnType<typeof createDrawing>): void {
  const screen = (row: number): [number, number] => {
    const view = projection(context.state.camera, context.bounds, drawing.viewport());
    return [view.toScreenX(context.points.x[row]), view.toScreenY(context.points.y[row])];
  };
  (window as unknown as { papermap: unknown }).papermap = {
    screenPosition: screen,
    screenPositions: (limit = 20_000) => Array.from({ length: Math.min(limit, context.points.count) }, (_, row) => screen(row)),
    zoom: () => context.state.camera.zoom,
    camera: () => ({ ...context.state.camera }),
    labels: () => drawing.stats.labels.map((label) => ({ kind: label.kind, text: label.text, box: label.box, row: label.row })),
    stats: () => ({ level: drawing.stats.level, drawn: drawing.stats.drawn, frames: [...drawing.stats.frames], frameMs: drawing.stats.frameMs }),
    highlighted: () => Array.from(context.state.highlight?.rows ?? []),
    rowOf: (id: string) => context.data.papers.find((paper) => paper.id === id)?.row,
    added: () => addedRows(context.points.flags),
    timeDraw: (count: number) => drawing.time(count),
    timings: () => ({ ...timings }),
    /** The points' colour at a CSS pixel of the map, RGBA (the overlay's labels and rings not included). */
    pixel: (x: number, y: number) => {
      const ratio = window.devicePixelRatio || 1;
      const copy = document.createElement('canvas');
      [copy.width, copy.height] = [1, 1];
      const pen = copy.getContext('2d')!;
      pen.drawImage(context.canvas, Math.round(x * ratio), Math.round(y * ratio), 1, 1, 0, 0, 1, 1);
      return Array.from(pen.getImageData(0, 0, 1, 1).data);
    },
    pan: (dx: number, dy: number) => {
      const camera = context.state.camera;
      const scale = projection(camera, context.bounds, drawing.viewport()).scale;
      context.update({ camera: { ...camera, centreX: camera.centreX - dx / scale, centreY: camera.centreY - dy / scale } });
      drawing.request(true);
    },
  };
}

start();
