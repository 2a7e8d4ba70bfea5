import { plugins } from '@citation-js/core';
import '@citation-js/plugin-bibtex';
import { entryFromCsl } from './csl.js';
import type { ReadEntries } from './entry.js';

/**
 * BibTeX and BibLaTeX, read by citation-js (braces, `@string`, TeX accents,
 * multi-line fields). The file is cut into its entries first, each starting
 * at a line that begins with `@type{` or `@type(` as every exporter writes
 * them, and each entry is parsed on its own with the file's `@string`s: an
 * entry with an unclosed brace is reported with its line, and the others are
 * still read (a whole-file parse would run it into every entry after it).
 */
export function readBibtex(text: string): ReadEntries {
  const pieces = entryPieces(text);
  const strings = pieces
    .filter((piece) => piece.kind === 'string')
    .map((piece) => piece.text)
    .join('\n');
  const result: ReadEntries = { entries: [], problems: [] };
  for (const piece of pieces) {
    if (piece.kind !== 'entry') continue;
    try {
      const raw = plugins.input.chain(`${strings}\n${piece.text}`, {
        forceType: '@biblatex/text',
        target: '@biblatex/entries+list',
        generateGraph: false,
      }) as RawEntry[];
      if (raw.length !== 1) throw new Error(raw.length === 0 ? 'no entry could be read' : 'more than one entry where one was expected');
      const [csl] = plugins.input.chain(raw, { forceType: '@biblatex/entries+list', target: '@csl/list+object', generateGraph: false }) as Record<
        string,
        unknown
      >[];
      result.entries.push(entryFromCsl(csl, piece.line, raw[0].properties));
    } catch (error) {
      result.problems.push({ line: piece.line, message: `BibTeX entry ${piece.name} cannot be read (${firstLine(error)})` });
    }
  }
  return result;
}

interface RawEntry {
  type: string;
  label: string;
  properties: Record<string, unknown>;
}

interface Piece {
  kind: 'entry' | 'string' | 'other';
  /** The entry's type and key as written, for messages: `@article{smith2020`. */
  name: string;
  line: number;
  text: string;
}

const START = /^\s*@\s*([A-Za-z]+)\s*[{(]\s*([^,\s]*)/;

/** The file cut at each line that starts an entry; what comes before the first is a comment. */
function entryPieces(text: string): Piece[] {
  const pieces: Piece[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const start = START.exec(line);
    if (start) {
      const type = start[1].toLowerCase();
      const kind = type === 'string' ? 'string' : type === 'comment' || type === 'preamble' ? 'other' : 'entry';
      pieces.push({ kind, name: `@${start[1]}{${start[2]}`, line: index + 1, text: line });
    } else if (pieces.length > 0) pieces[pieces.length - 1].text += `\n${line}`;
  });
  return pieces;
}

/** The first line of an error's message, without citation-js's excerpt of the source below it. */
function firstLine(error: unknown): string {
  // citation-js says where in the piece it parsed, which is not where in the file: the entry's line is given instead
  return (error instanceof Error ? error.message : String(error))
    .split('\n')[0]
    .replace(/\s*at line \d+ col \d+:?$/, '')
    .trim();
}
