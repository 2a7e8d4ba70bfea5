import { sha256 } from '../shared/files.js';
import type { PaperDetails } from '../store/read.js';

/** One paper as read from one place in one input file, before duplicates are merged. */
export interface SourceRecord {
  line: number;
  /** The id the source gives the paper, if any (arXiv id, CSV id column, ...). */
  id?: string;
  title: string;
  abstract: string;
  /** What the record says of the paper's date, authors, categories, DOI, arXiv id and address. */
  details: PaperDetails;
  metadata: Record<string, unknown>;
}

/** A record that could not be read, reported with its line and never silently dropped. */
export interface Problem {
  line: number;
  reason: string;
}

export interface Parsed {
  records: SourceRecord[];
  problems: Problem[];
  /** Fields left out of a record that is kept (a date that is not a date): said, not counted as problems. */
  notices: Problem[];
}

/** Where a streaming parser sends what it reads, in file order. */
export interface RecordSink {
  record(record: SourceRecord): void;
  problem(line: number, reason: string): void;
  notice(line: number, message: string): void;
}

/** A sink that keeps everything, for parsing a whole text at once (tests, small inputs). */
export function collectingSink(): RecordSink & Parsed {
  const parsed: Parsed = { records: [], problems: [], notices: [] };
  return {
    ...parsed,
    record: (record) => parsed.records.push(record),
    problem: (line, reason) => parsed.problems.push({ line, reason }),
    notice: (line, reason) => parsed.notices.push({ line, reason }),
  };
}

/**
 * Invisible page junk: C0/C1 controls other than tab/newline, zero-width space
 * and non-joiner, word joiner, the BOM, and the bidirectional controls
 * (embeddings and overrides U+202A–U+202E, isolates U+2066–U+2069, the marks
 * U+200E, U+200F and U+061C), which can make a title display as something it
 * does not say.
 */
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b\u200c\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;
/**
 * A zero-width joiner is kept only inside an emoji sequence ("👩‍🔬"): after a
 * pictographic character (or its variation selector or skin-tone modifier)
 * and before another pictographic character. Anywhere else it is removed.
 */
// biome-ignore lint/suspicious/noMisleadingCharacterClass: each alternative is one code point; U+FE0F is the emoji presentation selector, not a combining mark here
const STRAY_ZWJ = /(?<![\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f])\u200d|\u200d(?!\p{Extended_Pictographic})/gu;
/** Printable ASCII, tabs and newlines only: NFKC and the invisible-character rules change nothing. */
const PLAIN_ASCII = /^[\t\n\r\x20-\x7e]*$/;

/** Unicode NFKC (folds ligatures like "ﬁ" and full-width forms), no invisible characters, single spaces. */
export function cleanText(text: string): string {
  // only whitespace runs other than a single space need replacing, and most runs are a single space
  if (PLAIN_ASCII.test(text)) return text.replace(/[\t\n\r][\t\n\r ]*| [\t\n\r ]+/g, ' ').trim();
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(STRAY_ZWJ, '').replace(/\s+/g, ' ').trim();
}

/** The form of a title used to recognise the same paper: case, punctuation and spacing do not count. */
export function titleKey(title: string): string {
  return cleanText(title)
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** A stable id for a paper without a source id: a short hash of its normalised title. */
export function idFromTitle(title: string): string {
  return sha256(titleKey(title)).slice(0, 12);
}
