/**
 * The browser side of report.html. `showMap` is type-checked here and inlined
 * into the page with Function.prototype.toString, so it must not use anything
 * from outside its own body. Paper text only ever reaches the page through
 * textContent, never as markup.
 */

export interface PageTopic {
  id: number;
  label: string;
  keywords: string[];
  size: number;
  color: string;
}

export interface PagePaper {
  id: string;
  /** title */
  t: string;
  /** abstract */
  a: string;
  x: number;
  y: number;
  /** topic, or -1 for an outlier */
  c: number;
  /** an outlier's nearest topic */
  n?: number;
  /** related papers: [row, similarity] */
  r: [number, number][];
}

export interface PageData {
  heading: string;
  summary: string;
  notice?: string;
  projection: string;
  topics: PageTopic[];
  papers: PagePaper[];
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
  const papers = data.papers;
  const OUTLIER_COLOR = '#9ca3af';

  const element = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };

  byId('heading').textContent = data.heading;
  byId('summary').textContent = data.summary;
  byId('projection').textContent = data.projection;
  if (data.notice) {
    const notice = byId('notice');
    notice.textContent = data.notice;
    notice.hidden = false;
  }

  // --- view state: zoom and pan in map units, what is highlighted and selected
  let scale = 1;
  let offsetX = 0;
  let offsetY = 0;
  let selected = -1;
  let hovered = -1;
  let topicFilter = -1;
  let searchHits: Set<number> | undefined;

  const size = () => Math.min(canvas.clientWidth, canvas.clientHeight) * 0.92;
  const toScreen = (paper: PagePaper): [number, number] => {
    const side = size();
    return [
      canvas.clientWidth / 2 + ((paper.x - 0.5) * side + offsetX) * scale,
      canvas.clientHeight / 2 + ((paper.y - 0.5) * side + offsetY) * scale,
    ];
  };
  const colorOf = (paper: PagePaper) => (paper.c < 0 ? OUTLIER_COLOR : data.topics[paper.c].color);
  const isDimmed = (row: number) =>
    (topicFilter >= 0 && papers[row].c !== topicFilter) || (searchHits !== undefined && !searchHits.has(row));

  function draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth;
    const height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
    }
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const radius = papers.length > 20000 ? 1.5 : papers.length > 2000 ? 2.5 : 4;
    if (selected >= 0) {
      const [sx, sy] = toScreen(papers[selected]);
      context.strokeStyle = 'rgba(17, 24, 39, 0.35)';
      for (const [row] of papers[selected].r) {
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
        const [x, y] = toScreen(papers[row]);
        if (x < -5 || y < -5 || x > width + 5 || y > height + 5) continue;
        context.globalAlpha = pass ? 0.12 : 0.85;
        context.fillStyle = colorOf(papers[row]);
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
    return `${topic}: ${data.topics[topic].label}`;
  }

  function select(row: number): void {
    selected = row;
    details.replaceChildren();
    if (row < 0) {
      details.append(element('p', 'Click a paper on the map, in the search results or in a topic to read its abstract and see its related papers.', 'hint'));
      draw();
      return;
    }
    const paper = papers[row];
    details.append(element('h2', paper.t));
    const topic = paper.c >= 0 ? `Topic ${topicName(paper.c)}` : `Outlier; nearest topic ${topicName(paper.n ?? 0)}`;
    details.append(element('p', `${topic} · id ${paper.id}`, 'meta'));
    details.append(element('p', paper.a || '(no abstract)', 'abstract'));
    details.append(element('h3', paper.r.length > 0 ? 'Related papers' : 'No related papers above the similarity floor'));
    const list = element('ol');
    for (const [other, score] of paper.r) {
      const item = element('li');
      const link = element('button', papers[other].t, 'link');
      link.addEventListener('click', () => select(other));
      item.append(link, element('span', ` ${score.toFixed(2)}`, 'score'));
      list.append(item);
    }
    details.append(list);
    draw();
  }

  function showMatches(): void {
    matches.replaceChildren();
    if (!searchHits) return;
    const shown = [...searchHits].slice(0, 100);
    for (const row of shown) {
      const item = element('li');
      const link = element('button', papers[row].t, 'link');
      link.addEventListener('click', () => select(row));
      item.append(link);
      matches.append(item);
    }
    const more = searchHits.size - shown.length;
    matches.append(element('li', searchHits.size === 0 ? 'No title matches.' : more > 0 ? `… and ${more} more` : `${searchHits.size} match(es)`, 'hint'));
  }

  search.addEventListener('input', () => {
    const words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    searchHits = undefined;
    if (words.length > 0) {
      searchHits = new Set();
      papers.forEach((paper, row) => {
        const title = paper.t.toLowerCase();
        if (words.every((word) => title.includes(word))) searchHits!.add(row);
      });
    }
    showMatches();
    draw();
  });

  data.topics.forEach((topic) => {
    const item = element('li');
    const button = element('button', undefined, 'topic');
    const swatch = element('span', undefined, 'swatch');
    swatch.style.background = topic.color;
    button.append(swatch, element('span', `${topic.id}: ${topic.label}`), element('span', ` ${topic.size}`, 'score'));
    button.title = topic.keywords.join(', ');
    button.addEventListener('click', () => {
      topicFilter = topicFilter === topic.id ? -1 : topic.id;
      for (const other of topicList.querySelectorAll('button')) other.classList.remove('active');
      if (topicFilter >= 0) button.classList.add('active');
      draw();
    });
    item.append(button);
    topicList.append(item);
  });

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
      scale = Math.min(64, Math.max(0.5, scale * (event.deltaY < 0 ? 1.2 : 1 / 1.2)));
      draw();
    },
    { passive: false },
  );
  window.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') select(-1);
  });
  window.addEventListener('resize', draw);
  select(-1);
}

export const PAGE_STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #111827; background: #f9fafb; }
header { padding: 10px 16px; border-bottom: 1px solid #e5e7eb; background: #fff; }
header h1 { font-size: 18px; margin: 0; }
header p { margin: 2px 0 0; color: #4b5563; }
#notice { margin: 6px 0 0; padding: 6px 10px; background: #fef3c7; border: 1px solid #f59e0b; border-radius: 4px; color: #78350f; }
main { display: grid; grid-template-columns: minmax(0, 1fr) 420px; height: calc(100vh - 64px); }
#map { width: 100%; height: 100%; display: block; cursor: crosshair; background: #fff; }
aside { overflow-y: auto; border-left: 1px solid #e5e7eb; padding: 10px 14px; background: #fff; }
aside h2 { font-size: 16px; margin: 6px 0; }
aside h3 { font-size: 13px; margin: 12px 0 4px; text-transform: uppercase; letter-spacing: .04em; color: #6b7280; }
#search { width: 100%; padding: 6px 8px; font-size: 14px; border: 1px solid #d1d5db; border-radius: 4px; }
ul, ol { margin: 4px 0; padding-left: 20px; }
#topics, #matches { list-style: none; padding: 0; }
button.link, button.topic { all: unset; cursor: pointer; }
button.link { color: #1d4ed8; }
button.link:hover, button.topic:hover { text-decoration: underline; }
button.topic { display: flex; gap: 6px; align-items: baseline; padding: 1px 4px; border-radius: 3px; }
button.topic.active { background: #e0e7ff; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 50%; flex: none; }
.score, .hint, .meta, .projection { color: #6b7280; }
.abstract { white-space: pre-wrap; }
#tooltip { position: fixed; pointer-events: none; max-width: 420px; padding: 4px 8px; background: #111827; color: #fff; border-radius: 4px; font-size: 13px; }
`;
