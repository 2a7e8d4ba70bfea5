import { describe, expect, test } from 'vitest';
import { choosePeriod, MAX_NIGHTS, night, topicsOverTime, withTonight } from '../../src/cluster/timeline.js';
import type { Night } from '../../src/store/schemas.js';

/** Papers as [topic, date] pairs, counted over time with topics 7 and 3 listed in that order. */
function counted(papers: [number, string | undefined][], topicIds = [7, 3]) {
  return topicsOverTime(
    papers.length,
    (row) => papers[row][0],
    (row) => papers[row][1],
    topicIds,
  );
}

describe('the period', () => {
  test('the finest whose span takes at most 60 periods: weeks over months, months over years', () => {
    expect(choosePeriod(['2024-03-14', '2024-09-01'])).toBe('week');
    expect(choosePeriod(['2024-03-14', '2025-06-01'])).toBe('month');
    expect(choosePeriod(['2019-03-14', '2024-06-01'])).toBe('year');
  });

  test('a period finer than the dates is taken only when nine in ten dated papers are that precise', () => {
    const days = Array.from({ length: 18 }, (_, day) => `2024-03-${String(day + 1).padStart(2, '0')}`);
    expect(choosePeriod([...days, '2024-04', '2024'])).toBe('week');
    expect(choosePeriod([...days, '2024-04', '2024-05', '2024'])).toBe('month');
    expect(choosePeriod(['2024', '2023', '2024-01'])).toBe('year');
    // dates without a year do not count for or against a period
    expect(choosePeriod(['2024-03-14', '--05-12', '--05-13'])).toBe('week');
  });
});

describe('topics over time', () => {
  test('each topic its papers per period, every period listed, the undated counted apart by topic and by why', () => {
    const overTime = counted([
      [7, '2024-01-15'],
      [7, '2024-03-02'],
      [3, '2024-03-31'],
      [3, '2024'],
      [-1, '2024-02-10'],
      [7, undefined],
      [3, '--03-14'],
      [7, '2024-03'],
      ...Array.from({ length: 4 }, (): [number, string] => [3, '2024-02-20']),
    ]);
    // nine in ten of the papers dated with a year have a month, not eight in ten a day: months
    expect(overTime.period).toBe('month');
    expect(overTime.periods).toEqual(['2024-01', '2024-02', '2024-03']);
    expect(overTime.topics.map(({ id, counts, undated }) => ({ id, counts, undated }))).toEqual([
      { id: 7, counts: [1, 0, 2], undated: 1 },
      { id: 3, counts: [0, 4, 1], undated: 2 },
      { id: -1, counts: [0, 1, 0], undated: 0 },
    ]);
    expect(overTime.undated).toEqual({ none: 1, noYear: 1, lessPrecise: 1 });
    // every paper is counted once: in a period or apart
    const total = overTime.topics.reduce((sum, entry) => sum + entry.undated + entry.counts.reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(12);
  });

  test('weeks begin on Monday and are named by it', () => {
    // 2024-03-10 is a Sunday, 2024-03-11 a Monday
    const overTime = counted([
      [7, '2024-03-10'],
      [7, '2024-03-11'],
      [3, '2024-03-17'],
      [3, '2024-03-25'],
    ]);
    expect(overTime.period).toBe('week');
    expect(overTime.periods).toEqual(['2024-03-04', '2024-03-11', '2024-03-18', '2024-03-25']);
    expect(overTime.topics[0].counts).toEqual([1, 1, 0, 0]);
    expect(overTime.topics[1].counts).toEqual([0, 1, 0, 1]);
  });

  test('change: a topic that takes a larger share of the recent periods rises, one that takes less falls', () => {
    const papers: [number, string][] = [];
    for (let month = 1; month <= 8; month++) {
      const date = `2024-${String(month).padStart(2, '0')}`;
      // topic 7 grows from 1 a month to 8; topic 3 stays at 4
      for (let i = 0; i < month; i++) papers.push([7, date]);
      for (let i = 0; i < 4; i++) papers.push([3, date]);
    }
    const overTime = counted(papers);
    expect(overTime.recent).toBe(2);
    const [rising, falling] = overTime.topics;
    expect(rising.change).toBeGreaterThan(10);
    expect(falling.change).toBeCloseTo(-rising.change!, 1);
  });

  test('with no date that has a year there is no period, and every paper is counted apart', () => {
    const overTime = counted([
      [7, '--03-14'],
      [3, undefined],
    ]);
    expect(overTime).toMatchObject({ period: null, periods: [], undated: { none: 1, noYear: 1, lessPrecise: 0 } });
    expect(overTime.topics.map((entry) => entry.undated)).toEqual([1, 1, 0]);
  });

  test('a million dated papers are counted without running out of stack', () => {
    const count = 1_000_000;
    const overTime = topicsOverTime(
      count,
      (row) => row % 2,
      (row) => `20${10 + (row % 15)}-01-01`,
      [0, 1],
    );
    expect(overTime.period).toBe('year');
    expect(overTime.periods).toHaveLength(15);
  });
});

describe('nights', () => {
  const sizes = (pairs: [number, number][]): Night => ({ papers: pairs.reduce((sum, [, size]) => sum + size, 0), latestDate: null, sizes: pairs });

  test("a night is added for new papers, and takes the last one's place for the same papers", () => {
    const first = sizes([[0, 5]]);
    const second = sizes([
      [0, 6],
      [1, 2],
    ]);
    expect(withTonight([], first, false)).toEqual([first]);
    expect(withTonight([first], second, false)).toEqual([first, second]);
    expect(withTonight([first], second, true)).toEqual([second]);
  });

  test('the history keeps the last 60 nights', () => {
    let nights = [sizes([[0, 0]])];
    for (let n = 1; n <= 70; n++) nights = withTonight(nights, sizes([[0, n]]), false);
    expect(nights).toHaveLength(MAX_NIGHTS);
    expect(nights[MAX_NIGHTS - 1].sizes[0][1]).toBe(70);
  });

  test("tonight's mark is the latest date with a year among the papers", () => {
    expect(night([{ id: 4, size: 3 }], 3, ['2024-03-01', '--12-31', undefined, '2024-05']).latestDate).toBe('2024-05');
    expect(night([], 0, ['--12-31']).latestDate).toBeNull();
  });
});
