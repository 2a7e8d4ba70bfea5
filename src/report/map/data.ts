/**
 * What report.html carries, shared by the report stage (which writes it) and
 * the page's script (which reads it). Two parts: `PageData`, JSON (labels,
 * topics, and the details of the papers the page carries text for), and the
 * points, one binary block for every paper (base64 in the page): where it
 * sits, its topic, its flags, and the values it can be coloured by.
 */

export interface PageTopic {
  id: number;
  label: string;
  /** The label cut short for the map. */
  short: string;
  keywords: string[];
  /** A line saying what the topic is about, when the clusters give one. */
  description?: string;
  size: number;
  colour: string;
  /** Colour of the topic's label on the map. */
  ink: string;
  /** Index of its broad topic in PageData.broad. */
  parent: number;
  /** Its papers in each period of PageData.overTime, when papers have dates with a year. */
  o?: number[];
  /** Its change in share between the recent periods and those before, in percentage points. */
  g?: number;
}

export interface PageBroadTopic {
  label: string;
  short: string;
  size: number;
  colour: string;
  ink: string;
  /** Places of its topics in PageData.topics. */
  topicIds: number[];
}

/** A paper whose details the page carries. Neighbours are rows: every paper is on the map. */
export interface PagePaper {
  /** Its row: its place among the points (papers.jsonl order). */
  row: number;
  id: string;
  /** title */
  t: string;
  /** abstract (cut short in a big corpus) */
  a: string;
  /** authors */
  au?: string[];
  /** date, as papers.jsonl gives it */
  d?: string;
  /** an address for the paper: its url, its DOI's, or its arXiv page's */
  u?: string;
  /** an outlier's nearest topic, by place */
  n?: number;
  /** related papers (at or above the similarity floor): [row, similarity] */
  r: [number, number][];
  /** nearest papers below the similarity floor ("weak"): [row, similarity] */
  w?: [number, number][];
}

/** A way to colour the points besides their topic: one value per paper, 0 for none, else 1 + an index into `names`. */
export interface PageColouring {
  key: 'date' | 'category';
  label: string;
  /** What each value means (a month, a category), in order; values index it from 1. */
  names: string[];
  /** A colour per name. */
  colours: string[];
}

export interface PageData {
  /** Papers in the corpus: every one is a point on the map. */
  total: number;
  /** papers.jsonl's hash, so a served page knows the server holds the same papers. */
  papersHash: string;
  heading: string;
  summary: string;
  notice?: string;
  /** The one sentence saying how the topics were chosen. */
  chosen: string;
  projection: string;
  /** Similarity floor of related papers. */
  floor: number;
  /** The floor a paper's nearest must reach to be related when no neighbour reaches `floor`, when lower. */
  nearestFloor?: number;
  topics: PageTopic[];
  /** Broad topics, each grouping fine topics; when the clusters have none, every fine topic is its own. */
  broad: PageBroadTopic[];
  /** The papers whose details (title, abstract, neighbours) the page carries: every one, or a sample in a big corpus. */
  papers: PagePaper[];
  /** Titles of papers without details on the page that a paper with details names as a neighbour: [row, title]. */
  titles: [number, string][];
  /** Said at the top when the page carries details for only some papers. */
  sample?: string;
  /** Papers the last run added (flagged in the points). */
  added: number;
  colourings: PageColouring[];
  /** Topics over time: how the papers are counted per period (a sentence), and the periods when papers have dates with a year. */
  overTime?: { summary: string; periods: string[] };
}

/** Flags of a point. */
export const ADDED = 1;
export const HAS_DETAILS = 2;

/** Every paper as a point: positions quantised to 1/65535 of the map (under a pixel at the deepest zoom of most maps). */
export interface Points {
  count: number;
  x: Uint16Array;
  y: Uint16Array;
  /** 0 for an outlier, else 1 + the topic's place in PageData.topics. */
  topic: Uint16Array;
  flags: Uint8Array;
  /** One column per PageData.colourings entry, in order. */
  colourings: Uint16Array[];
}

export const QUANTUM = 65535;

/** The bytes of the points: the 16-bit columns (x, y, topic, each colouring), then the flags; little-endian. */
export function encodePoints(points: Points): Uint8Array {
  const columns = [points.x, points.y, points.topic, ...points.colourings];
  const bytes = new Uint8Array(columns.length * points.count * 2 + points.count);
  const view = new DataView(bytes.buffer);
  let at = 0;
  for (const column of columns) for (let row = 0; row < points.count; row++, at += 2) view.setUint16(at, column[row], true);
  bytes.set(points.flags, at);
  return bytes;
}

/** The points from their bytes (encodePoints), `colourings` columns of them. */
export function decodePoints(bytes: Uint8Array, count: number, colourings: number): Points {
  const columns = 3 + colourings;
  if (bytes.length !== columns * count * 2 + count)
    throw new Error(`the map's points are ${bytes.length} bytes, not the ${columns * count * 2 + count} expected`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;
  const column = (index: number) => {
    const start = bytes.byteOffset + index * count * 2;
    // most machines are little-endian, as the bytes are: the column is a copy of them
    if (littleEndian && start % 2 === 0) return new Uint16Array(bytes.buffer.slice(start, start + count * 2));
    const values = new Uint16Array(count);
    for (let row = 0, at = index * count * 2; row < count; row++, at += 2) values[row] = view.getUint16(at, true);
    return values;
  };
  return {
    count,
    x: column(0),
    y: column(1),
    topic: column(2),
    colourings: Array.from({ length: colourings }, (_, index) => column(3 + index)),
    flags: bytes.slice(columns * count * 2),
  };
}
