/**
 * The browser side of report.html. `showMap` is type-checked here and inlined
 * into the page with Function.prototype.toString, so it must not use anything
 * from outside its own body. Paper text only ever reaches the page through
 * textContent, never as markup.
 */

export interface PageTopic {
  id: number;
  label: string;
  /** One line on what the topic holds, shown when the pointer rests on it. */
  description?: string;
  /** The label cut short for the map. */
  short: string;
  keywords: string[];
  size: number;
  colour: string;
  /** Colour of the topic's label on the map. */
  ink: string;
  /** Index of its broad topic in PageData.broad. */
  parent: number;
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

export interface PagePaper {
  id: string;
  /** title */
  t: string;
  /** abstract */
  a: string;
  x: number;
  y: number;
  /** place of its topic in PageData.topics, or -1 for an outlier */
  c: number;
  /** an outlier's nearest topic, by place */
  n?: number;
  /** related papers (at or above the similarity floor): [paper, similarity], a paper as PageData.outside says */
  r: [number, number][];
  /** nearest papers below the similarity floor ("weak"): [paper, similarity] */
  w?: [number, number][];
}

export interface PageData {
  /** Papers in the corpus; the page may carry a sample of them. */
  total: number;
  heading: string;
  summary: string;
  notice?: string;
  /** The one sentence saying how the topics were chosen. */
  chosen: string;
  projection: string;
  /** Similarity floor of related papers. */
  floor: number;
  topics: PageTopic[];
  /** Broad topics, each grouping fine topics; when the clusters have none, every fine topic is its own. */
  broad: PageBroadTopic[];
  papers: PagePaper[];
  /**
   * Papers that are not on the page (outside its sample) but are a neighbour
   * of one that is: neighbour i is papers[i] below papers.length, else
   * outside[i - papers.length].
   */
  outside: { id: string; t: string }[];
  /** What the page shows of the corpus, when it carries a sample. */
  sample?: string;
}

export function showMap(data: PageData): void {
  const byId = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  const canvas = byId<HTMLCanvasElement>('map');
  const context = canvas.getContext('2d')!;
  const tooltip = byId<HTMLDivElement>('tooltip');
  const details = byId<HTMLDivElement>('details');
  const search = byId<HTMLInputElement>('search');
  const matches = byId<HTMLUListElement>('matches');
  const topicList = byId<HTMLUListElement>('topics');
  const legend = byId<HTMLDivElement>('legend');
  const papers = data.papers;
  const topics = data.topics;
  const broad = data.broad;
  /** Two levels of labels only when the broad topics group the fine ones. */
  const twoLevels = broad.length < topics.length;
  const OUTLIER_COLOUR = '#9ca3af';
  /** Zoom from which fine topics are labelled instead of broad ones. */
  const FINE_LABEL_ZOOM = 1.8;
  const PADDING = 16;

  const element = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };

  byId('heading').textContent = data.heading;
  byId('summary').textContent = data.summary;
  byId('projection').textContent = data.projection;
  byId('chosen').textContent = data.chosen;
  const showNote = (id: string, text: string | undefined) => {
    if (!text) return;
    const note = byId(id);
    note.textContent = text;
    note.hidden = false;
  };
  showNote('notice', data.notice);
  showNote('sample', data.sample);

