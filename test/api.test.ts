import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { type RunSummary, run, similar, similarEach, UserError } from '../src/api.js';
import { listInputFiles, readInputs } from '../src/ingest/index.js';
import { tempFolder } from './temp.js';

/** The programmatic API in this process (test/package.test.ts imports it from an installed package). */
describe('run and similar', () => {
  const work = tempFolder('api');
  const input = join(work, 'papers.jsonl');
  const out = join(work, 'output');
  const papers = readInputs(listInputFiles(['seeds'])).papers.slice(0, 40);
  let summary: RunSummary;

  beforeAll(async () => {
    writeFileSync(input, papers.map((paper) => JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract })).join('\n') + '\n');
    summary = await run({ input, out, model: 'builtin', k: 3, seed: 7 });
  });

  test('run writes the folder and resolves to the summary run --json prints', () => {
    expect(summary).toMatchObject({ papers: 40, model: 'builtin', topics: 3, report: { html: join(out, 'report.html') } });
    expect(Object.keys(summary.stages)).toEqual(['ingest', 'embed', 'index', 'cluster', 'report']);
    expect(existsSync(join(out, 'clusters.json'))).toBe(true);
  });

  test('similar answers an id, free text, and many queries at once', async () => {
    const byId = await similar(papers[2].id, { out, top: 4 });
    expect(byId).toMatchObject({ query: papers[2].id, kind: 'paper' });
    expect(byId.results).toHaveLength(4);
    const many = await similar([papers[9].title, papers[1].id], { out, top: 1 });
    expect(many.map((answer) => answer.kind)).toEqual(['text', 'paper']);
    expect(many[0].results[0].id).toBe(papers[9].id);
  });

  test('similarEach answers every query it can, in order, and says why of an unknown id', async () => {
    const answers = await similarEach([papers[3].id, 'ffffffffffff', papers[9].title], { out, top: 2 });
    expect(answers[1]).toEqual({ query: 'ffffffffffff', error: 'unknown paper id "ffffffffffff" (not in the index)' });
    expect(answers[0]).toMatchObject({ query: papers[3].id, kind: 'paper' });
    expect(answers[2]).toMatchObject({ query: papers[9].title, kind: 'text' });
    expect('results' in answers[2] && answers[2].results[0].id).toBe(papers[9].id);
    expect(await similarEach(['ffffffffffff'], { out })).toEqual([{ query: 'ffffffffffff', error: 'unknown paper id "ffffffffffff" (not in the index)' }]);
  });

  test('refusals are UserErrors that say what the command would', async () => {
    const refusal = async (work: Promise<unknown>) => {
      const error = await work.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(UserError);
      return (error as UserError).message;
    };
    expect(await refusal(run({ input, out, k: 1 }))).toBe('option k (--k): expected a whole number of at least 2');
    expect(await refusal(run({ input, out, strict: 'yes' as unknown as boolean }))).toBe('option strict: expected true or false');
    expect(await refusal(run({ input: [], out }))).toBe('option input: give one or more input files or folders');
    expect(await refusal(run({ input, out, minSimilarity: 2 }))).toBe('option minSimilarity (--min-similarity): expected "auto" or a number from -1 to 1');
    expect(await refusal(similar('ffffffffffff', { out }))).toBe('unknown paper id "ffffffffffff" (not in the index)');
    expect(await refusal(similar('a question', { out, top: 0 }))).toBe('option top: expected a whole number of at least 1');
    expect(await refusal(similar('a question', { out: join(work, 'none') }))).toMatch(/^output folder .*none not found/);
  });
});
