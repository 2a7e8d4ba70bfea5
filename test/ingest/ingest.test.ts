import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import { ingestInto, papersOf } from '../helpers.js';
import { parseListing } from '../../src/ingest/listing.js';
import { idFromTitle } from '../../src/ingest/records.js';
import { detailsOf } from '../../src/store/read.js';
import { tempFolder } from '../temp.js';

const FURNITURE = /^(new|subscribe.*|byak and the research community|get trending papers.*|(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec) \d{1,2})$/i;

function tempDir(): string {
  return tempFolder('ingest');
}

describe('the seed listing dumps', () => {
  const { papers, summary } = readInputs(listInputFiles(['seeds']));

  test('give 408 distinct papers from 489 listings in 4 files, with no problems', () => {
    expect(summary.files.map((file) => [file.path, file.format, file.records])).toEqual([
      ['seeds/000_dcadb2093315f43d.txt', 'listing', 77],
      ['seeds/001_461ff4b37d51458f.txt', 'listing', 92],
      ['seeds/002_8b127e314e111ed4.txt', 'listing', 80],
      ['seeds/004_4b4670f83578b3f2.txt', 'listing', 240],
    ]);
    expect(summary.records).toBe(489);
    expect(papers).toHaveLength(408);
    expect(summary.duplicatesMerged).toBe(81);
    expect(summary.problems).toEqual([]);
  });

  test('record every file a paper was listed in', () => {
    const bySourceCount = new Map<number, number>();
    for (const paper of papers) bySourceCount.set(paper.sources.length, (bySourceCount.get(paper.sources.length) ?? 0) + 1);
    expect(Object.fromEntries(bySourceCount)).toEqual({ 1: 350, 2: 36, 3: 21, 4: 1 });
    const cotValve = papers.find((paper) => paper.title === 'CoT-Valve: Length-Compressible Chain-of-Thought Tuning');
    expect(cotValve?.sources).toEqual(['seeds/000_dcadb2093315f43d.txt', 'seeds/001_461ff4b37d51458f.txt', 'seeds/002_8b127e314e111ed4.txt']);
  });

  test('keep page furniture out of titles and abstracts, and unglue "Subscribe" from the first title', () => {
    for (const paper of papers) {
      expect(paper.title).not.toMatch(FURNITURE);
      expect(paper.title.length).toBeLessThan(300);
      expect(paper.abstract.length).toBeGreaterThan(300);
    }
    const lookahead = papers.filter((paper) => paper.title.includes('Lookahead: An Inference Acceleration Framework'));
    expect(lookahead.map((paper) => paper.title)).toEqual([
      'Lookahead: An Inference Acceleration Framework for Large Language Model with Lossless Generation Accuracy',
    ]);
    expect(lookahead[0].sources).toContain('seeds/004_4b4670f83578b3f2.txt');
  });

  test('give ids that are short hashes of the normalised title, unique and stable', () => {
    expect(new Set(papers.map((paper) => paper.id)).size).toBe(408);
    expect(papers[0].id).toBe(idFromTitle(papers[0].title));
    expect(idFromTitle('  CoT-Valve:  Length-Compressible Chain-of-Thought Tuning ')).toBe(
      idFromTitle('cot valve length compressible chain of thought tuning'),
    );
  });
});

describe('parseListing', () => {
  test('reads both layouts and reports a title without an abstract instead of shifting later pairs', () => {
    const abstract = (topic: string) => `We study ${topic}. `.repeat(20).trim();
    const text = ['new', '', 'Subscribe', 'Mar 14', 'First Paper', abstract('one thing'), 'Lonely Title', 'Third Paper', abstract('another thing')].join('\n');
    const parsed = parseListing(text);
    expect(parsed.records.map((record) => [record.line, record.title, record.abstract.slice(0, 20)])).toEqual([
      [5, 'First Paper', 'We study one thing. '],
      [7, 'Lonely Title', ''],
      [8, 'Third Paper', 'We study another thi'],
    ]);
    expect(parsed.problems).toEqual([{ line: 7, reason: 'title without an abstract; kept with an empty abstract' }]);
  });

  test('skips abstract-like text where a title should be, with its line', () => {
    const long = 'x'.repeat(400);
    const parsed = parseListing(`${long}\nA Title\n${'y'.repeat(400)}\n`);
    expect(parsed.records.map((record) => record.title)).toEqual(['A Title']);
    expect(parsed.problems[0].line).toBe(1);
  });
});

