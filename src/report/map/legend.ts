/**
 * The topics: the list in the side panel and the legend under the map, both
 * with broad topics and their fine topics; a click on one shows that topic
 * (or broad topic) at full strength and dims the rest, again shows all.
 * "What's new" links into the map too.
 */
import { byId, element, type MapContext, type Panel } from './context.js';

function swatch(colour: string): HTMLSpanElement {
  const node = element('span', undefined, 'swatch');
  node.style.background = colour;
  return node;
}

interface Filterable {
  key: string;
  topics: number[];
  button: HTMLElement;
}

function topicButton(context: MapContext, place: number, className: string, short: boolean): Filterable {
  const topic = context.data.topics[place];
  const button = element('button', undefined, className);
  button.append(swatch(topic.colour), element('span', short ? topic.short : `${topic.id}: ${topic.label}`));
  if (!short) button.append(element('span', ` ${topic.size}`, 'score'));
  button.dataset.place = String(place);
  button.title = [topic.description, topic.keywords.join(', ')].filter(Boolean).join('\n');
  return { key: `t${place}`, topics: [place], button };
}

function broadButton(context: MapContext, group: number, className: string, short: boolean): Filterable {
  const broad = context.data.broad[group];
  const button = element('button', undefined, className);
  button.append(swatch(broad.colour), element('span', short ? broad.short : broad.label));
  if (!short) button.append(element('span', ` ${broad.size}`, 'score'));
  return { key: `b${group}`, topics: broad.topicIds, button };
}

/** The side panel's list: broad topics, each with its fine topics under it (or the topics alone, with one level). */
function topicList(context: MapContext, twoLevels: boolean): Filterable[] {
  const list = byId<HTMLUListElement>('topics');
  const made: Filterable[] = [];
  context.data.broad.forEach((group, index) => {
    const fine = group.topicIds.map((place) => topicButton(context, place, 'topic', false));
    made.push(...fine);
    if (!twoLevels) {
      for (const entry of fine) {
        const item = element('li');
        item.append(entry.button);
        list.append(item);
      }
      return;
    }
    const heading = broadButton(context, index, 'topic broad', false);
    made.push(heading);
    const item = element('li');
    const inner = element('ul');
    for (const entry of fine) {
      const child = element('li');
      child.append(entry.button);
      inner.append(child);
    }
    item.append(heading.button, inner);
    list.append(item);
  });
  return made;
}

/** The legend under the map: each broad topic, then its fine topics' colours and names. */
function legend(context: MapContext, twoLevels: boolean): Filterable[] {
  const box = byId<HTMLDivElement>('legend-topics');
  const made: Filterable[] = [];
  context.data.broad.forEach((group, index) => {
    const row = element('div', undefined, 'legend-group');
    if (twoLevels) {
      const heading = broadButton(context, index, 'chip broad', true);
      made.push(heading);
      row.append(heading.button);
    }
    for (const place of group.topicIds) {
      const chip = topicButton(context, place, 'chip', true);
      made.push(chip);
      row.append(chip.button);
    }
    box.append(row);
  });
  if (context.points.topic.some((topic) => topic === 0)) {
    const outliers = element('span', undefined, 'chip');
    outliers.append(swatch('#9ca3af'), element('span', 'outlier'));
    box.append(outliers);
  }
  return made;
}

/** "What's new": a topic shows it on the map, a paper with a place on the map opens it. */
function newsLinks(context: MapContext): Filterable[] {
  const made: Filterable[] = [];
  const placeOfId = new Map(context.data.topics.map((topic, place) => [topic.id, place]));
  for (const button of document.querySelectorAll<HTMLElement>('#news [data-topic]')) {
    const place = placeOfId.get(Number(button.dataset.topic));
    if (place !== undefined) made.push({ key: `t${place}`, topics: [place], button });
  }
  const rowOfId = new Map(context.data.papers.map((paper) => [paper.id, paper.row]));
  for (const span of document.querySelectorAll<HTMLElement>('#news [data-paper]')) {
    const row = rowOfId.get(span.dataset.paper!);
    if (row === undefined) continue;
    span.classList.add('link');
    span.setAttribute('role', 'button');
    span.tabIndex = 0;
    span.addEventListener('click', () => context.select(row, true));
    span.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') context.select(row, true);
    });
  }
  return made;
}

export const legendPanel: Panel = {
  name: 'legend',
  mount(context) {
    const twoLevels = context.data.broad.length < context.data.topics.length;
    const filterable = [...topicList(context, twoLevels), ...legend(context, twoLevels), ...newsLinks(context)];
    for (const entry of filterable) {
      entry.button.addEventListener('click', () => {
        const off = context.state.filter?.key === entry.key;
        context.update({ filter: off ? undefined : { key: entry.key, topics: new Set(entry.topics) } });
      });
    }
    context.listen((changed) => {
      if (!changed.has('filter')) return;
      for (const entry of filterable) entry.button.classList.toggle('active', entry.key === context.state.filter?.key);
    });
  },
};
