import { describe, expect, test } from 'vitest';
import { arxivOf, doiOf, titleKey } from '../../src/recommend/entry.js';
import { decode, parseLibrary } from '../../src/recommend/library.js';
import { matchEntries } from '../../src/recommend/match.js';

describe('identifiers and titles', () => {
  test('arXiv ids in every spelling, without the version; old ids without the subject class', () => {
    expect(arxivOf('https://arxiv.org/abs/2303.08774v2')).toBe('2303.08774');
    expect(arxivOf('arXiv:2401.00001')).toBe('2401.00001');
    expect(arxivOf('arXiv preprint arXiv:1706.03762')).toBe('1706.03762');
    expect(arxivOf('https://arxiv.org/pdf/hep-th/9901001v3.pdf')).toBe('hep-th/9901001');
    expect(arxivOf('arXiv:math.GT/0309136')).toBe('math/0309136');
    expect(arxivOf('10.48550/arXiv.2303.08774')).toBe('2303.08774');
    expect(arxivOf('2101.00001v2', true)).toBe('2101.00001');
    // a number that is not said to be an arXiv id is not one
    expect(arxivOf('pages 2101.00001')).toBeUndefined();
  });

  test('DOIs lower case, without the resolver or trailing punctuation', () => {
    expect(doiOf('https://doi.org/10.1145/3292500.3330701.')).toBe('10.1145/3292500.3330701');
    expect(doiOf('doi:10.1000/ABC%2F1')).toBe('10.1000/abc/1');
    expect(doiOf('no doi here')).toBeUndefined();
  });

  test('titles compared without case, accents, TeX, markup and punctuation', () => {
    const key = titleKey('Attention Is All You Need');
    expect(titleKey('{A}ttention is all you {N}eed.')).toBe(key);
    expect(titleKey('<i>Attention</i>  is ALL you need!')).toBe(key);
    expect(titleKey('{\\"U}ber M{\\"o}glichkeiten')).toBe(titleKey('Über Möglichkeiten'));
    expect(titleKey('Über Möglichkeiten')).toBe('uber moglichkeiten');
  });
});

const BIBTEX = `% exported
@string{neurips = "Advances in Neural Information Processing Systems"}

@inproceedings{vaswani2017,
  title = {Attention Is All You {N}eed},
  author = {Vaswani, Ashish and Shazeer, Noam},
  booktitle = neurips,
  year = 2017,
  doi = {10.5555/3295222.3295349}
}

@article{broken,
  title = {Broken {entry,
  year = 2020
}

@article{muller,
  title = {{\\"U}ber die M{\\"o}glichkeit der
           Multi-line {\\'e}t{\\'e} \\emph{Fields}},
  author = {M\\"uller, J.},
  year = {2019},
  eprint = {2101.00001v2},
  archivePrefix = {arXiv},
  abstract = {We show things.},
  timestamp = {2024-03-01}
}
`;

