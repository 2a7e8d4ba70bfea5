import { readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { OutputFolder } from '../../src/store/folder.js';
import {
  paperDigest,
  previousPapersLead,
  readShownPapers,
  readPaperDigests,
  readPaperIdsAndDates,
  readPapers,
  readPaperTexts,
  readPaperTitles,
  type Paper,
} from '../../src/store/read.js';
import { gatherRows } from '../../src/shared/vectors.js';
import { folderWith, folderWithVectors } from '../helpers.js';
import { tempFolder } from '../temp.js';

/** Papers whose ids, titles and abstracts need JSON escapes, or hold characters outside ASCII, or end in a backslash. */
const papers: Paper[] = [
  { id: 'plain', title: 'A plain title', abstract: 'A plain abstract.', sources: ['a.jsonl'], metadata: { year: 2020 } },
  {
    id: 'q"uote\\',
    title: 'Title with "quotes" and a back\\slash\\',
    abstract: 'Abstract "quoted" \\ and\ttab\nnewline',
    sources: ['a.jsonl', 'b.csv'],
    metadata: {},
  },
  { id: 'ünï', title: 'Émile, 東京 and 🧬 \u2028 line separator', abstract: '', sources: ['a.jsonl'], metadata: { authors: ['X "Y"'] } },
  {
    id: 'ctl',
    title: 'Control \u0001 and lone \ud800 surrogate',
    abstract: 'ends in a backslash \\',
    sources: ['c.tsv'],
    metadata: { note: '"title":"not this"' },
  },
];

test('ids, titles and digests read without parsing whole lines are those of the full parse, escapes and all', () => {
  const out = tempFolder('read');
  const folder = folderWith(out, papers);
  const full = readPapers(folder);
  const titles = readPaperTitles(folder);
  const digests = readPaperDigests(folder);
  expect(titles.papers).toEqual(full.papers.map(({ id, title }) => ({ id, title })));
  expect(titles.papers.map((paper) => paper.id)).toEqual(papers.map((paper) => paper.id));
  expect(digests.papers).toEqual(papers.map((paper) => ({ id: paper.id, title: paper.title, digest: paperDigest(paper) })));
  expect(new Set(digests.papers.map((paper) => paper.digest)).size).toBe(papers.length);
  expect(titles.hash).toBe(full.hash);
  expect(digests.hash).toBe(full.hash);
  expect(readShownPapers(folder, Int32Array.from([3, 1])).map((paper) => paper.abstract)).toEqual([papers[3].abstract, papers[1].abstract]);
  expect(readPaperTexts(folder, Int32Array.from([3, 1]))).toEqual([3, 1].map((row) => ({ title: papers[row].title, abstract: papers[row].abstract })));
  const idsAndDates = readPaperIdsAndDates(folder);
  expect(idsAndDates).toEqual({ ids: papers.map((paper) => paper.id), dates: full.papers.map((paper) => paper.date), hash: full.hash });
  rmSync(out, { recursive: true, force: true });
});

test('a digest changes with the title or the abstract, and with nothing else', () => {
  const base = { title: 'T', abstract: 'A' };
  expect(paperDigest({ ...base, abstract: 'B' })).not.toBe(paperDigest(base));
  expect(paperDigest({ ...base, title: 'U' })).not.toBe(paperDigest(base));
  // the boundary between title and abstract is part of what is digested
  expect(paperDigest({ title: 'TA', abstract: '' })).not.toBe(paperDigest({ title: 'T', abstract: 'A' }));
  const out = tempFolder('read');
  const digest = (paper: Paper) => readPaperDigests(folderWith(out, [paper])).papers[0].digest;
  const paper: Paper = { id: 'p', title: 'T', abstract: 'A', sources: ['a'], metadata: {} };
  expect(digest({ ...paper, sources: ['b', 'c'], metadata: { year: 1 } })).toBe(digest(paper));
  rmSync(out, { recursive: true, force: true });
});

test('a line that does not begin as papermap writes papers is refused, naming the line', () => {
  const out = tempFolder('read');
  const folder = folderWith(out, papers.slice(0, 2));
  // without manifest.json the readers alone check the file
  rmSync(join(out, 'manifest.json'));
  const path = folder.path('papers');
  const lines = readFileSync(path, 'utf8').split('\n');
  const broken = [
    lines[1].replace('{"id":', '{"title":"x","id":'),
    lines[1].replace(',"abstract":', ',"summary":'),
    lines[1].slice(0, -1),
    '{"id":"","title":"x","abstract":"","sources":[]}',
    '{"id":"bad \\x escape","title":"x","abstract":"","sources":[]}',
  ];
  for (const line of broken) {
    writeFileSync(path, `${lines[0]}\n${line}\n`);
    expect(() => readPaperTitles(OutputFolder.existing(out))).toThrow(/papers\.jsonl.*line 2 is not a paper as papermap writes it/);
  }
  writeFileSync(path, `${lines[0]}\n${lines[0]}\n`);
  expect(() => readPaperTitles(OutputFolder.existing(out))).toThrow(/line 2 repeats the id plain/);
  rmSync(out, { recursive: true, force: true });
});

test('the previous papers.jsonl leads the current one when a run only added papers after it, byte for byte', () => {
  const out = tempFolder('read');
  const [a, b, c] = papers;
  const lead = (now: Paper[]) => previousPapersLead(folderWith(out, now));
  folderWith(out, [a, b]);
  // none before the first commit
  expect(previousPapersLead(OutputFolder.existing(tempFolder('read')))).toBeUndefined();
  expect(lead([a, b, c])).toBe(2);
  expect(lead([a, b, c])).toBe(3);
  expect(lead([a, { ...b, abstract: 'changed' }, c])).toBeUndefined();
  expect(lead([a, b])).toBeUndefined();
  expect(lead([b, a, c])).toBeUndefined();
  rmSync(out, { recursive: true, force: true });
});

test('vectors read a block of rows at a time are every vector in order, checked as readVectors checks them', () => {
  const out = tempFolder('read');
  const dim = 5;
  const many = Array.from({ length: 23 }, (_, row) => ({ id: `p${row}`, title: `T${row}`, abstract: '', sources: ['a'], metadata: {} }));
  const vectors = Float32Array.from({ length: many.length * dim }, (_, at) => Math.sin(at));
  const folder = folderWithVectors(out, many, vectors, dim);
  for (const rows of [1, 4, 23, 100, undefined]) {
    const starts: number[] = [];
    const read = new Float32Array(vectors.length);
    const info = folder.readVectorBlocks((start, block) => {
      starts.push(start);
      read.set(block, start * dim);
    }, rows);
    expect(info.count).toBe(many.length);
    expect(read).toEqual(vectors);
    const step = Math.min(rows ?? many.length, many.length);
    expect(starts).toEqual(Array.from({ length: Math.ceil(many.length / step) }, (_, index) => index * step));
  }
  expect(folder.readVectorRows([22, 0, 9]).vectors).toEqual(gatherRows(vectors, dim, [22, 0, 9]));
  expect(folder.readVectors().vectors).toEqual(vectors);

  // a NaN whose hashes vouch for it is found wherever the blocks cut, naming the vector
  const bad = Float32Array.from(vectors);
  bad[17 * dim + 2] = Number.NaN;
  const doctoredOut = tempFolder('read');
  const doctored = folderWithVectors(doctoredOut, many, bad, dim);
  for (const rows of [1, 4, 100]) expect(() => doctored.readVectorBlocks(() => {}, rows)).toThrow(/vectors\.f32: vector 18 holds NaN or an infinite value/);
  expect(() => doctored.readVectorRows([0])).toThrow(/vector 18 holds NaN/);
  rmSync(doctoredOut, { recursive: true, force: true });

  // a file cut short hands over no block, and is refused as readVectors refuses it
  truncateSync(folder.path('vectors'), vectors.byteLength - 4);
  let blocks = 0;
  expect(() => folder.readVectorBlocks(() => blocks++)).toThrow(/vectors\.f32: does not match the hash/);
  expect(() => folder.readVectors()).toThrow(/vectors\.f32: does not match the hash/);
  expect(blocks).toBe(0);
  rmSync(out, { recursive: true, force: true });
});
