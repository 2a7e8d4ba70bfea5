/**
 * What every part of the page shares: the data, the view's state, and the
 * few actions that change it. A part of the page (the search, the details,
 * the legend, a library panel) is a `Panel`: it gets this context once and
 * listens for changes, so adding one is writing one module and listing it in
 * main.ts.
 */
import type { PageData, PagePaper, Points } from './data.js';
import type { Grid } from './grid.js';
import type { Bounds, Camera } from './layout.js';

/** Papers drawn over the rest at full strength, the rest dimmed: search matches, the papers the last run added, or those recommended for a library. */
export interface Highlight {
  kind: 'search' | 'added' | 'library';
  rows: Uint32Array;
  has: Set<number>;
}

export interface MapState {
  camera: Camera;
  selected: number;
  hovered: number;
  /** Topic places shown at full strength, the rest dimmed; none: every topic. */
  filter: { key: string; topics: Set<number> } | undefined;
  highlight: Highlight | undefined;
  /** -1: by topic; else the index of a PageData.colourings entry. */
  colourBy: number;
  /** Whether the papers the last run added are ringed on the map. */
  markAdded: boolean;
}

export type Change = keyof MapState;

/** A paper as the details panel shows it: from the page, or from the server for a paper the page carries no details of. */
export interface PaperDetails {
  row: number;
  id?: string;
  title?: string;
  abstract?: string;
  authors?: string[];
  date?: string;
  url?: string;
  /** Topic place, or -1 for an outlier. */
  topic: number;
  nearestTopic?: number;
  related: { row: number; score: number; title?: string }[];
  weak: { row: number; score: number; title?: string }[];
  /** Why the details are missing, when they are. */
  missing?: string;
}

export interface MapContext {
  data: PageData;
  points: Points;
  grid: Grid;
  bounds: Bounds;
  /** The page's paper (with details) at each row, if it carries one. */
  paperAt(row: number): PagePaper | undefined;
  /** A paper's title when the page (or the server, once asked) has it. */
  titleOf(row: number): string | undefined;
  /** The server's JSON API, when the page is served by `papermap serve` for these papers: a GET, or a POST of `body`; its error as an Error's message. */
  api: ((path: string, body?: Blob | string) => Promise<unknown>) | undefined;
  state: MapState;
  /** Changes the state and tells every listener what changed. */
  update(change: Partial<MapState>): void;
  listen(listener: (changed: Set<Change>) => void): void;
  /** Selects a paper (or none, -1); `reveal` brings it into view on the map and its details into view in the panel. */
  select(row: number, reveal?: boolean): void;
  /** Called once the page learns it is served (search by meaning, details of every paper). */
  onServed(listener: () => void): void;
  /** The map's canvas, for panels that listen to it. */
  canvas: HTMLCanvasElement;
}

export interface Panel {
  name: string;
  mount(context: MapContext): void;
}

/** A new element with text (never markup: paper text only ever reaches the page as text). */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** "7: speech, TTS" */
export const topicName = (data: PageData, place: number) => `${data.topics[place].id}: ${data.topics[place].label}`;