  // --- where labels go: the median position of each topic's papers
  const median = (values: number[]) => {
    values.sort((a, b) => a - b);
    const middle = values.length >> 1;
    return values.length === 0 ? 0.5 : values.length % 2 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
  };
  const topicXs: number[][] = topics.map(() => []);
  const topicYs: number[][] = topics.map(() => []);
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (const paper of papers) {
    minX = Math.min(minX, paper.x);
    maxX = Math.max(maxX, paper.x);
    minY = Math.min(minY, paper.y);
    maxY = Math.max(maxY, paper.y);
    if (paper.c >= 0) {
      topicXs[paper.c].push(paper.x);
      topicYs[paper.c].push(paper.y);
    }
  }
  if (papers.length === 0) [minX, maxX, minY, maxY] = [0, 1, 0, 1];
  interface Label {
    x: number;
    y: number;
    text: string;
    ink: string;
    size: number;
    topicIds: number[];
    broad: boolean;
  }
  const fineLabels: Label[] = topics.map((topic, index) => ({
    x: median(topicXs[index].slice()),
    y: median(topicYs[index].slice()),
    text: topic.short,
    ink: topic.ink,
    size: topic.size,
    topicIds: [index],
    broad: false,
  }));
  const broadLabels: Label[] = broad.map((group) => ({
    x: median(group.topicIds.flatMap((id) => topicXs[id])),
    y: median(group.topicIds.flatMap((id) => topicYs[id])),
    text: group.short,
    ink: group.ink,
    size: group.size,
    topicIds: group.topicIds,
    broad: true,
  }));
  // bigger topics claim their place first
  const bySize = (a: Label, b: Label) => b.size - a.size;
  fineLabels.sort(bySize);
  broadLabels.sort(bySize);

  // --- view state: zoom and pan, what is highlighted and selected
  let scale = 1;
  let offsetX = 0;
  let offsetY = 0;
  let selected = -1;
  let hovered = -1;
  /** Fine topics shown at full strength, or every topic. */
  let topicFilter: Set<number> | undefined;
  let filterKey = '';
  let searchHits: Set<number> | undefined;
  let searchOrder: number[] = [];
  /** Similarity of each result of a search by meaning. */
  let searchScores = new Map<number, number>();
  /** Results of a search by meaning that are not on the page (outside its sample). */
  let searchOffMap: { title: string; score: number }[] = [];

  /** Pixels per map unit at zoom 1: every paper fits the canvas as laid out now. */
  const fit = () => {
    const spanX = Math.max(maxX - minX, 1e-6);
    const spanY = Math.max(maxY - minY, 1e-6);
    return Math.max(1, Math.min((canvas.clientWidth - 2 * PADDING) / spanX, (canvas.clientHeight - 2 * PADDING) / spanY));
  };
  let base = fit();
  const screenX = (x: number) => canvas.clientWidth / 2 + ((x - (minX + maxX) / 2) * base + offsetX) * scale;
  const screenY = (y: number) => canvas.clientHeight / 2 + ((y - (minY + maxY) / 2) * base + offsetY) * scale;
  const toScreen = (paper: PagePaper): [number, number] => [screenX(paper.x), screenY(paper.y)];
  const colourOf = (paper: PagePaper) => (paper.c < 0 ? OUTLIER_COLOUR : topics[paper.c].colour);
  const isDimmed = (row: number) => (topicFilter !== undefined && !topicFilter.has(papers[row].c)) || (searchHits !== undefined && !searchHits.has(row));

  /** Labels of the current zoom level, biggest topics first, none overlapping another or leaving the canvas. */
  function drawLabels(width: number, height: number): void {
    const labels = twoLevels && scale < FINE_LABEL_ZOOM ? broadLabels : fineLabels;
    const placed: [number, number, number, number][] = [];
    context.textAlign = 'center';
    context.textBaseline = 'middle';
    context.lineJoin = 'round';
    for (const label of labels) {
      if (label.size === 0) continue;
      const dimmed = topicFilter !== undefined && !label.topicIds.some((id) => topicFilter!.has(id));
      if (dimmed) continue;
      const font = label.broad ? 15 : 13;
      context.font = `600 ${font}px system-ui, -apple-system, "Segoe UI", sans-serif`;
      const x = screenX(label.x);
      const y = screenY(label.y);
      const half = context.measureText(label.text).width / 2 + 3;
      const box: [number, number, number, number] = [x - half, y - font / 2 - 2, x + half, y + font / 2 + 2];
      if (box[0] < 0 || box[1] < 0 || box[2] > width || box[3] > height) continue;
      if (placed.some((other) => box[0] < other[2] && other[0] < box[2] && box[1] < other[3] && other[1] < box[3])) continue;
      placed.push(box);
      context.lineWidth = 4;
      context.strokeStyle = 'rgba(255, 255, 255, 0.92)';
      context.strokeText(label.text, x, y);
      context.fillStyle = label.ink;
      context.fillText(label.text, x, y);
    }
    canvas.dataset.labels = String(placed.length);
    canvas.dataset.level = twoLevels && scale < FINE_LABEL_ZOOM ? 'broad' : 'fine';
  }

