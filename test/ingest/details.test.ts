import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { readDetails, mergeDetails } from '../../src/ingest/details.js';
import { readInputs } from '../../src/ingest/index.js';
import { parseListing } from '../../src/ingest/listing.js';
import { arxivMonth, earlierDate, parseDate } from '../../src/shared/dates.js';
import { paperLine } from '../../src/store/schemas.js';
import { ingestInto, papersOf } from '../helpers.js';
import { tempFolder } from '../temp.js';

const ABSTRACT =
  'We study how papers are read by machines and people alike, and we report what we found in a long abstract that goes on for well over three hundred characters so that it cannot be taken for a title by the listing reader, which needs prose of at least thirty words. This sentence, and this one too, make sure of it.';

describe('dates', () => {
  test.each([
    ['2024-03-14', '2024-03-14'],
    ['2024-3-4', '2024-03-04'],
    ['2024/03/14', '2024-03-14'],
    ['2024-03', '2024-03'],
    ['2024', '2024'],
    [2019, '2019'],
    ['2024-03-14T23:59:59Z', '2024-03-14'],
    ['2008-11-13 10:00:00', '2008-11-13'],
    ['Mon, 2 Apr 2007 19:18:42 GMT', '2007-04-02'],
    ['14 March 2024', '2024-03-14'],
    ['Mar 14, 2024', '2024-03-14'],
    ['Sept. 3 2021', '2021-09-03'],
    ['March 2024', '2024-03'],
    ['Mar 14', '--03-14'],
    ['29 Feb 2024', '2024-02-29'],
    ['14/03/2024', '2024-03-14'],
    ['03/14/2024', '2024-03-14'],
  ])('%s is %s', (text, date) => expect(parseDate(text)).toBe(date));

  test.each([
    ['30 Feb 2024'],
    ['29 Feb 2023'],
    ['2024-13'],
    ['03/04/2024'],
    ['spring 2019'],
    ['Marsh 14'],
    ['999'],
    [2019.5],
    ['2024-03-14 and later'],
    [true],
  ])('%s is not a date papermap reads for certain', (text) => expect(parseDate(text)).toBeUndefined());

  test('the earlier of two dates: a year over none, the more precise of two that agree, the first of two without a year', () => {
    expect(earlierDate('2024-03-14', '2023-12')).toBe('2023-12');
    expect(earlierDate('2024', '2024-03-14')).toBe('2024-03-14');
    expect(earlierDate('2024-03-14', '2024')).toBe('2024-03-14');
    expect(earlierDate('--01-02', '2024-03-14')).toBe('2024-03-14');
    expect(earlierDate('--05-12', '--03-14')).toBe('--05-12');
    expect(earlierDate(undefined, '--03-14')).toBe('--03-14');
  });

  test('an arXiv id gives the month it was given in, and nothing for what is no arXiv id', () => {
    expect(arxivMonth('2403.12345')).toBe('2024-03');
    expect(arxivMonth('0704.0001v2')).toBe('2007-04');
    expect(arxivMonth('hep-th/9901001')).toBe('1999-01');
    expect(arxivMonth('math.AG/0611001')).toBe('2006-11');
    expect(arxivMonth('0001.12345')).toBeUndefined();
    expect(arxivMonth('2413.12345')).toBeUndefined();
    expect(arxivMonth('0000123')).toBeUndefined();
  });
});

