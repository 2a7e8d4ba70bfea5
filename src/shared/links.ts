/** A paper's details as the reports, `similar` and `serve` show them (PaperDetails, structurally: this layer knows no store). */
interface Shown {
  date?: string;
  authors?: string[];
  categories?: string[];
  doi?: string;
  arxivId?: string;
  url?: string;
}

/** The address of a DOI: the DOI's characters that are not safe in an address are escaped, its slashes kept. */
export function doiLink(doi: string): string {
  return `https://doi.org/${encodeURIComponent(doi).replace(/%2F/g, '/')}`;
}

/**
 * Where a reader can open a paper: its own address, else its DOI's, else its
 * arXiv page; only http and https, so a link never runs anything.
 */
export function paperLink(paper: Shown): string | undefined {
  if (paper.url !== undefined && /^https?:\/\//.test(paper.url)) return paper.url;
  if (paper.doi !== undefined) return doiLink(paper.doi);
  if (paper.arxivId !== undefined) return `https://arxiv.org/abs/${paper.arxivId}`;
  return undefined;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as a reader sees it: "2024-03-14", "2024-03", "2024", and a date without a year as "Mar 14 (no year given)". */
export function readableDate(date: string): string {
  return date.startsWith('--') ? `${MONTHS[Number(date.slice(2, 4)) - 1]} ${Number(date.slice(5, 7))} (no year given)` : date;
}

/** Authors named on one line: the first `shown`, then how many more. */
export function authorsLine(authors: readonly string[], shown = 3): string {
  return authors.length <= shown ? authors.join(', ') : `${authors.slice(0, shown).join(', ')} and ${authors.length - shown} more`;
}

/** A paper's details on one line, "2024-03-14 · A. Smith, B. Doe · cs.CL, cs.AI · arXiv 2403.12345 · doi 10.1/x"; empty when it has none. */
export function detailsLine(paper: Shown): string {
  return [
    paper.date && readableDate(paper.date),
    paper.authors && authorsLine(paper.authors),
    paper.categories?.join(', '),
    paper.arxivId && `arXiv ${paper.arxivId}`,
    paper.doi && `doi ${paper.doi}`,
  ]
    .filter((part) => part)
    .join(' · ');
}

/** What the map's details panel shows of a paper, where known: its authors, its date, and where to open it (paperLink). */
export function pageFacts(paper: Shown): { authors?: string[]; date?: string; url?: string } {
  const url = paperLink(paper);
  return { ...(paper.authors ? { authors: paper.authors } : {}), ...(paper.date ? { date: paper.date } : {}), ...(url ? { url } : {}) };
}