  function draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    base = fit();
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const radius = papers.length > 20000 ? 1.5 : papers.length > 2000 ? 2.5 : 4;
    if (selected >= 0) {
      const [sx, sy] = toScreen(papers[selected]);
      context.strokeStyle = 'rgba(17, 24, 39, 0.35)';
      for (const [row] of papers[selected].r) {
        if (row >= papers.length) continue;
        const [x, y] = toScreen(papers[row]);
        context.beginPath();
        context.moveTo(sx, sy);
        context.lineTo(x, y);
        context.stroke();
      }
    }
    // dimmed points first, so highlighted ones stay on top
    for (const pass of [true, false]) {
      for (let row = 0; row < papers.length; row++) {
        if (isDimmed(row) !== pass) continue;
        const paper = papers[row];
        const [x, y] = toScreen(paper);
        if (x < -5 || y < -5 || x > width + 5 || y > height + 5) continue;
        context.globalAlpha = pass ? 0.12 : 0.85;
        if (paper.c < 0) {
          // outliers: grey rings, so they never pass for a topic
          context.strokeStyle = OUTLIER_COLOUR;
          context.lineWidth = 1.5;
          context.beginPath();
          context.arc(x, y, Math.max(radius - 1, 1.5), 0, Math.PI * 2);
          context.stroke();
          continue;
        }
        context.fillStyle = colourOf(paper);
        if (radius < 2) {
          // squares draw far faster than circles, and at this size look the same
          context.fillRect(x - radius, y - radius, radius * 2, radius * 2);
          continue;
        }
        context.beginPath();
        context.arc(x, y, radius, 0, Math.PI * 2);
        context.fill();
      }
    }
    context.globalAlpha = 1;
    drawLabels(width, height);
    for (const row of [hovered, selected]) {
      if (row < 0) continue;
      const [x, y] = toScreen(papers[row]);
      context.strokeStyle = '#111827';
      context.lineWidth = 2;
      context.beginPath();
      context.arc(x, y, radius + 4, 0, Math.PI * 2);
      context.stroke();
      context.lineWidth = 1;
    }
  }

  /** The paper under the pointer: the nearest within 10 pixels, if any. */
  function paperAt(clientX: number, clientY: number): number {
    const box = canvas.getBoundingClientRect();
    const px = clientX - box.left;
    const py = clientY - box.top;
    let best = -1;
    let bestDistance = 100;
    for (let row = 0; row < papers.length; row++) {
      if (isDimmed(row)) continue;
      const [x, y] = toScreen(papers[row]);
      const distance = (x - px) ** 2 + (y - py) ** 2;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = row;
      }
    }
    return best;
  }

  function topicName(topic: number): string {
    return `${topics[topic].id}: ${topics[topic].label}`;
  }

  /** Brings a paper into view if it is off the canvas. */
  function reveal(row: number): void {
    const [x, y] = toScreen(papers[row]);
    if (x >= 0 && y >= 0 && x <= canvas.clientWidth && y <= canvas.clientHeight) return;
    offsetX = -(papers[row].x - (minX + maxX) / 2) * base;
    offsetY = -(papers[row].y - (minY + maxY) / 2) * base;
  }

  function neighbourList(entries: [number, number][], weak: boolean): HTMLOListElement {
    const list = element('ol', undefined, weak ? 'weak' : undefined);
    for (const [other, score] of entries) {
      const item = element('li');
      if (other < papers.length) {
        const link = element('button', papers[other].t, 'link');
        link.addEventListener('click', () => select(other, true));
        item.append(link);
      } else {
        item.append(element('span', data.outside[other - papers.length].t, 'off-map'));
      }
      item.append(
        element('span', ` ${score.toFixed(2)}${weak ? ' · weak' : ''}${other < papers.length ? '' : ' · not on the map (outside the sample)'}`, 'score'),
      );
      list.append(item);
    }
    return list;
  }

  function select(row: number, bringIntoView = false): void {
    selected = row;
    details.replaceChildren();
    if (row < 0) {
      details.append(element('p', 'Click a paper on the map, in the search results or in a topic to read its abstract and see its nearest papers.', 'hint'));
      draw();
      return;
    }
    if (bringIntoView) reveal(row);
    // picked from a list: the details may sit below it
    if (bringIntoView && typeof details.scrollIntoView === 'function') details.scrollIntoView({ block: 'start' });
    const paper = papers[row];
    details.dataset.id = paper.id;
    details.append(element('h2', paper.t));
    const topic = paper.c >= 0 ? `Topic ${topicName(paper.c)}` : `Outlier; nearest topic ${topicName(paper.n ?? 0)}`;
    details.append(element('p', `${topic} · id ${paper.id}`, 'meta'));
    details.append(element('p', paper.a || '(no abstract)', 'abstract'));
    const weak = paper.w ?? [];
    details.append(element('h3', paper.r.length > 0 ? 'Related papers' : `No related papers above the similarity floor (${data.floor.toFixed(2)})`));
    if (paper.r.length > 0) details.append(neighbourList(paper.r, false));
    if (weak.length > 0) {
      details.append(element('h3', `Nearest below the floor (${data.floor.toFixed(2)}): weak`, 'weak-heading'));
      details.append(neighbourList(weak, true));
    }
    draw();
  }

  function showMatches(note?: string): void {
    matches.replaceChildren();
    if (!searchHits) return;
    const shown = searchOrder.slice(0, 100);
    for (const row of shown) {
      const item = element('li');
      const link = element('button', papers[row].t, 'link');
      link.addEventListener('click', () => select(row, true));
      item.append(link);
      const score = searchScores.get(row);
      if (score !== undefined) item.append(element('span', ` ${score.toFixed(2)}`, 'score'));
      matches.append(item);
    }
    for (const found of searchOffMap) {
      const item = element('li');
      item.append(element('span', found.title, 'off-map'), element('span', ` ${found.score.toFixed(2)} · not on the map (outside the sample)`, 'score'));
      matches.append(item);
    }
    const more = searchHits.size - shown.length;
    const among = data.sample ? ` among the ${papers.length.toLocaleString('en-US')} sampled papers` : '';
    matches.append(
      element(
        'li',
        note ?? (searchHits.size === 0 ? `No title matches${among}.` : more > 0 ? `… and ${more} more${among}` : `${searchHits.size} match(es)${among}`),
        'hint',
      ),
    );
  }

  // --- search: by title in the file, by meaning when served with papermap serve
  let served = false;
  if (data.sample) {
    search.placeholder = 'Search titles of the sampled papers…';
    search.setAttribute('aria-label', 'Search titles of the sampled papers');
  }
  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  let searchRound = 0;
  const rowOfId = new Map(papers.map((paper, row) => [paper.id, row]));

  function titleSearch(): void {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    searchHits = undefined;
    searchOrder = [];
    if (words.length > 0) {
      papers.forEach((paper, row) => {
        const title = paper.t.toLowerCase();
        if (words.every((word) => title.includes(word))) searchOrder.push(row);
      });
      searchHits = new Set(searchOrder);
    }
    showMatches();
    draw();
  }

  async function meaningSearch(): Promise<void> {
    const query = search.value.trim();
    const round = ++searchRound;
    if (query === '') {
      searchHits = undefined;
      searchOrder = [];
      searchOffMap = [];
      showMatches();
      draw();
      return;
    }
    let note: string;
    try {
      const response = await fetch(`/api/search?q=${encodeURIComponent(query)}&k=20`);
      const body = (await response.json()) as { results?: { id: string; title: string; score: number }[]; error?: string };
      if (round !== searchRound) return;
      if (!response.ok || !body.results) throw new Error(body.error ?? `HTTP ${response.status}`);
      searchScores = new Map();
      searchOffMap = [];
      for (const result of body.results) {
        const row = rowOfId.get(result.id);
        if (row !== undefined) searchScores.set(row, result.score);
        else searchOffMap.push({ title: result.title, score: result.score });
      }
      searchOrder = [...searchScores.keys()];
      note = `${body.results.length} nearest by meaning`;
    } catch (error) {
      if (round !== searchRound) return;
      searchOrder = [];
      searchOffMap = [];
      note = `Search failed: ${(error as Error).message}`;
    }
    searchHits = new Set(searchOrder);
    showMatches(note);
    matches.dataset.done = String(round);
    draw();
  }

  search.addEventListener('input', () => {
    if (!served) return titleSearch();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => void meaningSearch(), 250);
  });
  search.addEventListener('keydown', (event) => {
    if (served && event.key === 'Enter') {
      clearTimeout(searchTimer);
      void meaningSearch();
    }
  });

  if (/^https?:$/.test(location.protocol)) {
    fetch('/api/health')
      .then((response) => (response.ok ? response.json() : undefined))
      .then((health: { papers?: number; search?: boolean } | undefined) => {
        if (!health || health.papers !== data.total || health.search !== true) return;
        served = true;
        search.placeholder = 'Search by meaning…';
        search.setAttribute('aria-label', 'Search by meaning');
        document.body.dataset.search = 'meaning';
        if (search.value.trim() !== '') void meaningSearch();
      })
      .catch(() => {});
  }

  // --- topics: the list in the side panel and the legend under the map, both filter the map
  const topicButtons: { key: string; button: HTMLElement }[] = [];
  function setFilter(key: string, ids: number[]): void {
    const off = filterKey === key;
    filterKey = off ? '' : key;
    topicFilter = off ? undefined : new Set(ids);
    for (const entry of topicButtons) entry.button.classList.toggle('active', entry.key === filterKey);
    draw();
  }
  const swatch = (colour: string) => {
    const node = element('span', undefined, 'swatch');
    node.style.background = colour;
    return node;
  };
  const topicButton = (index: number) => {
    const topic = topics[index];
    const button = element('button', undefined, 'topic');
    button.append(swatch(topic.colour), element('span', `${topic.id}: ${topic.label}`), element('span', ` ${topic.size}`, 'score'));
    button.title = topic.description ?? topic.keywords.join(', ');
    button.addEventListener('click', () => setFilter(`t${index}`, [index]));
    topicButtons.push({ key: `t${index}`, button });
    return button;
  };
  for (const group of broad) {
    if (twoLevels) {
      const heading = element('button', undefined, 'topic broad');
      heading.append(swatch(group.colour), element('span', group.label), element('span', ` ${group.size}`, 'score'));
      heading.addEventListener('click', () => setFilter(`b${group.label}`, group.topicIds));
      topicButtons.push({ key: `b${group.label}`, button: heading });
      const item = element('li');
      const inner = element('ul');
      for (const id of group.topicIds) {
        const child = element('li');
        child.append(topicButton(id));
        inner.append(child);
      }
      item.append(heading, inner);
      topicList.append(item);
    } else {
      for (const id of group.topicIds) {
        const item = element('li');
        item.append(topicButton(id));
        topicList.append(item);
      }
    }
  }
  // the legend: every broad topic (or topic) with its colour, and its fine topics' shades
  for (const group of broad) {
    const chip = element('button', undefined, 'chip');
    if (twoLevels) for (const id of group.topicIds) chip.append(swatch(topics[id].colour));
    else chip.append(swatch(group.colour));
    chip.append(element('span', group.short));
    chip.title = twoLevels ? group.topicIds.map((index) => `${topics[index].id}: ${topics[index].label}`).join('\n') : group.label;
    const key = twoLevels ? `b${group.label}` : `t${group.topicIds[0]}`;
    chip.addEventListener('click', () => setFilter(key, group.topicIds));
    topicButtons.push({ key, button: chip });
    legend.append(chip);
  }
  // what is new: a topic shows it on the map, a paper on the map opens it
  const placeOfId = new Map(topics.map((topic, index) => [topic.id, index]));
  for (const button of document.querySelectorAll<HTMLElement>('#news [data-topic]')) {
    const index = placeOfId.get(Number(button.dataset.topic));
    if (index === undefined) continue;
    button.addEventListener('click', () => setFilter(`t${index}`, [index]));
    topicButtons.push({ key: `t${index}`, button });
  }
  for (const span of document.querySelectorAll<HTMLElement>('#news [data-paper]')) {
    const row = rowOfId.get(span.dataset.paper!);
    if (row === undefined) continue;
    span.classList.add('link');
    span.setAttribute('role', 'button');
    span.tabIndex = 0;
    span.addEventListener('click', () => select(row, true));
    span.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') select(row, true);
    });
  }
  if (papers.some((paper) => paper.c < 0)) {
    const outliers = element('span', undefined, 'chip');
    const ring = element('span', undefined, 'swatch ring');
    outliers.append(ring, element('span', 'outlier'));
    legend.append(outliers);
  }

  // --- pointer: drag pans, the wheel zooms about the pointer, a click selects
  let drag: { x: number; y: number; moved: boolean } | undefined;
  canvas.addEventListener('mousedown', (event) => {
    drag = { x: event.clientX, y: event.clientY, moved: false };
  });
  window.addEventListener('mouseup', (event) => {
    if (drag && !drag.moved && event.target === canvas) select(paperAt(event.clientX, event.clientY));
    drag = undefined;
  });
  canvas.addEventListener('mousemove', (event) => {
    if (drag) {
      const dx = event.clientX - drag.x;
      const dy = event.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (drag.moved) {
        offsetX += dx / scale;
        offsetY += dy / scale;
        drag.x = event.clientX;
        drag.y = event.clientY;
        draw();
      }
      return;
    }
    const under = paperAt(event.clientX, event.clientY);
    if (under === hovered) return;
    hovered = under;
    if (hovered >= 0) {
      tooltip.textContent = papers[hovered].t;
      tooltip.style.left = `${event.clientX + 12}px`;
      tooltip.style.top = `${event.clientY + 12}px`;
      tooltip.hidden = false;
    } else {
      tooltip.hidden = true;
    }
    draw();
  });
  canvas.addEventListener('mouseleave', () => {
    hovered = -1;
    tooltip.hidden = true;
    draw();
  });
  canvas.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const box = canvas.getBoundingClientRect();
      // the map point under the pointer stays under it
      const px = event.clientX - box.left - canvas.clientWidth / 2;
      const py = event.clientY - box.top - canvas.clientHeight / 2;
      const next = Math.min(64, Math.max(0.5, scale * Math.exp(-Math.max(-3, Math.min(3, event.deltaY / 100)) * Math.log(1.2))));
      offsetX += px / next - px / scale;
      offsetY += py / next - py / scale;
      scale = next;
      draw();
    },
    { passive: false },
  );
  window.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') select(-1);
  });
  window.addEventListener('resize', draw);
  select(-1);
  // the header may wrap (a notice, a narrow window): fit again once the layout has settled
  if (typeof ResizeObserver === 'function') new ResizeObserver(() => draw()).observe(canvas);
  requestAnimationFrame(() => draw());
  /** For tests and curious readers: where each paper is drawn, in canvas pixels. */
  (window as unknown as { papermap: unknown }).papermap = {
    screenPositions: () => papers.map((paper) => toScreen(paper)),
    zoom: () => scale,
  };
}

