import { relatedOf, roundScore } from '../graph/related.js';
import { sampleRows } from '../shared/random.js';
import { thousands, weakNeighbours, type ReportData } from './model.js';
import { libraryHtml } from './library.js';
import { whatsNew, type News, type Piece } from './news.js';
import { PAGE_STYLE, showMap, type PageBroadTopic, type PageData, type PagePaper } from './page.js';

/**
 * Up to this many papers the page carries every paper; above, a seeded
 * sample of this many (sampleByTopic), whose neighbours outside it are named
 * by title. Measured at a million papers of seed-like text: a sample of
 * 20,000 makes an 18 MB page, 21 MB when every paper names 5 neighbours
 * (Chromium opens and draws it in 1.5 to 2.2 s); a sample of 30,000 makes a
 * 31 MB page, over the 30 MB the page is meant to stay under.
 */
export const PAGE_PAPERS = 20_000;

/**
 * Above this many papers the page carries the first 300 characters of each
 * abstract: measured with seed abstracts (1,450 characters on average), every
 * paper with its full abstract makes a 26 MB page at 15,000 papers and 35 MB
 * at 20,000.
 */
const FULL_ABSTRACTS_MAX_PAPERS = 15_000;
const SHORT_ABSTRACT = 300;
/** Above FULL_ABSTRACTS_MAX_PAPERS, a paper's related and weak neighbours together stop at this many. */
const SHORT_NEAREST = 5;

/*
 * Topic colours that can be told apart: a Glasbey-style palette (each colour
 * chosen greedily as far as possible, in OKLab, from the ones already taken)
 * over the colours that read on white (no greys, nothing too pale or too
 * dark); a colour per broad topic, and lightness steps of it for the broad
 * topic's fine topics.
 */

type Lab = [number, number, number];

const toLinear = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
const fromLinear = (c: number) => (c <= 0.0031308 ? 12.92 * c : 1.055 * c ** (1 / 2.4) - 0.055);

export function rgbToOklab([r8, g8, b8]: [number, number, number]): Lab {
  const [r, g, b] = [r8, g8, b8].map((c) => toLinear(c / 255));
  const l = Math.cbrt(0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b);
  const m = Math.cbrt(0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b);
  const s = Math.cbrt(0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b);
  return [
    0.2104542553 * l + 0.793617785 * m - 0.0040720406 * s,
    1.9779984951 * l - 2.428592205 * m + 0.4505937099 * s,
    0.0259040371 * l + 0.7827717662 * m - 0.808675766 * s,
  ];
}

/** Linear sRGB of an OKLab colour; components outside [0, 1] mean out of gamut. */
function oklabToLinear([L, a, b]: Lab): [number, number, number] {
  const l = (L + 0.3963377774 * a + 0.2158037573 * b) ** 3;
  const m = (L - 0.1055613458 * a - 0.0638541728 * b) ** 3;
  const s = (L - 0.0894841775 * a - 1.291485548 * b) ** 3;
  return [
    4.0767416621 * l - 3.3077115913 * m + 0.2309699292 * s,
    -1.2684380046 * l + 2.6097574011 * m - 0.3413193965 * s,
    -0.0041960863 * l - 0.7034186147 * m + 1.707614701 * s,
  ];
}

/** #rrggbb of an OKLab colour, chroma reduced until it fits sRGB. */
export function oklabToHex([L, a, b]: Lab): string {
  for (let shrink = 1; shrink > 0; shrink -= 0.02) {
    const rgb = oklabToLinear([L, a * shrink, b * shrink]);
    if (rgb.every((c) => c >= -1e-4 && c <= 1 + 1e-4)) {
      return (
        '#' +
        rgb
          .map((c) =>
            Math.round(fromLinear(Math.min(1, Math.max(0, c))) * 255)
              .toString(16)
              .padStart(2, '0'),
          )
          .join('')
      );
    }
  }
  const grey = Math.round(fromLinear(Math.min(1, Math.max(0, L ** 3))) * 255)
    .toString(16)
    .padStart(2, '0');
  return `#${grey}${grey}${grey}`;
}

const distance = (x: Lab, y: Lab) => Math.hypot(x[0] - y[0], x[1] - y[1], x[2] - y[2]);

