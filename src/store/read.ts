import { existsSync, statSync } from 'node:fs';
import { UserError } from '../shared/errors.js';
import { notice } from '../shared/progress.js';
import { rememberedHash, sha256 } from '../shared/files.js';
import { ARTIFACTS, type ArtifactName } from './artifacts.js';
import { schemaProblem, type OutputFolder } from './folder.js';
import { clustersFile, indexInfo, paperLine, vectorsInfo, type Clusters, type IndexInfo, type VectorsInfo } from './schemas.js';

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

/** A paper's line in papers.jsonl. */
export function paperToJson(paper: Paper): string {
  return JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract, sources: paper.sources, ...paper.metadata });
}

/**
 * Each paper of papers.jsonl, its line checked, and the file's hash. The file
 * is read in blocks and decoded a line at a time: a million papers are more
 * text than one JavaScript string can hold, and holding their bytes as well
 * as their strings would double what a stage needs.
 */
function forEachPaper(folder: OutputFolder, version: 'current' | 'previous', take: (paper: Paper) => void): string {
  const ids = new Set<string>();
  let line = 0;
  const onLine = (text: string) => {
    line++;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw folder.damaged('papers', `line ${line} is not valid JSON`);
    }
    const parsed = paperLine.safeParse(value);
    if (!parsed.success) throw folder.damaged('papers', `line ${line} is not a paper (${schemaProblem(parsed.error)})`);
    const { id, title, abstract, sources, ...metadata } = parsed.data;
    if (ids.has(id)) throw folder.damaged('papers', `line ${line} repeats the id ${id}`);
    ids.add(id);
    take({ id, title, abstract, sources, metadata });
  };
  // the start of a line that runs on into the next block
  let carried: Buffer[] = [];
  const hash = folder.readBlocks('papers', version, (bytes) => {
    let start = 0;
    for (let end = bytes.indexOf(10); end >= 0; end = bytes.indexOf(10, start)) {
      onLine(carried.length > 0 ? Buffer.concat([...carried, bytes.subarray(start, end)]).toString('utf8') : bytes.toString('utf8', start, end));
      carried = [];
      start = end + 1;
    }
    // the block's buffer is reused: what runs on is copied
    if (start < bytes.length) carried.push(Buffer.from(bytes.subarray(start)));
  });
  if (carried.length > 0) throw folder.damaged('papers', 'the last line is cut short');
  return hash;
}

/** papers.jsonl as papers, and the file's hash. */
export function readPapers(folder: OutputFolder, version: 'current' | 'previous' = 'current'): { papers: Paper[]; hash: string } {
  const papers: Paper[] = [];
  const hash = forEachPaper(folder, version, (paper) => papers.push(paper));
  return { papers, hash };
}

/** A paper as changes.json compares it: its id, its title, and a digest of its title and abstract. */
export interface PaperDigest {
  id: string;
  title: string;
  digest: string;
}

export function paperDigest(paper: Paper): string {
  return sha256(`${paper.title}\n${paper.abstract}`).slice(0, 32);
}

/** The papers of papers.jsonl as digests: a tenth of the memory of the papers, for a corpus that is only compared with. */
export function readPaperDigests(folder: OutputFolder, version: 'current' | 'previous' = 'current'): PaperDigest[] {
  const digests: PaperDigest[] = [];
  forEachPaper(folder, version, (paper) => digests.push({ id: paper.id, title: paper.title, digest: paperDigest(paper) }));
  return digests;
}

/** What the index stage needs of a paper: its id, and its title for related.json. */
export type PaperTitle = Pick<Paper, 'id' | 'title'>;

/**
 * papers.jsonl checked as readPapers checks it, keeping each paper's id and
 * title only: at a million papers the abstracts are over a gigabyte of
 * strings that the index stage has no use for.
 */
function readPaperTitles(folder: OutputFolder): { papers: PaperTitle[]; hash: string } {
  const papers: PaperTitle[] = [];
  const hash = forEachPaper(folder, 'current', ({ id, title }) => papers.push({ id, title }));
  return { papers, hash };
}

/** The index of the first value that is not a finite number, or -1. */
export function firstNonFinite(values: Float32Array): number {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return i;
  return -1;
}

/** vectors.json and vectors.f32, checked against each other: sizes, hash, and finite values. */
export function readVectors(folder: OutputFolder): { info: VectorsInfo; vectors: Float32Array } {
  const info = folder.readJson('vectorsInfo', vectorsInfo);
  const bytes = folder.readBytes('vectors');
  checkVectorsSize(folder, info, bytes.byteLength);
  // readBytes hashed it, or found it hashed, unless it changed while read
  checkVectorsHash(folder, info, rememberedHash(folder.path('vectors')) ?? sha256(bytes));
  // a large file's bytes come in a buffer of their own, which can be the vectors as they are; a small one may sit unaligned in a shared pool
  const vectors = bytes.byteOffset % 4 === 0 ? new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4) : new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  checkVectorsFinite(folder, info, vectors);
  return { info, vectors };
}

function checkVectorsSize(folder: OutputFolder, info: VectorsInfo, bytes: number): void {
  if (bytes !== info.count * info.dim * 4) throw folder.damaged('vectors', `${bytes} bytes where ${folder.path('vectorsInfo')} says ${info.count} vectors of ${info.dim} dimensions (cut short?)`);
}

function checkVectorsHash(folder: OutputFolder, info: VectorsInfo, hash: string): void {
  if (hash !== info.vectorsHash) throw folder.damaged('vectors', `does not match the hash in ${folder.path('vectorsInfo')} (damaged?)`);
}