export const PAGE_STYLE = `
* { box-sizing: border-box; }
html, body { height: 100%; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f9fafb; display: flex; flex-direction: column; overflow: hidden; }
/* the title and what is new side by side (one above the other in a narrow window), the notes under both across the page */
header { flex: none; padding: 10px 16px; border-bottom: 1px solid #e5e7eb; background: #fff; display: flex; flex-wrap: wrap; gap: 0 24px; align-items: flex-start; }
#about { flex: 1 1 360px; min-width: 0; }
#notice, #sample { flex: 1 1 100%; }
header h1 { font-size: 18px; margin: 0; }
header p { margin: 2px 0 0; color: #4b5563; }
#sample { margin: 6px 0 0; padding: 6px 10px; background: #eff6ff; border: 1px solid #93c5fd; border-radius: 4px; color: #1e3a8a; }
#news { flex: 1 1 360px; min-width: 0; max-height: 22vh; overflow-y: auto; font-size: 13px; color: #374151; }
#news p { margin: 0; color: #374151; }
#news h2 { font-size: 12px; margin: 6px 0 0; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
#news ul { margin: 2px 0; padding-left: 18px; }
#news .paper.lead { font-weight: 600; }
#news .paper.link { color: #1d4ed8; cursor: pointer; }
#news .paper.link:hover { text-decoration: underline; }
#news .more { color: #6b7280; list-style: none; }
.off-map { color: #4b5563; }
#notice { margin: 6px 0 0; padding: 6px 10px; background: #fef3c7; border: 1px solid #f59e0b; border-radius: 4px; color: #78350f; }
main { flex: 1 1 auto; min-height: 0; display: grid; grid-template-columns: minmax(0, 1fr) 420px; }
#mapcell { display: flex; flex-direction: column; min-width: 0; min-height: 0; background: #fff; }
#map { flex: 1 1 auto; min-height: 0; width: 100%; display: block; cursor: crosshair; background: #fff; }
#legend { flex: none; max-height: 25%; overflow-y: auto; display: flex; flex-wrap: wrap; gap: 2px 10px; padding: 6px 10px; border-top: 1px solid #e5e7eb; font-size: 12px; }
.chip { all: unset; cursor: pointer; display: inline-flex; align-items: center; gap: 1px; padding: 0 4px; border-radius: 3px; }
.chip span:last-child { margin-left: 4px; }
.chip:hover { text-decoration: underline; }
.chip.active { background: #e0e7ff; }
aside { overflow-y: auto; border-left: 1px solid #e5e7eb; padding: 10px 14px; background: #fff; }
aside h2 { font-size: 16px; margin: 6px 0; }
aside h3 { font-size: 13px; margin: 12px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
#search { width: 100%; padding: 6px 8px; font-size: 14px; border: 1px solid #d1d5db; border-radius: 4px; }
ul, ol { margin: 4px 0; padding-left: 20px; }
#topics, #matches { list-style: none; padding: 0; }
#matches { max-height: 40vh; overflow-y: auto; }
#topics ul { list-style: none; padding-left: 16px; margin: 0 0 4px; }
button.link, button.topic { all: unset; cursor: pointer; }
button.link { color: #1d4ed8; }
button.link:hover, button.topic:hover { text-decoration: underline; }
button.topic { display: flex; gap: 6px; align-items: baseline; padding: 1px 4px; border-radius: 3px; }
button.topic.broad { font-weight: 600; }
button.topic.active { background: #e0e7ff; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; flex: none; }
.swatch.ring { background: none; border: 1.5px solid #9ca3af; }
.score, .hint, .meta, .projection { color: #6b7280; }
ol.weak button.link { color: #9ca3af; }
ol.weak .score { color: #b45309; }
h3.weak-heading { color: #9ca3af; }
.abstract { white-space: pre-wrap; }
#tooltip { position: fixed; pointer-events: none; max-width: 420px; padding: 4px 8px; background: #111827; color: #fff; border-radius: 4px; font-size: 13px; }
`;
