/**
 * A library entry as every format reads it, and the normalising of the
 * identifiers and titles it is matched by. Pure functions.
 */
export interface LibraryEntry {
  /** The line the entry starts on in its file (1-based). */
  line: number;
  /** The entry's own name in its file: a BibTeX key, a Zotero key, a CSL id. */
  key?: string;
  title?: string;
  abstract?: string;
  /** Normalised: lower case, no resolver prefix (doiOf). */
  doi?: string;
  /** Normalised: no version, lower case, old-style ids without the subject class (arxivOf). */
  arxiv?: string;
  /** Text that may be a papermap id (a plain list's line, a CSL id). */
  id?: string;
  year?: number;
  /** When the entry was added to the library (milliseconds since 1970), where the export says. */
  added?: number;
}

/** What is wrong with one entry of a library file, said with its line. */
export interface EntryProblem {
  line: number;
  message: string;
}

/** The entries a format read from a file, and what it could not read. */
export interface ReadEntries {
  entries: LibraryEntry[];
  problems: EntryProblem[];
}

const DOI = /\b(10\.\d{4,9}\/[^\s"'<>{}]+)/i;

/** The DOI in a text (a bare DOI, `doi:…`, a doi.org link), lower case and without trailing punctuation; undefined when there is none. */
export function doiOf(text: string | undefined): string | undefined {
  const match = text === undefined ? null : DOI.exec(decodeSafely(text));
  return match ? match[1].replace(/[.,;)\]]+$/, '').toLowerCase() : undefined;
}

/** A URL's %-escapes decoded where they are valid (a DOI in a link is often escaped). */
function decodeSafely(text: string): string {
  try {
    return text.includes('%') ? decodeURIComponent(text) : text;
  } catch {
    return text;
  }
}

const NEW_ARXIV = /(?:^|[^\d.]|(?<=arxiv)\.)(\d{4}\.\d{4,5})(?:v\d+)?(?![\d.]*\d)/i;
const OLD_ARXIV = /\b([a-z]+(?:-[a-z]+)?)(?:\.[a-z]{2})?\/(\d{7})(?:v\d+)?\b/i;
/** Where an arXiv id is said to be one: an arxiv.org link, `arXiv:`, or arXiv's DOI prefix. */
const ARXIV_CONTEXT = /arxiv(?:\.org\/(?:abs|pdf|html)\/|\s*:\s*|\.)|10\.48550\/arxiv\./i;

/**
 * The arXiv id a text names (2401.00001, 2401.00001v2, hep-th/9901001,
 * math.GT/0309136v1, in a link or after `arXiv:`), as arXiv's own form
 * without the version, lower case; old-style ids lose the subject class.
 * `bare`: the text is meant as an id (an `eprint` field), so no context is needed.
 */
export function arxivOf(text: string | undefined, bare = false): string | undefined {
  if (text === undefined) return undefined;
  const context = ARXIV_CONTEXT.exec(text);
  if (!bare && !context) return undefined;
  const rest = context ? text.slice(context.index) : text;
  const modern = NEW_ARXIV.exec(rest);
  if (modern) return modern[1];
  const old = OLD_ARXIV.exec(rest);
  return old ? `${old[1].toLowerCase()}/${old[2]}` : undefined;
}

/** TeX that survives in titles from plain lists and tables: accent commands, font commands, braces. */
function withoutTex(text: string): string {
  return text
    .replace(/\\[`'^"~=.uvHcdbtkr]\s*\{?\s*\\?([a-zA-Z])\s*\}?/g, '$1')
    .replace(/\\(?:ss|ae|oe|aa|o|l)\b/gi, (command) => command.slice(1))
    .replace(/\\[a-zA-Z]+\*?/g, ' ')
    .replace(/[{}$]/g, '');
}

/**
 * A title as titles are compared: markup (HTML from CSL, TeX) removed,
 * accents dropped, lower case, punctuation and runs of space as one space.
 */
export function titleKey(title: string): string {
  return withoutTex(title.replace(/<\/?[a-z][^>]*>/gi, ''))
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A year from a number or a text holding one (1900 to 2099). */
export function yearOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1900 && value < 2100) return value;
  const match = typeof value === 'string' ? /\b(19|20)\d{2}\b/.exec(value) : null;
  return match ? Number(match[0]) : undefined;
}

/** A date as an export writes it (`2024-03-01 10:00:00`, ISO, JabRef's timestamp) as milliseconds since 1970; undefined when unreadable. */
export function dateOf(value: unknown): number | undefined {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const time = Date.parse(
    value
      .trim()
      .replace(/^(\d{4}-\d{2}-\d{2}) (\d)/, '$1T$2')
      .replace(/ ([+-]\d{4})$/, '$1'),
  );
  return Number.isFinite(time) ? time : undefined;
}

/** Text with its whitespace runs as single spaces; undefined for nothing. */
export function cleanText(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/\s+/g, ' ')
    .trim();
  return text === '' ? undefined : text;
}

/** An entry with its empty fields left out, so that JSON and equality checks see only what the file said. */
export function entry(fields: LibraryEntry): LibraryEntry {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined && value !== '')) as unknown as LibraryEntry;
}

/** How an entry is named in messages: its key, else its title (cut), else its line. */
export function entryName(entry: LibraryEntry): string {
  if (entry.key) return entry.key;
  const text = entry.title ?? entry.doi ?? entry.arxiv ?? entry.id;
  if (!text) return `line ${entry.line}`;
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
