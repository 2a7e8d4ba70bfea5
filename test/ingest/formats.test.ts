import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { readInputs } from '../../src/ingest/index.js';
import { ingestInto } from '../helpers.js';
import { cleanText } from '../../src/ingest/records.js';
import { paperToJson } from '../../src/store/read.js';
import { UserError } from '../../src/shared/errors.js';
import { tempFolder } from '../temp.js';

function tempDir(): string {
  return tempFolder('formats');
}

/** A file in a fresh temp dir, returned with its path. */
function file(name: string, content: string | Uint8Array): string {
  const path = join(tempDir(), name);
  writeFileSync(path, content);
  return path;
}

const ABSTRACT =
  'We study how papers are read by machines and people alike, and we report what we found in a long abstract that goes on for well over three hundred characters so that it cannot be taken for a title by the listing reader, which needs prose of at least thirty words. This sentence, and this one too, make sure of it.';

function read(path: string) {
  const { papers, summary } = readInputs([path]);
  return { papers, summary, problems: summary.problems.map((problem) => `${problem.line}: ${problem.reason}`) };
}

function utf16(text: string, endian: 'le' | 'be'): Buffer {
  const le = Buffer.from('\ufeff' + text, 'utf16le');
  return endian === 'le' ? le : Buffer.from(le).swap16();
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('encodings', () => {
  const jsonl = '{"title": "Naïve Bayes für Übersetzung — ein Überblick", "abstract": "Résumé: 日本語 and “quotes”."}\n{"title": "Second 👩‍🔬 Paper"}\n';

  test.each(['le', 'be'] as const)('UTF-16 %s with a BOM is read as text', (endian) => {
    const { papers, summary, problems } = read(file(`u16${endian}.jsonl`, utf16(jsonl, endian)));
    expect(problems).toEqual([]);
    expect(summary.files[0]).toMatchObject({ format: 'jsonl', encoding: `utf-16${endian}`, records: 2 });
    expect(papers.map((paper) => [paper.title, paper.abstract])).toEqual([
      ['Naïve Bayes für Übersetzung — ein Überblick', 'Résumé: 日本語 and “quotes”.'],
      ['Second 👩‍🔬 Paper', ''],
    ]);
  });

  test('UTF-16 spread over many read chunks keeps every character', () => {
    const lines = Array.from({ length: 6000 }, (_, i) => JSON.stringify({ title: `Überschrift ${i} 日本`, abstract: `Zusammenfassung ${i} `.repeat(10) }));
    const { papers, problems } = read(file('big16.jsonl', utf16(lines.join('\n') + '\n', 'le')));
    expect(problems).toEqual([]);
    expect(papers).toHaveLength(6000);
    expect(papers[5999].title).toBe('Überschrift 5999 日本');
  });

  test('UTF-8 with a BOM: the BOM does not hide the title column', () => {
    const { papers, summary, problems } = read(file('bom.csv', '\ufefftitle,abstract\nCafé Paper,An abstract\n'));
    expect(problems).toEqual([]);
    expect(summary.files[0]).toMatchObject({ format: 'csv', encoding: 'utf-8 with BOM' });
    expect(papers.map((paper) => [paper.title, paper.abstract])).toEqual([['Café Paper', 'An abstract']]);
  });

  test('Windows-1252 (Latin-1) text is decoded as such, with a notice naming the file', async () => {
    const bytes = Buffer.from('title;abstract\nCaf\xe9 \x93smart\x94 quotes;It\x92s na\xefve \x96 and \x85\n', 'latin1');
    const path = file('cp1252.csv', bytes);
    const { papers, summary, problems } = read(path);
    expect(problems).toEqual([]);
    expect(summary.files[0]).toMatchObject({ format: 'csv', encoding: 'windows-1252' });
    expect(papers.map((paper) => [paper.title, paper.abstract])).toEqual([['Café “smart” quotes', 'It’s naïve – and ...']]);

    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await ingestInto(tempDir(), [path], true);
    expect(stderr.mock.calls.map(([text]) => String(text))).toEqual([
      `papermap: ${path}: not UTF-8; read as Windows-1252 (Latin-1). Save it as UTF-8 to silence this notice\n`,
    ]);
  });

  test('a file that is ASCII for its first 256 KiB and Windows-1252 later is read as Windows-1252 from there', () => {
    const ascii = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ title: `Plain paper ${i}`, abstract: 'x'.repeat(100) })).join('\n');
    const path = file('late.jsonl', Buffer.concat([Buffer.from(ascii + '\n'), Buffer.from('{"title": "Caf\xe9 \x93late\x94"}\n', 'latin1')]));
    const { papers, summary, problems } = read(path);
    expect(problems).toEqual([]);
    expect(summary.files[0].encoding).toBe('windows-1252');
    expect(papers.at(-1)?.title).toBe('Café “late”');
  });

  test('UTF-8 that turns bad after the first 256 KiB is reported once, and the rest is still read', () => {
    const good = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ title: `Überblick ${i}`, abstract: 'ä'.repeat(100) })).join('\n');
    const path = file('damaged.jsonl', Buffer.concat([Buffer.from(good + '\n'), Buffer.from('{"title": "Bad \xff byte"}\n{"title": "After"}\n', 'latin1')]));
    const { papers, summary, problems } = read(path);
    expect(summary.files[0].encoding).toBe('utf-8');
    expect(papers.slice(-2).map((paper) => paper.title)).toEqual(['Bad \ufffd byte', 'After']);
    expect(problems).toEqual(['3001: bytes that are not UTF-8 (mixed encodings?), read as U+FFFD here and after; convert the file to UTF-8']);
  });

  test('NUL bytes without a UTF-16 BOM mean a binary file, refused', () => {
    const { summary, problems } = read(file('data.bin', Buffer.from([0x7b, 0x22, 0x74, 0x00, 0x69, 0x00, 0x74, 0x00])));
    expect(summary.files[0]).toMatchObject({ format: 'unreadable', records: 0 });
    expect(problems).toEqual([
      '1: binary file (NUL bytes and no UTF-16 byte order mark), not text; papermap reads UTF-8, UTF-16 with a BOM, or Windows-1252 text',
    ]);
  });
});

