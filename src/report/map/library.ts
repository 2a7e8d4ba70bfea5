/**
 * "For your library", on the served page only: a library file dropped,
 * chosen or pasted is posted to `papermap serve` (POST /api/recommend, which
 * reads every format `papermap recommend` reads), and the papers to read are
 * listed with their reasons and drawn over the map. As a file the panel stays
 * hidden: ranking needs the server's vectors. Paper text reaches the page as
 * text only.
 */
import type { ServedRecommendations } from '../../recommend/core.js';
import { selfCheckLine } from '../../recommend/markdown.js';
import { byId, element, type MapContext, type Panel } from './context.js';

/** The answer of POST /api/recommend as the page reads it (the library file's name aside). */
export type LibraryAnswer = Omit<ServedRecommendations, 'library'> & { library: Omit<ServedRecommendations['library'], 'file'> };

export interface LibraryView {
  heading: string;
  summary: string;
  check: string;
  /** The entries not among the papers and those that could not be read, a line each (the first NOTED). */
  notes: string[];
  results: {
    rank: number;
    row: number;
    title: string;
    score: string;
    /** "topic 3: reasoning · new tonight" */
    facts: string;
    because: { row: number | null; title: string; similarity: string }[];
  }[];
}

/** How many unmatched and unreadable entries the panel names. */
const NOTED = 50;

const count = (value: number, one: string, many: string) => `${value.toLocaleString('en-US')} ${value === 1 ? one : many}`;

/** What the panel says of a ranking: `source` names the library ("mine.bib", "Pasted library"). */
export function libraryView(answer: LibraryAnswer, source: string): LibraryView {
  const { library } = answer;
  const used = library.unmatched.filter((entry) => entry.used).length;
  const summary =
    `${source} (${library.format}): ${count(library.entries, 'entry', 'entries')}, ${library.matched.toLocaleString('en-US')} matched to papers of the map` +
    (library.unmatched.length > 0
      ? `, ${library.unmatched.length.toLocaleString('en-US')} not (${used.toLocaleString('en-US')} of them used through their own text)`
      : '') +
    (library.problems.length > 0 ? `; ${library.problems.length.toLocaleString('en-US')} could not be read` : '') +
    '.';
  const notes = [
    ...library.unmatched.map((entry) => `line ${entry.line}: ${entry.name}${entry.used ? ' (used through its own text)' : ' (not among the papers)'}`),
    ...library.problems.map((problem) => `line ${problem.line}: ${problem.message}`),
  ];
  const more = notes.length - Math.min(notes.length, NOTED);
  return {
    heading: headingOf(answer),
    summary,
    check: selfCheckLine(answer.selfCheck),
    notes: more > 0 ? [...notes.slice(0, NOTED), `… and ${more.toLocaleString('en-US')} more`] : notes,
    results: answer.results.map((result, index) => ({
      rank: index + 1,
      row: result.row,
      title: result.title,
      score: result.score.toFixed(3),
      facts: [result.topic ? `topic ${result.topic.id}: ${result.topic.label}` : 'no topic', ...(result.new ? ['new tonight'] : [])].join(' · '),
      because: result.because.map((reason) => ({ row: reason.row, title: reason.title, similarity: reason.similarity.toFixed(2) })),
    })),
  };
}

function headingOf(answer: LibraryAnswer): string {
  const scope = answer.scope === 'new' ? 'papers added in the last run' : 'papers';
  if (answer.results.length > 0)
    return `The ${answer.results.length} best of ${count(answer.candidates, answer.scope === 'new' ? 'paper added in the last run' : 'paper', scope)} not in your library (scoring: ${answer.scoring}):`;
  if (answer.candidates > 0) return 'Nothing to recommend.';
  return answer.scope === 'new'
    ? `No ${scope} outside your library to recommend: choose all papers to rank every paper.`
    : `No ${scope} outside your library to recommend.`;
}

/** A paper's title: a link that opens it on the map where it has a row, else text. */
function paperLink(context: MapContext, row: number | null, title: string): HTMLElement {
  if (row === null) return element('span', title);
  const link = element('button', title, 'link');
  link.type = 'button';
  link.addEventListener('click', () => context.select(row, true));
  return link;
}

function resultItem(context: MapContext, result: LibraryView['results'][number]): HTMLLIElement {
  const item = element('li');
  item.dataset.row = String(result.row);
  const because = element('ul', undefined, 'because');
  for (const reason of result.because) {
    const entry = element('li');
    entry.append(paperLink(context, reason.row, reason.title), element('span', ` ${reason.similarity}`, 'score'));
    because.append(entry);
  }
  item.append(paperLink(context, result.row, result.title), element('div', `score ${result.score} · ${result.facts} · because of:`, 'meta'), because);
  return item;
}

