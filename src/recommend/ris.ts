import { plugins } from '@citation-js/core';
import '@citation-js/plugin-ris';
import { entryFromCsl } from './csl.js';
import type { ReadEntries } from './entry.js';

/** A RIS tag line, as written (`TI  - `) or with the spacing some exporters get wrong (`TI - `). */
const TAG = /^([A-Z][A-Z0-9])\s{0,2}-(?: (.*)|)$/;

/**
 * RIS (EndNote, Zotero, Mendeley, most databases), read by citation-js. The
 * file is cut into its records first (each starts at a `TY  -` line), and
 * each is read on its own, so that a damaged record is reported with its
 * line and the others are still read.
 */
export function readRis(text: string): ReadEntries {
  const result: ReadEntries = { entries: [], problems: [] };
  for (const record of records(text)) {
    try {
      const items = plugins.input.chain(record.text, { forceType: '@ris/file', target: '@csl/list+object', generateGraph: false }) as Record<string, unknown>[];
      if (items.length !== 1) throw new Error(items.length === 0 ? 'nothing could be read' : 'more than one record where one was expected');
      const read = entryFromCsl(items[0], record.line);
      if (!read.title && !read.doi && !read.arxiv)
        result.problems.push({ line: record.line, message: 'RIS record has no title (TI), DOI (DO) or arXiv link (UR); skipped' });
      else result.entries.push(read);
    } catch (error) {
      result.problems.push({ line: record.line, message: `RIS record cannot be read (${error instanceof Error ? error.message : String(error)})` });
    }
  }
  return result;
}

/** Each record (from a `TY` line to its `ER` line), its tags spaced as RIS says; lines outside records are left out. */
function records(text: string): { line: number; text: string }[] {
  const found: { line: number; text: string }[] = [];
  let current: { line: number; lines: string[] } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const tag = TAG.exec(raw.trimEnd());
    if (tag?.[1] === 'TY') {
      if (current) found.push({ line: current.line, text: current.lines.join('\n') });
      current = { line: index + 1, lines: [] };
    }
    if (!current) return;
    // a line that is not a tag continues the previous field (a long abstract)
    current.lines.push(tag ? `${tag[1]}  - ${tag[2] ?? ''}` : raw);
    if (tag?.[1] === 'ER') {
      found.push({ line: current.line, text: current.lines.join('\n') });
      current = undefined;
    }
  });
  if (current) found.push({ line: current.line, text: current.lines.join('\n') });
  return found;
}