describe('details of a record', () => {
  test('the arXiv metadata snapshot: v1 is the date, authors from authors_parsed, categories split, the DOI, the id', () => {
    const record = {
      submitter: 'Pavel Nadolsky',
      authors: "C. Bal\\'azs, E. L. Berger (Argonne), P. M. Nadolsky and C.-P. Yuan",
      doi: '10.1103/PhysRevD.76.013009 10.1103/other',
      categories: 'hep-ph cs.CL',
      versions: [
        { version: 'v1', created: 'Mon, 2 Apr 2007 19:18:42 GMT' },
        { version: 'v2', created: 'Tue, 24 Jul 2007 20:10:27 GMT' },
      ],
      update_date: '2008-11-13',
      authors_parsed: [
        ['Balázs', 'C.', ''],
        ['Berger', 'E. L.', ''],
        ['Nadolsky', 'P. M.', ''],
        ['Yuan', 'C. -P.', ''],
      ],
    };
    const { details, metadata, notices } = readDetails(record, '0704.0001');
    expect(details).toEqual({
      date: '2007-04-02',
      authors: ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C. -P. Yuan'],
      categories: ['hep-ph', 'cs.CL'],
      doi: '10.1103/PhysRevD.76.013009',
      arxivId: '0704.0001',
    });
    // fields that only feed a detail stay as they were; those named as a detail give way to it
    expect(Object.keys(metadata)).toEqual(['submitter', 'versions', 'update_date', 'authors_parsed']);
    expect(notices).toEqual([]);
    // the details go first in the object, so papers.jsonl writes them in a fixed order
    expect(Object.keys(details)).toEqual(['date', 'authors', 'categories', 'doi', 'arxivId']);
  });

  test('CSV columns by their usual names: the earliest date, authors at semicolons, an address, arXiv from the address', () => {
    const { details, metadata, notices } = readDetails(
      {
        'Publication Date': '2021-06-01',
        Year: '2020',
        Author: 'Smith, J.; Doe, K.',
        Category: 'Machine Learning',
        Link: 'https://arxiv.org/abs/2106.01234v3',
        DOI: 'https://doi.org/10.48550/arXiv.2106.01234',
      },
      '17',
    );
    expect(details).toEqual({
      date: '2020',
      authors: ['Smith, J.', 'Doe, K.'],
      categories: ['Machine Learning'],
      doi: '10.48550/arXiv.2106.01234',
      arxivId: '2106.01234',
      url: 'https://arxiv.org/abs/2106.01234v3',
    });
    expect(Object.keys(metadata)).toEqual(['Publication Date', 'Year', 'Author', 'Category', 'Link']);
    expect(notices).toEqual([]);
  });

  test('an id is an arXiv id only when arXiv could have given it', () => {
    expect(readDetails({}, '1234.5678').details).toEqual({});
    expect(readDetails({}, '2403.12345v2').details).toEqual({ date: '2024-03', arxivId: '2403.12345' });
    expect(readDetails({ arxiv_id: 'arXiv:hep-th/9901001v3' }, 'x').details).toEqual({ date: '1999-01', arxivId: 'hep-th/9901001' });
  });

  test('what cannot be read is left out with a notice, and a field named as a detail is kept aside', () => {
    const { details, metadata, notices } = readDetails(
      { date: 'spring 2019', published: '30 Feb 2020', url: 'javascript:alert(1)', doi: 'not a doi', authors: 42, categories: [], journal: 'J' },
      undefined,
    );
    expect(details).toEqual({});
    expect(metadata).toEqual({
      input_date: 'spring 2019',
      published: '30 Feb 2020',
      input_url: 'javascript:alert(1)',
      input_doi: 'not a doi',
      input_authors: 42,
      journal: 'J',
    });
    expect(notices).toHaveLength(5);
    expect(notices[0]).toBe('date "spring 2019" is not a date papermap can read for certain (write 2024-03-14, 2024-03 or 2024); the paper is kept without it');
    // an empty list is missing, not wrong
    expect(notices.join('\n')).not.toMatch(/categories/);
  });

  test('merging: the earliest date, the categories of both, the rest first come first served', () => {
    expect(
      mergeDetails(
        { date: '2024-03-14', categories: ['cs.CL'], url: 'https://a.example/' },
        { date: '2023', categories: ['cs.AI', 'cs.CL'], url: 'https://b.example/', doi: '10.1/x' },
      ),
    ).toEqual({ date: '2023', categories: ['cs.CL', 'cs.AI'], doi: '10.1/x', url: 'https://a.example/' });
  });
});