describe('formats', () => {
  test('TSV: a " inside a field is text, not a quote', () => {
    const { papers, problems } = read(
      file('quotes.tsv', 'title\tabstract\tnote\n5" Displays and "Quoted" Words\tAn abstract with a "quote\t"x\n"Leading quote\tSecond abstract\t\n'),
    );
    expect(problems).toEqual([]);
    expect(papers.map((paper) => [paper.title, paper.abstract, paper.metadata])).toEqual([
      ['5" Displays and "Quoted" Words', 'An abstract with a "quote', { note: '"x' }],
      ['"Leading quote', 'Second abstract', { note: '' }],
    ]);
  });

  test('a ;-separated table with a title column is read as one', () => {
    const { papers, problems } = read(
      file('papers.txt', `Title;Abstract;year\nFirst paper;${ABSTRACT};2024\n"Second; with a semicolon";Short abstract.;2025\n`),
    );
    expect(problems).toEqual([]);
    expect(papers.map((paper) => [paper.title, paper.abstract, paper.metadata])).toEqual([
      ['First paper', ABSTRACT, { year: '2024' }],
      ['Second; with a semicolon', 'Short abstract.', { year: '2025' }],
    ]);
  });

  test('a header that names a column twice (in any case) is an error naming the column', () => {
    const { papers, summary, problems } = read(file('twice.csv', 'title,abstract,Title\nA,B,C\n'));
    expect(papers).toEqual([]);
    expect(summary.files[0].records).toBe(0);
    expect(problems).toEqual(['1: the header names column "title" twice (columns 1 and 3, "Title"); rename or remove one; file skipped']);
  });

  test("a JSON array of paper objects, pretty-printed or on one line, with each object's line in problems", () => {
    const pretty = JSON.stringify(
      [
        { title: 'First, a Paper', abstract: 'One.', year: 2020 },
        { abstract: 'no title' },
        7,
        { title: 'Third [Paper] {braces} "quoted"', abstract: 'Three ] } ,' },
      ],
      null,
      2,
    );
    const { papers, summary, problems } = read(file('papers.json', pretty + '\n'));
    expect(summary.files[0]).toMatchObject({ format: 'json', records: 2 });
    expect(papers.map((paper) => [paper.title, paper.abstract, paper.metadata])).toEqual([
      ['First, a Paper', 'One.', { year: 2020 }],
      ['Third [Paper] {braces} "quoted"', 'Three ] } ,', {}],
    ]);
    const lines = pretty.split('\n');
    expect(problems).toEqual([
      `${lines.indexOf('  {', 5) + 1}: no "title" field; record skipped (give it a "title")`,
      `${lines.indexOf('  7,') + 1}: array element is not a JSON object; skipped (each paper must be a {...} object)`,
    ]);

    const compact = read(file('compact.json', JSON.stringify([{ title: 'A' }, { title: 'B', abstract: 'b' }])));
    expect(compact.problems).toEqual([]);
    expect(compact.papers.map((paper) => paper.title)).toEqual(['A', 'B']);

    const cut = read(file('cut.json', '[\n{"title": "A"},\n{"title": "B"'));
    expect(cut.papers.map((paper) => paper.title)).toEqual(['A']);
    expect(cut.problems).toEqual(['3: JSON value not closed before the end of the file (file cut short?); skipped']);
  });

  test('a pretty-printed JSON object is refused, never split into papers', () => {
    const { papers, summary, problems } = read(file('one.json', JSON.stringify({ title: 'A Paper', abstract: ABSTRACT }, null, 2)));
    expect(papers).toEqual([]);
    expect(summary.files[0]).toMatchObject({ format: 'refused', records: 0 });
    expect(problems).toEqual([
      '1: refused: a JSON document spread over several lines (pretty-printed?), not JSON Lines: line 1 is "{"; write one object a line (JSON Lines) or an array of objects',
    ]);
  });

  test('a list of titles with no abstracts is refused, never paired', () => {
    const { papers, summary, problems } = read(
      file(
        'titles.txt',
        'Attention Is All You Need\nBERT: Pre-training of Deep Bidirectional Transformers\nDeep Residual Learning\nAdam: A Method for Stochastic Optimization\n',
      ),
    );
    expect(papers).toEqual([]);
    expect(summary.files[0].format).toBe('refused');
    expect(problems).toEqual([
      '1: refused: 4 line(s) of text and none that looks like an abstract (a list of titles without abstracts?); papermap reads listings (a title line, then its abstract), JSON Lines, a JSON array of objects, or CSV/TSV with a "title" column',
    ]);
  });

  test('a CSV without a title column is refused naming the columns found', () => {
    const { papers, problems } = read(file('people.csv', 'name,summary,year\nAda,"Wrote notes, long ones",1843\nAlan,Computable numbers,1936\n'));
    expect(papers).toEqual([]);
    expect(problems).toEqual([
      '1: refused: a comma-separated table with no "title" column (columns: "name", "summary", "year"); name the title column "title"',
    ]);
  });

  test('a row with more fields than the header, and a record with "title" twice, are reported and skipped, never misassigned', () => {
    const csv = read(file('extra.csv', 'title,abstract\nGood,Fine\nShifted,Text,stray\n'));
    expect(csv.papers.map((paper) => paper.title)).toEqual(['Good']);
    expect(csv.problems).toEqual(['3: row has 3 fields but the header has 2 (a stray "," or quote?); skipped (fix the row)']);
    const jsonl = read(file('twice.jsonl', '{"title": "A", "Title": "B"}\n{"title": "C"}\n'));
    expect(jsonl.papers.map((paper) => paper.title)).toEqual(['C']);
    expect(jsonl.problems).toEqual(['1: fields "title" and "Title" are both given; record skipped (keep one of them)']);
  });

  test('a listing with CRLF line ends reads as with LF', () => {
    const text = `new\n\nFirst Paper\n${ABSTRACT}\n\nSecond Paper\n${ABSTRACT.replace('We', 'They')}\n`;
    const lf = read(file('lf.txt', text));
    const crlf = read(file('crlf.txt', text.replaceAll('\n', '\r\n')));
    expect(crlf.problems).toEqual([]);
    expect(crlf.papers.map((paper) => [paper.title, paper.abstract])).toEqual(lf.papers.map((paper) => [paper.title, paper.abstract]));
    expect(crlf.papers).toHaveLength(2);
  });

  test('a listing whose first title has a comma is still a listing', () => {
    // the abstract has one comma too, so the first two lines alone would split into two columns each
    const oneComma = ABSTRACT.replace(', and this one too, ', ' and this one too ');
    const { papers, summary, problems } = read(
      file('listing.txt', `Attention, Please: A Study\n${oneComma}\nSecond Paper\n${ABSTRACT.replace('We', 'They')}\n`),
    );
    expect(problems).toEqual([]);
    expect(summary.files[0].format).toBe('listing');
    expect(papers.map((paper) => paper.title)).toEqual(['Attention, Please: A Study', 'Second Paper']);
  });

  test('records split across read chunks (files over 1 MiB) are read whole, in every format', () => {
    const count = 4000;
    const abstract = (i: number) => `Abstract ${i}, with "quotes", commas and ünïcödé. `.repeat(8).trim();
    const rows = Array.from({ length: count }, (_, i) => ({ title: `Paper number ${i}`, abstract: abstract(i) }));
    const jsonl = read(file('big.jsonl', rows.map((row) => JSON.stringify(row)).join('\n')));
    const json = read(file('big.json', JSON.stringify(rows, null, 1)));
    const csv = read(file('big.csv', 'title,abstract\n' + rows.map((row) => `${row.title},"${row.abstract.replaceAll('"', '""')}"`).join('\r\n') + '\r\n'));
    for (const parsed of [jsonl, json, csv]) {
      expect(parsed.problems).toEqual([]);
      expect(parsed.papers.map((paper) => [paper.title, paper.abstract])).toEqual(rows.map((row) => [row.title, row.abstract]));
    }
  });
});

