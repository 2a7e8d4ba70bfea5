import { accessSync, constants, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { StageWriter } from '../store/folder.js';
import { paperToJson, type Paper } from '../store/read.js';
import { UserError } from '../shared/errors.js';
import { notice } from '../shared/progress.js';
import { decodeText, detectFormat, type Format } from './detect.js';
import { parseListing } from './listing.js';
import { idFromTitle, titleKey, type Parsed } from './records.js';
import { parseCsv, parseJsonl } from './tabular.js';

export interface IngestOptions {
  /** Files or directories; a directory contributes every non-hidden file under it, in name order. */
  inputs: string[];
  /** Fail on the first bad record instead of reporting it and going on. */
  strict: boolean;
}

export interface FileProblem {
  file: string;
  line: number;
  reason: string;
}

export interface IngestSummary {
  files: { path: string; format: Format['kind'] | 'unreadable'; records: number }[];
  /** Records read from all files, duplicates included. */
  records: number;
  papers: number;
  /** Records that were the same paper as an earlier record and were merged into it. */
  duplicatesMerged: number;
  problems: FileProblem[];
}

/** Every input file, in a stable order: inputs as given, directories walked in name order. Refuses a missing or unreadable one. */
export function listInputFiles(inputs: readonly string[]): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path).sort()) if (!name.startsWith('.')) walk(join(path, name));
    } else if (stat.isFile()) {
      try {
        accessSync(path, constants.R_OK);
      } catch (error) {
        throw new UserError(`cannot read input ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      files.push(path.split('\\').join('/'));
    }
  };
  for (const input of inputs) {
    if (!existsSync(input)) throw new UserError(`input not found: ${input}`);
    walk(input);
  }
  return [...new Set(files)];
}

function parseFile(text: string, format: Format): Parsed {
  switch (format.kind) {
    case 'jsonl':
      return parseJsonl(text);
    case 'csv':
      return parseCsv(text, format.delimiter);
    case 'listing':
      return parseListing(text);
  }
}

/**
 * Reads every input, merges records of the same paper (same normalised title),
 * and returns the papers in order of first appearance.
 */
export function readInputs(files: readonly string[]): { papers: Paper[]; summary: Omit<IngestSummary, 'papers'> } {
  const summary: Omit<IngestSummary, 'papers'> = { files: [], records: 0, duplicatesMerged: 0, problems: [] };
  const byTitle = new Map<string, Paper>();
  const titleById = new Map<string, { key: string; where: string }>();

  for (const file of files) {
    const decoded = decodeText(readFileSync(file));
    if ('reason' in decoded) {
      summary.files.push({ path: file, format: 'unreadable', records: 0 });
      summary.problems.push({ file, line: 1, reason: decoded.reason });
      continue;
    }
    const format = detectFormat(decoded.text);
    const parsed = parseFile(decoded.text, format);
    summary.files.push({ path: file, format: format.kind, records: parsed.records.length });
    summary.records += parsed.records.length;
    for (const problem of parsed.problems) summary.problems.push({ file, ...problem });
    if (parsed.records.length === 0 && parsed.problems.length === 0) {
      summary.problems.push({ file, line: 1, reason: 'no papers found in this file' });
    }

    for (const record of parsed.records) {
      const key = titleKey(record.title);
      if (key === '') {
        summary.problems.push({ file, line: record.line, reason: 'title has no letters or digits; skipped' });
        continue;
      }
      const existing = byTitle.get(key);
      if (existing) {
        summary.duplicatesMerged += 1;
        if (!existing.sources.includes(file)) existing.sources.push(file);
        // The same paper listed twice keeps the fuller abstract and every metadata field seen.
        if (record.abstract.length > existing.abstract.length) existing.abstract = record.abstract;
        existing.metadata = { ...record.metadata, ...existing.metadata };
        continue;
      }
      const id = record.id ?? idFromTitle(record.title);
      const where = `${file}:${record.line}`;
      const holder = titleById.get(id);
      if (holder) {
        summary.problems.push({ file, line: record.line, reason: `id "${id}" is already used by a different paper at ${holder.where}; skipped` });
        continue;
      }
      titleById.set(id, { key, where });
      const paper: Paper = { id, title: record.title, abstract: record.abstract, sources: [file], metadata: record.metadata };
      byTitle.set(key, paper);
    }
  }
  return { papers: [...byTitle.values()], summary };
}

/** The ingest stage: the input files in, papers.jsonl out. */
export function ingest(writer: StageWriter, options: IngestOptions, files: readonly string[]): IngestSummary {
  const { papers, summary } = readInputs(files);
  for (const problem of summary.problems) notice(`warning: ${problem.file}:${problem.line}: ${problem.reason}`);
  if (options.strict && summary.problems.length > 0) {
    const first = summary.problems[0];
    throw new UserError(`${first.file}:${first.line}: ${first.reason} (--strict; ${summary.problems.length} problem(s) in all, nothing written)`);
  }
  if (papers.length === 0) throw new UserError(`no papers found in ${options.inputs.join(', ')}; nothing written`);
  writer.write('papers', papers.map((paper) => paperToJson(paper) + '\n'));
  return { ...summary, papers: papers.length };
}
