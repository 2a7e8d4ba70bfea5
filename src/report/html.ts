import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../shared/version.js';
import { topicColours } from './colours.js';
import { libraryHtml } from './library.js';
import { encodePoints, type PageBroadTopic, type PageColouring, type PageData } from './map/data.js';
import { thousands, type ReportData } from './model.js';
import { NEWS_SHOWN, whatsNew, type News, type Piece } from './news.js';
import { nightsNews, overTimeSummary, sparkSvg } from './timeline.js';
import { categoryColouring, dateColouring, DETAILS_PAPERS, detailRows, paperDetails, pointsOf, sampleNotice } from './page.js';
import { PAGE_STYLE } from './style.js';

/** The page's script, bundled from src/report/map/ by `npm run build` (scripts/bundle-map.ts). */
export const MAP_SCRIPT = join(PACKAGE_ROOT, 'dist', 'report-map.js');

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

/** What's new, with each topic's size over the last nights first. */
function newsOf(data: ReportData): News {
  const news = whatsNew(data.changes, data.clusters.topics);
  news.lists.unshift(...nightsNews(data.clusters, data.clusters.topics, NEWS_SHOWN));
  return news;
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
          : 'counts' in piece
            ? sparkSvg(piece.counts)
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

/** The bundled script, read once; a build without it is a broken install, said in one line. */
let script: string | undefined;
function mapScript(): string {
  if (script === undefined) {
    try {
      script = readFileSync(MAP_SCRIPT, 'utf8');
    } catch {
      throw new Error(`${MAP_SCRIPT} is missing: run \`npm run build\` (it bundles the page's script)`);
    }
  }
  return script;
}

/** Topic places grouped under broad topics, biggest fine topic first, and the colours of both levels. */
function topicsOfPage(data: ReportData): { groups: BroadTopicInput[]; placeOf: (id: number) => number; colours: ReturnType<typeof topicColours> } {
  const { clusters } = data;
  // the page numbers topics by their place in clusters.topics; a topic's id (which stays from run to run) is what it shows
  const place = new Map(clusters.topics.map((topic, index) => [topic.id, index]));
  const placeOf = (id: number) => place.get(id)!;
  const groups = broadGroups(data).map((group) => ({ ...group, topicIds: group.topicIds.map(placeOf) }));
  for (const group of groups) group.topicIds.sort((a, b) => clusters.topics[b].size - clusters.topics[a].size || a - b);
  const colours = topicColours(
    clusters.topics.length,
    groups.map((group) => group.topicIds),
  );
  return { groups, placeOf, colours };
}

/** The colourings the papers allow: by date, by category, each where at least two values are known. */
function colouringsOf(data: ReportData): { colourings: PageColouring[]; values: Uint16Array[] } {
  const made = [data.fields && dateColouring(data.fields.date), data.fields && categoryColouring(data.fields.category)].filter((entry) => entry !== undefined);
  return { colourings: made.map((entry) => entry.colouring), values: made.map((entry) => entry.values) };
}

/** The page's data: its JSON part and every paper's point. */
export function pageData(data: ReportData, detailsPapers = DETAILS_PAPERS): { page: PageData; points: Uint8Array } {
  const { papers, clusters, vectors } = data;
  const { groups, placeOf, colours } = topicsOfPage(data);
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
  const rows = detailRows(data, detailsPapers);
  const { papers: detailed, titles } = paperDetails(data, rows, placeOf);
  const { colourings, values } = colouringsOf(data);
  const points = pointsOf(data, placeOf, rows, values);
  // topics over time where papers have dates with a year: a chart per topic
  const dated = clusters.overTime?.period ? clusters.overTime : undefined;
  const page: PageData = {
    total: papers.length,
    papersHash: vectors.papersHash,
    heading: `Paper map: ${thousands(papers.length)} papers in ${clusters.topics.length} topics`,
    summary:
      `Embedder: ${vectors.model} (${vectors.dim} dimensions) · ${clusters.outliers.length} outliers · papermap ${data.version}` +
      (papers.length > 15_000 ? ' · abstracts cut to 300 characters (more than 15,000 papers)' : ''),
    ...(vectors.fallbackReason
      ? {
          notice: `The shipped all-MiniLM-L6-v2 could not be used (${vectors.fallbackReason}); the builtin embedder was used, so neighbours and topics are less semantic.`,
        }
      : {}),
    chosen: clusters.kSelection.summary ?? `${clusters.topics.length} topics: ${clusters.kSelection.criterion}.`,
    projection: `${data.projection} Topics: ${clusters.method}; k = ${clusters.k}, ${clusters.kSelection.criterion}.`,
    floor: data.index.graph.minSimilarity,
    ...(data.index.graph.nearestMinSimilarity !== undefined && data.index.graph.nearestMinSimilarity < data.index.graph.minSimilarity
      ? { nearestFloor: data.index.graph.nearestMinSimilarity }
      : {}),
    topics: clusters.topics.map((topic, index) => {
      const counts = dated?.topics.find((entry) => entry.id === topic.id);
      return {
        id: topic.id,
        label: topic.name ?? topic.label,
        ...(topic.description ? { description: topic.description } : {}),
        short: shortLabel(topic.name ?? topic.label),
        keywords: topic.keywords,
        size: topic.size,
        colour: colours.fine[index],
        ink: colours.fineInk[index],
        parent: parentOf.get(index)!,
        ...(counts ? { o: counts.counts, ...(counts.change === null ? {} : { g: counts.change }) } : {}),
      };
    }),
    ...(clusters.overTime ? { overTime: { summary: overTimeSummary(clusters.overTime), periods: clusters.overTime.periods } } : {}),
    broad,
    papers: detailed,
    titles,
    ...(rows.length < papers.length ? { sample: sampleNotice(data, rows.length) } : {}),
    added: points.flags.reduce((sum, flags) => sum + (flags & 1), 0),
    colourings,
  };
  return { page, points: encodePoints(points) };
}

/** "For your library" (src/report/map/library.ts): hidden, and shown only when the page is served, which ranks the library. */
const LIBRARY_PANEL = `<details id="library-panel" hidden>
<summary>For your library</summary>
<p class="hint">Drop, choose or paste your library (BibTeX, RIS, CSL-JSON, Zotero CSV, or one id, DOI, arXiv id or title a line) to rank the papers not in it by how close they are to it.</p>
<textarea id="library-text" rows="4" spellcheck="false" aria-label="Your library's text" placeholder="Paste your library here, or drop its file"></textarea>
<div id="library-controls"><input id="library-file" type="file" aria-label="Choose a library file"><select id="library-scope" aria-label="Which papers to rank"><option value="new">New papers only</option><option value="all">All papers</option></select><label>Top <input id="library-top" type="number" min="1" max="100" value="20"></label><button id="library-rank" type="button">Rank</button></div>
<p id="library-status" role="status"></p>
<ol id="library-results"></ol>
<p class="meta" id="library-summary"></p>
<p class="meta" id="library-check"></p>
<details id="library-notes" hidden><summary></summary><ul></ul></details>
</details>`;

/**
 * report.html: one self-contained page (no network, no CDN) with what is new,
 * the map of every paper, the topics and a search. The page's script is
 * bundled at build time; its data are a JSON part and a binary one (base64).
 */
export function toHtml(data: ReportData, detailsPapers = DETAILS_PAPERS): string {
  const { page, points } = pageData(data, detailsPapers);
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
${newsHtml(newsOf(data))}
${data.library ? libraryHtml(data.library, escapeHtml) : ''}
<p id="notice" hidden></p>
<p id="sample" hidden></p>
<p id="fallback" hidden></p>
</header>
<main>
<div id="mapcell">
<div id="toolbar"><button id="reset" type="button">Reset view</button><select id="colour-by" aria-label="Colour the papers by"></select><button id="added" type="button" hidden></button></div>
<div id="stage"><canvas id="map" aria-label="Map of the papers, coloured by topic"></canvas><canvas id="overlay" aria-hidden="true"></canvas></div>
<div id="legend" aria-label="Topic colours"><div id="legend-topics"></div><div id="legend-values" hidden></div></div>
</div>
<aside>
<input id="search" type="search" placeholder="Search titles…" aria-label="Search titles">
<div id="details"></div>
<ul id="matches"></ul>
${LIBRARY_PANEL}
<h3>Topics</h3>
<p class="meta" id="chosen"></p>
<p class="hint" id="overtime" hidden></p>
<ul id="topics"></ul>
<p class="projection" id="projection"></p>
</aside>
</main>
<div id="tooltip" hidden></div>
<script type="application/json" id="papermap-data">${jsonForScript(page)}</script>
<script type="application/octet-stream" id="papermap-points">${Buffer.from(points.buffer, points.byteOffset, points.byteLength).toString('base64')}</script>
<script>${mapScript()}</script>
</body>
</html>
`;
}