/** The colours a palette is chosen from: an sRGB grid, lightness `low` to `high` (0.42 to 0.82 reads on white), chroma at least 0.09. */
function candidates(low: number, high: number): Lab[] {
  const found: Lab[] = [];
  for (let r = 0; r < 256; r += 15) {
    for (let g = 0; g < 256; g += 15) {
      for (let b = 0; b < 256; b += 15) {
        const lab = rgbToOklab([r, g, b]);
        if (lab[0] >= low && lab[0] <= high && Math.hypot(lab[1], lab[2]) >= 0.09) found.push(lab);
      }
    }
  }
  return found;
}

/** `count` colours, each the candidate farthest from those taken so far (Glasbey's method), starting from a blue. */
export function distinctColours(count: number, lightness: [number, number] = [0.42, 0.82]): Lab[] {
  const pool = candidates(...lightness);
  const chosen: Lab[] = [rgbToOklab([31, 119, 180])];
  // the outlier grey is taken too, so no topic looks like an outlier
  const nearest = pool.map((lab) => Math.min(distance(lab, chosen[0]), distance(lab, rgbToOklab([156, 163, 175])) * 0.8));
  while (chosen.length < count) {
    let best = 0;
    for (let i = 1; i < pool.length; i++) if (nearest[i] > nearest[best]) best = i;
    const next = pool[best];
    chosen.push(next);
    pool.forEach((lab, i) => (nearest[i] = Math.min(nearest[i], distance(lab, next))));
  }
  return chosen.slice(0, count);
}

/** Broad topics up to this many get evenly spaced hues; more take the Glasbey palette. */
const EVEN_HUES_MAX = 9;

/**
 * `count` hues evenly around the OKLCH circle at one lightness (0.6) and
 * chroma (0.15, less where sRGB cannot show it), from blue; neighbours in the
 * list are half the circle apart so topics listed together never look alike.
 */
export function evenHues(count: number): Lab[] {
  const step = 360 / Math.max(count, 1);
  const stride = count > 2 ? Math.floor(count / 2) + (count % 2 === 0 ? 1 : 0) : 1;
  // a stride coprime with count visits every hue once
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const jump = gcd(stride, count) === 1 ? stride : 1;
  return Array.from({ length: count }, (_, index) => {
    const hue = ((250 + ((index * jump) % count) * step) * Math.PI) / 180;
    return [0.6, 0.15 * Math.cos(hue), 0.15 * Math.sin(hue)] as Lab;
  });
}

export interface TopicColours {
  /** Fill colour of each fine topic, by topic id. */
  fine: string[];
  /** Dark text colour of each fine topic, for its label on the map. */
  fineInk: string[];
  /** Colour and text colour of each broad topic, in order. */
  broad: string[];
  broadInk: string[];
}

/**
 * Colours for fine topics grouped under broad topics (`groups[b]`: the fine
 * topic ids of broad topic b): a distinct colour per broad topic, and for its
 * fine topics lightness steps around it, darker to lighter by size order.
 */
