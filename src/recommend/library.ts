import { UserError } from '../shared/errors.js';
import { forEachBlock } from '../shared/files.js';
import { readBibtex } from './bibtex.js';
import { readCslJson } from './csl-json.js';
import { libraryColumns, readCsv } from './csv.js';
import type { EntryProblem, LibraryEntry, ReadEntries } from './entry.js';
import { readList } from './list.js';
import { readRis } from './ris.js';

/** A library file beyond this is refused: 64 MB is a BibTeX export of about 50,000 papers with abstracts. */
export const MAX_LIBRARY_BYTES = 64 * 1024 * 1024;

/**
 * The formats a library is read in, told apart by content (never by the
 * file's name), tried in this order: the first whose `looks` holds reads it.
 */
const FORMATS: { name: string; looks: (text: string) => boolean; read: (text: string) => ReadEntries }[] = [
  { name: 'CSL-JSON', looks: (text) => /^\s*[[{]/.test(text), read: readCslJson },
  { name: 'BibTeX', looks: (text) => /^\s*@\s*[A-Za-z]+\s*[{(]/m.test(text), read: readBibtex },
  { name: 'RIS', looks: (text) => /^TY\s{1,2}- ?\S/m.test(text), read: readRis },
  { name: 'CSV', looks: (text) => libraryColumns(text.slice(0, text.search(/\r?\n|$/))) !== undefined, read: readCsv },
  { name: 'list', looks: () => true, read: readList },
];

export interface Library {
  /** What the file was read as: 'BibTeX', 'RIS', 'CSL-JSON', 'CSV' or 'list'. */
  format: string;
  entries: LibraryEntry[];
  /** Entries that could not be read, each with its line; the others are used. */
  problems: EntryProblem[];
}

/**
 * A library file's text, in whichever format it is. `name` is how messages
 * name it (its path, or "the library" for text that came in a request).
 * An empty, binary or unreadable text is a UserError naming it; a bad entry
 * among good ones is a problem of that entry, and the others are read.
 */
export function parseLibrary(text: string, name: string): Library {
  const body = text.replace(/^\uFEFF/, '');
  if (body.trim() === '')
    throw new UserError(`${name} is empty: export your library as BibTeX, RIS, CSL-JSON or CSV, or list one paper id, DOI, arXiv id or title a line`);
  if (looksBinary(body)) throw new UserError(`${name} is binary: give a BibTeX, RIS, CSL-JSON or CSV export, or a list of ids, DOIs or titles`);
  if (/^\s*</.test(body))
    throw new UserError(`${name} looks like XML or HTML, which papermap does not read: export your library as BibTeX, RIS, CSL-JSON or CSV instead`);
  const format = FORMATS.find((candidate) => candidate.looks(body))!;
  const { entries, problems } = format.read(body);
  return { format: format.name, entries, problems };
}

/** NUL bytes or many control characters in the first 64 KB: no text file (a PDF, a zip, a database). */
function looksBinary(text: string): boolean {
  const head = text.slice(0, 65536);
  if (head.includes('\u0000')) return true;
  const controls = head.match(/[\u0001-\u0008\u000e-\u001f\u007f]/g)?.length ?? 0;
  return controls > head.length / 100;
}

/**
 * A library file's text, read in blocks up to MAX_LIBRARY_BYTES (a device
 * such as /dev/zero never ends), decoded as UTF-8 (with or without a BOM),
 * UTF-16 with a BOM, or, when it is not valid UTF-8, as Windows-1252 (old
 * BibTeX files are often Latin-1).
 */
export function readLibraryText(path: string): string {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    forEachBlock(path, (bytes) => {
      total += bytes.length;
      if (total > MAX_LIBRARY_BYTES)
        throw new UserError(`${path} holds more than ${MAX_LIBRARY_BYTES / 1024 / 1024} MB, more than any library export (is it a device, or the wrong file?)`);
      chunks.push(Buffer.from(bytes));
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      `cannot read the library ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder; give a file' : (code ?? (error as Error).message)}`,
    );
  }
  return decode(Buffer.concat(chunks));
}

/** Bytes as text: by BOM for UTF-16, else UTF-8, else Windows-1252. */
export function decode(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes.subarray(2));
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