function checkVectorsFinite(folder: OutputFolder, info: VectorsInfo, vectors: Float32Array): void {
  const bad = firstNonFinite(vectors);
  if (bad >= 0) throw folder.damaged('vectors', `vector ${Math.floor(bad / info.dim) + 1} holds NaN or an infinite value`);
}

/** Papers and their vectors, refusing vectors made from another papers.jsonl. */
export function readCurrentVectors(folder: OutputFolder): { papers: Paper[]; info: VectorsInfo; vectors: Float32Array } {
  const { papers, hash } = readPapers(folder);
  const { info, vectors } = readVectors(folder);
  if (info.papersHash !== hash || info.count !== papers.length) throw stale(folder, 'vectors', 'papers');
  return { papers, info, vectors };
}

/**
 * vectors.json and vectors.f32 as readVectors checks them, the vectors read
 * straight into a SharedArrayBuffer: worker threads search them without a
 * copy each (1.5 GB at a million papers), checked against manifest.json as
 * every artifact is (folder.readBlocks) and against the hash in vectors.json.
 */
function readSharedVectors(folder: OutputFolder): { info: VectorsInfo; vectors: Float32Array } {
  const info = folder.readJson('vectorsInfo', vectorsInfo);
  const path = folder.path('vectors');
  if (!existsSync(path)) throw new UserError(`${path} not found: ${folder.remedy('vectors')} first`);
  const size = statSync(path).size;
  checkVectorsSize(folder, info, size);
  const bytes = new Uint8Array(new SharedArrayBuffer(size));
  let done = 0;
  const hash = folder.readBlocks('vectors', 'current', (block) => {
    if (done + block.length > size) throw folder.damaged('vectors', 'grew while being read');
    bytes.set(block, done);
    done += block.length;
  });
  if (done !== size) throw folder.damaged('vectors', 'cut short while being read');
  checkVectorsHash(folder, info, hash);
  const vectors = new Float32Array(bytes.buffer);
  checkVectorsFinite(folder, info, vectors);
  return { info, vectors };
}

/** Paper ids and titles and their vectors (shared, as readSharedVectors reads them), refusing vectors made from another papers.jsonl: what the index stage reads. */
export function readTitlesAndSharedVectors(folder: OutputFolder): { papers: PaperTitle[]; info: VectorsInfo; vectors: Float32Array } {
  const { papers, hash } = readPaperTitles(folder);
  const { info, vectors } = readSharedVectors(folder);
  if (info.papersHash !== hash || info.count !== papers.length) throw stale(folder, 'vectors', 'papers');
  return { papers, info, vectors };
}

/** index.json, refusing one built from other vectors than the current ones. */
export function readIndexInfo(folder: OutputFolder, vectors: VectorsInfo): IndexInfo {
  const info = folder.readJson('indexInfo', indexInfo);
  if (info.vectorsHash !== vectors.vectorsHash || info.count !== vectors.count) throw stale(folder, 'indexInfo', 'vectors');
  return info;
}

/**
 * The k nearest papers of each query: row-major labels (paper rows, -1 for
 * none) and cosine similarities, best first. neighbours.bin holds each
 * paper's, as int32 labels then float32 similarities.
 */
export interface Neighbours {
  k: number;
  labels: Int32Array;
  scores: Float32Array;
}

export function readNeighbours(folder: OutputFolder, info: IndexInfo): Neighbours {
  const bytes = folder.readBytes('neighbours');
  const cells = info.count * info.storedNeighbours;
  if (bytes.byteLength !== cells * 8) throw folder.damaged('neighbours', `${bytes.byteLength} bytes where ${cells * 8} were expected (cut short?)`);
  const buffer = new ArrayBuffer(bytes.byteLength);
  new Uint8Array(buffer).set(bytes);
  const labels = new Int32Array(buffer, 0, cells);
  const scores = new Float32Array(buffer, cells * 4, cells);
  for (let i = 0; i < cells; i++) {
    if (labels[i] < -1 || labels[i] >= info.count || (labels[i] >= 0 && !Number.isFinite(scores[i]))) throw folder.damaged('neighbours', `entry ${i} is not a paper and a similarity (damaged?)`);
  }
  return { k: info.storedNeighbours, labels, scores };
}

/** clusters.json if it belongs to the current vectors. */
export function readClusters(folder: OutputFolder, vectors: VectorsInfo): Clusters {
  const clusters = folder.readJson('clusters', clustersFile);
  if (clusters.vectorsHash !== vectors.vectorsHash) throw stale(folder, 'clusters', 'vectors');
  return clusters;
}

/** An artifact made from an older version of another: the stage that makes it must run again. */
function stale(folder: OutputFolder, name: ArtifactName, from: ArtifactName): UserError {
  return new UserError(`${folder.path(name)} was made from another ${ARTIFACTS[from].file}: ${folder.remedy(name)} again`);
}

/**
 * The version of an artifact that the last commit of its stage replaced
 * (`.previous/`), read as `read` reads the current one; nothing when there is
 * none (a first run) or it cannot be read.
 */
export function readPrevious<T>(folder: OutputFolder, name: ArtifactName, read: () => T): T | undefined {
  if (!existsSync(folder.previousPath(name))) return undefined;
  try {
    return read();
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    notice(`${folder.previousPath(name)} cannot be read (${error.message}); what changed is told as on a first run`);
    return undefined;
  }
}

/** clusters.json, as it is or as it was before the cluster stage's last commit. */
export function readClustersFile(folder: OutputFolder, version: 'current' | 'previous'): Clusters {
  return folder.readJson('clusters', clustersFile, version);
}