export function topicColours(fineCount: number, groups: readonly (readonly number[])[]): TopicColours {
  // with two levels, lightness is left to the fine topics: up to EVEN_HUES_MAX broad topics get hues evenly around the
  // circle (40 degrees apart or more); more than that would look alike, so they take the palette
  const twoLevels = groups.some((members) => members.length > 1);
  const bases = twoLevels && groups.length <= EVEN_HUES_MAX ? evenHues(groups.length) : distinctColours(groups.length);
  const fine = new Array<string>(fineCount).fill('#6b7280');
  const fineInk = new Array<string>(fineCount).fill('#374151');
  const ink = ([L, a, b]: Lab): string => oklabToHex([Math.min(L, 0.4), a * 0.8, b * 0.8]);
  groups.forEach((members, group) => {
    const [L, a, b] = bases[group];
    // steps of 0.12 in lightness (closer for big groups), centred on the base colour and kept within 0.36 to 0.84
    const step = members.length > 1 ? Math.min(0.12, 0.48 / (members.length - 1)) : 0;
    const span = step * (members.length - 1);
    const first = Math.min(0.84 - span, Math.max(0.36, L - span / 2));
    members.forEach((topic, position) => {
      const lightness = first + position * step;
      fine[topic] = oklabToHex([lightness, a, b]);
      fineInk[topic] = ink([Math.min(lightness, 0.4) - (position % 2) * 0.04, a, b]);
    });
  });
  return { fine, fineInk, broad: bases.map(oklabToHex), broadInk: bases.map(ink) };
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** JSON that can sit inside a <script> element: nothing in it can close the element or start markup. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Broad topics as the clusters give them (two-level topics), if they do. */
interface BroadTopicInput {
  label: string;
  name?: string;
  keywords?: string[];
  size?: number;
  topicIds: number[];
}

/** A label short enough for the map: whole comma-separated parts while they fit `max` characters. */
export function shortLabel(label: string, max = 28): string {
  const parts = label.split(/,\s*/);
  let text = parts[0];
  for (const part of parts.slice(1)) {
    if (text.length + 2 + part.length > max) break;
    text += `, ${part}`;
  }
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

/**
 * The broad topics of the page: those of the clusters when they have them
 * (every fine topic in exactly one), else each fine topic on its own.
 */
function broadGroups(data: ReportData): BroadTopicInput[] {
  const topics = data.clusters.topics;
  const given = (data.clusters as { broadTopics?: BroadTopicInput[] }).broadTopics;
  if (given && given.length > 0) {
    const ids = new Set(topics.map((topic) => topic.id));
    const seen = new Set<number>();
    const groups = given.map((group) => ({
      ...group,
      topicIds: group.topicIds.filter((id) => {
        if (!ids.has(id) || seen.has(id)) return false;
        seen.add(id);
        return true;
      }),
    }));
    // a fine topic no broad topic names still gets a colour and a place in the legend
    const orphans = topics.filter((topic) => !seen.has(topic.id));
    return [
      ...groups.filter((group) => group.topicIds.length > 0).map((group) => ({ ...group, label: group.name ?? group.label })),
      ...orphans.map((topic) => ({ label: topic.name ?? topic.label, topicIds: [topic.id] })),
    ];
  }
  return topics.map((topic) => ({ label: topic.name ?? topic.label, keywords: topic.keywords, size: topic.size, topicIds: [topic.id] }));
}

/**
 * `size` paper rows out of those of `topicOf`, in increasing order: every
 * topic, and the outliers, get one paper, and the rest go to each in
 * proportion to its size (largest remainders first); within each, a seeded
 * uniform sample. So every topic is on the map however small, in its share.
 */
export function sampleByTopic(topicOf: Int32Array, size: number, seed: number): Int32Array {
  const count = topicOf.length;
  if (size >= count) return Int32Array.from({ length: count }, (_, row) => row);
  // stratum 0 holds the outliers, stratum t + 1 topic t
  let strata = 1;
  for (const topic of topicOf) strata = Math.max(strata, topic + 2);
  const sizes = new Int32Array(strata);
  for (const topic of topicOf) sizes[topic + 1]++;
  const nonEmpty = sizes.filter((stratumSize) => stratumSize > 0).length;
  const first = size >= nonEmpty ? 1 : 0;
  const left = count - first * nonEmpty;
  const quotas = Array.from(
    sizes,
    (stratumSize) => Math.min(stratumSize, first) + (stratumSize > 0 ? (size - first * nonEmpty) * ((stratumSize - first) / left) : 0),
  );
  const taken = quotas.map(Math.floor);
  const byRemainder = quotas.map((_, stratum) => stratum).sort((a, b) => quotas[b] - taken[b] - (quotas[a] - taken[a]) || a - b);
  for (let extra = size - taken.reduce((sum, quota) => sum + quota, 0), at = 0; extra > 0; extra--, at++) taken[byRemainder[at]]++;
  // the rows of each stratum, in order, one after another
  const starts = new Int32Array(strata + 1);
  for (let stratum = 0; stratum < strata; stratum++) starts[stratum + 1] = starts[stratum] + sizes[stratum];
  const grouped = new Int32Array(count);
  const next = starts.slice(0, strata);
  topicOf.forEach((topic, row) => (grouped[next[topic + 1]++] = row));
  const sample = new Int32Array(size);
  let at = 0;
  for (let stratum = 0; stratum < strata; stratum++) {
    for (const index of sampleRows(sizes[stratum], taken[stratum], seed)) sample[at++] = grouped[starts[stratum] + index];
  }
  return sample.sort();
}

/**
 * "What's new" as a section of report.html. A topic is a button that shows
 * it on the map; a paper, a span the page makes clickable when the paper is
 * on the map.
 */
function newsHtml(news: News): string {
  const line = (pieces: Piece[]) =>
    pieces
      .map((piece) =>
        typeof piece === 'string'
          ? escapeHtml(piece)
          : 'paper' in piece
            ? `<span class="paper${piece.lead ? ' lead' : ''}" data-paper="${escapeHtml(piece.paper)}">${escapeHtml(piece.title)}</span>`
            : `<button class="link" data-topic="${piece.topic}">${piece.topic}: ${escapeHtml(piece.label)}</button>`,
      )
      .join('');
  const parts = ['<section id="news" aria-label="What\'s new">', `<p><strong>What's new:</strong> ${escapeHtml(news.summary)}</p>`];
  for (const list of news.lists) {
    parts.push(`<h2>${escapeHtml(list.heading)}</h2>`, '<ul>', ...list.items.map((item) => `<li>${line(item)}</li>`));
    if (list.more) parts.push(`<li class="more">${escapeHtml(list.more)}</li>`);
    parts.push('</ul>');
  }
  if (news.topics.length > 0) parts.push('<h2>Topics</h2>', '<ul>', ...news.topics.map((item) => `<li>${line(item)}</li>`), '</ul>');
  parts.push('</section>');
  return parts.join('\n');
}

/**
 * report.html: one self-contained page (no network, no CDN) with what is new,
 * the map, the topics and a title search. Above `pagePapers` papers the page
 * carries a sample of them (sampleByTopic) and says so; topic sizes and
 * labels still count every paper.
 */
export function toHtml(data: ReportData, pagePapers = PAGE_PAPERS): string {
  const { papers, clusters, vectors } = data;
  const nearestOfOutlier = new Map(clusters.outliers.map((outlier) => [outlier.id, outlier.nearestTopic]));
  const shortAbstracts = papers.length > FULL_ABSTRACTS_MAX_PAPERS;
  const sampled = papers.length > pagePapers;
  const rows = sampleByTopic(data.topicOf, pagePapers, clusters.seed);
  const abstracts = data.abstractsOf(rows);
  // a neighbour on the page is its place there; one off it (outside the sample) is named in `outside`, after the page's papers
  const onPage = new Int32Array(papers.length).fill(-1);
  rows.forEach((row, index) => (onPage[row] = index));
  const outside: { id: string; t: string }[] = [];
  const outsideIndex = new Map<number, number>();
  const ref = (row: number): number => {
    if (onPage[row] >= 0) return onPage[row];
    let index = outsideIndex.get(row);
    if (index === undefined) {
      index = rows.length + outside.length;
      outsideIndex.set(row, index);
      outside.push({ id: papers[row].id, t: papers[row].title });
    }
    return index;
  };
  // the page numbers topics by their place in clusters.topics; a topic's id (which stays from run to run) is what it shows
  const place = new Map(clusters.topics.map((topic, index) => [topic.id, index]));
  const placeOf = (id: number) => place.get(id)!;
  const groups = broadGroups(data).map((group) => ({ ...group, topicIds: group.topicIds.map(placeOf) }));
  // within a broad topic, its biggest fine topics first (and darkest)
  for (const group of groups) group.topicIds.sort((a, b) => clusters.topics[b].size - clusters.topics[a].size || a - b);
  const colours = topicColours(
    clusters.topics.length,
    groups.map((group) => group.topicIds),
  );
  const parentOf = new Map<number, number>();
  groups.forEach((group, index) => group.topicIds.forEach((id) => parentOf.set(id, index)));
  const broad: PageBroadTopic[] = groups.map((group, index) => ({
    label: group.label,
    short: shortLabel(group.label, 32),
    size: group.size ?? group.topicIds.reduce((sum, id) => sum + clusters.topics[id].size, 0),
    colour: colours.broad[index],
    ink: colours.broadInk[index],
    topicIds: group.topicIds,
  }));
  const floor = data.index.graph.minSimilarity;
  const page: PageData = {
    total: papers.length,
    heading: `Paper map: ${papers.length} papers in ${clusters.topics.length} topics`,
    summary:
      `Embedder: ${vectors.model} (${vectors.dim} dimensions) · ${clusters.outliers.length} outliers · papermap ${data.version}` +
      (shortAbstracts ? ` · abstracts cut to ${SHORT_ABSTRACT} characters (more than ${FULL_ABSTRACTS_MAX_PAPERS} papers)` : ''),
    ...(vectors.fallbackReason
      ? {
          notice: `The shipped all-MiniLM-L6-v2 could not be used (${vectors.fallbackReason}); the builtin embedder was used, so neighbours and topics are less semantic.`,
        }
      : {}),
    chosen: clusters.kSelection.summary ?? `${clusters.topics.length} topics: ${clusters.kSelection.criterion}.`,
    projection: `${data.projection} Topics: ${clusters.method}; k = ${clusters.k}, ${clusters.kSelection.criterion}.`,
    floor,
    topics: clusters.topics.map((topic, index) => ({
      id: topic.id,
      label: topic.name ?? topic.label,
      ...(topic.description ? { description: topic.description } : {}),
      short: shortLabel(topic.name ?? topic.label),
      keywords: topic.keywords,
      size: topic.size,
      colour: colours.fine[index],
      ink: colours.fineInk[index],
      parent: parentOf.get(index)!,
    })),
    broad,
    papers: Array.from(rows, (row, index): PagePaper => {
      const paper = papers[row];
      const abstract = shortAbstracts && abstracts[index].length > SHORT_ABSTRACT ? `${abstracts[index].slice(0, SHORT_ABSTRACT)}…` : abstracts[index];
      const nearest = nearestOfOutlier.get(paper.id);
      // a big corpus's page carries fewer, so it stays a size a browser opens quickly
      const most = shortAbstracts ? SHORT_NEAREST : Infinity;
      const related = relatedOf(data.related, row).slice(0, most);
      const weak = weakNeighbours(data, row).slice(0, Math.max(0, most - related.length));
      return {
        id: paper.id,
        t: paper.title,
        a: abstract,
        x: roundPosition(data.map[row * 2]),
        y: roundPosition(data.map[row * 2 + 1]),
        c: data.topicOf[row] < 0 ? -1 : placeOf(data.topicOf[row]),
        ...(nearest !== undefined ? { n: placeOf(nearest) } : {}),
        r: related.map((neighbour) => [ref(neighbour.row), roundScore(neighbour.score)]),
        ...(weak.length > 0 ? { w: weak.map((neighbour) => [ref(neighbour.row), roundScore(neighbour.score)]) } : {}),
      };
    }),
    outside,
    ...(sampled
      ? {
          sample:
            `Showing ${thousands(rows.length)} of ${thousands(papers.length)} papers on the map: a seeded sample (seed ${clusters.seed}) stratified by topic. ` +
            'Topic sizes, labels and the legend count every paper; every paper and its related papers are in related.json. Opened as a file, the title search looks through the sampled papers only.',
        }
      : {}),
  };
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.heading)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
<div id="about">
<h1 id="heading"></h1>
<p id="summary"></p>
</div>
${newsHtml(whatsNew(data.changes, clusters.topics))}
${data.library ? libraryHtml(data.library, escapeHtml) : ''}
<p id="notice" hidden></p>
<p id="sample" hidden></p>
</header>
<main>
<div id="mapcell">
<canvas id="map" aria-label="Map of the papers, coloured by topic"></canvas>
<div id="legend" aria-label="Topic colours"></div>
</div>
<aside>
<input id="search" type="search" placeholder="Search titles…" aria-label="Search titles">
<ul id="matches"></ul>
<div id="details"></div>
<h3>Topics</h3>
<p class="meta" id="chosen"></p>
<ul id="topics"></ul>
<p class="projection" id="projection"></p>
</aside>
</main>
<div id="tooltip" hidden></div>
<script type="application/json" id="papermap-data">${jsonForScript(page)}</script>
<script>
(${showMap.toString()})(JSON.parse(document.getElementById('papermap-data').textContent));
</script>
</body>
</html>
`;
}

/** Map positions to 1e-5 of the map, under a pixel at the page's deepest zoom: a full-precision number takes twice the bytes. */
const roundPosition = (value: number) => Math.round(value * 100_000) / 100_000;
