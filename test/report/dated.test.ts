import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { launchChromium } from '../../scripts/chromium.js';
import { beforeAll, describe, expect, test } from 'vitest';
import { clusterStage } from '../../src/cluster/stage.js';
import { indexStage } from '../../src/index/stage.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { reportStage } from '../../src/report/stage.js';
import type { PageData } from '../../src/report/map/data.js';
import type { Paper } from '../../src/store/read.js';
import type { Clusters } from '../../src/store/schemas.js';
import { FixedVectors, runStage } from '../helpers.js';
import { tempFolder } from '../temp.js';

/**
 * The seeds with details, as an arXiv-like feed would give them: each paper a
 * date from January 2023 to June 2024 (the test's, spread by its place), an
 * arXiv id, every fifth a DOI instead, every seventh no date at all.
 */
function dated(papers: readonly Paper[]): Paper[] {
  return papers.map(({ date: _listed, ...paper }, row) => {
    const month = (row * 7) % 18;
    const date = `${2023 + Math.floor(month / 12)}-${String((month % 12) + 1).padStart(2, '0')}-${String((row % 28) + 1).padStart(2, '0')}`;
    const arxivId = `${date.slice(2, 4)}${date.slice(5, 7)}.${String(10_000 + row)}`;
    return {
      ...paper,
      ...(row % 7 === 6 ? {} : { date }),
      ...(row % 5 === 4 ? { doi: `10.1000/seed<${row}>` } : { arxivId }),
      authors: ['A. Reader', 'B. Writer', 'C. Critic', 'D. Dreamer'],
    };
  });
}

/** The stages after embed on these papers with their fixed vectors, as a nightly `papermap run` does them. */
async function night(out: string, vectors: FixedVectors, papers: readonly Paper[]) {
  vectors.folderWith(out, papers);
  await runStage(indexStage, out);
  await runStage(clusterStage, out);
  await runStage(reportStage, out);
  const read = (file: string) => readFileSync(join(out, file), 'utf8');
  return { clusters: JSON.parse(read('clusters.json')) as Clusters, markdown: read('report.md'), html: read('report.html') };
}

const pageData = (html: string) => JSON.parse(/<script type="application\/json" id="papermap-data">(.*?)<\/script>/s.exec(html)![1]) as PageData;

