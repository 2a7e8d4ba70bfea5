/**
 * Topics over time, as BERTopic's topics_over_time counts them: each topic's
 * papers per period, the period (week, month or year) chosen from the span
 * of the papers' dates. Papers that cannot be put in a period (no date, a
 * date without a year, a date less precise than the period) are counted
 * apart, by topic, never dropped.
 */
import type { Night, OverTime } from '../store/schemas.js';

export type Period = NonNullable<OverTime['period']>;
type TopicCounts = OverTime['topics'][number];

/** At most this many periods: a chart a topic's line can hold, and a table a reader can scan. */
export const MAX_PERIODS = 60;
/** A period finer than a year is taken only when at least this share of the dated papers are dated that finely. */
const PRECISE_SHARE = 0.9;

const DAY_MS = 86_400_000;
const PERIODS = ['week', 'month', 'year'] as const;
/** In a paper's row of periods: no date with a year, or not that precise. */
const NONE = -1;
/** Nothing is dated at all, or only without a year. */
const NO_YEAR = -2;

/**
 * Each date's week, month and year as numbers that count periods (weeks
 * since the Monday 1970-01-05, months since year 0, years), NONE where the
 * date is not that precise, NO_YEAR in all three for a date without a year:
 * every date is read once, which at a million papers is what counting costs.
 */
function periodTable(count: number, dateOf: (row: number) => string | undefined): Int32Array {
  const table = new Int32Array(count * 3).fill(NONE);
  // DATE_SHAPE's digits read in place: a million dates split into parts would be most of the time counting takes
  const digits = (date: string, at: number, length: number) => {
    let value = 0;
    for (let i = at; i < at + length; i++) value = value * 10 + date.charCodeAt(i) - 48;
    return value;
  };
  for (let row = 0; row < count; row++) {
    const date = dateOf(row);
    if (date === undefined) continue;
    if (date.startsWith('--')) {
      table.fill(NO_YEAR, row * 3, row * 3 + 3);
      continue;
    }
    const year = digits(date, 0, 4);
    table[row * 3 + 2] = year;
    if (date.length < 7) continue;
    const month = digits(date, 5, 2);
    table[row * 3 + 1] = year * 12 + month - 1;
    // weeks start on Monday; 1970-01-01 was a Thursday, so day 4 (1970-01-05) begins a week
    if (date.length >= 10) table[row * 3] = Math.floor((daysSinceEpoch(year, month, digits(date, 8, 2)) - 4) / 7);
  }
  return table;
}

/** Days from 1970-01-01 to a day of the proleptic Gregorian calendar (Hinnant's days_from_civil: Date.UTC's answer without a Date). */
export function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function labelOf(index: number, period: Period): string {
  if (period === 'year') return String(index);
  if (period === 'month') return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
  return new Date((index * 7 + 4) * DAY_MS).toISOString().slice(0, 10);
}

/** The finest period the dates are precise enough for (nine in ten dated papers) whose span takes at most MAX_PERIODS; null when no date has a year. */
function periodFor(table: Int32Array): { period: Period; first: number; last: number } | null {
  const count = table.length / 3;
  let dated = 0;
  for (let row = 0; row < count; row++) if (table[row * 3 + 2] >= 0) dated++;
  if (dated === 0) return null;
  for (let level = 0; level < PERIODS.length; level++) {
    let precise = 0;
    let first = Infinity;
    let last = -Infinity;
    for (let row = 0; row < count; row++) {
      const index = table[row * 3 + level];
      if (index < 0) continue;
      precise++;
      if (index < first) first = index;
      if (index > last) last = index;
    }
    const year = level === PERIODS.length - 1;
    if (year || (precise >= PRECISE_SHARE * dated && last - first + 1 <= MAX_PERIODS)) return { period: PERIODS[level], first, last };
  }
  return null;
}

/** The period `periodFor` takes for these dates (for tests and readers: the rule on its own). */
export function choosePeriod(dates: readonly string[]): Period | null {
  return periodFor(periodTable(dates.length, (row) => dates[row]))?.period ?? null;
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
  const table = periodTable(count, dateOf);
  const chosen = periodFor(table);
  const level = chosen ? PERIODS.indexOf(chosen.period) : 0;
  const span = chosen ? chosen.last - chosen.first + 1 : 0;
  const place = new Map<number, number>([...topicIds.map((id, index) => [id, index] as [number, number]), [-1, topicIds.length]]);
  const topics: TopicCounts[] = [...topicIds, -1].map((id) => ({ id, counts: new Array<number>(span).fill(0), undated: 0, change: null }));
  const undated = { none: 0, noYear: 0, lessPrecise: 0 };
  for (let row = 0; row < count; row++) {
    const entry = topics[place.get(topicOf(row))!];
    const index = table[row * 3 + level];
    if (chosen && index >= 0) {
      entry.counts[index - chosen.first]++;
      continue;
    }
    entry.undated++;
    if (index === NO_YEAR) undated.noYear++;
    else if (table[row * 3 + 2] === NONE) undated.none++;
    else undated.lessPrecise++;
  }
  const recent = Math.max(1, Math.round(span / 4));
  if (span >= 2) changes(topics, span, recent);
  return {
    period: chosen?.period ?? null,
    periods: chosen ? Array.from({ length: span }, (_, index) => labelOf(chosen.first + index, chosen.period)) : [],
    recent,
    undated,
    topics,
  };
}

/** Each topic's change: its share of the last `recent` periods' papers less its share of those before, in points (when both have papers). */
function changes(topics: TopicCounts[], span: number, recent: number): void {
  const total = (counts: readonly number[], from: number, to: number) => counts.slice(from, to).reduce((sum, value) => sum + value, 0);
  const all = topics.map((entry) => entry.counts).reduce((sum, counts) => sum.map((value, index) => value + counts[index]));
  const recentAll = total(all, span - recent, span);
  const earlierAll = total(all, 0, span - recent);
  if (recentAll === 0 || earlierAll === 0) return;
  for (const entry of topics)
    entry.change = round1(100 * (total(entry.counts, span - recent, span) / recentAll - total(entry.counts, 0, span - recent) / earlierAll));
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
  // by topic id: the same topics give the same night whatever order a run lists them in
  const sizes = topics.map((topic) => [topic.id, topic.size] as [number, number]).sort((a, b) => a[0] - b[0]);
  return { papers, latestDate: latest, sizes };
}
