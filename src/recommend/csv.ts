import { parse } from 'csv-parse/sync';
import { arxivOf, cleanText, dateOf, doiOf, entry, yearOf, type ReadEntries } from './entry.js';

/**
 * The columns a library table may have, by the names Zotero's CSV export
 * gives them (and plainer spellings), in lower case; the first present wins.
 */
const COLUMNS = {
  key: ['key', 'citation key', 'id'],
  title: ['title'],
  abstract: ['abstract note', 'abstract'],
  doi: ['doi'],
  url: ['url', 'link'],
  arxiv: ['arxiv', 'arxiv id', 'eprint'],
  extra: ['extra', 'notes', 'note'],
  year: ['publication year', 'year', 'date'],
  added: ['date added', 'added', 'timestamp'],
} as const;

/** The delimiter of a header line: the most frequent of comma, tab and semicolon. */
export function delimiterOf(header: string): string {
  return [',', '\t', ';'].map((delimiter) => ({ delimiter, count: header.split(delimiter).length })).sort((a, b) => b.count - a.count)[0].delimiter;
}

/** The columns that name a library: a title, a DOI or an arXiv id; undefined when the header has none of them. */
export function libraryColumns(header: string): string[] | undefined {
  const names = header.split(delimiterOf(header)).map((name) => name.trim().replace(/^"|"$/g, '').toLowerCase());
  return names.some((name) => ['title', 'doi', 'arxiv', 'arxiv id'].includes(name)) ? names : undefined;
}

/**
 * A table with a header row (Zotero's CSV export, or any table with a title,
 * DOI or arXiv column), read by csv-parse one record at a time: the records
 * are cut where a line ends outside quotes (an abstract may hold line breaks),
 * so that a record with broken quotes is reported with its line and skipped,
 * and the others are still read.
 */
export function readCsv(text: string): ReadEntries {
  const [header, ...rows] = csvRecords(text.replace(/^\uFEFF/, ''));
  const delimiter = delimiterOf(header.text);
  const columns = (parse(header.text, { delimiter, relax_quotes: true }) as string[][])[0].map((name) => name.trim().toLowerCase());
  const result: ReadEntries = { entries: [], problems: [] };
  for (const { line, text: recordText, unclosed } of rows) {
    let record: Record<string, string>;
    try {
      if (unclosed) throw new Error('a quote is never closed');
      [record] = parse(recordText, { columns, delimiter, relax_column_count: true }) as Record<string, string>[];
    } catch (error) {
      result.problems.push({ line, message: `CSV record cannot be read (${(error as Error).message.replace(/ at line \d+/, '')}); skipped` });
      continue;
    }
    const read = entryOf(record, line);
    if (!read.title && !read.doi && !read.arxiv) result.problems.push({ line, message: 'CSV record has no title, DOI or arXiv id; skipped' });
    else result.entries.push(read);
  }
  return result;
}

function entryOf(record: Record<string, string>, line: number) {
  const field = (name: keyof typeof COLUMNS) => COLUMNS[name].map((column) => record[column]).find((value) => value !== undefined && value.trim() !== '');
  return entry({
    line,
    key: cleanText(field('key')),
    id: cleanText(field('key')),
    title: cleanText(field('title')),
    abstract: cleanText(field('abstract')),
    doi: doiOf(field('doi')) ?? doiOf(field('url')),
    arxiv: arxivOf(field('arxiv'), true) ?? arxivOf(field('url')) ?? arxivOf(field('doi')) ?? arxivOf(field('extra')),
    year: yearOf(field('year')),
    added: dateOf(field('added')),
  });
}

/**
 * The text cut into records: a record ends at a line break outside quotes.
 * A record whose quote is still open at the end of the file is marked
 * unclosed, and the lines after its first are cut again on their own.
 */
export function csvRecords(text: string): { line: number; text: string; unclosed?: true }[] {
  const lines = text.split(/\r?\n/);
  const records: { line: number; text: string; unclosed?: true }[] = [];
  let start = 0;
  while (start < lines.length) {
    let end = start;
    let open = quoteCount(lines[start]) % 2 === 1;
    while (open && end + 1 < lines.length) {
      end++;
      open = (quoteCount(lines[end]) % 2 === 1) !== open;
    }
    if (open) {
      records.push({ line: start + 1, text: lines[start], unclosed: true });
      start++;
      continue;
    }
    const recordText = lines.slice(start, end + 1).join('\n');
    if (recordText.trim() !== '') records.push({ line: start + 1, text: recordText });
    start = end + 1;
  }
  return records;
}

function quoteCount(line: string): number {
  return line.split('"').length - 1;
}