describe('dated papers over three nights (300, 350, then 408 seed papers)', () => {
  const papers = dated(readInputs(listInputFiles(['seeds'])).papers);
  const vectors = new FixedVectors(papers);
  const out = tempFolder('dated');
  let nights: Awaited<ReturnType<typeof night>>[];

  beforeAll(async () => {
    nights = [];
    for (const count of [300, 350, 408]) nights.push(await night(out, vectors, papers.slice(0, count)));
  });

  test("clusters.json counts each topic's papers per month, and every paper without a date apart, on a night that refits and one that does not", () => {
    // night 2 puts the new papers in the topics of night 1; night 3, past the drift threshold, fits them anew
    expect(nights.map((entry) => entry.clusters.history.run)).toEqual(['fitted', 'assigned', 'fitted']);
    for (const [index, count] of [
      [1, 350],
      [2, 408],
    ]) {
      const { overTime, topics, outliers } = nights[index].clusters;
      const tonight = papers.slice(0, count);
      expect(overTime!.period).toBe('month');
      expect(overTime!.periods[0]).toBe('2023-01');
      expect(overTime!.periods.at(-1)).toBe('2024-06');
      expect(overTime!.periods).toHaveLength(18);
      expect(overTime!.undated).toEqual({ none: tonight.filter((paper) => paper.date === undefined).length, noYear: 0, lessPrecise: 0 });
      // each topic's counts are its papers by their dates
      const dateOf = new Map(tonight.map((paper) => [paper.id, paper.date]));
      for (const topic of topics) {
        const entry = overTime!.topics.find((candidate) => candidate.id === topic.id)!;
        expect(entry.counts).toEqual(overTime!.periods.map((month) => topic.paperIds.filter((id) => dateOf.get(id)?.startsWith(month)).length));
        expect(entry.undated).toBe(topic.paperIds.filter((id) => dateOf.get(id) === undefined).length);
      }
      const outlierEntry = overTime!.topics.find((candidate) => candidate.id === -1)!;
      expect(outlierEntry.counts.reduce((a, b) => a + b, 0) + outlierEntry.undated).toBe(outliers.length);
      const counted = overTime!.topics.reduce((sum, entry) => sum + entry.undated + entry.counts.reduce((a, b) => a + b, 0), 0);
      expect(counted).toBe(count);
    }
  });

  test("the history holds each night's topic sizes; running again on the same papers makes no new night", async () => {
    const history = nights[2].clusters.history.nights;
    expect(history.map((entry) => entry.papers)).toEqual([300, 350, 408]);
    expect(history[2].sizes).toEqual(nights[2].clusters.topics.map((topic) => [topic.id, topic.size]).sort((a, b) => a[0] - b[0]));
    expect(history[2].latestDate).toBe(papers.reduce((latest, paper) => (paper.date && paper.date > latest ? paper.date : latest), ''));
    await runStage(clusterStage, out);
    const again = JSON.parse(readFileSync(join(out, 'clusters.json'), 'utf8')) as Clusters;
    expect(again.history.nights).toEqual(history);
  });

  test("report.md: the Topics over time table, rising and falling topics first, and What's new's topics night by night", () => {
    const { markdown, clusters } = nights[2];
    const lines = markdown.split('\n');
    const table = lines.slice(lines.indexOf('## Topics over time'));
    expect(table[2]).toMatch(/^Papers per month, 2023-01 to 2024-06 \(18 months\)\. Change: /);
    const header = table.indexOf('|---|---|---:|---:|');
    const rows = table.slice(header + 1, table.indexOf('', header));
    const topicRows = rows.filter((row) => !row.startsWith('| outliers'));
    expect(topicRows).toHaveLength(clusters.topics.length);
    const changes = topicRows.map((row) => Math.abs(Number(row.split(' | ')[2].replace('−', '-'))));
    expect(changes).toEqual([...changes].sort((a, b) => b - a));
    const news = lines.slice(lines.indexOf("## What's new"), lines.indexOf('## How the map was made'));
    expect(news).toContain('### Topics night by night (the last 3 nights, new and fastest grown first)');
    expect(news.filter((line) => /^- \[\d+: .*\]\(#topic-\d+\) (new |[+−]\d+%)/.test(line)).length).toBe(Math.min(20, clusters.topics.length));
  });

  test('report.md links a paper to its arXiv page or its DOI (escaped), with its date', () => {
    const { markdown, clusters } = nights[2];
    // the papers report.md lists: each topic's 20 most central
    const listed = new Set(clusters.topics.flatMap((topic) => topic.paperIds.slice(0, 20)));
    const withArxiv = papers.find((paper) => listed.has(paper.id) && paper.arxivId && paper.date)!;
    const withDoi = papers.find((paper) => listed.has(paper.id) && paper.doi && paper.date)!;
    expect(markdown).toContain(`](<https://arxiv.org/abs/${withArxiv.arxivId}>) (${withArxiv.date})`);
    const row = papers.indexOf(withDoi);
    expect(markdown).toContain(`](<https://doi.org/10.1000/seed%3C${row}%3E>) (${withDoi.date})`);
  });

  test('report.html: counts per period for a chart per topic, and each paper its link, date and authors', () => {
    const page = pageData(nights[2].html);
    expect(page.overTime!.periods).toHaveLength(18);
    for (const topic of page.topics) expect(topic.o).toHaveLength(18);
    const shown = page.papers.find((paper) => paper.id === papers[4].id)!;
    expect(shown.u).toBe('https://doi.org/10.1000/seed%3C4%3E');
    expect(shown).toMatchObject({ d: papers[4].date, au: ['A. Reader', 'B. Writer', 'C. Critic', 'D. Dreamer'] });
    expect(page.overTime!.summary).toMatch(/^Papers per month, 2023-01 to 2024-06 \(18 months\)\./);
  });

  test("papermap similar shows each paper's date, authors and link under it, and gives them in --json", () => {
    const similar = (...args: string[]) =>
      spawnSync(process.execPath, [resolve('dist/src/cli.js'), 'similar', papers[0].id, '--out', out, '--top', '3', ...args], { encoding: 'utf8' });
    const human = similar();
    expect(human.status).toBe(0);
    const lines = human.stdout.trim().split('\n');
    const answer = JSON.parse(similar('--json').stdout) as { results: (Paper & { link?: string; score: number })[] };
    expect(answer.results).toHaveLength(3);
    for (const result of answer.results) {
      const paper = papers.find((candidate) => candidate.id === result.id)!;
      const link = paper.doi ? `https://doi.org/${encodeURIComponent(paper.doi).replace(/%2F/g, '/')}` : `https://arxiv.org/abs/${paper.arxivId}`;
      expect(result).toMatchObject({ authors: paper.authors, link });
      expect(result.date).toBe(paper.date);
      const under = lines[lines.findIndex((line) => line.includes(` ${result.id}  `)) + 1];
      expect(under.trim()).toBe(
        [paper.date, 'A. Reader, B. Writer, C. Critic and 1 more', paper.arxivId && `arXiv ${paper.arxivId}`, paper.doi && `doi ${paper.doi}`, link]
          .filter(Boolean)
          .join(' · '),
      );
    }
  });

  test("report.html in Chromium: a chart beside each topic with its counts, the sentence on how they are counted, and a paper's link", async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(pathToFileURL(join(out, 'report.html')).href);
      await page.waitForSelector('#map[data-labels]');
      const { clusters } = nights[2];
      expect(await page.locator('#topics button.topic svg.spark').count()).toBe(clusters.topics.length);
      expect(await page.locator('#overtime').textContent()).toMatch(/^Papers per month, 2023-01 to 2024-06 \(18 months\)\./);
      const first = clusters.overTime!.topics.find((entry) => entry.id === clusters.topics[0].id)!;
      const title = await page.locator(`#topics button.topic[data-place="0"] svg.spark title`).textContent();
      expect(title).toContain(`2023-01: ${first.counts[0]}, 2023-02: ${first.counts[1]}`);
      // a paper with a DOI opens on its DOI's address
      await page.fill('#search', papers[4].title.slice(0, 40));
      await page.locator('#matches li button').first().click();
      expect(await page.locator('#details a').first().getAttribute('href')).toBe('https://doi.org/10.1000/seed%3C4%3E');
    } finally {
      await browser.close();
    }
  });
});
