/**
 * Where things are on screen: the camera over the map (a centre and a zoom)
 * and the conversions between the map's quantised units and CSS pixels. Pure,
 * so zooming about the pointer and resetting the view are tested without a
 * browser.
 */
import { QUANTUM } from './data.js';

export interface Bounds {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

export interface Camera {
  /** Map point (quantised units) at the middle of the canvas. */
  centreX: number;
  centreY: number;
  /** 1: every paper fits the canvas. */
  zoom: number;
}

export interface Viewport {
  width: number;
  height: number;
}

/** Space kept free round the papers at zoom 1, in pixels. */
export const PADDING = 16;

/** The box round the points; a unit box when there are none. */
export function boundsOf(x: Uint16Array, y: Uint16Array): Bounds {
  if (x.length === 0) return { minX: 0, minY: 0, maxX: QUANTUM, maxY: QUANTUM };
  let [minX, minY, maxX, maxY] = [QUANTUM, QUANTUM, 0, 0];
  for (let row = 0; row < x.length; row++) {
    if (x[row] < minX) minX = x[row];
    if (x[row] > maxX) maxX = x[row];
    if (y[row] < minY) minY = y[row];
    if (y[row] > maxY) maxY = y[row];
  }
  return { minX, minY, maxX, maxY };
}

/** The view that shows every paper. */
export function wholeView(bounds: Bounds): Camera {
  return { centreX: (bounds.minX + bounds.maxX) / 2, centreY: (bounds.minY + bounds.maxY) / 2, zoom: 1 };
}

/** Pixels per quantised unit at zoom 1: the papers' box fits the canvas, whichever side is tighter. */
export function baseScale(bounds: Bounds, viewport: Viewport): number {
  const spanX = Math.max(bounds.maxX - bounds.minX, 1);
  const spanY = Math.max(bounds.maxY - bounds.minY, 1);
  const fit = Math.min((viewport.width - 2 * PADDING) / spanX, (viewport.height - 2 * PADDING) / spanY);
  // a map of one paper, or of papers in one place: a span of a tenth of the map fills the canvas
  return Math.max(1e-6, Math.min(fit, Math.min(viewport.width, viewport.height) / (QUANTUM / 10)));
}

/** The conversions of one camera over one canvas. */
export interface Projection {
  /** Pixels per quantised unit. */
  scale: number;
  toScreenX(x: number): number;
  toScreenY(y: number): number;
  toMapX(px: number): number;
  toMapY(py: number): number;
}

export function projection(camera: Camera, bounds: Bounds, viewport: Viewport): Projection {
  const scale = baseScale(bounds, viewport) * camera.zoom;
  const [midX, midY] = [viewport.width / 2, viewport.height / 2];
  return {
    scale,
    toScreenX: (x) => midX + (x - camera.centreX) * scale,
    toScreenY: (y) => midY + (y - camera.centreY) * scale,
    toMapX: (px) => camera.centreX + (px - midX) / scale,
    toMapY: (py) => camera.centreY + (py - midY) / scale,
  };
}

/** The camera zoomed by `factor` about the pixel (px, py), which keeps the same map point under it; the zoom stays in [minZoom, maxZoom]. */
export function zoomAbout(camera: Camera, bounds: Bounds, viewport: Viewport, px: number, py: number, factor: number, maxZoom: number, minZoom = 0.5): Camera {
  const zoom = Math.min(maxZoom, Math.max(minZoom, camera.zoom * factor));
  const before = projection(camera, bounds, viewport);
  const [mapX, mapY] = [before.toMapX(px), before.toMapY(py)];
  const scale = baseScale(bounds, viewport) * zoom;
  return { zoom, centreX: mapX - (px - viewport.width / 2) / scale, centreY: mapY - (py - viewport.height / 2) / scale };
}

/** The camera moved so the map follows the pointer by (dx, dy) pixels. */
export function panBy(camera: Camera, bounds: Bounds, viewport: Viewport, dx: number, dy: number): Camera {
  const scale = baseScale(bounds, viewport) * camera.zoom;
  return { ...camera, centreX: camera.centreX - dx / scale, centreY: camera.centreY - dy / scale };
}

/** The deepest zoom: far enough that a million papers come apart (their spacing grows with the square root of their number). */
export const maxZoomFor = (count: number) => Math.max(64, 2 * Math.sqrt(count));
