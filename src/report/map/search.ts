/**
 * The search box: titles on the page when opened as a file, meaning through
 * `papermap serve` when served. Matches are listed, drawn over the map at
 * full strength while the rest dims, and a click on one opens it.
 */
import { byId, element, type MapContext, type Panel } from './context.js';

interface Found {
  row: number;
  title: string;
  score?: number;
}

function highlightRows(context: MapContext, rows: number[] | undefined): void {
  context.update({ highlight: rows === undefined ? undefined : { kind: 'search', rows: Uint32Array.from(rows), has: new Set(rows) } });
}

function listMatches(context: MapContext, found: Found[], note: string): void {
  const matches = byId<HTMLUListElement>('matches');
  matches.replaceChildren();
  for (const match of found.slice(0, 100)) {
    const item = element('li');
    const link = element('button', match.title, 'link');
    link.addEventListener('click', () => context.select(match.row, true));
    item.append(link);
    if (match.score !== undefined) item.append(element('span', ` ${match.score.toFixed(2)}`, 'score'));
    matches.append(item);
  }
  matches.append(element('li', note, 'hint'));
}

/** Papers whose title (on the page) holds every word of the query. */
export function titleMatches(papers: readonly { row: number; t: string }[], query: string): Found[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  return papers.filter((paper) => words.every((word) => paper.t.toLowerCase().includes(word))).map((paper) => ({ row: paper.row, title: paper.t }));
}

function titleSearch(context: MapContext, query: string): void {
  const byTitle = byId('matches');
  if (query.trim() === '') {
    highlightRows(context, undefined);
    byTitle.replaceChildren();
    return;
  }
  const found = titleMatches(context.data.papers, query);
  const among = context.data.sample ? ` among the ${context.data.papers.length.toLocaleString('en-US')} papers with details on the page` : '';
  const more = found.length - Math.min(found.length, 100);
  const note = found.length === 0 ? `No title matches${among}.` : more > 0 ? `… and ${more} more${among}` : `${found.length} match(es)${among}`;
  highlightRows(
    context,
    found.map((match) => match.row),
  );
  listMatches(context, found, note);
}

let round = 0;

async function meaningSearch(context: MapContext, query: string): Promise<void> {
  const mine = ++round;
  const matches = byId('matches');
  if (query.trim() === '' || !context.api) {
    highlightRows(context, undefined);
    matches.replaceChildren();
    return;
  }
  let found: Found[] = [];
  let note: string;
  try {
    const body = (await context.api(`/api/search?q=${encodeURIComponent(query.trim())}&k=20`)) as { results: { row: number; title: string; score: number }[] };
    found = body.results.map((result) => ({ row: result.row, title: result.title, score: result.score }));
    note = `${found.length} nearest by meaning`;
  } catch (error) {
    note = `Search failed: ${(error as Error).message}`;
  }
  if (mine !== round) return;
  highlightRows(
    context,
    found.map((match) => match.row),
  );
  listMatches(context, found, note);
  matches.dataset.done = String(mine);
}

export const searchPanel: Panel = {
  name: 'search',
  mount(context) {
    const search = byId<HTMLInputElement>('search');
    if (context.data.sample) {
      search.placeholder = 'Search titles of the papers with details…';
      search.setAttribute('aria-label', search.placeholder);
    }
    let served = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    search.addEventListener('input', () => {
      if (!served) return titleSearch(context, search.value);
      clearTimeout(timer);
      timer = setTimeout(() => void meaningSearch(context, search.value), 250);
    });
    search.addEventListener('keydown', (event) => {
      if (!served || event.key !== 'Enter') return;
      clearTimeout(timer);
      void meaningSearch(context, search.value);
    });
    context.onServed(() => {
      served = true;
      search.placeholder = 'Search by meaning…';
      search.setAttribute('aria-label', 'Search by meaning');
      if (search.value.trim() !== '') void meaningSearch(context, search.value);
    });
  },
};
