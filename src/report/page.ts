/**
 * The data of report.html: every paper as a point (PageData's binary part)
 * and the details of as many papers as the page can carry. Above
 * DETAILS_PAPERS papers, a sample stratified by topic (and the papers the
 * last run added) carry their details; the rest are points with a topic,
 * whose details `papermap serve` gives.
 */
import { relatedOf, roundScore } from '../graph/related.js';
import { distinctColours, oklabToHex, type Lab } from './colours.js';
import { ADDED, HAS_DETAILS, QUANTUM, type PageColouring, type PagePaper, type Points } from './map/data.js';
import { pageFacts } from '../shared/links.js';
import { thousands, weakNeighbours, type ReportData } from './model.js';
import { sampleByTopic } from './sample.js';

/**
 * Up to this many papers the page carries every paper's details; above, a
 * sample of this many. Measured at a million papers of seed-like text (docs/
 * benchmarks.md, `npm run bench:map`): the points of a million papers are
 * 9.3 MB of base64, the details of 10,000 papers about 10 MB more.
 */
export const DETAILS_PAPERS = 10_000;
/** Above this many papers the page carries the first SHORT_ABSTRACT characters of each abstract. */
const FULL_ABSTRACTS_MAX_PAPERS = 15_000;
const SHORT_ABSTRACT = 300;
/** Above FULL_ABSTRACTS_MAX_PAPERS, a paper's related and weak neighbours together stop at this many. */
const SHORT_NEAREST = 5;
/** The papers a run added carry their details up to this many. */
const ADDED_WITH_DETAILS = 2000;
/** Categories coloured apart; the rest are "other". */
const CATEGORY_COLOURS = 12;

/** The rows whose details the page carries: every paper, or a sample by topic with the papers the last run added. */
export function detailRows(data: ReportData, cap: number): Int32Array {
  if (data.papers.length <= cap) return sampleByTopic(data.topicOf, cap, data.clusters.seed);
  const rows = new Set(sampleByTopic(data.topicOf, cap, data.clusters.seed));
  const rowOf = new Map(data.papers.map((paper, row) => [paper.id, row]));
  for (const added of data.changes.added.slice(0, ADDED_WITH_DETAILS)) {
    const row = rowOf.get(added.id);
    if (row !== undefined) rows.add(row);
  }
  return Int32Array.from(rows).sort();
}

/** The rows the last run added (none on a first run: there is nothing to compare with). */
function addedRows(data: ReportData): Set<number> {
  if (data.changes.since === null) return new Set();
  const ids = new Set(data.changes.added.map((paper) => paper.id));
  const rows = new Set<number>();
  data.papers.forEach((paper, row) => ids.has(paper.id) && rows.add(row));
  return rows;
}

/** Every paper as a point: place, topic (1 + place; 0 an outlier), flags, and its value of each colouring. */
export function pointsOf(data: ReportData, placeOf: (id: number) => number, detailed: Int32Array, colourings: Uint16Array[]): Points {
  const count = data.papers.length;
  const points: Points = {
    count,
    x: new Uint16Array(count),
    y: new Uint16Array(count),
    topic: new Uint16Array(count),
    flags: new Uint8Array(count),
    colourings,
  };
  const quantise = (value: number) => Math.round(Math.min(1, Math.max(0, value)) * QUANTUM);
  for (let row = 0; row < count; row++) {
    points.x[row] = quantise(data.map[row * 2]);
    points.y[row] = quantise(data.map[row * 2 + 1]);
    points.topic[row] = data.topicOf[row] < 0 ? 0 : placeOf(data.topicOf[row]) + 1;
  }
  for (const row of addedRows(data)) points.flags[row] |= ADDED;
  for (const row of detailed) points.flags[row] |= HAS_DETAILS;
  return points;
}