describe('reading a library, by content', () => {
  test('BibTeX: @string, TeX accents, multi-line fields, an eprint; a broken entry is reported with its line and the others are read', () => {
    const library = parseLibrary(BIBTEX, 'refs.txt');
    expect(library.format).toBe('BibTeX');
    expect(library.entries).toEqual([
      { line: 4, key: 'vaswani2017', id: 'vaswani2017', title: 'Attention Is All You Need', doi: '10.5555/3295222.3295349', year: 2017 },
      {
        line: 17,
        key: 'muller',
        id: 'muller',
        title: 'Über die Möglichkeit der Multi-line été Fields',
        abstract: 'We show things.',
        arxiv: '2101.00001',
        year: 2019,
        added: Date.parse('2024-03-01'),
      },
    ]);
    expect(library.problems).toEqual([{ line: 12, message: expect.stringMatching(/^BibTeX entry @article\{broken cannot be read \(/) }]);
  });

  test('RIS: records cut at TY, a record without a title reported with its line', () => {
    const ris =
      'TY  - JOUR\nTI  - Deep learning for things\nAB  - An abstract\n  that continues.\nDO  - https://doi.org/10.1000/XYZ123\nUR  - https://arxiv.org/abs/2101.00001v3\nPY  - 2020\nER  - \n\nTY  - CONF\nAU  - Nobody\nER  - \n';
    const library = parseLibrary(ris, 'export.ris');
    expect(library.format).toBe('RIS');
    expect(library.entries).toEqual([
      { line: 1, title: 'Deep learning for things', abstract: 'An abstract that continues.', doi: '10.1000/xyz123', arxiv: '2101.00001', year: 2020 },
    ]);
    expect(library.problems).toEqual([{ line: 10, message: expect.stringContaining('no title') }]);
  });

  test('CSL-JSON: a syntax error and an item that is no object are reported with their lines, the other items read', () => {
    const json =
      '[\n {"id":"a","title":"One","DOI":"10.1234/one","issued":{"date-parts":[[2019]]}},\n {"id":"b","title":"Two" "abstract": "x"},\n 42,\n {"id":"c","title":"Three","URL":"https://arxiv.org/pdf/2303.08774.pdf"}\n]';
    const library = parseLibrary(json, 'zotero.json');
    expect(library.format).toBe('CSL-JSON');
    expect(library.entries.map((entry) => [entry.line, entry.title, entry.doi, entry.arxiv])).toEqual([
      [2, 'One', '10.1234/one', undefined],
      [3, 'Two', undefined, undefined],
      [5, 'Three', undefined, '2303.08774'],
    ]);
    expect(library.problems.map((problem) => problem.line)).toEqual([3, 4]);
  });

  test("Zotero's CSV export: a record with broken quotes is skipped with its line, a multi-line abstract kept", () => {
    const csv = [
      '"Key","Item Type","Publication Year","Author","Title","DOI","Url","Abstract Note","Date Added","Extra"',
      '"K1","journalArticle","2021","A","A title, with comma","","http://arxiv.org/abs/hep-th/9901001v2","First line',
      'second line","2024-01-02 10:00:00",""',
      '"K2","journalArticle","2020","B","Bad "quote" here","","","","",""',
      '"K3","journalArticle","2020","C","Third","10.1234/abc","","","2023-05-01 00:00:00","arXiv: 2101.00002"',
    ].join('\n');
    const library = parseLibrary(csv, 'zotero.csv');
    expect(library.format).toBe('CSV');
    expect(library.entries.map((entry) => [entry.line, entry.key, entry.title, entry.abstract, entry.arxiv, entry.doi])).toEqual([
      [2, 'K1', 'A title, with comma', 'First line second line', 'hep-th/9901001', undefined],
      [5, 'K3', 'Third', undefined, '2101.00002', '10.1234/abc'],
    ]);
    expect(library.problems.map((problem) => problem.line)).toEqual([4]);
  });

  test('a plain list: ids, DOIs, arXiv ids, links and titles; a paragraph is no title', () => {
    const library = parseLibrary(
      `# mine\n2401.00001v2\narXiv:hep-th/9901001\nhttps://doi.org/10.1145/3292500.3330701\n0123456789ab\nAttention Is All You Need\n${'word '.repeat(120)}\n`,
      'list.bib',
    );
    expect(library.format).toBe('list');
    expect(library.entries.map((entry) => [entry.line, entry.arxiv, entry.doi, entry.title])).toEqual([
      [2, '2401.00001', undefined, undefined],
      [3, 'hep-th/9901001', undefined, undefined],
      [4, undefined, '10.1145/3292500.3330701', undefined],
      [5, undefined, undefined, '0123456789ab'],
      [6, undefined, undefined, 'Attention Is All You Need'],
    ]);
    expect(library.problems.map((problem) => problem.line)).toEqual([7]);
  });

  test('JSON Lines (a papers.jsonl) is read a line at a time', () => {
    const library = parseLibrary('{"id":"1","title":"A"}\n{"id":"2","title":"B","doi":"10.1234/b"}\nnot json\n', 'papers.jsonl');
    expect(library.entries.map((entry) => [entry.id, entry.doi])).toEqual([
      ['1', undefined],
      ['2', '10.1234/b'],
    ]);
    expect(library.problems).toEqual([{ line: 3, message: expect.stringContaining('not a JSON object') }]);
  });

  test('an empty, binary or XML file is one line naming it', () => {
    expect(() => parseLibrary(' \n\n', 'a.bib')).toThrow(/^a\.bib is empty: export your library/);
    expect(() => parseLibrary('%PDF\u0000\u0001\u0002', 'b.bib')).toThrow(/^b\.bib is binary: give a BibTeX/);
    expect(() => parseLibrary('<?xml version="1.0"?><xml><records/></xml>', 'c.xml')).toThrow(/^c\.xml looks like XML or HTML/);
  });

  test('encodings: UTF-8 with a BOM, UTF-16 with a BOM, Latin-1', () => {
    expect(decode(Buffer.from('\uFEFFÜber', 'utf8'))).toBe('Über');
    expect(decode(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Über', 'utf16le')]))).toBe('Über');
    expect(decode(Buffer.from([0xdc, 0x62, 0x65, 0x72]))).toBe('Über');
  });
});

describe('matching entries to papers', () => {
  const papers = [
    { id: '2303.08774', title: 'GPT-4 Technical Report', abstract: '', metadata: {} },
    {
      id: 'aaaaaaaaaaaa',
      title: 'Attention Is All You Need',
      abstract: 'The dominant sequence transduction models are based on complex recurrent networks.',
      metadata: { year: 2017 },
    },
    { id: 'bbbbbbbbbbbb', title: 'Deep Residual Learning', abstract: '', metadata: { doi: 'https://doi.org/10.1109/CVPR.2016.90' } },
    { id: 'cccccccccccc', title: 'Attention Is All You Need', abstract: '', metadata: { year: 2030 } },
  ];

  test('by id, DOI, arXiv id, then title checked against the year and abstract', () => {
    const { matched, unmatched } = matchEntries(
      [
        { line: 1, id: 'bbbbbbbbbbbb' },
        { line: 2, doi: '10.1109/cvpr.2016.90' },
        { line: 3, arxiv: '2303.08774' },
        { line: 4, title: 'attention is all you need', year: 2017 },
        { line: 5, title: 'Attention is all you need', year: 2030 },
        { line: 6, title: 'Attention is all you need', abstract: 'We count birds in the northern forests of Finland across ten winters of observations.' },
        { line: 7, title: 'A paper nobody has' },
      ],
      papers,
    );
    expect(matched.map((match) => [match.entry.line, papers[match.row].id, match.by])).toEqual([
      [1, 'bbbbbbbbbbbb', 'id'],
      [2, 'bbbbbbbbbbbb', 'doi'],
      [3, '2303.08774', 'arxiv'],
      [4, 'aaaaaaaaaaaa', 'title'],
      [5, 'cccccccccccc', 'title'],
      // the first paper of that title has another abstract; the second has none to contradict it
      [6, 'cccccccccccc', 'title'],
    ]);
    expect(unmatched.map((entry) => entry.line)).toEqual([7]);
  });
});
