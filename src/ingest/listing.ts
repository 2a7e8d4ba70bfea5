import { cleanText, type Parsed, type SourceRecord } from './records.js';

/**
 * Lines of a daily-paper listing page that are navigation, not papers.
 * Seen in the seed dumps; a date line is a month abbreviation and a day ("Mar 14").
 */
const FURNITURE = [
  /^new$/i,
  /^subscribe$/i,
  /^byAK and the research community$/i,
  /^Get trending papers in your email inbox( once a day)?!$/i,
  /^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}$/,
];

/** The page's "Subscribe" button text can be glued to the first title: "SubscribeLookahead: ...". */
const GLUED_SUBSCRIBE = /^Subscribe(?=[\p{Lu}\p{N}])/u;

/** Longest line still taken for a title; abstracts in the dumps are far longer. */
const MAX_TITLE_LENGTH = 300;
/** Shortest line taken for an abstract when the line after it could be one too. */
const MIN_ABSTRACT_LENGTH = 100;

/**
 * Parses a listing dump: page furniture, then title and abstract lines in turn,
 * with or without blank lines between them. A title with no abstract after it
 * is kept (with an empty abstract and a problem noted); text that cannot be a
 * title is reported and skipped so that one stray line does not shift every
 * later pair.
 */
export function parseListing(text: string): Parsed {
  const lines: { line: number; text: string }[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const clean = cleanText(raw).replace(GLUED_SUBSCRIBE, '');
    if (clean !== '' && !FURNITURE.some((pattern) => pattern.test(clean))) lines.push({ line: index + 1, text: clean });
  });

  const records: SourceRecord[] = [];
  const problems: Parsed['problems'] = [];
  let i = 0;
  while (i < lines.length) {
    const title = lines[i];
    if (title.text.length > MAX_TITLE_LENGTH) {
      problems.push({ line: title.line, reason: `text of ${title.text.length} characters where a title was expected (abstract without a title?); skipped` });
      i += 1;
      continue;
    }
    const next = lines[i + 1];
    const afterNext = lines[i + 2];
    // A short next line followed by a long one is the next title, not this title's abstract.
    const nextIsTitle =
      next === undefined ||
      (next.text.length < MIN_ABSTRACT_LENGTH && afterNext !== undefined && afterNext.text.length > MAX_TITLE_LENGTH);
    if (nextIsTitle) {
      problems.push({ line: title.line, reason: 'title without an abstract; kept with an empty abstract' });
      records.push({ line: title.line, title: title.text, abstract: '', metadata: {} });
      i += 1;
    } else {
      records.push({ line: title.line, title: title.text, abstract: next.text, metadata: {} });
      i += 2;
    }
  }
  return { records, problems };
}