/** The details of the papers at `rows`, and the titles of their neighbours that have none on the page. */
export function paperDetails(data: ReportData, rows: Int32Array, placeOf: (id: number) => number): { papers: PagePaper[]; titles: [number, string][] } {
  const short = data.papers.length > FULL_ABSTRACTS_MAX_PAPERS;
  const shown = data.shownOf(rows);
  const nearestOfOutlier = new Map(data.clusters.outliers.map((outlier) => [outlier.id, outlier.nearestTopic]));
  const detailed = new Set(rows);
  const titles = new Map<number, string>();
  const most = short ? SHORT_NEAREST : Infinity;
  const papers = Array.from(rows, (row, index): PagePaper => {
    const paper = data.papers[row];
    const related = relatedOf(data.related, row).slice(0, most);
    const weak = weakNeighbours(data, row).slice(0, Math.max(0, most - related.length));
    for (const neighbour of [...related, ...weak]) if (!detailed.has(neighbour.row)) titles.set(neighbour.row, data.papers[neighbour.row].title);
    const { abstract: full } = shown[index];
    const abstract = short && full.length > SHORT_ABSTRACT ? `${full.slice(0, SHORT_ABSTRACT)}…` : full;
    const facts = pageFacts(shown[index]);
    const nearest = nearestOfOutlier.get(paper.id);
    return {
      row,
      id: paper.id,
      t: paper.title,
      a: abstract,
      ...(facts.authors ? { au: facts.authors } : {}),
      ...(facts.date ? { d: facts.date } : {}),
      ...(facts.url ? { u: facts.url } : {}),
      ...(nearest !== undefined ? { n: placeOf(nearest) } : {}),
      r: related.map((neighbour) => [neighbour.row, roundScore(neighbour.score)]),
      ...(weak.length > 0 ? { w: weak.map((neighbour) => [neighbour.row, roundScore(neighbour.score)] as [number, number]) } : {}),
    };
  });
  return { papers, titles: [...titles].sort((a, b) => a[0] - b[0]) };
}

/** `count` colours from dark blue to yellow through OKLab, for values in order (months). */
function ramp(count: number): string[] {
  const [from, to]: Lab[] = [
    [0.35, -0.02, -0.14],
    [0.88, -0.03, 0.17],
  ];
  return Array.from({ length: count }, (_, index) => {
    const t = count === 1 ? 1 : index / (count - 1);
    return oklabToHex(from.map((value, axis) => value + (to[axis] - value) * t) as Lab);
  });
}

/** Colour by date: a month (a year when they span more than 20 years) per value, in order, on a ramp. Undefined when fewer than two are known. */
export function dateColouring(dates: readonly (string | undefined)[]): { colouring: PageColouring; values: Uint16Array } | undefined {
  const parsed = dates.map((date) =>
    date && /^\d{4}-\d{2}/.test(date) ? Number(date.slice(0, 4)) * 12 + Number(date.slice(5, 7)) - 1 : date && /^\d{4}$/.test(date) ? Number(date) * 12 : -1,
  );
  const known = parsed.filter((month) => month >= 0);
  if (new Set(known).size < 2) return undefined;
  const first = Math.min(...known);
  const last = Math.max(...known);
  const byYear = last - first > 240;
  const bucket = (month: number) => (byYear ? Math.floor(month / 12) - Math.floor(first / 12) : month - first);
  const count = bucket(last) + 1;
  const names = Array.from({ length: count }, (_, index) => {
    if (byYear) return String(Math.floor(first / 12) + index);
    const month = first + index;
    return `${Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}`;
  });
  const values = Uint16Array.from(parsed, (month) => (month < 0 ? 0 : bucket(month) + 1));
  return { colouring: { key: 'date', label: byYear ? 'year' : 'month', names, colours: ramp(count) }, values };
}

/** Colour by category: the most common first categories apart, the rest as "other". Undefined when fewer than two are known. */
export function categoryColouring(categories: readonly (string | undefined)[]): { colouring: PageColouring; values: Uint16Array } | undefined {
  const counts = new Map<string, number>();
  for (const category of categories) if (category) counts.set(category, (counts.get(category) ?? 0) + 1);
  if (counts.size < 2) return undefined;
  const top = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, CATEGORY_COLOURS);
  const names = top.map(([name]) => name);
  const other = counts.size > names.length;
  const index = new Map(names.map((name, at) => [name, at + 1]));
  const values = Uint16Array.from(categories, (category) => (category ? (index.get(category) ?? (other ? names.length + 1 : 0)) : 0));
  const colours = distinctColours(names.length + (other ? 1 : 0)).map(oklabToHex);
  if (other) colours[colours.length - 1] = '#6b7280';
  return { colouring: { key: 'category', label: 'category', names: other ? [...names, 'other'] : names, colours }, values };
}

/** The notice of a page that carries the details of only some papers. */
export function sampleNotice(data: ReportData, detailed: number): string | undefined {
  if (detailed >= data.papers.length) return undefined;
  return (
    `Every one of the ${thousands(data.papers.length)} papers is on the map; the page carries the details (title, abstract, neighbours) of ${thousands(detailed)}: ` +
    `a seeded sample (seed ${data.clusters.seed}) stratified by topic, and the papers the last run added. Opened as a file, the title search looks through those; ` +
    '`papermap serve` shows every paper and searches them all by meaning.'
  );
}
