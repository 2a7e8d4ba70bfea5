/**
 * The details of the selected paper: title, authors, date, link, topic,
 * abstract, and its nearest papers, at the top of the side panel and
 * scrolled into view. The page carries them for its papers with details;
 * served, the rest come from `papermap serve`.
 */
import { byId, element, topicName, type MapContext, type Panel, type PaperDetails } from './context.js';

/** The details of `row` as the page has them, or what it knows (its topic) and why the rest is missing. */
export function detailsOnPage(context: MapContext, row: number): PaperDetails {
  const paper = context.paperAt(row);
  const topic = context.points.topic[row] - 1;
  if (!paper) {
    return {
      row,
      title: context.titleOf(row),
      topic,
      related: [],
      weak: [],
      missing: `This page carries the details of ${context.data.papers.length.toLocaleString('en-US')} of its ${context.data.total.toLocaleString('en-US')} papers; \`papermap serve\` shows every paper's.`,
    };
  }
  const named = ([other, score]: [number, number]) => ({ row: other, score, title: context.titleOf(other) });
  return {
    row,
    id: paper.id,
    title: paper.t,
    abstract: paper.a,
    authors: paper.au,
    date: paper.d,
    url: paper.u,
    topic,
    nearestTopic: paper.n,
    related: paper.r.map(named),
    weak: (paper.w ?? []).map(named),
  };
}

/** The details from the server, for a paper the page carries none of. */
async function detailsFromServer(context: MapContext, row: number): Promise<PaperDetails> {
  const body = (await context.api!(`/api/rows/${row}`)) as Omit<PaperDetails, 'row' | 'topic'> & { topic: number | null };
  const place = body.topic === null ? -1 : context.data.topics.findIndex((topic) => topic.id === body.topic);
  return { ...body, row, topic: place };
}

function neighbourList(context: MapContext, entries: PaperDetails['related'], weak: boolean): HTMLOListElement {
  const list = element('ol', undefined, weak ? 'weak' : undefined);
  for (const entry of entries) {
    const item = element('li');
    const link = element('button', entry.title ?? `Paper at row ${entry.row} (no title in this file)`, 'link');
    link.addEventListener('click', () => context.select(entry.row, true));
    item.append(link, element('span', ` ${entry.score.toFixed(2)}${weak ? ' · weak' : ''}`, 'score'));
    list.append(item);
  }
  return list;
}

/** The meta line: authors, date, a link, the topic, the id. */
function metaLine(context: MapContext, paper: PaperDetails): HTMLParagraphElement {
  const { data } = context;
  const line = element('p', undefined, 'meta');
  const parts: (string | HTMLElement)[] = [];
  if (paper.authors && paper.authors.length > 0)
    parts.push(paper.authors.length > 6 ? `${paper.authors.slice(0, 6).join(', ')} et al.` : paper.authors.join(', '));
  if (paper.date) parts.push(paper.date);
  if (paper.url) {
    const link = element('a', 'link');
    link.href = paper.url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    parts.push(link);
  }
  parts.push(paper.topic >= 0 ? `Topic ${topicName(data, paper.topic)}` : `Outlier; nearest topic ${topicName(data, paper.nearestTopic ?? 0)}`);
  if (paper.id) parts.push(`id ${paper.id}`);
  parts.forEach((part, index) => line.append(...(index > 0 ? [' · ', part] : [part])));
  return line;
}

function show(context: MapContext, paper: PaperDetails): void {
  const details = byId<HTMLDivElement>('details');
  details.replaceChildren();
  details.dataset.row = String(paper.row);
  if (paper.id) details.dataset.id = paper.id;
  details.append(element('h2', paper.title ?? 'A paper without details in this file'), metaLine(context, paper));
  const description = paper.topic >= 0 ? context.data.topics[paper.topic].description : undefined;
  if (description) details.append(element('p', description, 'topic-description'));
  if (paper.missing) {
    details.append(element('p', paper.missing, 'hint'));
    return;
  }
  details.append(element('p', paper.abstract || '(no abstract)', 'abstract'));
  // a paper with no neighbour over the floor keeps its nearest over nearestFloor: with none, that is the floor it missed
  const floor = (context.data.nearestFloor ?? context.data.floor).toFixed(2);
  details.append(element('h3', paper.related.length > 0 ? 'Related papers' : `No related papers above the similarity floor (${floor})`));
  if (paper.related.length > 0) details.append(neighbourList(context, paper.related, false));
  if (paper.weak.length > 0)
    details.append(
      element('h3', paper.related.length > 0 ? 'Nearest below the floor: weak' : `Nearest below the floor (${floor}): weak`, 'weak-heading'),
      neighbourList(context, paper.weak, true),
    );
}

/** Scrolls the side panel so the details' top is in view. */
export function bringDetailsIntoView(): void {
  const details = byId('details');
  const aside = details.closest('aside');
  if (!aside) return;
  const top = details.getBoundingClientRect().top - aside.getBoundingClientRect().top + aside.scrollTop;
  aside.scrollTop = Math.max(0, top - 8);
}

export const detailsPanel: Panel = {
  name: 'details',
  mount(context) {
    const details = byId<HTMLDivElement>('details');
    let shown = -2;
    const hint = () => {
      details.replaceChildren(
        element('p', 'Click a paper on the map, in the search results or in a list to read its details and see its nearest papers.', 'hint'),
      );
      delete details.dataset.row;
      delete details.dataset.id;
    };
    hint();
    context.listen(async (changed) => {
      const row = context.state.selected;
      if (!changed.has('selected') || row === shown) return;
      shown = row;
      if (row < 0) return hint();
      const onPage = detailsOnPage(context, row);
      show(context, onPage);
      if (onPage.missing && context.api) {
        try {
          const fetched = await detailsFromServer(context, row);
          if (context.state.selected === row) show(context, fetched);
        } catch (error) {
          details.append(element('p', `The server could not give its details: ${(error as Error).message}`, 'hint'));
        }
      }
    });
  },
};
