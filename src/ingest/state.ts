import { z } from 'zod';
import { VERSION } from '../shared/version.js';
import { ENCODINGS } from './decode.js';
import { FORMAT_KINDS } from './detect.js';

/** What ingest made of one input file, as the summary and manifest.json tell it. */
export const fileEntry = z.object({
  path: z.string(),
  /** "unreadable": not text (binary or empty); "refused": text papermap cannot tell the format of with confidence. */
  format: z.enum([...FORMAT_KINDS, 'unreadable', 'refused']),
  records: z.number().int().nonnegative(),
  /** How the file's bytes were read as text, when they were. */
  encoding: z.enum(ENCODINGS).optional(),
});

export type FileEntry = z.infer<typeof fileEntry>;

const header = z.strictObject({
  papermap: z.string(),
  /** The inputs read, in order, each with its SHA-256 and what was made of it. */
  files: z.array(z.object({ sha256: z.string(), entry: fileEntry })),
  /** Every problem and notice reported, in order: a run that goes on from this state reports them again, as a run that reads every file would. */
  messages: z.array(z.union([z.object({ file: z.string(), line: z.number().int(), reason: z.string() }), z.object({ notice: z.string() })])),
  records: z.number().int().nonnegative(),
  duplicatesMerged: z.number().int().nonnegative(),
  papers: z.number().int().nonnegative(),
  /** Lengths, in 32-bit words, of the arrays after the header line. */
  titleSlots: z.number().int().nonnegative(),
  idSlots: z.number().int().nonnegative(),
  facts: z.number().int().nonnegative(),
});

export type IngestHeader = z.infer<typeof header>;

/**
 * What ingest knew when it finished (ingest.state): the inputs it read, in
 * order, with their hashes; what it reported; and its merge index (the
 * title and id hash tables and each paper's facts). A later run whose inputs
 * begin with the same files, unchanged and in the same order, goes on from
 * here and reads only the files after them.
 */
export interface IngestState extends IngestHeader {
  titles: Uint32Array;
  ids: Uint32Array;
  factTable: Uint32Array;
}

/** ingest.state's bytes: a JSON header line, then the three tables as 32-bit words in the machine's order (little-endian wherever Node runs). */
export function encodeState(state: Omit<IngestState, 'papermap' | 'titleSlots' | 'idSlots' | 'facts'>): Uint8Array[] {
  const { titles, ids, factTable, ...rest } = state;
  const head: IngestHeader = { papermap: VERSION, ...rest, titleSlots: titles.length, idSlots: ids.length, facts: factTable.length };
  const words = (array: Uint32Array) => new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  return [Buffer.from(JSON.stringify(head) + '\n'), words(titles), words(ids), words(factTable)];
}

/** The state in ingest.state's bytes; undefined for one that cannot be gone on from (damaged, or made by another papermap). */
export function decodeState(bytes: Buffer): IngestState | undefined {
  const end = bytes.indexOf(10);
  if (end < 0) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8', 0, end));
  } catch {
    return undefined;
  }
  const parsed = header.safeParse(value);
  if (!parsed.success || parsed.data.papermap !== VERSION) return undefined;
  const head = parsed.data;
  if (bytes.length - end - 1 !== 4 * (head.titleSlots + head.idSlots + head.facts)) return undefined;
  // hash tables are a power of two of 4-word slots
  if (![head.titleSlots, head.idSlots].every((words) => words >= 16 && (words & (words - 1)) === 0)) return undefined;
  // the tables after a header of any length: copied out, so that they are aligned
  let at = end + 1;
  const table = (words: number) => {
    const array = new Uint32Array(words);
    new Uint8Array(array.buffer).set(bytes.subarray(at, at + 4 * words));
    at += 4 * words;
    return array;
  };
  return { ...head, titles: table(head.titleSlots), ids: table(head.idSlots), factTable: table(head.facts) };
}
