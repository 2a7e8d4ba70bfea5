import { arxivOf, cleanText, dateOf, doiOf, entry, yearOf, type LibraryEntry } from './entry.js';

/**
 * A CSL-JSON item (Zotero's and Mendeley's export, and what citation-js makes
 * of BibTeX and RIS) as a library entry. `raw` holds the source's own fields
 * where there are some (BibTeX's eprint, note, journal), in which an arXiv id
 * or a date added may be found that CSL has no field for.
 */
export function entryFromCsl(item: Record<string, unknown>, line: number, raw: Record<string, unknown> = {}): LibraryEntry {
  const text = (value: unknown) => (typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined);
  const texts = (...values: unknown[]) => values.map(text).filter((value): value is string => value !== undefined);
  const eprint = /arxiv/i.test(`${text(raw.archiveprefix) ?? ''}${text(raw.eprinttype) ?? ''}`) ? arxivOf(text(raw.eprint), true) : undefined;
  const arxiv =
    eprint ??
    texts(
      item.URL,
      item.DOI,
      item.number,
      item.note,
      item['container-title'],
      item.archive_location,
      raw.url,
      raw.journal,
      raw.note,
      raw.howpublished,
      raw.eprint,
    )
      .map((value) => arxivOf(value))
      .find((id) => id !== undefined);
  const key = text(item['citation-key']) ?? text(item.id);
  return entry({
    line,
    key,
    id: key,
    title: cleanText(item.title),
    abstract: cleanText(item.abstract),
    doi: doiOf(text(item.DOI)) ?? doiOf(text(raw.doi)),
    arxiv,
    year: yearOf(issuedYear(item.issued)) ?? yearOf(text(raw.year)),
    added: dateOf(text(raw.dateadded) ?? text(raw['date-added']) ?? text(raw.timestamp) ?? text(raw['added-at']) ?? text(item.dateAdded)),
  });
}

/** The year of a CSL date: `{"date-parts": [[2020, 5]]}`, or `{"raw": "2020"}`. */
function issuedYear(issued: unknown): unknown {
  if (typeof issued !== 'object' || issued === null) return undefined;
  const parts = (issued as { 'date-parts'?: unknown })['date-parts'];
  if (Array.isArray(parts) && Array.isArray(parts[0])) return Number(parts[0][0]);
  return (issued as { raw?: unknown; literal?: unknown }).raw ?? (issued as { literal?: unknown }).literal;
}
