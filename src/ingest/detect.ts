import { listingLine, looksLikeAbstract } from './listing.js';
import { CsvTokenizer, headerCells } from './tabular.js';

export type Format = { kind: 'jsonl' } | { kind: 'json' } | { kind: 'csv'; delimiter: string } | { kind: 'listing' };
export const FORMAT_KINDS = ['jsonl', 'json', 'csv', 'listing'] as const satisfies readonly Format['kind'][];

/** Why a file was not read: what papermap saw, with the line it saw it on. */
export interface Refusal {
  refused: string;
  line: number;
}

const CSV_DELIMITERS = [',', '\t', ';'];
/** Non-blank lines looked at to tell JSON Lines from a JSON document spread over lines. */
const JSONL_SAMPLE = 20;
/** Rows after the header that must have as many fields as it, for a file without a title column to count as CSV. */
const CSV_SAMPLE = 5;
const WHAT_PAPERMAP_READS = 'papermap reads listings (a title line, then its abstract), JSON Lines, a JSON array of objects, or CSV/TSV with a "title" column';

function isJsonObject(line: string): boolean {
  const trimmed = line.trim();
  if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return false;
  try {
    const value: unknown = JSON.parse(trimmed);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

function describeDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : delimiter === ',' ? 'comma' : 'semicolon';
}

/** Whether the head reads as a table with this delimiter: a header of short names and rows with no more fields than it. */
function looksTabular(head: string, complete: boolean, delimiter: string, columns: number): boolean {
  const rows: number[] = [];
  const tokenizer = new CsvTokenizer(
    delimiter,
    delimiter !== '\t',
    (fields, _line, error) => rows.push(error ? -1 : fields.length),
    () => {},
  );
  tokenizer.push(complete ? head : head.slice(0, Math.max(0, head.lastIndexOf('\n'))));
  tokenizer.end();
  const sample = rows.slice(1, 1 + CSV_SAMPLE);
  return sample.every((count) => count === columns);
}

/**
 * Tells a file's format from the start of its text, positively for each
 * format; anything else is refused with what papermap saw:
 *
 * - `[` first, then `{`: a JSON array of objects;
 * - `{` first: JSON Lines when at least half of the first 20 non-blank lines
 *   (and at least one) are each a whole JSON object; otherwise a JSON document
 *   spread over lines, refused;
 * - a first line that splits (on comma, tab or semicolon, in that order) into
 *   cells, one of them `title` in any case: CSV/TSV;
 * - a first line of two or more short names whose next rows have as many
 *   fields: a table without a title column, refused naming its columns;
 * - at least one line that looks like an abstract (more than 300 characters
 *   and at least 30 words): a listing;
 * - anything else (a list of titles with no abstracts, say) is refused.
 *
 * `complete` says whether `head` is the whole file; when it is not, its last
 * (cut) line is not judged.
 */
export function detectFormat(head: string, complete = true): Format | Refusal {
  const text = head.replace(/^\ufeff/, '');
  const lines = text.split('\n');
  if (!complete && lines.length > 1) lines.pop();
  const firstIndex = lines.findIndex((line) => line.trim() !== '');
  if (firstIndex === -1) return { refused: 'no text in the start of the file', line: 1 };
  const first = lines[firstIndex].replace(/\r$/, '');
  const firstLine = firstIndex + 1;
  const start = first.trimStart();

  if (start.startsWith('[')) {
    const next = text.slice(text.indexOf('[') + 1).trimStart();
    if (next.startsWith('{')) return { kind: 'json' };
    if (next.startsWith(']')) return { refused: 'an empty JSON array; no papers in it', line: firstLine };
    return { refused: `a JSON array whose first element is not an object (starts "${next.slice(0, 20)}"); ${WHAT_PAPERMAP_READS}`, line: firstLine };
  }

  if (start.startsWith('{')) {
    const sample = lines.filter((line) => line.trim() !== '').slice(0, JSONL_SAMPLE);
    const objects = sample.filter(isJsonObject).length;
    // a first line cut off by the end of the head is judged by its start
    if (objects === 0 && !complete && lines.length === 1 && start.startsWith('{"')) return { kind: 'jsonl' };
    if (objects > 0 && objects * 2 >= sample.length) return { kind: 'jsonl' };
    return {
      refused: `a JSON document spread over several lines (pretty-printed?), not JSON Lines: line ${firstLine} is "${start.slice(0, 40)}"; write one object a line (JSON Lines) or an array of objects`,
      line: firstLine,
    };
  }

  for (const delimiter of CSV_DELIMITERS) {
    const cells = headerCells(first, delimiter).map((cell) => cell.trim());
    if (cells.length > 1 && cells.some((cell) => cell.toLowerCase() === 'title')) return { kind: 'csv', delimiter };
  }
  for (const delimiter of CSV_DELIMITERS) {
    const cells = headerCells(first, delimiter).map((cell) => cell.trim());
    if (cells.length < 2 || cells.some((cell) => cell.length > 64)) continue;
    if (looksTabular(lines.slice(firstIndex).join('\n'), complete, delimiter, cells.length)) {
      const names = cells.map((cell) => (cell === '' ? '(empty)' : `"${cell}"`)).join(', ');
      return {
        refused: `a ${describeDelimiter(delimiter)}-separated table with no "title" column (columns: ${names}); name the title column "title"`,
        line: firstLine,
      };
    }
  }

  let shortLines = 0;
  for (const raw of lines) {
    const line = listingLine(raw);
    if (looksLikeAbstract(line)) return { kind: 'listing' };
    if (line !== '') shortLines += 1;
  }
  return {
    refused: `${shortLines} line(s) of text and none that looks like an abstract (a list of titles without abstracts?); ${WHAT_PAPERMAP_READS}`,
    line: firstLine,
  };
}
