/**
 * Topics over time, as BERTopic's topics_over_time counts them: each topic's
 * papers per period, the period (week, month or year) chosen from the span
 * of the papers' dates. Papers that cannot be put in a period (no date, a
 * date without a year, a date less precise than the period) are counted
 * apart, by topic, never dropped.
 */
import { dateParts } from '../shared/dates.js';
import type { Night, OverTime } from '../store/schemas.js';

export type Period = NonNullable<OverTime['period']>;
type TopicCounts = OverTime['topics'][number];

/** At most this many periods: a chart a topic's line can hold, and a table a reader can scan. */
export const MAX_PERIODS = 60;
/** A period finer than a year is taken only when at least this share of the dated papers are dated that finely. */
const PRECISE_SHARE = 0.9;

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a day (UTC: no time zone moves a date). */
const dayNumber = (year: number, month: number, day: number) => Date.UTC(year, month - 1, day) / DAY_MS;

/** The period a date falls in, as a number that counts periods; undefined when the date is not that precise. */
function periodOf(date: string, period: Period): number | undefined {
  const { year, month, day } = dateParts(date);
  if (year === undefined) return undefined;
  if (period === 'year') return year;
  if (month === undefined) return undefined;
  if (period === 'month') return year * 12 + month - 1;
  if (day === undefined) return undefined;
  // weeks start on Monday; 1970-01-01 was a Thursday, so day 4 (1970-01-05) begins a week
  return Math.floor((dayNumber(year, month, day) - 4) / 7);
}

/** The periods of the dates that are precise enough for `period`. */
const periodsOf = (dates: readonly string[], period: Period) =>
  dates.flatMap((date) => {
    const index = periodOf(date, period);
    return index === undefined ? [] : [index];
  });

function labelOf(index: number, period: Period): string {
  if (period === 'year') return String(index);
  if (period === 'month') return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  return new Date((index * 7 + 4) * DAY_MS).toISOString().slice(0, 10);
}

/** The smallest and largest of many numbers (a spread of a million arguments overflows the stack). */
function range(values: readonly number[]): [number, number] {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    if (value < low) low = value;
    if (value > high) high = value;
  }
  return [low, high];
}

/** The finest period that the dates are precise enough for and whose span takes at most MAX_PERIODS periods. */
export function choosePeriod(dates: readonly string[]): Period {
  const withYear = dates.filter((date) => !date.startsWith('--'));
  for (const period of ['week', 'month'] as const) {
    const indexes = periodsOf(withYear, period);
    if (indexes.length === 0 || indexes.length < PRECISE_SHARE * withYear.length) continue;
    const [low, high] = range(indexes);
    if (high - low + 1 <= MAX_PERIODS) return period;
  }
  return 'year';
}

const round1 = (value: number) => Math.round(value * 10) / 10;

/**
 * Counts each topic's papers per period. `topicOf[row]` is the topic id of
 * paper `row` (-1 for an outlier), `dateOf(row)` its date if it has one;
 * `topicIds` the topics in the order they are listed. When no paper has a
 * date with a year there is no period (period null): every paper is counted
 * apart.
 */
export function topicsOverTime(
  count: number,
  topicOf: (row: number) => number,
  dateOf: (row: number) => string | undefined,
  topicIds: readonly number[],
): OverTime {
  const dates: string[] = [];
  for (let row = 0; row < count; row++) {
    const date = dateOf(row);
    if (date !== undefined) dates.push(date);
  }
  const period = dates.some((date) => !date.startsWith('--')) ? choosePeriod(dates) : null;
  const indexes = period === null ? [] : periodsOf(dates, period);
  const [first, last] = period === null ? [0, -1] : range(indexes);
  const span = last - first + 1;
  const place = new Map<number, number>([...topicIds.map((id, index) => [id, index] as [number, number]), [-1, topicIds.length]]);
  const topics: TopicCounts[] = [...topicIds, -1].map((id) => ({ id, counts: new Array<number>(span).fill(0), undated: 0, change: null }));
  const undated = { none: 0, noYear: 0, lessPrecise: 0 };
  for (let row = 0; row < count; row++) {
    const entry = topics[place.get(topicOf(row))!];
    const date = dateOf(row);
    const index = date === undefined || period === null ? undefined : periodOf(date, period);
    if (index !== undefined) entry.counts[index - first]++;
    else {
      entry.undated++;
      if (date === undefined) undated.none++;
      else if (date.startsWith('--')) undated.noYear++;
      else undated.lessPrecise++;
    }
  }
  const recent = Math.max(1, Math.round(span / 4));
  if (span >= 2) {
    const total = (counts: readonly number[], from: number, to: number) => counts.slice(from, to).reduce((sum, value) => sum + value, 0);
    const all = topics.map((entry) => entry.counts).reduce((sum, counts) => sum.map((value, index) => value + counts[index]));
    const recentAll = total(all, span - recent, span);
    const earlierAll = total(all, 0, span - recent);
    for (const entry of topics) {
      if (recentAll === 0 || earlierAll === 0) continue;
      entry.change = round1(100 * (total(entry.counts, span - recent, span) / recentAll - total(entry.counts, 0, span - recent) / earlierAll));
    }
  }
  return { period, periods: period === null ? [] : Array.from({ length: span }, (_, index) => labelOf(first + index, period)), recent, undated, topics };
}

/** Nights kept in clusters.json's history: two months of nightly runs. */
export const MAX_NIGHTS = 60;

/**
 * The history of topic sizes with tonight's: appended, or put in place of the
 * last night when the papers are the same as then (a run again on the same
 * inputs, or a refit), so that running again does not make a night.
 */
export function withTonight(nights: readonly Night[], tonight: Night, samePapers: boolean): Night[] {
  const kept = samePapers && nights.length > 0 ? nights.slice(0, -1) : nights;
  return [...kept, tonight].slice(-MAX_NIGHTS);
}

/** Tonight's sizes: each topic's papers, and the latest date with a year among the papers (a mark of the night from the papers). */
export function night(topics: readonly { id: number; size: number }[], papers: number, dates: Iterable<string | undefined>): Night {
  let latest: string | null = null;
  for (const date of dates) if (date !== undefined && !date.startsWith('--') && (latest === null || date > latest)) latest = date;
  return { papers, latestDate: latest, sizes: topics.map((topic) => [topic.id, topic.size] as [number, number]) };
}
