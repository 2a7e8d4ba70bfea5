import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { UserError } from '../shared/errors.js';
import { bytesOf, sha256File } from '../shared/files.js';
import { notice } from '../shared/progress.js';
import type { StageWrites, Store } from '../store/store.js';
import type { VectorsInfo, VectorsSource } from '../store/schemas.js';
import { checkVectorsFile, readVectorRows, type VectorRows } from './vectors-file.js';

/**
 * `embed --vectors FILE`: vectors made elsewhere (SPECTER2, an API, a GPU job)
 * in place of papermap's own model. Each paper gets the vector whose id is
 * its id, normalised; the index, the topics and the reports then work on them
 * as on papermap's own. Free-text queries need the model that made them.
 */

/** The model name vectors.json gives vectors made elsewhere; vectors.json's `source` says where they came from. */
export const EXTERNAL_MODEL = 'external';

/** How many ids a message names; `--json` has them all. */
const NAMED = 5;

export interface ExternalPlan {
  kind: 'external';
  source: VectorsSource;
  identity: string;
  papersHash: string;
  paperIds: string[];
}

export interface Matched {
  /** The papers' vectors, in papers.jsonl's order, each a unit vector. */
  vectors: Float32Array;
  /** Ids of the file that are no paper's: left out. */
  unmatched: string[];
}

/** A few ids for a message, and how many more there are. */
function named(ids: readonly string[]): string {
  const shown = ids.slice(0, NAMED).join(', ');
  return ids.length > NAMED ? `${shown} and ${ids.length - NAMED} more` : shown;
}

/**
 * The vector of each paper by id, normalised. Refused, with nothing written:
 * an id twice in the file, a paper without a vector (all of them in the
 * error's details), a NaN, an infinite value or a zero vector.
 */
export function matchVectors(paperIds: readonly string[], rows: VectorRows, file: string): Matched {
  const rowOf = new Map<string, number>();
  rows.ids.forEach((id, row) => {
    const before = rowOf.get(id);
    if (before !== undefined) throw new UserError(`${rows.place(row)}: id ${id} again (first at ${rows.place(before)}): give one vector a paper`);
    rowOf.set(id, row);
  });
  const missing = paperIds.filter((id) => !rowOf.has(id));
  if (missing.length > 0)
    throw new UserError(
      `${file}: ${missing.length} of ${paperIds.length} papers have no vector (${named(missing)}): give a vector for every paper, or leave those papers out of the input`,
      { papersWithoutVector: missing },
    );
  const papers = new Set(paperIds);
  const unmatched = rows.ids.filter((id) => !papers.has(id));
  const { dim } = rows;
  const vectors = new Float32Array(paperIds.length * dim);
  paperIds.forEach((id, position) => {
    const row = rowOf.get(id)!;
    const source = rows.vectors.subarray(row * dim, (row + 1) * dim);
    let norm = 0;
    for (let i = 0; i < dim; i++) norm += source[i] * source[i];
    if (!Number.isFinite(norm)) throw new UserError(`${rows.place(row)}: the vector of ${id} holds NaN or infinite values`);
    if (norm === 0) throw new UserError(`${rows.place(row)}: the vector of ${id} is all zeros, which has no direction to compare`);
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < dim; i++) vectors[position * dim + i] = source[i] * scale;
  });
  return { vectors, unmatched };
}

/** What `embed --vectors` will read, and the identity of the vectors: the files' hashes, so a changed file means a new run. */
export function planExternal(store: Store, file: string, idsFile: string | undefined): ExternalPlan {
  const format = checkVectorsFile(file, idsFile);
  const hashOf = (path: string, what: string) => {
    try {
      return sha256File(path);
    } catch (error) {
      throw new UserError(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  const sha256 = hashOf(file, '--vectors file');
  const ids = idsFile === undefined ? undefined : { file: idsFile, sha256: hashOf(idsFile, '--ids file') };
  const { papers, hash } = store.readPaperTitles();
  const identity = `${EXTERNAL_MODEL}:${sha256.slice(0, 16)}${ids ? `:${ids.sha256.slice(0, 8)}` : ''}`;
  return { kind: 'external', source: { file, format, sha256, ...(ids ? { ids } : {}) }, identity, papersHash: hash, paperIds: papers.map((paper) => paper.id) };
}

export interface ExternalSummary {
  papers: number;
  model: string;
  modelIdentity: string;
  dim: number;
  embedded: 0;
  cached: 0;
  source: VectorsSource;
  /** Ids of the file that matched no paper, all of them. */
  unmatchedIds: string[];
  seconds: number;
}

/** Reads, matches and writes the vectors: vectors.f32, then vectors.json with their source. */
export async function embedExternal(writer: StageWrites, plan: ExternalPlan): Promise<ExternalSummary> {
  const started = performance.now();
  const { source } = plan;
  const rows = await readVectorRows(source.file, source.ids?.file);
  const { vectors, unmatched } = matchVectors(plan.paperIds, rows, source.file);
  if (unmatched.length > 0) notice(`${basename(source.file)}: ${unmatched.length} vectors match no paper (${named(unmatched)}); they were left out`);
  const bytes = bytesOf(vectors);
  writer.write('vectors', bytes);
  const info: VectorsInfo = {
    model: EXTERNAL_MODEL,
    modelIdentity: plan.identity,
    source,
    dim: rows.dim,
    count: plan.paperIds.length,
    normalized: true,
    papersHash: plan.papersHash,
    vectorsHash: createHash('sha256').update(bytes).digest('hex'),
  };
  writer.write('vectorsInfo', JSON.stringify(info, null, 2) + '\n');
  return {
    papers: plan.paperIds.length,
    model: EXTERNAL_MODEL,
    modelIdentity: plan.identity,
    dim: rows.dim,
    embedded: 0,
    cached: 0,
    source,
    unmatchedIds: unmatched,
    seconds: (performance.now() - started) / 1000,
  };
}
