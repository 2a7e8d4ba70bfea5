import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JSDOM } from 'jsdom';
import { beforeAll, describe, expect, test } from 'vitest';
import { clusterStage } from '../../src/cluster/stage.js';
import { embedStage } from '../../src/embed/stage.js';
import { indexStage } from '../../src/index/stage.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import type { Changes } from '../../src/report/changes.js';
import { escapeMarkdown, PAPERS_SHOWN } from '../../src/report/markdown.js';
import { NEWS_SHOWN } from '../../src/report/news.js';
import { reportStage } from '../../src/report/stage.js';
import type { Clusters } from '../../src/store/schemas.js';
import type { Paper } from '../../src/store/read.js';
import { folderWith, runStage } from '../helpers.js';
import { tempFolder } from '../temp.js';

/** Every stage after ingest on the papers, as `papermap run` would on a folder whose ingest wrote them. */
async function runOn(out: string, papers: readonly Paper[]): Promise<{ markdown: string; html: string; changes: Changes; clusters: Clusters }> {
  folderWith(out, papers);
  await runStage(embedStage, out, { model: 'builtin' });
  await runStage(indexStage, out);
  await runStage(clusterStage, out);
  await runStage(reportStage, out);
  const read = (file: string) => readFileSync(join(out, file), 'utf8');
  return { markdown: read('report.md'), html: read('report.html'), changes: JSON.parse(read('changes.json')), clusters: JSON.parse(read('clusters.json')) };
}

/** The lines of a Markdown section, from its heading to the next heading of any level. */
function section(markdown: string, heading: string): string[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('#'));
  return lines.slice(start + 1, end < 0 ? undefined : end).filter((line) => line !== '');
}

const newsOf = (html: string) => new JSDOM(html).window.document.getElementById('news')!;

