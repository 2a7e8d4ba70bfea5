import { copyFileSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { IngestSummary } from '../../src/ingest/index.js';
import { readPapers } from '../../src/store/read.js';
import { OutputFolder } from '../../src/store/folder.js';
import { ingestInto } from '../helpers.js';
import { tempFolder } from '../temp.js';

const tempDir = () => tempFolder('resume');
const seed = (name: string) => join('seeds', name);

/**
 * Night 1: two seed listings (dated "Mar 14", no year) and a JSON Lines file
 * with two bad records and a paper with a date that is not one (a notice).
 * Night 2 adds, after them, a file with a record that repeats a night-1 title
 * with a longer abstract, a date with a year and a category (so a night-1
 * paper changes: its abstract, its date, its categories), one more bad
 * record, one that adds a category to the night-1 JSON paper, and the two
 * other seed listings, which repeat 60-odd night-1 papers (so night-1 papers
 * gain sources; those of the "May 12" listing keep their first date).
 */
function nightOne(input: string): void {
  copyFileSync(seed('000_dcadb2093315f43d.txt'), join(input, 'a.txt'));
  copyFileSync(seed('001_461ff4b37d51458f.txt'), join(input, 'b.txt'));
  writeFileSync(
    join(input, 'c.jsonl'),
    [
      '{"title": "A first extra paper", "abstract": "Its abstract.", "date": "31 Feb 2024", "categories": "cs.AI"}',
      '{"title": "", "abstract": "no title"}',
      'not json',
      '',
    ].join('\n'),
  );
}

function nightTwo(input: string): void {
  writeFileSync(
    join(input, 'd.jsonl'),
    [
      JSON.stringify({
        title: 'Referring Image Segmentation Using Text Supervision',
        abstract: 'A much longer abstract than the listing gave. '.repeat(40),
        published: '2023-11-20',
        categories: ['cs.CV'],
      }),
      '{"title": "?!", "abstract": "x"}',
      '{"title": "A first extra paper", "abstract": "Its abstract.", "categories": "cs.CL cs.AI"}',
      '',
    ].join('\n'),
  );
  copyFileSync(seed('002_8b127e314e111ed4.txt'), join(input, 'e.txt'));
  copyFileSync(seed('004_4b4670f83578b3f2.txt'), join(input, 'f.txt'));
}

const facts = (out: string) => {
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { inputs: unknown; counts: unknown };
  return { inputs: manifest.inputs, counts: manifest.counts };
};
const bytes = (out: string, file: string) => readFileSync(join(out, file));
const withoutKept = ({ filesKept: _, ...summary }: IngestSummary) => summary;

describe('an ingest that goes on from the last one', () => {
  test('reads only the inputs after those the last run read, unchanged, and gives what reading them all gives', async () => {
    const input = tempDir();
    const out = tempDir();
    nightOne(input);
    const first = await ingestInto(out, [input]);
    expect(first.filesKept).toBe(0);
    expect(first.problems).toHaveLength(2);
    const before = readPapers(OutputFolder.existing(out)).papers;
    nightTwo(input);
    const second = await ingestInto(out, [input]);
    expect(second.filesKept).toBe(3);

    const fresh = tempDir();
    const full = await ingestInto(fresh, [input]);
    expect(full.filesKept).toBe(0);
    expect(withoutKept(second)).toEqual(withoutKept(full));
    // the night-1 problems are reported again, as reading c.jsonl again would; then night 2's: the clash of abstracts, the bad title
    expect(second.problems.map((problem) => `${problem.file.split('/').pop()}:${problem.line}`)).toEqual(['c.jsonl:2', 'c.jsonl:3', 'd.jsonl:1', 'd.jsonl:2']);
    for (const file of ['papers.jsonl', 'ingest.state']) expect(bytes(out, file).equals(bytes(fresh, file))).toBe(true);
    expect(facts(out)).toEqual(facts(fresh));

    // what night 2 did to night-1 papers: a longer abstract replaced, sources added
    const after = readPapers(OutputFolder.existing(out)).papers;
    const changed = after.find((paper) => paper.title === 'Referring Image Segmentation Using Text Supervision')!;
    expect(changed.abstract).toMatch(/^A much longer abstract/);
    // a date with a year is earlier than one without (which cannot be placed); the categories of both records
    expect(before.find((paper) => paper.id === changed.id)!.date).toBe('--03-14');
    expect(changed).toMatchObject({ date: '2023-11-20', categories: ['cs.CV'] });
    expect(after.find((paper) => paper.title === 'A first extra paper')).toMatchObject({
      categories: ['cs.AI', 'cs.CL'],
      metadata: { input_date: '31 Feb 2024' },
    });
    expect(after.slice(0, before.length).filter((paper, row) => paper.sources.length > before[row].sources.length).length).toBeGreaterThan(20);
    expect(after.length).toBeGreaterThan(before.length);

    // the same inputs again: every file kept, nothing changes
    const again = await ingestInto(out, [input]);
    expect(again.filesKept).toBe(6);
    for (const file of ['papers.jsonl', 'ingest.state']) expect(bytes(out, file).equals(bytes(fresh, file))).toBe(true);
  });

  test('a changed or renamed input, or a damaged ingest.state, means reading every input, with the same result', async () => {
    /** Night 1 (after `before`), then `between`, then night 2: every input is read, and the folder is what a fresh one of the same inputs holds (a paper's sources name its input files). */
    const readsEverything = async (before: (input: string) => void, between: (input: string, out: string) => void) => {
      const input = tempDir();
      const out = tempDir();
      nightOne(input);
      before(input);
      await ingestInto(out, [input]);
      between(input, out);
      nightTwo(input);
      expect((await ingestInto(out, [input])).filesKept).toBe(0);
      const fresh = tempDir();
      await ingestInto(fresh, [input]);
      for (const file of ['papers.jsonl', 'ingest.state']) expect(bytes(out, file).equals(bytes(fresh, file))).toBe(true);
    };
    // an input the last run read has changed since
    await readsEverything(
      (input) => writeFileSync(join(input, 'c.jsonl'), '{"title": "Another paper", "abstract": "Another abstract."}\n'),
      (input) => nightOne(input),
    );
    // an input the last run read, renamed (it still sorts first)
    await readsEverything(
      () => {},
      (input) => renameSync(join(input, 'a.txt'), join(input, 'a2.txt')),
    );
    // ingest.state damaged: manifest.json no longer vouches for it
    await readsEverything(
      () => {},
      (_, out) => writeFileSync(join(out, 'ingest.state'), 'not a state'),
    );
  });

  test('with --strict, a problem in a kept input stops the run as it would if the input were read again', async () => {
    const input = tempDir();
    const out = tempDir();
    nightOne(input);
    await ingestInto(out, [input]);
    const papers = bytes(out, 'papers.jsonl');
    nightTwo(input);
    await expect(ingestInto(out, [input], true)).rejects.toThrow(
      /c\.jsonl:2: empty or non-text "title"; record skipped .*--strict: stopped at the first problem; nothing written/,
    );
    expect(bytes(out, 'papers.jsonl').equals(papers)).toBe(true);
  });
});
