import type { UserError } from '../shared/errors.js';
import type { ArtifactName, JsonArtifactName, JsonOf } from './artifacts.js';
import type { Shard } from './cache.js';
import type { Neighbours } from './neighbours.js';
import type { Paper, PaperDigest, PaperIdsAndDates, PaperTitle, ShownPaper } from './read.js';
import type { Clusters, IndexInfo, StageName, VectorsInfo } from './schemas.js';

export type Version = 'current' | 'previous';

/** Papers as one of the store's paper readers gives them, with the hash that ties later artifacts to them. */
export interface PapersRead<P> {
  papers: P[];
  hash: string;
}

/** The embedding cache of one model: vectors by the hash of the text they were made from. */
export interface EmbeddingCache {
  readonly dim: number;
  readonly size: number;
  has(hash: string): boolean;
  /** The vectors of these hashes, each of which the cache holds, into `into` (row-major, in the order given). */
  vectorsOf(hashes: readonly string[], into: Float32Array): void;
  /** Keeps vectors (row-major, one per hash); a killed run loses at most what it added since the last add. */
  add(hashes: readonly string[], vectors: Float32Array): void;
  /** Makes what was added durable. */
  close(): void;
}

/**
 * The output store as a stage sees it: typed reads of the artifacts of
 * src/store/artifacts.ts, each checked as it is read (a damaged, foreign or
 * stale artifact is a one-line UserError naming it and the command that makes
 * it again). Stages never learn where or how the store keeps them: the file
 * store (folder.ts) is one implementation of this, and a second backend is
 * one more.
 */
export interface Store {
  /** Where the store is, as the user named it (a folder, or a URI): for messages. */
  readonly location: string;
  /** Where an artifact is, for messages. */
  where(name: ArtifactName): string;
  has(name: ArtifactName): boolean;
  /** True when the version of an artifact that its stage's last commit replaced is kept (artifacts with keepsPrevious). */
  hasPrevious(name: ArtifactName): boolean;
  /** What to run to make an artifact again. */
  remedy(name: ArtifactName): string;
  /** A one-line error about an artifact: what is wrong, and the command that makes it again. */
  damaged(name: ArtifactName, problem: string): UserError;
  /** The hash the artifact's stage recorded when it committed it; undefined where the store holds no such record. */
  recordedHash(name: ArtifactName): string | undefined;

  readBytes(name: ArtifactName, version?: Version): Buffer;
  readText(name: ArtifactName, version?: Version): string;
  /** A JSON artifact, checked against the schema the artifact table declares for it. */
  readJson<N extends JsonArtifactName>(name: N, version?: Version): JsonOf<N>;
  /** A local file holding the artifact's committed bytes, checked, for a library that reads only a path (hnswlib). */
  localFile(name: ArtifactName): string;

  readPapers(version?: Version): PapersRead<Paper>;
  /** Each paper in order, one at a time, and the papers' hash: the papers are not held (a million abstracts are 1.4 GB). */
  forEachPaper(take: (paper: Paper) => void): string;
  /** Ids and titles only: abstracts are not read. */
  readPaperTitles(version?: Version): PapersRead<PaperTitle>;
  readPaperDigests(version?: Version): PapersRead<PaperDigest>;
  /** Ids and dates only (what the cluster stage holds of every paper): titles and abstracts are not read. */
  readPaperIdsAndDates(): PaperIdsAndDates;
  /** The abstracts and details of the papers at these rows, in the order of `rows`. */
  readShownPapers(rows: ArrayLike<number>): ShownPaper[];
  /** The titles and abstracts of the papers at these rows, in the order of `rows`. */
  readPaperTexts(rows: ArrayLike<number>): Pick<Paper, 'title' | 'abstract'>[];
  /** Some fields of every paper where its record gives them as a string or a list of strings (a list gives its first), without parsing whole records. */
  readPaperFields<K extends string>(keys: readonly K[]): Record<K, (string | undefined)[]>;
  /** How many papers the previous papers are the unchanged start of the current ones; undefined when they are not. */
  previousPapersLead(): number | undefined;
  paperCount(): number;

  readVectors(): { info: VectorsInfo; vectors: Float32Array };
  /** The vectors of some papers (distinct rows), in the order given, checked as readVectors checks them all: a sample's vectors without the corpus's. */
  readVectorRows(rows: ArrayLike<number>): { info: VectorsInfo; vectors: Float32Array };
  /**
   * Every vector in row order, a block of rows at a time (16,384 unless given; the block's array is used
   * again: copy what is kept), checked as readVectors checks them all once they have streamed past: what
   * is made of the blocks counts only once this returns.
   */
  readVectorBlocks(onBlock: (start: number, vectors: Float32Array) => void, blockRows?: number): VectorsInfo;
  /** Papers as `read` reads them and their vectors, refusing vectors made from other papers. */
  readCurrentVectors<P>(read: (store: Store) => PapersRead<P>): { papers: P[]; info: VectorsInfo; vectors: Float32Array };
  /** vectors.json alone, refusing vectors made from other papers than these. */
  readCurrentVectorsInfo(papers: { hash: string; count: number }): VectorsInfo;
  /** Ids and titles and their vectors in shared memory, for worker threads. */
  readTitlesAndSharedVectors(): { papers: PaperTitle[]; info: VectorsInfo; vectors: Float32Array };
  readIndexInfo(vectors: VectorsInfo): IndexInfo;
  readNeighbours(info: IndexInfo): Neighbours;
  readClusters(vectors: VectorsInfo): Clusters;
  /** The version an artifact's last commit replaced, read by `read`; nothing when there is none or it cannot be read (said once). */
  readPrevious<T>(name: ArtifactName, read: () => T): T | undefined;

  /** The builtin embedder's fit for this identity, as it was kept; undefined when none is. */
  readBuiltinFit(identity: string): Buffer | undefined;
  /** Where the builtin fit of this identity is kept, for messages. */
  whereBuiltinFit(identity: string): string;
}

/**
 * One stage's writes. Nothing reaches the store before the runner commits
 * them, all at once; a stage that fails or is killed leaves the store as it
 * was. Only the embedding cache and the builtin fit, which a killed run should
 * not lose, are kept as they are written.
 */
export interface StageWrites {
  readonly store: Store;
  readonly stage: StageName;
  /** Writes an artifact: a string, bytes, or chunks of either, which may come from a generator. */
  write(name: ArtifactName, data: string | Uint8Array | Iterable<string | Uint8Array>): void;
  /** Writes an artifact by other means (a worker thread): `write` writes the local file it is given and resolves to the SHA-256 of what it wrote. */
  writeWith(name: ArtifactName, write: (file: string) => Promise<string>): Promise<void>;
  /** A local file to write an artifact into, for a library that writes only a path (hnswlib), committed with the rest. */
  localFile(name: ArtifactName): string;
  /** The embedding cache of a model; `shard` makes it one CI matrix job's part. */
  embeddingCache(identity: string, dim: number, shard?: Shard): EmbeddingCache;
  /** Keeps the builtin embedder's fit, at once (it is part of the cache, not of the commit). */
  keepBuiltinFit(identity: string, bytes: Uint8Array): void;
  /** Drops every cached model whose identity starts with `prefix`, but `keep`: a builtin fitted on last week's corpus never serves again. */
  dropCachedModels(prefix: string, keep: string): void;
}
