import { getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { entryFromCsl } from './csl.js';
import type { ReadEntries } from './entry.js';

/**
 * CSL-JSON (Zotero's "CSL JSON" export, Mendeley's, citation-js's): an array
 * of items, or one item. Read with jsonc-parser, which goes on past a syntax
 * error and gives each item's place in the file, so that a broken item is
 * reported with its line and the items around it are still read.
 */
export function readCslJson(text: string): ReadEntries {
  if (isJsonLines(text)) return readJsonLines(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const lineOf = lineFinder(text);
  const result: ReadEntries = { entries: [], problems: [] };
  const broken = new Set<number>();
  for (const error of errors) {
    const line = lineOf(error.offset);
    if (broken.has(line)) continue;
    broken.add(line);
    result.problems.push({ line, message: `not valid JSON here (${printParseErrorCode(error.error)}); the item around it may be lost` });
  }
  const items: Node[] = root?.type === 'array' ? (root.children ?? []) : root ? [root] : [];
  for (const node of items) {
    const line = lineOf(node.offset);
    const item: unknown = getNodeValue(node);
    if (typeof item !== 'object' || item === null || Array.isArray(item)) {
      result.problems.push({ line, message: 'not a CSL-JSON item (an object with a title, DOI or URL); skipped' });
      continue;
    }
    take(result, item as Record<string, unknown>, line, 'CSL-JSON item');
  }
  return result;
}

/** An item as an entry, or the problem that it names no paper. Fields in lower case (`doi`, as papermap's own papers.jsonl has it) count too. */
function take(result: ReadEntries, item: Record<string, unknown>, line: number, what: string): void {
  const read = entryFromCsl(item, line, item);
  if (!read.title && !read.doi && !read.arxiv && !read.id) result.problems.push({ line, message: `${what} has no title, DOI, arXiv link or id; skipped` });
  else result.entries.push(read);
}

/** One JSON object a line (papermap's papers.jsonl, a part of the arXiv snapshot): its first two non-blank lines are each a whole object. */
function isJsonLines(text: string): boolean {
  const lines = text.split(/\r?\n/, 50).filter((line) => line.trim() !== '');
  return lines.length >= 2 && lines.slice(0, 2).every((line) => /^\s*\{.*\}\s*$/.test(line));
}

function readJsonLines(text: string): ReadEntries {
  const result: ReadEntries = { entries: [], problems: [] };
  text.split(/\r?\n/).forEach((raw, index) => {
    if (raw.trim() === '') return;
    let item: unknown;
    try {
      item = JSON.parse(raw);
    } catch {
      result.problems.push({ line: index + 1, message: 'not a JSON object (one a line); skipped' });
      return;
    }
    if (typeof item !== 'object' || item === null || Array.isArray(item)) result.problems.push({ line: index + 1, message: 'not a JSON object; skipped' });
    else take(result, item as Record<string, unknown>, index + 1, 'JSON line');
  });
  return result;
}

/** The 1-based line of a character offset. */
export function lineFinder(text: string): (offset: number) => number {
  const starts = [0];
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
}
