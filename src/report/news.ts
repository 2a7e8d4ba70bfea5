import type { Topic } from '../store/schemas.js';
import type { Changes } from './changes.js';
import { thousands } from './model.js';

/** How many papers each list of the digest names; the rest are counted, and are all in changes.json. */
export const NEWS_SHOWN = 20;

/** A piece of a digest line: plain text, a paper (`lead`: the one the line is about), a topic of this run, or counts drawn as a small chart. */
export type Piece = string | { paper: string; title: string; lead?: true } | { topic: number; label: string } | { counts: number[] };

export interface NewsList {
  heading: string;
  items: Piece[][];
  /** What the list leaves out, if anything: "… and N more (all in changes.json)". */
  more?: string;
}

/** "What's new": the changes since the previous run as a nightly digest, for both reports. */
export interface News {
  summary: string;
  lists: NewsList[];
  /** One line per kind of topic change. */
  topics: Piece[][];
}

/** The digest of `changes`, naming at most `shown` papers a list; `topics` are this run's, by id. */
export function whatsNew(changes: Changes, topics: readonly Topic[], shown = NEWS_SHOWN): News {
  const { since, counts } = changes;
  if (since === null) {
    return {
      summary: `First run: there is no earlier run to compare with, so all ${thousands(counts.papers)} papers are new and none is listed.`,
      lists: [],
      topics: [],
    };
  }
  const labelOf = new Map(topics.map((entry) => [entry.id, entry.name ?? entry.label]));
  const topic = (id: number | null): Piece => (id === null ? 'outlier' : { topic: id, label: labelOf.get(id)! });
  const paper = (entry: { id: string; title: string }): Piece => ({ paper: entry.id, title: entry.title, lead: true });
  const other = (entry: { id: string; title: string }): Piece => ({ paper: entry.id, title: entry.title });
  const list = <T>(heading: string, entries: readonly T[], total: number, item: (entry: T) => Piece[]): NewsList[] =>
    total === 0
      ? []
      : [
          {
            heading: `${heading} (${thousands(total)})`,
            items: entries.slice(0, shown).map(item),
            ...(total > shown ? { more: `… and ${thousands(total - shown)} more (all in changes.json)` } : {}),
          },
        ];
  const lists = [
    ...list('New papers', changes.added, counts.added, (entry) => [
      paper(entry),
      ' · topic ',
      topic(entry.topic),
      ...(entry.nearestOlder.length === 0
        ? []
        : [' · nearest older: ', ...entry.nearestOlder.flatMap((older, index) => [index > 0 ? '; ' : '', other(older), ` (${older.score.toFixed(2)})`])]),
    ]),
    ...list('Changed papers (title or abstract)', changes.changed, counts.changed, (entry) => [paper(entry), ' · topic ', topic(entry.topic)]),
    ...list('Removed papers', changes.removed, counts.removed, (entry) => [paper(entry)]),
  ];

  const lines: Piece[][] = [];
  const joined = (ids: readonly number[], piece: (id: number) => Piece) => ids.flatMap((id, index) => [index > 0 ? ', ' : '', piece(id)]);
  const earlier = (ids: readonly number[]) => `${ids.length === 1 ? 'topic' : 'topics'} ${ids.join(', ')} of the previous run`;
  const { grewMost, births, deaths, merges, splits } = changes.topics;
  if (since.topics === null) {
    lines.push(['The previous run has no topics to compare with.']);
  } else {
    if (grewMost.length > 0)
      lines.push([
        'Grew most: ',
        ...grewMost.flatMap((entry, index) => [index > 0 ? '; ' : '', topic(entry.id), ` ${thousands(entry.before)} → ${thousands(entry.after)}`]),
      ]);
    if (births.length > 0) lines.push(['New: ', ...joined(births, topic)]);
    if (deaths.length > 0) lines.push([`Gone: ${earlier(deaths)}`]);
    for (const merge of merges) lines.push([`Merged: ${earlier(merge.from)} into `, topic(merge.into)]);
    for (const split of splits) lines.push([`Split: ${earlier([split.from])} into `, ...joined(split.into, topic)]);
    if (lines.length === 0) lines.push(['No topic grew, appeared, disappeared, merged or split.']);
    lines.unshift([
      changes.topics.refit === null
        ? 'The new papers joined the existing topics, which keep their ids.'
        : `The topics were fitted anew (${changes.topics.refit}); each kept the id of the earlier topic it continues.`,
    ]);
  }
  const topicsThen = since.topics === null ? '' : ` in ${thousands(since.topics)} topics`;
  return {
    summary: `Since the previous run (${thousands(since.papers)} papers${topicsThen}): ${thousands(counts.added)} added, ${thousands(counts.changed)} changed, ${thousands(counts.removed)} removed; ${thousands(counts.papers)} papers now.`,
    lists,
    topics: lines,
  };
}
