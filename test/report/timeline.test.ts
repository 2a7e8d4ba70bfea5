import { describe, expect, test } from 'vitest';
import { byChange, nightsNews, overTimeMarkdown, overTimeSummary, sparkline, sparkSvg } from '../../src/report/timeline.js';
import type { Clusters, Night, OverTime, Topic } from '../../src/store/schemas.js';

const overTime: OverTime = {
  period: 'month',
  periods: ['2024-01', '2024-02', '2024-03', '2024-04'],
  recent: 1,
  undated: { none: 2, noYear: 1, lessPrecise: 0 },
  topics: [
    { id: 0, counts: [3, 3, 3, 3], undated: 1, change: -0.5 },
    { id: 4, counts: [4, 2, 1, 0], undated: 0, change: -20 },
    { id: 2, counts: [0, 1, 2, 9], undated: 2, change: 35.5 },
    { id: -1, counts: [0, 0, 1, 0], undated: 0, change: 1 },
  ],
};

const topic = (id: number, label: string) => ({ id, label }) as Topic;

describe('topics over time in report.md', () => {
  test('the topics that rose or fell most come first, the outliers last', () => {
    expect(byChange(overTime).map((entry) => entry.id)).toEqual([2, 4, 0]);
    const lines = overTimeMarkdown(
      { overTime } as Clusters,
      (id) => `[topic ${id}](#topic-${id})`,
      (text) => `\`${text}\``,
    );
    expect(lines.slice(0, 3)).toEqual([
      '## Topics over time',
      '',
      "Papers per month, 2024-01 to 2024-04 (4 months). Change: a topic's share of the papers of the last 1 month less its share of those before, in percentage points. Counted apart, in no month: 2 papers with no date, 1 with a month and day but no year.",
    ]);
    expect(lines.slice(4)).toEqual([
      '| Topic | Papers per month, 2024-01 → 2024-04 | Change | Counted apart |',
      '|---|---|---:|---:|',
      '| [topic 2](#topic-2) | `·▁▂█` peak 9 in 2024-04 | +35.5 | 2 |',
      '| [topic 4](#topic-4) | `█▄▂·` peak 4 in 2024-01 | −20.0 | 0 |',
      '| [topic 0](#topic-0) | `████` peak 3 in 2024-01 | −0.5 | 1 |',
      '| outliers | `··█·` peak 1 in 2024-03 | +1.0 | 0 |',
      '',
    ]);
  });

  test('without dates that have a year, one sentence says why there is no table', () => {
    const none: OverTime = { period: null, periods: [], recent: 1, undated: { none: 226, noYear: 182, lessPrecise: 0 }, topics: [] };
    expect(overTimeSummary(none)).toBe(
      'No paper has a date with a year, so the topics are not counted over time (counted apart: 226 papers with no date, 182 with a month and day but no year).',
    );
    expect(overTimeMarkdown({ overTime: none } as Clusters, String, String)).toHaveLength(4);
  });

  test('charts: a zero is a dot, the largest a full block; the SVG holds numbers only', () => {
    expect(sparkline([0, 1, 8, 4])).toBe('·▁█▄');
    const svg = sparkSvg([0, 2, 4]);
    expect(svg).toMatch(/^<svg class="spark" width="60" height="14"[^>]*aria-label="0, 2, 4">/);
    expect((svg.match(/<rect /g) ?? []).length).toBe(2);
  });
});

describe('topics night by night', () => {
  const nights: Night[] = [
    {
      papers: 30,
      latestDate: null,
      sizes: [
        [0, 10],
        [1, 20],
      ],
    },
    {
      papers: 36,
      latestDate: null,
      sizes: [
        [0, 12],
        [1, 21],
        [5, 3],
      ],
    },
    {
      papers: 44,
      latestDate: null,
      sizes: [
        [0, 19],
        [1, 22],
        [5, 3],
      ],
    },
  ];
  const clusters = { history: { nights } } as unknown as Clusters;
  const topics = [topic(0, 'zero'), topic(1, 'one'), topic(5, 'five')];

  test('new topics first, then the fastest grown, each with its sizes night by night', () => {
    const [list] = nightsNews(clusters, topics, 20);
    expect(list.heading).toBe('Topics night by night (the last 3 nights, new and fastest grown first)');
    expect(list.items).toEqual([
      [{ topic: 5, label: 'five' }, ' new last night: ', { counts: [0, 3, 3] }, ' 0 → 3'],
      [{ topic: 0, label: 'zero' }, ' +90%: ', { counts: [10, 12, 19] }, ' 10 → 19'],
      [{ topic: 1, label: 'one' }, ' +10%: ', { counts: [20, 21, 22] }, ' 20 → 22'],
    ]);
  });

  test('nothing before a second night; a long list says how many more', () => {
    expect(nightsNews({ history: { nights: nights.slice(0, 1) } } as unknown as Clusters, topics, 20)).toEqual([]);
    const [list] = nightsNews(clusters, topics, 2);
    expect(list.items).toHaveLength(2);
    expect(list.more).toBe("… and 1 more (every night's sizes are in clusters.json)");
  });
});