describe('JSONL, CSV and bad input', () => {
  test('reads JSONL and CSV by content, keeps source ids and metadata, and merges duplicates across formats', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'a.data'),
      [
        JSON.stringify({
          id: '2401.00001',
          title: 'Sparse Attention  for Long Documents',
          abstract: 'We make attention sparse.',
          authors: 'A. Author',
          categories: 'cs.CL',
        }),
        '',
        JSON.stringify({ title: 'Dense Retrieval Revisited', abstract: '' }),
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'b.txt'),
      'id,title,abstract,year\n7,"Sparse attention for long documents!","We make attention sparse, and longer.",2024\n8,"Quoted, ""tricky"" title","An abstract\nover two lines",2023\n',
    );
    const { papers, summary } = readInputs(listInputFiles([dir]));
    expect(summary.files.map((file) => file.format)).toEqual(['jsonl', 'csv']);
    // same title, different abstracts: the record with the longer abstract is kept whole, and the clash is reported
    expect(summary.problems).toEqual([
      {
        file: join(dir, 'b.txt'),
        line: 2,
        reason: `same title as ${join(dir, 'a.data')}:1 but a different abstract; kept this record's title and abstract (the longer abstract), dropped those of ${join(dir, 'a.data')}:1`,
      },
    ]);
    expect(papers.map((paper) => [paper.id, paper.title, paper.abstract, paper.metadata])).toEqual([
      ['2401.00001', 'Sparse attention for long documents!', 'We make attention sparse, and longer.', { year: '2024' }],
      [idFromTitle('Dense Retrieval Revisited'), 'Dense Retrieval Revisited', '', {}],
      ['8', 'Quoted, "tricky" title', 'An abstract over two lines', { year: '2023' }],
    ]);
    // authors and categories are details; the date is the arXiv id's month, which the CSV's year agrees with
    expect(papers.map(detailsOf)).toEqual([{ date: '2024-01', authors: ['A. Author'], categories: ['cs.CL'], arxivId: '2401.00001' }, {}, { date: '2023' }]);
    expect(papers[0].sources).toEqual([join(dir, 'a.data'), join(dir, 'b.txt')]);
  });

  test('reports every bad record with file and line, goes on, and writes the good papers', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(
      join(dir, '1.jsonl'),
      ['{"title": "Good Paper", "abstract": "Fine."}', '{"title": ', '{"abstract": "no title"}', '[1, 2]', '{"title": "   "}'].join('\n'),
    );
    writeFileSync(join(dir, '2.csv'), 'title,abstract\n"Unclosed quote,abc\n');
    writeFileSync(join(dir, '3.empty'), '');
    writeFileSync(join(dir, '4.bin'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02]));
    const summary = await ingestInto(out, [dir], false);
    expect(summary.papers).toBe(1);
    expect(summary.problems.map((problem) => `${problem.file.slice(dir.length + 1)}:${problem.line}: ${problem.reason.split(' (')[0]}`)).toEqual([
      '1.jsonl:2: not valid JSON',
      '1.jsonl:3: no "title" field; record skipped',
      '1.jsonl:4: line is not a JSON object; skipped',
      '1.jsonl:5: empty or non-text "title"; record skipped',
      '2.csv:2: unreadable CSV row',
      '3.empty:1: empty file',
      '4.bin:1: binary file',
    ]);
    expect(papersOf(out).map((paper) => paper.title)).toEqual(['Good Paper']);
  });

  test('--strict fails on the first bad record, names it, and leaves the earlier papers.jsonl untouched', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'good.jsonl'), '{"title": "Good Paper"}\n');
    await ingestInto(out, [join(dir, 'good.jsonl')], true);
    const before = readFileSync(join(out, 'papers.jsonl'), 'utf8');
    writeFileSync(join(dir, 'bad.jsonl'), '{"title": "Another Paper"}\n{"title": 42}\n');
    await expect(ingestInto(out, [dir], true)).rejects.toThrow(
      /bad\.jsonl:2: empty or non-text "title"; record skipped \(give it a title as text\) \(--strict: stopped at the first problem; nothing written\)$/,
    );
    expect(readFileSync(join(out, 'papers.jsonl'), 'utf8')).toBe(before);
  });

  test('a missing input is refused before anything is read', async () => {
    await expect(ingestInto(tempDir(), ['no/such/dir'], false)).rejects.toThrow('input not found: no/such/dir');
  });

  test('the same id on two different papers keeps the first and reports the second', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'x.jsonl'), '{"id": "p1", "title": "One"}\n{"id": "p1", "title": "Two"}\n');
    const { papers, summary } = readInputs([join(dir, 'x.jsonl')]);
    expect(papers.map((paper) => paper.title)).toEqual(['One']);
    expect(summary.problems).toEqual([
      {
        file: join(dir, 'x.jsonl'),
        line: 2,
        reason: `id "p1" is already used by a different paper at ${join(dir, 'x.jsonl')}:1; skipped (give one of them another id)`,
      },
    ]);
  });
});
