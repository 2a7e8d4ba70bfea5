/**
 * The papers the last run added: ringed on the map, and a button that lists
 * them and draws them over the rest, as a search does.
 */
import { ADDED } from './data.js';
import { byId, element, type MapContext, type Panel } from './context.js';

export function addedRows(flags: Uint8Array): number[] {
  const rows: number[] = [];
  for (let row = 0; row < flags.length; row++) if (flags[row] & ADDED) rows.push(row);
  return rows;
}

function list(context: MapContext, rows: number[]): void {
  const matches = byId<HTMLUListElement>('matches');
  matches.replaceChildren();
  for (const row of rows.slice(0, 200)) {
    const item = element('li');
    const link = element('button', context.titleOf(row) ?? `Paper at row ${row}`, 'link');
    link.addEventListener('click', () => context.select(row, true));
    item.append(link);
    matches.append(item);
  }
  const more = rows.length - Math.min(rows.length, 200);
  matches.append(element('li', more > 0 ? `… and ${more} more (all in changes.json)` : `${rows.length} paper(s) added by the last run`, 'hint'));
}

export const addedPanel: Panel = {
  name: 'added',
  mount(context) {
    const button = byId<HTMLButtonElement>('added');
    if (context.data.added === 0) return;
    button.hidden = false;
    button.textContent = `New in the last run: ${context.data.added.toLocaleString('en-US')}`;
    const rows = addedRows(context.points.flags);
    button.addEventListener('click', () => {
      const on = context.state.highlight?.kind === 'added';
      if (on) {
        context.update({ highlight: undefined });
        byId('matches').replaceChildren();
        return;
      }
      context.update({ highlight: { kind: 'added', rows: Uint32Array.from(rows), has: new Set(rows) } });
      list(context, rows);
    });
    context.listen((changed) => {
      if (changed.has('highlight')) button.classList.toggle('active', context.state.highlight?.kind === 'added');
    });
  },
};