describe('listing dumps', () => {
  test('a date line dates the papers after it, with the year only where the page gives one', () => {
    const text = [
      'Mar 14',
      'A first title',
      ABSTRACT,
      'May 12, 2025',
      'A second title',
      ABSTRACT.replace('We', 'They'),
      'Feb 30',
      'A third title',
      ABSTRACT.replace('We', 'You'),
    ].join('\n');
    const { records, problems, notices } = parseListing(text);
    expect(problems).toEqual([]);
    expect(records.map((record) => [record.title, record.details.date])).toEqual([
      ['A first title', '--03-14'],
      ['A second title', '2025-05-12'],
      ['A third title', undefined],
    ]);
    expect(notices).toEqual([{ line: 7, reason: 'date line "Feb 30" is not a date; the papers after it are kept without a date' }]);
  });

  test('the seeds: the listing dates of three files, without a year (the pages give none), and none for the fourth', () => {
    const { papers } = readInputs([
      'seeds/000_dcadb2093315f43d.txt',
      'seeds/001_461ff4b37d51458f.txt',
      'seeds/002_8b127e314e111ed4.txt',
      'seeds/004_4b4670f83578b3f2.txt',
    ]);
    const dates = new Map<string | undefined, number>();
    for (const paper of papers) dates.set(paper.date, (dates.get(paper.date) ?? 0) + 1);
    expect(Object.fromEntries(dates)).toEqual({ '--03-14': 138, '--05-12': 44, undefined: 226 });
    // listed on Mar 14 (file 000) and again on May 12 (file 002): without a year neither is known to be earlier, so the first stays
    const both = papers.find((paper) => paper.sources.length === 3 && paper.sources[2].includes('002_'))!;
    expect(both.date).toBe('--03-14');
  });
});

describe('papers.jsonl', () => {
  test('details are written after the sources, merged across files, checked by the schema, and missing ones stay missing', async () => {
    const input = tempFolder('details-in');
    const out = tempFolder('details-out');
    writeFileSync(
      join(input, 'a.jsonl'),
      [
        JSON.stringify({ id: '2403.00001', title: 'Dated paper', abstract: 'x', categories: 'cs.CL', url: 'https://example.org/a?b=1&c=<2>' }),
        JSON.stringify({ title: 'Plain paper', abstract: 'y', keywords: ['k'] }),
        JSON.stringify({ title: 'Badly dated paper', abstract: 'z', date: '2024-02-30' }),
        '',
      ].join('\n'),
    );
    writeFileSync(join(input, 'b.csv'), 'title,abstract,published,categories,doi\nDated paper,x,2024-03-01,cs.AI;cs.CL,10.1000/xyz\n');
    const summary = await ingestInto(out, [input]);
    expect(summary.problems).toEqual([]);
    const lines = readFileSync(join(out, 'papers.jsonl'), 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      '{"id":"2403.00001","title":"Dated paper","abstract":"x","sources":["' +
        join(input, 'a.jsonl') +
        '","' +
        join(input, 'b.csv') +
        '"],"date":"2024-03-01","categories":["cs.CL","cs.AI"],"doi":"10.1000/xyz","arxivId":"2403.00001","url":"https://example.org/a?b=1&c=%3C2%3E","published":"2024-03-01"}',
    );
    for (const line of lines) expect(paperLine.safeParse(JSON.parse(line)).success).toBe(true);
    const [dated, plain, badly] = papersOf(out);
    expect(dated).toMatchObject({ date: '2024-03-01', arxivId: '2403.00001', metadata: { published: '2024-03-01' } });
    expect(Object.keys(plain)).toEqual(['id', 'title', 'abstract', 'sources', 'metadata']);
    expect(plain.metadata).toEqual({ keywords: ['k'] });
    expect(badly.date).toBeUndefined();
    expect(badly.metadata).toEqual({ input_date: '2024-02-30' });
  });

  test('a date of the wrong shape in papers.jsonl is damage, not a date', () => {
    expect(paperLine.safeParse({ id: 'a', title: 't', abstract: '', sources: [], date: '14 March' }).success).toBe(false);
    expect(paperLine.safeParse({ id: 'a', title: 't', abstract: '', sources: [], url: 'javascript:x' }).success).toBe(false);
    expect(paperLine.safeParse({ id: 'a', title: 't', abstract: '', sources: [], date: '--03-14', authors: ['A'] }).success).toBe(true);
  });
});
