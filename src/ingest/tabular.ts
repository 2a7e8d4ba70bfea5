import { parse } from 'csv-parse/sync';
import { cleanText, type Parsed, type Problem, type SourceRecord } from './records.js';

/**
 * Turns one source object (a JSONL line or a CSV row) into a record: `title`
 * is required, `abstract` and `id` are optional, every other field is kept as
 * metadata. Field names are matched without regard to case.
 */
function toRecord(fields: Record<string, unknown>, line: number): SourceRecord | Problem {
  let title: unknown;
  let abstract: unknown;
  let id: unknown;
  const metadata: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    const name = key.toLowerCase();
    if (name === 'title') title = value;
    else if (name === 'abstract') abstract = value;
    else if (name === 'id') id = value;
    else metadata[key] = value;
  }
  if (typeof title !== 'string' || cleanText(title) === '') {
    return { line, reason: title === undefined ? 'no "title" field' : 'empty or non-text "title"' };
  }
  if (abstract !== undefined && abstract !== null && typeof abstract !== 'string') {
    return { line, reason: '"abstract" is not text' };
  }
  const record: SourceRecord = { line, title: cleanText(title), abstract: cleanText(abstract ?? ''), metadata };
  if (typeof id === 'string' || typeof id === 'number') {
    const clean = cleanText(String(id));
    if (clean !== '') record.id = clean;
  }
  return record;
}

function collect(results: (SourceRecord | Problem)[]): Parsed {
  const parsed: Parsed = { records: [], problems: [] };
  for (const result of results) {
    if ('title' in result) parsed.records.push(result);
    else parsed.problems.push(result);
  }
  return parsed;
}

/** JSON Lines: one object per line; blank lines are allowed. */
export function parseJsonl(text: string): Parsed {
  const results: (SourceRecord | Problem)[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      results.push({ line, reason: `not valid JSON (${(error as Error).message})` });
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      results.push({ line, reason: 'not a JSON object' });
      return;
    }
    results.push(toRecord(value as Record<string, unknown>, line));
  });
  return collect(results);
}

/** CSV (or TSV/semicolon-separated) with a header row that names a `title` column. */
export function parseCsv(text: string, delimiter: string): Parsed {
  const results: (SourceRecord | Problem)[] = [];
  const rows = parse(text, {
    delimiter,
    bom: true,
    columns: true,
    info: true,
    skip_empty_lines: true,
    relax_column_count: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error) results.push({ line: Number(error.lines), reason: `unreadable CSV row (${error.message})` });
    },
  }) as { record: Record<string, string>; info: { lines: number } }[];
  for (const { record, info } of rows) results.push(toRecord(record, info.lines));
  results.sort((a, b) => a.line - b.line);
  return collect(results);
}