describe('duplicates', () => {
  test('same title with different abstracts keeps the longer (on equal length the first) and reports both places', () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, 'a.jsonl'),
      [
        { title: 'Equal Length', abstract: 'Version one.' },
        { title: 'Longer Later', abstract: 'Short.' },
        { title: 'True Duplicate', abstract: 'Same text.' },
        { title: 'Empty First', abstract: '' },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    writeFileSync(
      join(dir, 'b.jsonl'),
      [
        { title: 'equal length!', abstract: 'Version two.' },
        { title: 'LONGER later', abstract: 'A much longer abstract.' },
        { title: 'True  Duplicate', abstract: 'Same text.' },
        { title: 'Empty first', abstract: 'Filled in later.' },
        { title: 'True Duplicate', abstract: '' },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n'),
    );
    const a = join(dir, 'a.jsonl');
    const b = join(dir, 'b.jsonl');
    const { papers, summary } = readInputs([a, b]);
    expect(summary.duplicatesMerged).toBe(5);
    expect(summary.problems).toEqual([
      {
        file: b,
        line: 1,
        reason: `same title as ${a}:1 but a different abstract; kept the title and abstract of ${a}:1 (abstracts of equal length: the first seen), dropped this record's`,
      },
      {
        file: b,
        line: 2,
        reason: `same title as ${a}:2 but a different abstract; kept this record's title and abstract (the longer abstract), dropped those of ${a}:2`,
      },
    ]);
    expect(papers.map((paper) => [paper.title, paper.abstract, paper.sources.length])).toEqual([
      ['Equal Length', 'Version one.', 2],
      ['LONGER later', 'A much longer abstract.', 2],
      ['True Duplicate', 'Same text.', 2],
      ['Empty First', 'Filled in later.', 2],
    ]);
  });

  test('the streamed papers.jsonl is the same as the papers merged in memory', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(
      join(dir, '1.jsonl'),
      '{"title": "One", "abstract": "a", "x": 1}\n{"title": "Two", "sources": "theirs"}\n{"title": "Three"}\n{"title": "Five", "abstract": "five", "p": 1, "q": 2, "r": 3}\n',
    );
    writeFileSync(join(dir, '2.csv'), 'title,abstract,y\nONE,a,2\nthree,filled,3\nFour,,4\nFive,longer five,\n');
    // same fields in another order reorder them (the later record's order first, as ever); the same fields in the same order change nothing
    writeFileSync(
      join(dir, '3.jsonl'),
      '{"title": "Five", "q": 0, "p": 0}\n{"title": "one", "abstract": "b", "x": 5, "y": 6}\n{"title": "Two", "input_sources": "x"}\n',
    );
    const files = [join(dir, '1.jsonl'), join(dir, '2.csv'), join(dir, '3.jsonl')];
    const { papers, summary: inMemory } = readInputs(files);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const summary = await ingestInto(out, [dir], false);
    expect(summary).toMatchObject({ papers: 5, records: 11, duplicatesMerged: 6 });
    expect(summary.problems).toEqual(inMemory.problems);
    expect(summary.problems.map((problem) => `${problem.file.slice(dir.length + 1)}:${problem.line}`)).toEqual(['2.csv:5', '3.jsonl:2']);
    expect(papers[3]).toMatchObject({ title: 'Five', abstract: 'longer five', metadata: { q: 2, p: 1, r: 3, y: '' } });
    expect(Object.keys(papers[3].metadata)).toEqual(['q', 'p', 'y', 'r']);
    expect(readFileSync(join(out, 'papers.jsonl'), 'utf8')).toBe(papers.map((paper) => paperToJson(paper) + '\n').join(''));
    expect(papers[0].metadata).toEqual({ x: 1, y: '2' });
    expect(papers[1]).toMatchObject({ sources: [join(dir, '1.jsonl'), join(dir, '3.jsonl')], metadata: { input_sources: 'theirs' } });
    expect(readdirSync(out).sort()).toEqual(['ingest.state', 'manifest.json', 'papers.jsonl']);
  });
});

