/**
 * Topics over time in the reports: each topic's papers per period (from
 * clusters.json's overTime) as a table in report.md and a small chart per
 * topic in report.html, and each topic's size night by night (the cluster
 * stage's history) in "What's new".
 */
import type { Clusters, Night, OverTime, Topic } from '../store/schemas.js';
import { thousands } from './model.js';
import type { NewsList, Piece } from './news.js';

const BLOCKS = '▁▂▃▄▅▆▇█';

/** Counts as a line of block characters, scaled to their largest; a zero is a dot, so an empty period never looks like a small one. */
export function sparkline(counts: readonly number[]): string {
  const top = Math.max(1, ...counts);
  return counts.map((count) => (count === 0 ? '·' : BLOCKS[Math.max(0, Math.ceil((count / top) * BLOCKS.length) - 1)])).join('');
}

/** Counts as an inline SVG bar chart (no text in it but numbers): for report.html's static parts. */
export function sparkSvg(counts: readonly number[], width = 60, height = 14): string {
  const top = Math.max(1, ...counts);
  const step = width / Math.max(1, counts.length);
  const bars = counts
    .map((count, index) => {
      const tall = count === 0 ? 0 : Math.max(1, Math.round((count / top) * height));
      return tall === 0 ? '' : `<rect x="${(index * step).toFixed(2)}" y="${height - tall}" width="${Math.max(1, step - 1).toFixed(2)}" height="${tall}"/>`;
    })
    .join('');
  return `<svg class="spark" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${counts.join(', ')}">${bars}</svg>`;
}

const plural = (count: number, one: string) => `${thousands(count)} ${one}${count === 1 ? '' : 's'}`;

/** What papers are counted apart, in words: "12 papers with no date, 3 with a month and day but no year". */
export function undatedText(undated: OverTime['undated'], period: OverTime['period']): string {
  const parts = [
    undated.none > 0 ? `${plural(undated.none, 'paper')} with no date` : '',
    undated.noYear > 0 ? `${thousands(undated.noYear)} with a month and day but no year` : '',
    undated.lessPrecise > 0 ? `${thousands(undated.lessPrecise)} dated less precisely than a ${period ?? 'period'}` : '',
  ].filter((part) => part !== '');
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** One sentence on how topics are counted over time, or why they are not. */
export function overTimeSummary(overTime: OverTime): string {
  const { period, periods, recent, undated } = overTime;
  if (period === null) return `No paper has a date with a year, so the topics are not counted over time (counted apart: ${undatedText(undated, period)}).`;
  const change =
    periods.length >= 2
      ? ` Change: a topic's share of the papers of the last ${plural(recent, period)} less its share of those before, in percentage points.`
      : '';
  return `Papers per ${period}, ${periods[0]} to ${periods[periods.length - 1]} (${plural(periods.length, period)}${period === 'week' ? ', each named by its Monday' : ''}).${change} Counted apart, in no ${period}: ${undatedText(undated, period)}.`;
}

/** The topics of `overTime` (not the outliers) in the order of the table: those that rose or fell most first, then the others in size order. */
export function byChange(overTime: OverTime): OverTime['topics'] {
  return overTime.topics
    .filter((entry) => entry.id >= 0)
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => Math.abs(b.entry.change ?? 0) - Math.abs(a.entry.change ?? 0) || a.index - b.index)
    .map(({ entry }) => entry);
}

const signed = (change: number | null) => (change === null ? '' : `${change > 0 ? '+' : change < 0 ? '−' : '±'}${Math.abs(change).toFixed(1)}`);

/** The peak of a topic's counts: "peak 12 in 2024-03". */
function peak(counts: readonly number[], periods: readonly string[]): string {
  let best = 0;
  counts.forEach((count, index) => {
    if (count > counts[best]) best = index;
  });
  return counts[best] > 0 ? `peak ${thousands(counts[best])} in ${periods[best]}` : 'none dated';
}

