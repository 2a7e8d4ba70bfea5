/**
 * Moving about the map: drag (mouse, pen or one finger) pans, the wheel and
 * a pinch zoom about the pointer, a click or tap picks the paper under it
 * (the nearest within 10 pixels), hovering names it. Pointer Events, so
 * touch and mouse take the same path.
 */
import type { MapContext } from './context.js';
import type { Drawing } from './drawing.js';
import { nearestPoint } from './grid.js';
import { maxZoomFor, panBy, projection, zoomAbout, type Camera } from './layout.js';

/** Pixels within which a click picks a paper. */
export const HIT_RADIUS = 10;

/** The paper under the pixel (px, py), among those not dimmed, or -1. */
export function paperUnder(context: MapContext, camera: Camera, viewport: { width: number; height: number }, px: number, py: number): number {
  const view = projection(camera, context.bounds, viewport);
  const { state, points } = context;
  const accept = (row: number) => (!state.highlight || state.highlight.has.has(row)) && (!state.filter || state.filter.topics.has(points.topic[row] - 1));
  return nearestPoint(context.grid, view.toMapX(px), view.toMapY(py), HIT_RADIUS / view.scale, accept);
}

export function attachGestures(context: MapContext, drawing: Drawing, onHover: (row: number, clientX: number, clientY: number) => void): void {
  const canvas = context.canvas;
  const pointers = new Map<number, { x: number; y: number }>();
  let moved = false;
  let pinch: { distance: number; x: number; y: number } | undefined;
  const local = (event: { clientX: number; clientY: number }) => {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };
  const maxZoom = maxZoomFor(context.points.count);
  const move = (camera: Camera) => {
    context.update({ camera });
    drawing.request(true);
  };
  const pinchOf = () => {
    const [a, b] = [...pointers.values()];
    return { distance: Math.hypot(a.x - b.x, a.y - b.y), x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
  };

  canvas.addEventListener('pointerdown', (event) => {
    canvas.setPointerCapture?.(event.pointerId);
    pointers.set(event.pointerId, local(event));
    moved = false;
    pinch = pointers.size === 2 ? pinchOf() : undefined;
  });
  canvas.addEventListener('pointermove', (event) => {
    const point = local(event);
    const before = pointers.get(event.pointerId);
    if (!before) {
      onHover(paperUnder(context, context.state.camera, drawing.viewport(), point.x, point.y), event.clientX, event.clientY);
      return;
    }
    pointers.set(event.pointerId, point);
    if (pointers.size === 2 && pinch) {
      const next = pinchOf();
      const zoomed = zoomAbout(context.state.camera, context.bounds, drawing.viewport(), next.x, next.y, next.distance / Math.max(pinch.distance, 1), maxZoom);
      move(panBy(zoomed, context.bounds, drawing.viewport(), next.x - pinch.x, next.y - pinch.y));
      pinch = next;
      moved = true;
      return;
    }
    const [dx, dy] = [point.x - before.x, point.y - before.y];
    if (!moved && Math.abs(dx) + Math.abs(dy) <= 3) {
      pointers.set(event.pointerId, before);
      return;
    }
    moved = true;
    move(panBy(context.state.camera, context.bounds, drawing.viewport(), dx, dy));
  });
  const end = (event: PointerEvent) => {
    if (!pointers.has(event.pointerId)) return;
    pointers.delete(event.pointerId);
    if (pointers.size < 2) pinch = undefined;
    if (pointers.size === 0 && !moved && event.type === 'pointerup') {
      const point = local(event);
      context.select(paperUnder(context, context.state.camera, drawing.viewport(), point.x, point.y));
    }
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  canvas.addEventListener('pointerleave', () => onHover(-1, 0, 0));
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const point = local(event);
      const factor = Math.exp(-Math.max(-3, Math.min(3, event.deltaY / 100)) * Math.log(1.2));
      move(zoomAbout(context.state.camera, context.bounds, drawing.viewport(), point.x, point.y, factor, maxZoom));
    },
    { passive: false },
  );
}