describe('text cleaning', () => {
  test('bidirectional controls are removed', () => {
    const title = 'Safe\u202e txt.exe\u202c \u2066isolated\u2069 \u200fmarks\u200e \u202aembedded\u202b\u202d';
    expect(cleanText(title)).toBe('Safe txt.exe isolated marks embedded');
    const { papers } = read(file('bidi.jsonl', JSON.stringify({ title, abstract: 'Text \u2067right\u2069.' }) + '\n'));
    expect([papers[0].title, papers[0].abstract]).toEqual(['Safe txt.exe isolated marks embedded', 'Text right.']);
  });

  test('text is Unicode NFKC with single spaces', () => {
    expect(cleanText('  Ｆｕｌｌ-width\u00a0and\tthe ﬁrst   ligature\n x² ')).toBe('Full-width and the first ligature x2');
  });

  test('a zero-width joiner inside an emoji sequence is kept, elsewhere removed', () => {
    expect(cleanText('Lab 👩‍🔬 and 👨🏽‍💻 and 🏳️‍🌈')).toBe('Lab 👩‍🔬 and 👨🏽‍💻 and 🏳️‍🌈');
    expect(cleanText('zero\u200dwidth\u200b joiner 👩\u200d')).toBe('zerowidth joiner 👩');
  });
});

describe('no papers, strict', () => {
  test('when no file yields papers, ingest fails with a UserError and writes nothing', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'titles.txt'), 'Just A Title\nAnother Title\n');
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(ingestInto(out, [join(dir, 'titles.txt')], false)).rejects.toThrow(UserError);
    await expect(ingestInto(out, [join(dir, 'titles.txt')], false)).rejects.toThrow(
      /^no papers found in .*titles\.txt \(every file was refused, empty or unreadable; see the warnings above\); nothing written$/,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  test('--strict stops at a refused file with its place, and leaves no temp files', async () => {
    const dir = tempDir();
    const out = join(dir, 'out');
    writeFileSync(join(dir, 'a.jsonl'), '{"title": "Fine"}\n');
    writeFileSync(join(dir, 'b.json'), '{\n  "title": "x"\n}\n');
    await expect(ingestInto(out, [dir], true)).rejects.toThrow(`${join(dir, 'b.json')}:1: refused: a JSON document spread over several lines`);
    expect(readdirSync(out)).toEqual([]);
  });
});
