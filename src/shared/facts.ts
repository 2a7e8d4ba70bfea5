/** What papers.jsonl says of a paper beyond its title and abstract, where it says it (the page shows it). */
export interface PaperFacts {
  authors?: string[];
  date?: string;
  url?: string;
}

/** A paper's facts from its record: authors as a list or a comma-separated string, a date (or an arXiv snapshot's update_date), a url, a DOI's or an arXiv id's address. */
export function factsOf(record: Record<string, unknown>): PaperFacts {
  const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);
  const facts: PaperFacts = {};
  const authors = record.authors;
  if (Array.isArray(authors)) facts.authors = authors.filter((name): name is string => typeof name === 'string' && name.trim() !== '');
  else if (text(authors))
    facts.authors = text(authors)!
      .split(/\s*,\s*|\s+and\s+/)
      .filter(Boolean);
  if (facts.authors?.length === 0) delete facts.authors;
  const date = text(record.date) ?? text(record.update_date) ?? text(record.published);
  if (date) facts.date = date;
  const url = text(record.url);
  const doi = text(record.doi);
  const arxiv = text(record.arxivId);
  if (url && /^https?:\/\//.test(url)) facts.url = url;
  else if (doi) facts.url = `https://doi.org/${doi}`;
  else if (arxiv) facts.url = `https://arxiv.org/abs/${arxiv}`;
  return facts;
}
