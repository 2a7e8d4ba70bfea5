import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from './errors.js';
import { bytesOf, readFloat32File, sha256, writeFileAtomic } from './files.js';

/** One paper as every stage after ingest sees it. */
export interface Paper {
  id: string;
  title: string;
  abstract: string;
  /** Every input file the paper was listed in, in input order. */
  sources: string[];
  /** Fields of the source record that papermap does not interpret (authors, categories, ...). */
  metadata: Record<string, unknown>;
}

/** How the vectors in vectors.f32 were made; written as vectors.json. */
export interface VectorsInfo {
  /** The model actually used, in the user's words: "Xenova/all-MiniLM-L6-v2", "builtin", or a path. */
  model: string;
  /** Identity of the exact weights (and fit, for the builtin): vectors with different identities never mix. */
  modelIdentity: string;
  /** Why papermap fell back to the builtin embedder, when it did. */
  fallbackReason?: string;
  dim: number;
  count: number;
  normalized: true;
  /** Hash of papers.jsonl the vectors belong to, so later stages can tell stale vectors. */
  papersHash: string;
  /** Hash of vectors.f32, so a run killed between the two writes is caught, not trusted. */
  vectorsHash: string;
}

export const artifactPath = {
  papers: (out: string) => join(out, 'papers.jsonl'),
  vectors: (out: string) => join(out, 'vectors.f32'),
  vectorsInfo: (out: string) => join(out, 'vectors.json'),
};

const PAPER_FIELDS = new Set(['id', 'title', 'abstract', 'sources']);

export function paperToJson(paper: Paper): string {
  return JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract, sources: paper.sources, ...paper.metadata });
}

export function writePapers(out: string, papers: readonly Paper[]): void {
  writeFileAtomic(artifactPath.papers(out), papers.map((paper) => paperToJson(paper) + '\n').join(''));
}

/** The raw text of papers.jsonl, for hashing; fails with the command to run when it is missing. */
export function readPapersText(out: string): string {
  const path = artifactPath.papers(out);
  if (!existsSync(path)) throw new UserError(`${path} not found: run \`papermap ingest --out ${out}\` first`);
  return readFileSync(path, 'utf8');
}

export function parsePapers(text: string, path: string): Paper[] {
  const papers: Paper[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(lines[i]);
    } catch {
      throw new UserError(`${path}:${i + 1}: not valid JSON; re-run \`papermap ingest\``);
    }
    const metadata: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) if (!PAPER_FIELDS.has(key)) metadata[key] = value;
    papers.push({
      id: String(record.id),
      title: String(record.title),
      abstract: String(record.abstract ?? ''),
      sources: Array.isArray(record.sources) ? record.sources.map(String) : [],
      metadata,
    });
  }
  return papers;
}

export function readPapers(out: string): Paper[] {
  return parsePapers(readPapersText(out), artifactPath.papers(out));
}

export function writeVectors(out: string, vectors: Float32Array, info: Omit<VectorsInfo, 'vectorsHash'>): void {
  // vectors first: vectors.json is the commit point that says the pair is complete
  writeFileAtomic(artifactPath.vectors(out), bytesOf(vectors));
  const complete: VectorsInfo = { ...info, vectorsHash: sha256(bytesOf(vectors)) };
  writeFileAtomic(artifactPath.vectorsInfo(out), JSON.stringify(complete, null, 2) + '\n');
}

export function readVectorsInfo(out: string): VectorsInfo | undefined {
  const path = artifactPath.vectorsInfo(out);
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as VectorsInfo;
}

export function readVectors(out: string): { info: VectorsInfo; vectors: Float32Array } {
  const info = readVectorsInfo(out);
  if (!info || !existsSync(artifactPath.vectors(out))) {
    throw new UserError(`${artifactPath.vectors(out)} not found: run \`papermap embed --out ${out}\` first`);
  }
  const vectors = readFloat32File(artifactPath.vectors(out));
  if (vectors.length !== info.count * info.dim || sha256(bytesOf(vectors)) !== info.vectorsHash) {
    throw new UserError(`${artifactPath.vectors(out)} does not match ${artifactPath.vectorsInfo(out)} (interrupted run?); re-run \`papermap embed --out ${out}\``);
  }
  return { info, vectors };
}

/** Papers and their vectors, refusing vectors made from an older papers.jsonl. */
export function readCurrentVectors(out: string): { papers: Paper[]; info: VectorsInfo; vectors: Float32Array } {
  const text = readPapersText(out);
  const { info, vectors } = readVectors(out);
  if (info.papersHash !== sha256(text)) throw new UserError(`${artifactPath.vectors(out)} is older than ${artifactPath.papers(out)}: run \`papermap embed --out ${out}\` first`);
  return { papers: parsePapers(text, artifactPath.papers(out)), info, vectors };
}
