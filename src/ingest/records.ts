import { sha256 } from '../shared/files.js';

/** One paper as read from one place in one input file, before duplicates are merged. */
export interface SourceRecord {
  line: number;
  /** The id the source gives the paper, if any (arXiv id, CSV id column, ...). */
  id?: string;
  title: string;
  abstract: string;
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
}

// C0/C1 controls other than tab/newline, zero-width characters and the BOM: invisible page junk
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200d\u2060\ufeff]/g;

/** Unicode NFKC (folds ligatures like "ﬁ" and full-width forms), no invisible characters, single spaces. */
export function cleanText(text: string): string {
  return text.normalize('NFKC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim();
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