function show(context: MapContext, view: LibraryView): void {
  byId('library-status').textContent = view.heading;
  byId('library-summary').textContent = view.summary;
  byId('library-check').textContent = view.check;
  const notes = byId<HTMLDetailsElement>('library-notes');
  notes.hidden = view.notes.length === 0;
  notes.querySelector('summary')!.textContent = `Entries not among the papers or not read (${view.notes.length})`;
  notes.querySelector('ul')!.replaceChildren(...view.notes.map((note) => element('li', note)));
  byId('library-results').replaceChildren(...view.results.map((result) => resultItem(context, result)));
  const rows = view.results.map((result) => result.row);
  context.update({ highlight: rows.length > 0 ? { kind: 'library', rows: Uint32Array.from(rows), has: new Set(rows) } : undefined });
}

/** The panel emptied but for one line: ranking, or the server's error. */
function showLine(context: MapContext, line: string, error: boolean): void {
  const status = byId('library-status');
  status.textContent = line;
  status.classList.toggle('error', error);
  for (const id of ['library-summary', 'library-check']) byId(id).textContent = '';
  byId('library-notes').hidden = true;
  byId('library-results').replaceChildren();
  if (context.state.highlight?.kind === 'library') context.update({ highlight: undefined });
}

/** The library to rank: a file dropped or chosen (posted as it is), or the pasted text. */
interface Source {
  name: string;
  body: Blob | string;
}

let round = 0;

async function rank(context: MapContext, source: Source): Promise<void> {
  const mine = ++round;
  const all = byId<HTMLSelectElement>('library-scope').value === 'all';
  const top = byId<HTMLInputElement>('library-top').value.trim();
  const panel = byId('library-panel');
  showLine(context, 'Ranking the papers for your library…', false);
  delete panel.dataset.done;
  let answer: LibraryAnswer;
  try {
    answer = (await context.api!(`/api/recommend?k=${encodeURIComponent(top)}${all ? '&all=1' : ''}`, source.body)) as LibraryAnswer;
  } catch (error) {
    if (mine !== round) return;
    // fetch itself fails (a TypeError) when nothing answers; the server's refusals are its own line
    const message = error instanceof TypeError ? `papermap serve did not answer (${error.message}): is it still running?` : (error as Error).message;
    showLine(context, message, true);
    panel.dataset.done = 'error';
    return;
  }
  if (mine !== round) return;
  show(context, libraryView(answer, source.name));
  panel.dataset.done = 'ranked';
}

/** The file of a drop, if one was dropped. */
const droppedFile = (event: DragEvent) => event.dataTransfer?.files[0];

function wire(context: MapContext): void {
  const panel = byId<HTMLDetailsElement>('library-panel');
  const text = byId<HTMLTextAreaElement>('library-text');
  const picker = byId<HTMLInputElement>('library-file');
  let source: Source | undefined;
  const rankFile = (file: File) => {
    // the file is posted as it is (never copied into the page), so a large one costs the page nothing
    text.value = '';
    text.placeholder = `${file.name} is ranked; paste a library here to rank it instead`;
    panel.open = true;
    source = { name: file.name, body: file };
    void rank(context, source);
  };
  const rankText = () => {
    if (text.value.trim() === '' && source && typeof source.body !== 'string') return void rank(context, source);
    source = { name: 'Pasted library', body: text.value };
    void rank(context, source);
  };
  panel.addEventListener('dragover', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault();
    panel.classList.add('dropping');
  });
  panel.addEventListener('dragleave', () => panel.classList.remove('dropping'));
  panel.addEventListener('drop', (event) => {
    panel.classList.remove('dropping');
    const file = droppedFile(event);
    if (!file) return;
    event.preventDefault();
    rankFile(file);
  });
  picker.addEventListener('change', () => {
    if (picker.files?.[0]) rankFile(picker.files[0]);
    picker.value = '';
  });
  text.addEventListener('paste', () => setTimeout(rankText, 0));
  text.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) rankText();
  });
  byId('library-rank').addEventListener('click', rankText);
  // another scope or length re-ranks what was ranked last
  for (const id of ['library-scope', 'library-top'])
    byId(id).addEventListener('change', () => {
      if (source) void rank(context, source);
    });
}

export const libraryPanel: Panel = {
  name: 'library',
  mount(context) {
    context.onServed(() => {
      byId('library-panel').hidden = false;
      wire(context);
    });
  },
};
