import { arxivMonth, earlierDate, parseDate } from '../shared/dates.js';
import { DETAIL_FIELDS, detailsOf, type PaperDetails } from '../store/read.js';
import { ARXIV_ID, DOI_SHAPE } from '../store/schemas.js';
import { cleanText } from './records.js';

/**
 * The facts an input gives about a paper beyond its text (date, authors,
 * categories, DOI, arXiv id, URL), read from its fields by their usual names
 * (case, spaces, `_` and `-` aside: `publication_date`, `publishedDate` and
 * `Published Date` are one name). A field that only feeds a detail (`year`,
 * `versions`, `authors_parsed`, `link`) stays in the metadata as it was; a
 * field named as a detail (`date`, `authors`, ...) gives way to it, and is kept
 * as `input_<name>` when its value cannot be read.
 */
const normal = (key: string) => key.toLowerCase().replace(/[\s_-]+/g, '');

/** Fields giving the date a paper was published or listed: the earliest of those a record gives is its date. */
const DATE_NAMES = new Set([
  'date',
  'published',
  'publicationdate',
  'publisheddate',
  'publishdate',
  'pubdate',
  'datepublished',
  'year',
  'publicationyear',
  'pubyear',
  'created',
  'submitted',
  'submissiondate',
  'firstpublished',
  'listed',
]);
/** The arXiv snapshot's date of the last update: a date only for a record with no `versions`. */
const UPDATE_DATE = 'updatedate';
const VERSIONS = 'versions';
const AUTHOR_NAMES = new Set(['authors', 'author']);
/** The arXiv snapshot's `authors_parsed`: [last, first, suffix] a name, preferred to the `authors` text it comes from. */
const PARSED_AUTHORS = 'authorsparsed';
const CATEGORY_NAMES = new Set(['categories', 'category', 'primarycategory']);
const DOI_NAMES = new Set(['doi']);
const ARXIV_NAMES = new Set(['arxivid', 'arxiv']);
const URL_NAMES = new Set(['url', 'link', 'absurl', 'paperurl']);

/** Names of the details as papermap writes them, normalised: the source fields they replace. */
const DETAIL_NAMES = new Set(DETAIL_FIELDS.map(normal));

export interface ReadDetails {
  details: PaperDetails;
  /** The record's other fields, as they are kept in papers.jsonl. */
  metadata: Record<string, unknown>;
  /** One line a field whose value could not be read: the paper is kept without it. */
  notices: string[];
}