describe("What's new, on the seeds: a first run, then a night that adds 68 papers, changes one and removes 8", () => {
  const seeds = readInputs(listInputFiles(['seeds'])).papers;
  const out = tempFolder('news');
  const firstNight = seeds.slice(0, 340);
  const changedPaper = { ...seeds[10], abstract: `${seeds[10].abstract} A sentence added overnight.` };
  const secondNight = [...seeds.slice(8, 10), changedPaper, ...seeds.slice(11)];
  let first: Awaited<ReturnType<typeof runOn>>;
  let second: Awaited<ReturnType<typeof runOn>>;

  beforeAll(async () => {
    first = await runOn(out, firstNight);
    second = await runOn(out, secondNight);
  });

  test('a first run says so in one line and lists nothing', () => {
    const sentence = 'First run: there is no earlier run to compare with, so all 340 papers are new and none is listed.';
    expect(section(first.markdown, "## What's new")).toEqual([sentence]);
    expect(newsOf(first.html).textContent!.trim()).toBe(`What's new: ${sentence}`);
  });

  test('report.md opens with it, after the title and the corpus figures, before how the map was made and the topics', () => {
    const at = (text: string) => second.markdown.indexOf(text);
    expect(at('# Paper map: 400 papers')).toBe(0);
    expect(at("## What's new")).toBeGreaterThan(at('| Papers | Broad topics |'));
    expect(at("## What's new")).toBeLessThan(at('## How the map was made'));
    expect(at('## How the map was made')).toBeLessThan(at('\n## Topics\n'));
  });

  test('the counts, and the size of the previous run', () => {
    const summary = `Since the previous run (340 papers in ${first.clusters.topics.length} topics): 68 added, 1 changed, 8 removed; 400 papers now.`;
    expect(section(second.markdown, "## What's new")).toEqual([summary]);
    expect(newsOf(second.html).querySelector('p')!.textContent).toBe(`What's new: ${summary}`);
  });

  test(`the first ${NEWS_SHOWN} new papers by title, each with its topic and nearest older papers, then how many more`, () => {
    const added = second.changes.added;
    expect(added.map((paper) => paper.title).sort()).toEqual(
      seeds
        .slice(340)
        .map((paper) => paper.title)
        .sort(),
    );
    const lines = section(second.markdown, '### New papers (68)');
    expect(lines).toHaveLength(NEWS_SHOWN + 1);
    lines.slice(0, NEWS_SHOWN).forEach((line, index) => {
      const paper = added[index];
      const label = second.clusters.topics.find((entry) => entry.id === paper.topic)?.label ?? '';
      const topic = paper.topic === null ? 'outlier' : `[${paper.topic}: ${escapeMarkdown(label)}](#topic-${paper.topic})`;
      const older = paper.nearestOlder.map((entry) => `${escapeMarkdown(entry.title)} (${entry.score.toFixed(2)})`).join('; ');
      expect(line).toBe(`- **${escapeMarkdown(paper.title)}** · topic ${topic} · nearest older: ${older}`);
    });
    expect(lines[NEWS_SHOWN]).toBe('- … and 48 more (all in changes.json)');

    const news = newsOf(second.html);
    const list = [...news.querySelectorAll('h2')].find((heading) => heading.textContent === 'New papers (68)')!.nextElementSibling!;
    const items = [...list.children];
    expect(items.slice(0, NEWS_SHOWN).map((item) => item.querySelector('.paper')!.textContent)).toEqual(added.slice(0, NEWS_SHOWN).map((paper) => paper.title));
    expect(items[NEWS_SHOWN].textContent).toBe('… and 48 more (all in changes.json)');
    expect(items[0].textContent).toContain(' · nearest older: ');
  });

  test('the changed and the removed papers by title', () => {
    expect(section(second.markdown, '### Changed papers (title or abstract) (1)')).toEqual([
      expect.stringMatching(new RegExp(`^- \\*\\*${escapeRegExp(escapeMarkdown(seeds[10].title))}\\*\\* · topic (outlier|\\[\\d+: .*\\]\\(#topic-\\d+\\))$`)),
    ]);
    const removed = section(second.markdown, '### Removed papers (8)');
    expect(removed).toEqual(seeds.slice(0, 8).map((paper) => `- **${escapeMarkdown(paper.title)}**`));
  });

  test('the topics that grew most, before and after, and the other topic changes', () => {
    const { grewMost } = second.changes.topics;
    // 68 new papers: some topic grew
    expect(grewMost.length).toBeGreaterThan(0);
    const lines = section(second.markdown, '### Topics');
    // the builtin embedder is fitted on the corpus, so every vector changed with it: the topics were fitted anew
    expect(second.clusters.history).toMatchObject({
      run: 'fitted',
      reason: expect.stringMatching(/^refit: the papers added, changed and removed since the last fit are 120\.0% of the 340/),
    });
    expect(lines[0]).toBe(
      `- The topics were fitted anew (${escapeMarkdown(second.clusters.history.reason)}); each kept the id of the earlier topic it continues.`,
    );
    const grew = grewMost.map((topic) => `[${topic.id}: ${escapeMarkdown(topic.label)}](#topic-${topic.id}) ${topic.before} → ${topic.after}`).join('; ');
    expect(lines[1]).toBe(`- Grew most: ${grew}`);
    const { births, deaths, merges, splits } = second.changes.topics;
    expect(lines).toHaveLength(2 + Math.sign(births.length) + Math.sign(deaths.length) + merges.length + splits.length);
    const buttons = [...newsOf(second.html).querySelectorAll('button[data-topic]')].map((button) => button.textContent);
    for (const topic of grewMost) expect(buttons).toContain(`${topic.id}: ${topic.label}`);
  });

  test('the HTML section is at the top of the page, open, not folded away', () => {
    const { document } = new JSDOM(second.html).window;
    const news = document.getElementById('news')!;
    expect(news.closest('header')).not.toBeNull();
    expect(news.closest('details')).toBeNull();
    expect(news.compareDocumentPosition(document.querySelector('main')!) & 4).toBeTruthy();
  });

  test(`report.md lists the ${PAPERS_SHOWN} most central papers of a topic, then says how many more`, () => {
    let capped = 0;
    for (const topic of second.clusters.topics) {
      const listed = section(second.markdown, `## Topic ${topic.id}: ${escapeMarkdown(topic.label)}`).filter((line) => line.startsWith('- '));
      if (topic.size <= PAPERS_SHOWN) {
        expect(listed).toHaveLength(topic.size);
        continue;
      }
      capped++;
      expect(listed).toHaveLength(PAPERS_SHOWN + 1);
      expect(listed[0]).toContain(`\`${topic.paperIds[0]}\``);
      const more = topic.size - PAPERS_SHOWN;
      expect(listed[PAPERS_SHOWN]).toBe(
        `- … and ${more} more ${more === 1 ? 'paper' : 'papers'} in this topic (every paper and its related papers are in related.json)`,
      );
    }
    // the seeds' two biggest topics hold about 130 and 90 papers
    expect(capped).toBeGreaterThanOrEqual(2);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
