/**
 * Topics over time on the page: one sentence on how the papers are counted
 * per period (or why they are not), and beside each topic in the side list
 * a small bar chart of its papers per period, its counts in the chart's
 * title. Numbers only reach the chart; the sentence is set as text.
 */
import { byId, type MapContext, type Panel } from './context.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 64;
const HEIGHT = 14;

/** A topic's papers per period as bars, scaled to its largest count. */
export function overTimeChart(counts: readonly number[], periods: readonly string[], change: number | undefined): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('width', String(WIDTH));
  svg.setAttribute('height', String(HEIGHT));
  svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
  let top = 1;
  for (const count of counts) top = Math.max(top, count);
  const step = WIDTH / Math.max(1, counts.length);
  counts.forEach((count, index) => {
    if (count === 0) return;
    const tall = Math.max(1, Math.round((count / top) * HEIGHT));
    const bar = document.createElementNS(SVG, 'rect');
    bar.setAttribute('x', (index * step).toFixed(2));
    bar.setAttribute('y', String(HEIGHT - tall));
    bar.setAttribute('width', Math.max(1, step - 1).toFixed(2));
    bar.setAttribute('height', String(tall));
    svg.append(bar);
  });
  const title = document.createElementNS(SVG, 'title');
  const shown = counts.map((count, index) => `${periods[index]}: ${count}`).join(', ');
  title.textContent = change === undefined ? shown : `${shown} (change ${change > 0 ? '+' : ''}${change} points)`;
  svg.append(title);
  return svg;
}

export const overTimePanel: Panel = {
  name: 'overtime',
  mount(context: MapContext) {
    const overTime = context.data.overTime;
    if (!overTime) return;
    const note = byId('overtime');
    note.textContent = overTime.summary;
    note.hidden = false;
    // each fine topic's button in the side list (legend.ts marks them with the topic's place)
    for (const button of document.querySelectorAll<HTMLElement>('#topics button.topic[data-place]')) {
      const topic = context.data.topics[Number(button.dataset.place)];
      if (topic?.o) button.append(overTimeChart(topic.o, overTime.periods, topic.g));
    }
  },
};