const quoted = (value: unknown) => {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 57)}...` : text);
};

/** A list of names from text: split at semicolons if it has any, else at commas and "and"; parenthesised affiliations dropped. */
function namesFromText(text: string): string[] {
  let plain = text;
  for (let before = ''; before !== plain; ) {
    before = plain;
    plain = plain.replace(/\([^()]*\)/g, ' ');
  }
  const parts = plain.includes(';') ? plain.split(';') : plain.split(/,\s*(?:and\s+)?|\s+and\s+/);
  return parts.map(cleanText).filter((name) => name !== '');
}

function authorName(entry: unknown): string | undefined {
  if (typeof entry === 'string') return cleanText(entry) || undefined;
  if (Array.isArray(entry)) {
    // authors_parsed: [last, first, suffix]
    const [last, first, suffix] = entry.map((part) => (typeof part === 'string' ? part : ''));
    return cleanText(`${first ?? ''} ${last ?? ''} ${suffix ?? ''}`) || undefined;
  }
  if (typeof entry === 'object' && entry !== null) {
    const fields = Object.fromEntries(Object.entries(entry).map(([key, value]) => [normal(key), typeof value === 'string' ? value : '']));
    const name = fields.name || `${fields.given ?? fields.firstname ?? fields.first ?? ''} ${fields.family ?? fields.lastname ?? fields.last ?? ''}`;
    return cleanText(name) || undefined;
  }
  return undefined;
}

function readAuthors(value: unknown): string[] | undefined {
  const names = typeof value === 'string' ? namesFromText(value) : Array.isArray(value) ? value.map(authorName).filter((name) => name !== undefined) : [];
  return names.length > 0 ? names : undefined;
}

function readCategories(value: unknown): string[] | undefined {
  let found: string[] = [];
  if (Array.isArray(value)) found = value.filter((entry) => typeof entry === 'string').map(cleanText);
  else if (typeof value === 'string') {
    const text = cleanText(value);
    // "cs.CL cs.AI" (arXiv's codes) splits at spaces; "Machine Learning" is one category
    const codes = text.split(' ');
    found = /[;,]/.test(text) ? text.split(/\s*[;,]\s*/) : codes.every((code) => /^[a-z-]+(\.[A-Za-z-]+)?$/.test(code)) ? codes : [text];
  }
  const unique = [...new Set(found.filter((category) => category !== ''))];
  return unique.length > 0 ? unique : undefined;
}

function readDoi(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const first = cleanText(value)
    .replace(/^(https?:\/\/(dx\.)?doi\.org\/|doi:\s*)/i, '')
    .split(' ')[0];
  return DOI_SHAPE.test(first) ? first : undefined;
}

/** An arXiv id without its version, when the text is one: the shape, and a month arXiv gave ids in (so "1234.5678" is not one). */
function readArxivId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const id = cleanText(value)
    .replace(/^arxiv:\s*/i, '')
    .replace(/v\d+$/, '');
  return ARXIV_ID.test(id) && arxivMonth(id) !== undefined ? id : undefined;
}

/** The arXiv id in an arXiv address (arxiv.org/abs/2403.12345v2, arxiv.org/pdf/...) or arXiv's own DOI (10.48550/arXiv.2403.12345). */
function arxivIdIn(text: string): string | undefined {
  const match = /arxiv\.org\/(?:abs|pdf)\/([^?#\s]+?)(?:\.pdf)?(?:[?#]|$)|^10\.48550\/arxiv\.(.+)$/i.exec(text);
  return match ? readArxivId(match[1] ?? match[2]) : undefined;
}

function readUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const url = new URL(cleanText(value));
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** v1's date in the arXiv snapshot's `versions`: [{"version": "v1", "created": "Mon, 2 Apr 2007 19:18:42 GMT"}, ...]. */
function firstVersionDate(value: unknown): unknown {
  if (!Array.isArray(value)) return undefined;
  const first = value.find((entry) => typeof entry === 'object' && entry !== null && (entry as { version?: unknown }).version === 'v1') ?? value[0];
  return typeof first === 'object' && first !== null ? (first as { created?: unknown }).created : undefined;
}

const isEmpty = (value: unknown) =>
  value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);

/**
 * A record's details from its fields (`fields` holds every field but its
 * title, abstract and id; `id` is the id it gives, if any). What a field
 * cannot give is left out, never guessed, and said in a notice.
 */
export function readDetails(fields: Record<string, unknown>, id: string | undefined): ReadDetails {
  const metadata: Record<string, unknown> = {};
  const notices: string[] = [];
  const details: PaperDetails = {};
  const unread = (key: string, value: unknown, what: string) => {
    notices.push(`${key} ${quoted(value)} is not ${what}; the paper is kept without it`);
    if (DETAIL_NAMES.has(normal(key))) metadata[`input_${key}`] = value;
  };
  let date: string | undefined;
  let updated: string | undefined;
  let hasVersions = false;
  let parsedAuthors: string[] | undefined;
  const take = <K extends keyof PaperDetails>(detail: K, value: PaperDetails[K]) => {
    if (details[detail] === undefined) details[detail] = value;
  };
  for (const key in fields) {
    const value = fields[key];
    const name = normal(key);
    if (!DETAIL_NAMES.has(name)) metadata[key] = value;
    if (isEmpty(value)) continue;
    const dateOf = (found: unknown) => {
      const parsed = parseDate(found);
      if (parsed === undefined) unread(key, found, 'a date papermap can read for certain (write 2024-03-14, 2024-03 or 2024)');
      return parsed;
    };
    if (DATE_NAMES.has(name)) date = earlierDate(date, dateOf(value));
    else if (name === VERSIONS) {
      hasVersions = true;
      const created = firstVersionDate(value);
      if (created !== undefined) date = earlierDate(date, dateOf(created));
    } else if (name === UPDATE_DATE) updated = dateOf(value);
    else if (name === PARSED_AUTHORS) parsedAuthors = readAuthors(value);
    else if (AUTHOR_NAMES.has(name)) {
      const authors = readAuthors(value);
      if (authors) take('authors', authors);
      else unread(key, value, 'a list of names');
    } else if (CATEGORY_NAMES.has(name)) {
      const categories = readCategories(value);
      if (categories) details.categories = [...new Set([...(details.categories ?? []), ...categories])];
      else unread(key, value, 'a list of categories');
    } else if (DOI_NAMES.has(name)) {
      const doi = readDoi(value);
      if (doi) take('doi', doi);
      else unread(key, value, 'a DOI (10.1234/...)');
    } else if (ARXIV_NAMES.has(name)) {
      const arxivId = readArxivId(value);
      if (arxivId) take('arxivId', arxivId);
      else unread(key, value, 'an arXiv id (2403.12345 or hep-th/9901001)');
    } else if (URL_NAMES.has(name)) {
      const url = readUrl(value);
      if (url) take('url', url);
      else unread(key, value, 'a web address (http:// or https://)');
    }
  }
  if (parsedAuthors) details.authors = parsedAuthors;
  const arxivId = details.arxivId ?? readArxivId(id ?? '') ?? arxivIdIn(details.url ?? '') ?? arxivIdIn(details.doi ?? '');
  if (arxivId) details.arxivId = arxivId;
  // the month of an arXiv id is when the paper was first submitted; the snapshot's update date only when nothing better is given
  date = earlierDate(date, arxivId && arxivMonth(arxivId));
  if (date === undefined && !hasVersions) date = updated;
  if (date !== undefined) details.date = date;
  return { details: detailsOf(details), metadata, notices };
}

/**
 * The details of a paper listed again: the earliest date, the categories of
 * both (the kept paper's first), and otherwise what the paper had, or the
 * later record's where it had nothing.
 */
export function mergeDetails(kept: PaperDetails, later: PaperDetails): PaperDetails {
  const categories = kept.categories && later.categories ? [...new Set([...kept.categories, ...later.categories])] : (kept.categories ?? later.categories);
  return detailsOf({ ...later, ...kept, date: earlierDate(kept.date, later.date), categories });
}

/** Whether two papers' details are the same. */
export function sameDetails(a: PaperDetails, b: PaperDetails): boolean {
  return JSON.stringify(detailsOf(a)) === JSON.stringify(detailsOf(b));
}