/** "## Topics over time" for report.md: the table of each topic's papers per period, rising and falling topics first. */
export function overTimeMarkdown(clusters: Clusters, topicLink: (id: number) => string, code: (text: string) => string): string[] {
  const overTime = clusters.overTime;
  if (!overTime) return [];
  const lines = ['## Topics over time', '', overTimeSummary(overTime), ''];
  if (overTime.period === null) return lines;
  const { periods } = overTime;
  lines.push(`| Topic | Papers per ${overTime.period}, ${periods[0]} → ${periods[periods.length - 1]} | Change | Counted apart |`, '|---|---|---:|---:|');
  const row = (name: string, entry: OverTime['topics'][number]) =>
    `| ${name} | ${code(sparkline(entry.counts))} ${peak(entry.counts, periods)} | ${signed(entry.change)} | ${thousands(entry.undated)} |`;
  for (const entry of byChange(overTime)) lines.push(row(topicLink(entry.id), entry));
  const outliers = overTime.topics.find((entry) => entry.id < 0);
  // the outliers too, dated or not, so that every paper is in the table
  if (outliers !== undefined && outliers.undated + outliers.counts.reduce((sum, count) => sum + count, 0) > 0) lines.push(row('outliers', outliers));
  lines.push('');
  return lines;
}

/** Nights looked back over to tell growth: a week of nightly runs. */
const GROWTH_NIGHTS = 7;

/** Each topic's size in each of the last nights (0 before it was born), oldest first, by topic id. */
function sizesByTopic(nights: readonly Night[]): Map<number, number[]> {
  const sizes = new Map<number, number[]>();
  nights.forEach((night, index) => {
    for (const [id, size] of night.sizes) {
      let series = sizes.get(id);
      if (!series) sizes.set(id, (series = new Array<number>(nights.length).fill(0)));
      series[index] = size;
    }
  });
  return sizes;
}

/**
 * "Topics night by night" for What's new: each living topic's size over the
 * last nights (at most GROWTH_NIGHTS + 1), topics born in them first (the
 * newest first), then those grown fastest (by share of their size before).
 * Nothing before a second night.
 */
export function nightsNews(clusters: Clusters, topics: readonly Topic[], shown: number): NewsList[] {
  const nights = clusters.history.nights.slice(-(GROWTH_NIGHTS + 1));
  if (nights.length < 2) return [];
  const sizes = sizesByTopic(nights);
  const entries = topics.flatMap((topic) => {
    const series = sizes.get(topic.id);
    if (!series) return [];
    const bornAt = series.findIndex((size) => size > 0);
    const born = bornAt > 0 ? nights.length - 1 - bornAt : undefined;
    const growth = (series[series.length - 1] - series[0]) / Math.max(1, series[0]);
    return [{ topic, series, born, growth }];
  });
  entries.sort((a, b) => (a.born ?? Infinity) - (b.born ?? Infinity) || b.growth - a.growth || a.topic.id - b.topic.id);
  const ago = (nightsAgo: number) => (nightsAgo === 0 ? 'tonight' : nightsAgo === 1 ? 'last night' : `${nightsAgo} nights ago`);
  const items = entries
    .slice(0, shown)
    .map(({ topic, series, born, growth }): Piece[] => [
      { topic: topic.id, label: topic.name ?? topic.label },
      born === undefined ? ` ${growth >= 0 ? '+' : '−'}${Math.round(Math.abs(growth) * 100)}%: ` : ` new ${ago(born)}: `,
      { counts: series },
      ` ${thousands(series[0])} → ${thousands(series[series.length - 1])}`,
    ]);
  return [
    {
      heading: `Topics night by night (the last ${nights.length} nights, new and fastest grown first)`,
      items,
      ...(entries.length > shown ? { more: `… and ${thousands(entries.length - shown)} more (every night's sizes are in clusters.json)` } : {}),
    },
  ];
}
