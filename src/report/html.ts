import type { ReportData } from './model.js';
import { PAGE_STYLE, showMap, type PageData } from './page.js';

/** Above this many papers the page carries the first 300 characters of each abstract, so it stays a size a browser opens quickly. */
const FULL_ABSTRACTS_MAX_PAPERS = 20_000;
const SHORT_ABSTRACT = 300;

/** Distinct colours for the first topics (Tableau 20), then evenly spread hues. */
const PALETTE = [
  '#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac',
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

export function topicColor(topic: number): string {
  return PALETTE[topic] ?? `hsl(${Math.round((topic * 137.508) % 360)}, 60%, 45%)`;
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

/** report.html: one self-contained page (no network, no CDN) with the map, the topics and a title search. */
export function toHtml(data: ReportData): string {
  const { papers, clusters, vectors } = data;
  const nearestOfOutlier = new Map(clusters.outliers.map((outlier) => [outlier.id, outlier.nearestTopic]));
  const shortAbstracts = papers.length > FULL_ABSTRACTS_MAX_PAPERS;
  const page: PageData = {
    heading: `Paper map: ${papers.length} papers in ${clusters.topics.length} topics`,
    summary:
      `Embedder: ${vectors.model} (${vectors.dim} dimensions) · ${clusters.outliers.length} outliers · papermap ${data.version}` +
      (shortAbstracts ? ` · abstracts cut to ${SHORT_ABSTRACT} characters (more than ${FULL_ABSTRACTS_MAX_PAPERS} papers)` : ''),
    ...(vectors.fallbackReason ? { notice: `MiniLM was not available (${vectors.fallbackReason}); the builtin embedder was used, so neighbours and topics are less semantic. Run "papermap fetch-model" to get MiniLM.` } : {}),
    projection: `${data.projection} Topics: ${clusters.method}; k = ${clusters.k}, ${clusters.kSelection.criterion}.`,
    topics: clusters.topics.map((topic) => ({ id: topic.id, label: topic.label, keywords: topic.keywords, size: topic.size, color: topicColor(topic.id) })),
    papers: papers.map((paper, row) => {
      const abstract = shortAbstracts && paper.abstract.length > SHORT_ABSTRACT ? `${paper.abstract.slice(0, SHORT_ABSTRACT)}…` : paper.abstract;
      const nearest = nearestOfOutlier.get(paper.id);
      return {
        id: paper.id,
        t: paper.title,
        a: abstract,
        x: data.map[row * 2],
        y: data.map[row * 2 + 1],
        c: data.topicOf[row],
        ...(nearest !== undefined ? { n: nearest } : {}),
        r: data.related[row].map((neighbour) => [neighbour.row, neighbour.score] as [number, number]),
      };
    }),
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
<h1 id="heading"></h1>
<p id="summary"></p>
<p id="notice" hidden></p>
</header>
<main>
<canvas id="map" aria-label="Map of the papers, coloured by topic"></canvas>
<aside>
<input id="search" type="search" placeholder="Search titles…" aria-label="Search titles">
<ul id="matches"></ul>
<div id="details"></div>
<h3>Topics</h3>
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
