import { parseDate } from '../shared/dates.js';
import { LineSplitter, overlongReason } from './lines.js';
import { cleanText, collectingSink, type Parsed, type RecordSink } from './records.js';

/**
 * A listing page's date line: a month and a day ("Mar 14", as in the seed
 * dumps), and the year when the page gives one ("Mar 14, 2024"). It dates the
 * papers listed after it.
 */
const DATE_LINE =
  /^(Jan(uary)?|Feb(ruary)?|Mar(ch)?|Apr(il)?|May|June?|July?|Aug(ust)?|Sep(t(ember)?)?|Oct(ober)?|Nov(ember)?|Dec(ember)?)\.? \d{1,2}(,? \d{4})?$/;

/** Lines of a daily-paper listing page that are navigation, not papers (seen in the seed dumps), and its date line. */
const FURNITURE = [/^new$/i, /^subscribe$/i, /^byAK and the research community$/i, /^Get trending papers in your email inbox( once a day)?!$/i, DATE_LINE];

/** The page's "Subscribe" button text can be glued to the first title: "SubscribeLookahead: ...". */
const GLUED_SUBSCRIBE = /^Subscribe(?=[\p{Lu}\p{N}])/u;

/** Longest line still taken for a title; abstracts in the dumps are far longer. */
export const MAX_TITLE_LENGTH = 300;
/** Shortest line taken for an abstract when the line after it could be one too. */
const MIN_ABSTRACT_LENGTH = 100;
/** Fewest words in a line that looks like an abstract. */
const MIN_ABSTRACT_WORDS = 30;

/** A listing line as the parser sees it: cleaned, and empty when it is blank or page furniture. */
export function listingLine(raw: string): string {
  const clean = cleanText(raw).replace(GLUED_SUBSCRIBE, '');
  return clean === '' || FURNITURE.some((pattern) => pattern.test(clean)) ? '' : clean;
}

/** Whether a cleaned line looks like an abstract: longer than any title, and prose (at least 30 words). */
export function looksLikeAbstract(clean: string): boolean {
  if (clean.length <= MAX_TITLE_LENGTH) return false;
  let words = 0;
  for (const _ of clean.matchAll(/\p{L}{2,}/gu)) if (++words >= MIN_ABSTRACT_WORDS) return true;
  return false;
}

/**
 * Reads a listing dump as a stream: page furniture, then title and abstract
 * lines in turn, with or without blank lines between them. A title with no
 * abstract after it is kept (with an empty abstract and a problem noted);
 * text that cannot be a title is reported and skipped so that one stray line
 * does not shift every later pair. Needs at most three lines at a time.
 */
export class ListingParser {
  /** Lines waiting to be paired, each with the date of the listing it is in. */
  private readonly pending: { line: number; text: string; date: string | undefined }[] = [];
  private readonly lines: LineSplitter;
  /** The date of the last date line (a year only where the page gives one), or none. */
  private date: string | undefined;

  constructor(private readonly sink: RecordSink) {
    this.lines = new LineSplitter((line, raw) => {
      if (raw === undefined) {
        sink.problem(line, overlongReason);
        return;
      }
      const clean = cleanText(raw);
      if (DATE_LINE.test(clean)) this.dateLine(line, clean);
      const text = listingLine(raw);
      if (text === '') return;
      this.pending.push({ line, text, date: this.date });
      while (this.pending.length >= 3) this.step();
    });
  }

  push(chunk: string): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
    while (this.pending.length > 0) this.step();
  }

  private dateLine(line: number, text: string): void {
    this.date = parseDate(text);
    if (this.date === undefined) this.sink.notice(line, `date line "${text}" is not a date; the papers after it are kept without a date`);
  }

  /** Takes the title at the front of the queue (and its abstract, when the next line is one). */
  private step(): void {
    const [title, next, afterNext] = this.pending;
    if (title.text.length > MAX_TITLE_LENGTH) {
      this.sink.problem(title.line, `text of ${title.text.length} characters where a title was expected (abstract without a title?); skipped`);
      this.pending.shift();
      return;
    }
    // A short next line followed by a long one is the next title, not this title's abstract.
    const nextIsTitle = next === undefined || (next.text.length < MIN_ABSTRACT_LENGTH && afterNext !== undefined && afterNext.text.length > MAX_TITLE_LENGTH);
    if (nextIsTitle) {
      this.sink.problem(title.line, 'title without an abstract; kept with an empty abstract');
      this.sink.record({ line: title.line, title: title.text, abstract: '', details: detailsAt(title.date), metadata: {} });
      this.pending.shift();
    } else {
      this.sink.record({ line: title.line, title: title.text, abstract: next.text, details: detailsAt(title.date), metadata: {} });
      this.pending.splice(0, 2);
    }
  }
}

const detailsAt = (date: string | undefined) => (date === undefined ? {} : { date });

/** Parses a whole listing text at once (records, problems and notices in the order met). */
export function parseListing(text: string): Parsed {
  const sink = collectingSink();
  const parser = new ListingParser(sink);
  parser.push(text);
  parser.end();
  return { records: sink.records, problems: sink.problems, notices: sink.notices };
}
