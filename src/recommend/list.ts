import { arxivOf, doiOf, entry, type ReadEntries } from './entry.js';

/** A line longer than this is no title (a paragraph pasted by mistake, a file that is not a list). */
const MAX_TITLE = 500;
/** An arXiv id on its own: new style (2401.00001v2) or old (hep-th/9901001). */
const BARE_ARXIV = /^(arxiv:\s*)?(\d{4}\.\d{4,5}|[a-z]+(-[a-z]+)?(\.[A-Z]{2})?\/\d{7})(v\d+)?$/i;

/**
 * A plain list, one entry a line: a papermap id, a DOI, an arXiv id or link,
 * or a title. Blank lines and lines starting with `#` are skipped. A line
 * that is a paper id in the folder is matched as that, whatever it looks like.
 */
export function readList(text: string): ReadEntries {
  const result: ReadEntries = { entries: [], problems: [] };
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const doi = doiOf(line);
    const arxiv = BARE_ARXIV.test(line) ? arxivOf(line, true) : arxivOf(line);
    const link = /^[a-z]+:\/\//i.test(line);
    if (!doi && !arxiv && !link && line.length > MAX_TITLE) {
      result.problems.push({ line: index + 1, message: `a line of ${line.length} characters is no id, DOI, arXiv id or title; skipped` });
      return;
    }
    result.entries.push(entry({ line: index + 1, id: line, doi, arxiv, title: doi || arxiv || link ? undefined : line }));
  });
  return result;
}
