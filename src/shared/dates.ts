/**
 * A paper's date as papermap keeps it: ISO 8601 to the precision the input
 * gives ("2024-03-14", "2024-03", "2024"), or a month and day with no year
 * ("--03-14", as ISO 8601:2000 and XML Schema write it) when the input names
 * no year: a listing page headed "Mar 14". A year is never guessed.
 */
export const DATE_SHAPE = /^(\d{4}(-\d{2}(-\d{2})?)?|--\d{2}-\d{2})$/;

const MONTH_NAMES = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];
/** Years taken as a year: four digits, and not far-fetched for a paper. */
const FIRST_YEAR = 1000;
const LAST_YEAR = 2999;

export interface DateParts {
  year?: number;
  month?: number;
  day?: number;
}

const two = (value: number) => String(value).padStart(2, '0');

function daysIn(month: number, year: number | undefined): number {
  if (month === 2) return year === undefined || (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** The date as papermap writes it; undefined when the parts are not a date (month 13, 30 February, a year of three digits). */
export function formatDate({ year, month, day }: DateParts): string | undefined {
  if (year !== undefined && (!Number.isInteger(year) || year < FIRST_YEAR || year > LAST_YEAR)) return undefined;
  if (month === undefined) return day === undefined && year !== undefined ? String(year) : undefined;
  if (!Number.isInteger(month) || month < 1 || month > 12) return undefined;
  if (day === undefined) return year === undefined ? undefined : `${year}-${two(month)}`;
  if (!Number.isInteger(day) || day < 1 || day > daysIn(month, year)) return undefined;
  return year === undefined ? `--${two(month)}-${two(day)}` : `${year}-${two(month)}-${two(day)}`;
}

/** The parts of a date papermap wrote (DATE_SHAPE). */
export function dateParts(date: string): DateParts {
  if (date.startsWith('--')) return { month: Number(date.slice(2, 4)), day: Number(date.slice(5, 7)) };
  const [year, month, day] = date.split('-').map(Number);
  return { year, ...(month === undefined ? {} : { month }), ...(day === undefined ? {} : { day }) };
}

/** The month a name or abbreviation names: "Mar", "March", "Sept." are March and September; "Marsh" is nothing. */
function monthOf(name: string): number | undefined {
  const word = name.toLowerCase().replace(/\.$/, '');
  const index = MONTH_NAMES.findIndex((month) => word === month || word === month.slice(0, 3) || (month === 'september' && word === 'sept'));
  return index >= 0 ? index + 1 : undefined;
}

/** Forms of a date that inputs write, each giving its parts (or nothing) from the match. */
const FORMS: [RegExp, (match: RegExpExecArray) => DateParts | undefined][] = [
  // 2024, 2024-03, 2024-03-14, 2024/03/14, with a time after it (2024-03-14T09:30:00Z, 2024-03-14 09:30:00)
  [
    /^(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?$/i,
    (m) => ({ year: +m[1], month: m[2] === undefined ? undefined : +m[2], day: m[3] === undefined ? undefined : +m[3] }),
  ],
  // 14 Mar 2024, Mon, 2 Apr 2007 19:18:42 GMT (the arXiv snapshot's versions), 14 March 2024
  [
    /^(?:[a-z]{3,9},?\s+)?(\d{1,2})\s+([a-z]{3,9}\.?),?\s+(\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*(?:[A-Z]{2,4}|[+-]\d{4}))?)?$/i,
    (m) => withMonth(m[2], { year: +m[3], day: +m[1] }),
  ],
  // Mar 14, 2024 · March 14 2024 · Mar 14 (a listing's date line: no year)
  [/^([a-z]{3,9}\.?)\s+(\d{1,2})(?:(?:,\s*|\s+)(\d{4}))?$/i, (m) => withMonth(m[1], { year: m[3] === undefined ? undefined : +m[3], day: +m[2] })],
  // March 2024, Mar. 2024
  [/^([a-z]{3,9}\.?),?\s+(\d{4})$/i, (m) => withMonth(m[1], { year: +m[2] })],
  // 14/03/2024 or 03/14/2024: taken only when one of the two is over 12, and so cannot be the month
  [
    /^(\d{1,2})[/.](\d{1,2})[/.](\d{4})$/,
    (m) =>
      +m[1] > 12 && +m[2] <= 12 ? { year: +m[3], month: +m[2], day: +m[1] } : +m[2] > 12 && +m[1] <= 12 ? { year: +m[3], month: +m[1], day: +m[2] } : undefined,
  ],
];

function withMonth(name: string, parts: DateParts): DateParts | undefined {
  const month = monthOf(name);
  return month === undefined ? undefined : { ...parts, month };
}

/**
 * The date an input writes, as papermap keeps it; undefined when it is not a
 * date papermap can read for certain (a day that does not exist, 03/04/2024,
 * "spring 2019"). A whole number is a year.
 */
export function parseDate(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isInteger(value) ? formatDate({ year: value }) : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  for (const [form, parts] of FORMS) {
    const match = form.exec(text);
    if (match) {
      const found = parts(match);
      return found && formatDate(found);
    }
  }
  return undefined;
}

/**
 * The earlier of two dates, for a paper listed in several places: a date with
 * a year before one without; of two with years the earlier, and where one
 * holds the other (2024 and 2024-03-14) the more precise; of two without a
 * year, which cannot be ordered, the first.
 */
export function earlierDate(first: string | undefined, second: string | undefined): string | undefined {
  if (first === undefined || second === undefined) return first ?? second;
  const yearless = (date: string) => date.startsWith('--');
  if (yearless(first) || yearless(second)) return yearless(first) && !yearless(second) ? second : first;
  const common = Math.min(first.length, second.length);
  const a = first.slice(0, common);
  const b = second.slice(0, common);
  if (a === b) return first.length >= second.length ? first : second;
  return a < b ? first : second;
}

/** The month an arXiv id was given in: 2403.12345 is March 2024, hep-th/9901001 January 1999 (old-style ids ran from 1991 to March 2007, new-style ones since April 2007). */
export function arxivMonth(id: string): string | undefined {
  const modern = /^(\d{2})(\d{2})\.\d{4,5}(?:v\d+)?$/.exec(id);
  const old = modern ? null : /^[a-z-]+(?:\.[A-Z]{2})?\/(\d{2})(\d{2})\d{3}(?:v\d+)?$/.exec(id);
  const match = modern ?? old;
  if (!match) return undefined;
  const yy = Number(match[1]);
  const year = modern ? 2000 + yy : yy >= 91 ? 1900 + yy : 2000 + yy;
  const month = Number(match[2]);
  const serial = year * 100 + month;
  if (modern ? serial < 200704 : serial < 199108 || serial > 200703) return undefined;
  return formatDate({ year, month });
}
