import { accessSync, constants, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { UserError } from '../shared/errors.js';
import { forEachBlock, readFileHashed, rememberedHash, rememberHash, sha256File, writeFileAtomic, writeHashed } from '../shared/files.js';
import { VERSION } from '../shared/version.js';
import { notice } from '../shared/progress.js';
import { ARTIFACTS, artifactsOf, type ArtifactName, type JsonArtifactName, type JsonOf } from './artifacts.js';
import { cachePath, pruneCaches, VectorCache, type Shard } from './cache.js';
import { readNeighbours } from './neighbours.js';
import {
  previousPapersLead,
  readPaperFields,
  readVectorBlocks,
  readVectorRows,
  readShownPapers,
  readClusters,
  readCurrentVectors,
  readCurrentVectorsInfo,
  readIndexInfo,
  readPaperDigests,
  forEachPaper,
  readPaperIdsAndDates,
  readPaperTexts,
  readPapers,
  readPaperTitles,
  readPrevious,
  readTitlesAndSharedVectors,
  readVectors,
} from './read.js';
import { manifestFile, type IndexInfo, type Manifest, type ManifestFacts, type StageName, type StageRecord, type VectorsInfo } from './schemas.js';
import type { EmbeddingCache, PapersRead, StageWrites, Store, Version } from './store.js';

/** What a store that keeps the embed stage's cache elsewhere too is told as it is written. */
export interface CacheListener {
  added(identity: string, dim: number, hashes: readonly string[], vectors: Float32Array): void;
  fitKept(file: string, name: string): void;
  modelsDropped(prefix: string, keep: string): void;
}

const MANIFEST = 'manifest.json';
/** Where a stage's files are written before its commit moves them into place. */
const STAGING = '.papermap-staging';
/** Where a commit keeps the version it replaced of the artifacts that keep one. */
const PREVIOUS = '.previous';

/** The first problem zod found, as a short phrase with where it is. */
export function schemaProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  return `${issue.message}${where}`;
}

/**
 * The file store, an output folder: the only code that knows its files.
 * Readers check what they read and fail with one line naming the file and the
 * command that makes it again; stages write through a StageWriter, whose
 * commit moves their files into place and records them in manifest.json.
 */
export class OutputFolder implements Store {
  readonly out: string;
  /** The location messages name: the folder itself, or the store this folder is the working copy of. */
  private readonly shownAs: string | undefined;

  private constructor(out: string, shownAs?: string) {
    this.out = out;
    this.shownAs = shownAs;
  }

  /** A local working copy of another store's location (`shownAs`, which messages name): made if missing. */
  static workingCopy(dir: string, shownAs: string): OutputFolder {
    mkdirSync(dir, { recursive: true });
    return new OutputFolder(dir, shownAs);
  }

  /** An output folder to read from: it must exist. */
  static existing(out: string): OutputFolder {
    checkOutName(out);
    if (!existsSync(out)) throw new UserError(`output folder ${out} not found: run \`papermap run --out ${out}\` first`);
    if (!statSync(out).isDirectory()) throw new UserError(`--out ${out} is a file, not a folder`);
    return new OutputFolder(out);
  }

  /** An output folder to write to: made if missing, refused when it cannot be written. */
  static writable(out: string): OutputFolder {
    checkOutName(out);
    if (existsSync(out) && !statSync(out).isDirectory()) throw new UserError(`--out ${out} is a file, not a folder: give a folder`);
    try {
      mkdirSync(out, { recursive: true });
      accessSync(out, constants.W_OK);
    } catch (error) {
      throw new UserError(
        `cannot write to --out ${out} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give a folder you can write to`,
      );
    }
    return new OutputFolder(out);
  }

  /**
   * Runs work on a writable output folder. When it fails (a refused run), the
   * folders made for it are removed again if nothing was written in them, so a
   * mistyped `--out` leaves no trace.
   */
  static async writing<T>(out: string, work: (folder: OutputFolder) => Promise<T>): Promise<T> {
    let made: string | undefined;
    for (let path = resolve(out); !existsSync(path); path = dirname(path)) made = path;
    const folder = OutputFolder.writable(out);
    try {
      return await work(folder);
    } catch (error) {
      if (made !== undefined && holdsNoFile(made)) rmSync(made, { recursive: true, force: true });
      throw error;
    }
  }

  get location(): string {
    return this.shownAs ?? this.out;
  }

  path(name: ArtifactName): string {
    return join(this.out, ARTIFACTS[name].file);
  }

  where(name: ArtifactName): string {
    return this.shownAs === undefined ? this.path(name) : `${this.shownAs.replace(/\/+$/, '')}/${ARTIFACTS[name].file}`;
  }

  /** The file store's artifacts are files: a library that reads a path reads them where they are (its reader checks them). */
  localFile(name: ArtifactName): string {
    return this.path(name);
  }

  has(name: ArtifactName): boolean {
    return existsSync(this.path(name));
  }

  hasPrevious(name: ArtifactName): boolean {
    return existsSync(this.previousPath(name));
  }

  /** The version of an artifact that its last commit replaced, when it keeps one. */
  previousPath(name: ArtifactName): string {
    return join(this.out, PREVIOUS, ARTIFACTS[name].file);
  }

  /** What to run to make an artifact again. */
  remedy(name: ArtifactName): string {
    return `run \`papermap ${ARTIFACTS[name].stage} --out ${this.location}\``;
  }

  /** A one-line error about an artifact: the file, what is wrong, and the command that makes it again. */
  damaged(name: ArtifactName, problem: string): UserError {
    return new UserError(`${this.where(name)}: ${problem}; ${this.remedy(name)} again`);
  }

  /**
   * The bytes of an artifact, checked against the hash manifest.json recorded
   * when its stage committed it: a damaged or changed file is never trusted.
   * A missing one names the stage to run. The version a commit replaced
   * (`.previous/`) has no recorded hash; its reader's checks are all it gets.
   */
  readBytes(name: ArtifactName, version: 'current' | 'previous' = 'current'): Buffer {
    if (version === 'previous') return readFileSync(this.previousPath(name));
    const recorded = this.recordedHash(name);
    // hashed once in this process (for the stage's fingerprint, as it was written, or here), while it stays that version
    const { bytes, hash } = readFileHashed(this.path(name));
    if (recorded !== undefined && hash !== recorded) throw this.changed(name);
    return bytes;
  }

  /**
   * An artifact read in blocks (see forEachBlock), never held whole, and
   * checked against its recorded hash at the end. A problem the reader finds
   * on the way, in a file that does not match its hash, is reported as that
   * mismatch: the file was damaged or changed, whatever the reader tripped on.
   */
  readBlocks(name: ArtifactName, version: 'current' | 'previous', onBlock: (bytes: Buffer) => void): string {
    const path = version === 'previous' ? this.previousPath(name) : this.path(name);
    const recorded = version === 'previous' ? undefined : this.recordedHash(name);
    // a file this process hashed already, and which stays that version while it is read (checked after), is not hashed again
    const known = recorded !== undefined && rememberedHash(path) === recorded;
    const digest = known ? undefined : createHash('sha256');
    try {
      forEachBlock(path, (bytes) => {
        digest?.update(bytes);
        onBlock(bytes);
      });
    } catch (error) {
      if (recorded !== undefined && error instanceof UserError && sha256File(path) !== recorded) throw this.changed(name);
      throw error;
    }
    const hash = digest ? digest.digest('hex') : rememberedHash(path);
    if (recorded !== undefined && hash !== recorded) throw this.changed(name);
    return hash!;
  }

  /** The hash manifest.json recorded for an artifact when its stage committed it; undefined in a folder without a manifest, which its readers alone check. */
  recordedHash(name: ArtifactName): string | undefined {
    const path = this.path(name);
    if (!existsSync(path)) throw new UserError(`${this.where(name)} not found: ${this.remedy(name)} first`);
    const manifest = this.loadManifest();
    if (manifest.state === 'missing') return undefined;
    if (manifest.state === 'damaged')
      throw new UserError(
        `${manifest.path} is damaged (${manifest.problem}), so the files it vouches for cannot be checked: run \`papermap run --out ${this.location}\``,
      );
    const committed = manifest.manifest.stages[ARTIFACTS[name].stage]?.outputs[ARTIFACTS[name].file];
    if (committed === undefined) throw this.damaged(name, `not recorded in ${manifest.path} (its stage never finished)`);
    return committed;
  }

  private changed(name: ArtifactName): UserError {
    return this.damaged(name, `does not match the hash ${this.whereManifest} recorded when it was written (damaged or changed since)`);
  }

  readText(name: ArtifactName, version: 'current' | 'previous' = 'current'): string {
    return this.readBytes(name, version).toString('utf8');
  }

  /** A JSON artifact, checked against the schema the artifact table declares for it. */
  readJson<N extends JsonArtifactName>(name: N, version: Version = 'current'): JsonOf<N> {
    const schema: z.ZodType = ARTIFACTS[name].schema;
    let value: unknown;
    try {
      value = JSON.parse(this.readText(name, version));
    } catch (error) {
      if (error instanceof UserError) throw error;
      throw this.damaged(name, 'not valid JSON (damaged or cut short)');
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw this.damaged(name, `not a papermap ${ARTIFACTS[name].file} (${schemaProblem(parsed.error)})`);
    return parsed.data as JsonOf<N>;
  }

  /** manifest.json as it is on disk: missing, damaged (and how), or read. */
  private loadManifest(): { state: 'missing' } | { state: 'damaged'; path: string; problem: string } | { state: 'ok'; path: string; manifest: Manifest } {
    const path = join(this.out, MANIFEST);
    if (!existsSync(path)) return { state: 'missing' };
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return { state: 'damaged', path: this.whereManifest, problem: 'not valid JSON' };
    }
    const parsed = manifestFile.safeParse(value);
    if (!parsed.success) return { state: 'damaged', path: this.whereManifest, problem: `not a papermap manifest.json (${schemaProblem(parsed.error)})` };
    return { state: 'ok', path: this.whereManifest, manifest: parsed.data };
  }

  /** manifest.json, or nothing when there is none; a damaged one counts as none (every stage then runs again, said once). */
  readManifest(): Manifest | undefined {
    const loaded = this.loadManifest();
    if (loaded.state === 'ok') return loaded.manifest;
    if (loaded.state === 'damaged' && !this.damageNoticed) {
      this.damageNoticed = true;
      notice(`${loaded.path} is damaged (${loaded.problem}); every stage runs again`);
    }
    return undefined;
  }

  private damageNoticed = false;

  /** Told of what the embed stage keeps beside its commit, for a store that keeps it elsewhere too (lance/backend.ts). */
  cacheListener?: CacheListener;

  /** Records in manifest.json the table that holds each table artifact's committed version (a LanceDB store's working copy). */
  recordTables(tables: Record<string, string>): void {
    const manifest = this.readManifest();
    if (manifest) writeFileAtomic(join(this.out, MANIFEST), JSON.stringify({ ...manifest, tables }, null, 2) + '\n');
  }

  /**
   * True when the stage last ran with this fingerprint, every file it wrote
   * is there with the bytes it committed, and the files it reads (`reads`)
   * still have the hashes its fingerprint took: the manifest's word alone is
   * not enough.
   */
  upToDate(stage: StageName, fingerprint: string, reads: readonly ArtifactName[], manifest = this.readManifest()): boolean {
    const record = manifest?.stages[stage];
    if (!record || record.fingerprint !== fingerprint) return false;
    const wrote = artifactsOf(stage).every((name) => existsSync(this.path(name)) && record.outputs[ARTIFACTS[name].file] === sha256File(this.path(name)));
    return wrote && reads.every((name) => !this.has(name) || sha256File(this.path(name)) === this.fingerprintHash(name));
  }

  /**
   * What a stage's fingerprint takes of a file it reads: the hash manifest.json
   * recorded for it, or the file's own where none is; null when it is not
   * there. A stage that runs checks what it reads against that record as it
   * reads it, and a skipped one (upToDate) checks the files: hashing a
   * gigabyte for the fingerprint and again to read it cost seconds a stage.
   */
  fingerprintHash(name: ArtifactName): string | null {
    if (!this.has(name)) return null;
    const loaded = this.loadManifest();
    const recorded = loaded.state === 'ok' ? loaded.manifest.stages[ARTIFACTS[name].stage]?.outputs[ARTIFACTS[name].file] : undefined;
    return recorded ?? sha256File(this.path(name));
  }

  /** Opens a stage's writes; nothing reaches the folder before commit. */
  begin(stage: StageName): StageWriter {
    return new StageWriter(this, stage);
  }

  /** Records a stage that had nothing to do. */
  recordUpToDate(stage: StageName, seconds: number, parameters: Record<string, unknown>): void {
    const previous = this.readManifest()?.stages[stage];
    if (previous) this.writeManifest(stage, { ...previous, status: 'up to date', seconds, parameters });
  }

  writeManifest(stage: StageName, record: StageRecord, facts: Partial<ManifestFacts> = {}): void {
    const previous = this.readManifest();
    const manifest: Manifest = {
      papermap: VERSION,
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      updatedAt: new Date().toISOString(),
      ...(previous?.model ? { model: previous.model } : {}),
      ...(previous?.inputs ? { inputs: previous.inputs } : {}),
      ...(facts.model ? { model: facts.model } : {}),
      ...(facts.inputs ? { inputs: facts.inputs } : {}),
      counts: { ...previous?.counts, ...facts.counts },
      stages: { ...previous?.stages, [stage]: record },
      ...(previous?.tables ? { tables: previous.tables } : {}),
    };
    writeFileAtomic(join(this.out, MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  }

  /** Where manifest.json is, for messages. */
  get whereManifest(): string {
    return this.shownAs === undefined ? join(this.out, MANIFEST) : `${this.shownAs.replace(/\/+$/, '')}/${MANIFEST}`;
  }

  get stagingDir(): string {
    return join(this.out, STAGING);
  }

  // the typed reads of Store, by the file store's readers (read.ts)

  readPapers(version: Version = 'current'): PapersRead<import('./read.js').Paper> {
    return readPapers(this, version);
  }

  forEachPaper(take: (paper: import('./read.js').Paper) => void): string {
    return forEachPaper(this, 'current', take);
  }

  readPaperTitles(version: Version = 'current'): PapersRead<import('./read.js').PaperTitle> {
    return readPaperTitles(this, version);
  }

  readPaperIdsAndDates(): import('./read.js').PaperIdsAndDates {
    return readPaperIdsAndDates(this);
  }

  readPaperDigests(version: Version = 'current'): PapersRead<import('./read.js').PaperDigest> {
    return readPaperDigests(this, version);
  }

  readShownPapers(rows: ArrayLike<number>): import('./read.js').ShownPaper[] {
    return readShownPapers(this, rows);
  }

  readPaperTexts(rows: ArrayLike<number>): Pick<import('./read.js').Paper, 'title' | 'abstract'>[] {
    return readPaperTexts(this, rows);
  }

  readPaperFields<K extends string>(keys: readonly K[]): Record<K, (string | undefined)[]> {
    return readPaperFields(this, keys);
  }

  previousPapersLead(): number | undefined {
    return previousPapersLead(this);
  }

  /** The number of papers in papers.jsonl (its lines), read in blocks. */
  paperCount(): number {
    return countLines(this.path('papers'));
  }

  readVectors(): { info: VectorsInfo; vectors: Float32Array } {
    return readVectors(this);
  }

  readVectorRows(rows: ArrayLike<number>): { info: VectorsInfo; vectors: Float32Array } {
    return readVectorRows(this, rows);
  }

  readVectorBlocks(onBlock: (start: number, vectors: Float32Array) => void, blockRows?: number): VectorsInfo {
    return readVectorBlocks(this, onBlock, blockRows);
  }

  readCurrentVectors<P>(read: (store: Store) => PapersRead<P>): { papers: P[]; info: VectorsInfo; vectors: Float32Array } {
    return readCurrentVectors(this, () => read(this));
  }

  readCurrentVectorsInfo(papers: { hash: string; count: number }): VectorsInfo {
    return readCurrentVectorsInfo(this, papers);
  }

  readTitlesAndSharedVectors(): ReturnType<Store['readTitlesAndSharedVectors']> {
    return readTitlesAndSharedVectors(this);
  }

  readIndexInfo(vectors: VectorsInfo): IndexInfo {
    return readIndexInfo(this, vectors);
  }

  readNeighbours(info: IndexInfo): ReturnType<Store['readNeighbours']> {
    return readNeighbours(this, info);
  }

  readClusters(vectors: VectorsInfo): ReturnType<Store['readClusters']> {
    return readClusters(this, vectors);
  }

  readPrevious<T>(name: ArtifactName, read: () => T): T | undefined {
    return readPrevious(this, name, read);
  }

  /** The folder of the embedding cache and the builtin fits. */
  get cacheDir(): string {
    return join(this.out, ARTIFACTS.embeddingCache.file);
  }

  readBuiltinFit(identity: string): Buffer | undefined {
    const path = this.builtinFitPath(identity);
    return existsSync(path) ? readFileSync(path) : undefined;
  }

  builtinFitPath(identity: string): string {
    return cachePath(this.cacheDir, identity, 'model');
  }

  whereBuiltinFit(identity: string): string {
    const path = this.builtinFitPath(identity);
    return this.shownAs === undefined ? path : `${this.shownAs.replace(/\/+$/, '')}/${relative(this.out, path)}`;
  }
}

/** The lines of a file, read in blocks. */
export function countLines(path: string): number {
  let lines = 0;
  forEachBlock(path, (bytes) => {
    for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++;
  });
  return lines;
}

/** Refuses an --out that could never be an output folder, before anything is made. */
function checkOutName(out: string): void {
  if (out.trim() === '') throw new UserError('--out is empty: give the folder for the output');
  // where the folder really is: a symlink (or a parent that is one) pointing into /proc counts as /proc
  const locations = [resolve(out), realLocation(out)];
  for (const system of ['/proc', '/sys', '/dev']) {
    if (locations.some((absolute) => absolute === system || absolute.startsWith(system + sep)))
      throw new UserError(`--out ${out} is inside ${system}, a system folder: give another folder`);
  }
}

/** The absolute path of `out` with the symlinks of its nearest existing ancestor resolved. */
function realLocation(out: string): string {
  let existing = resolve(out);
  const rest: string[] = [];
  while (!existsSync(existing) && dirname(existing) !== existing) {
    rest.unshift(basename(existing));
    existing = dirname(existing);
  }
  try {
    return join(realpathSync(existing), ...rest);
  } catch {
    return resolve(out);
  }
}

/**
 * One stage's writes. Files go to a staging folder inside the output folder;
 * commit() moves each into place (a rename, so no file is ever half-written)
 * and then records the stage and the hash of each file in manifest.json, the
 * commit point. A stage that fails or is killed before its commit leaves the
 * folder as it was.
 */
export class StageWriter implements StageWrites {
  private readonly staged = new Set<ArtifactName>();
  /** The SHA-256 of each artifact write() wrote, taken as it was written: hashing a gigabyte again at the commit costs seconds. */
  private readonly written = new Map<ArtifactName, string>();
  readonly store: Store;

  constructor(
    readonly folder: OutputFolder,
    readonly stage: StageName,
  ) {
    this.store = folder;
    // a staging folder left by a killed run is ours to clear: the caller holds the folder's lock
    rmSync(folder.stagingDir, { recursive: true, force: true });
    mkdirSync(folder.stagingDir, { recursive: true });
  }

  /** The staging path of an artifact this stage writes, for writers that need a path (hnswlib). */
  target(name: ArtifactName): string {
    if (ARTIFACTS[name].stage !== this.stage) throw new Error(`${ARTIFACTS[name].file} is written by ${ARTIFACTS[name].stage}, not by ${this.stage}`);
    this.staged.add(name);
    this.written.delete(name);
    return join(this.folder.stagingDir, ARTIFACTS[name].file);
  }

  /**
   * Writes an artifact into staging (writeHashed): a string, bytes, or
   * chunks of either, which may come from a generator.
   */
  write(name: ArtifactName, data: string | Uint8Array | Iterable<string | Uint8Array>): void {
    this.written.set(name, writeHashed(this.target(name), data));
  }

  localFile(name: ArtifactName): string {
    return this.target(name);
  }

  /** The number of papers in the staged papers.jsonl (ingest's, before its commit). */
  stagedPaperCount(): number {
    return countLines(join(this.folder.stagingDir, ARTIFACTS.papers.file));
  }

  embeddingCache(identity: string, dim: number, shard?: Shard): EmbeddingCache {
    const cache = new VectorCache(this.folder.cacheDir, identity, dim, shard);
    const listener = this.folder.cacheListener;
    if (!listener) return cache;
    return {
      dim,
      get size() {
        return cache.size;
      },
      has: (hash) => cache.has(hash),
      vectorsOf: (hashes, into) => cache.vectorsOf(hashes, into),
      add: (hashes, vectors) => {
        cache.add(hashes, vectors);
        listener.added(identity, dim, hashes, vectors);
      },
      close: () => cache.close(),
    };
  }

  keepBuiltinFit(identity: string, bytes: Uint8Array): void {
    const path = this.folder.builtinFitPath(identity);
    writeFileAtomic(path, bytes);
    this.folder.cacheListener?.fitKept(path, basename(path));
  }

  dropCachedModels(prefix: string, keep: string): void {
    pruneCaches(this.folder.cacheDir, prefix, keep);
    this.folder.cacheListener?.modelsDropped(prefix, keep);
  }

  /** Writes an artifact by other means (a worker thread): `write` writes the staging path it is given and resolves to the SHA-256 of what it wrote. */
  async writeWith(name: ArtifactName, write: (path: string) => Promise<string>): Promise<void> {
    const hash = await write(this.target(name));
    this.written.set(name, hash);
  }

  /** Moves the staged files into place and records the stage: the stage's commit point. */
  commit(record: Omit<StageRecord, 'outputs'>, facts: Partial<ManifestFacts> = {}): void {
    const missing = artifactsOf(this.stage).filter((name) => !this.staged.has(name));
    if (missing.length > 0) throw new Error(`stage ${this.stage} did not write ${missing.map((name) => ARTIFACTS[name].file).join(', ')}`);
    const outputs: Record<string, string> = {};
    const recorded = this.folder.readManifest()?.stages[this.stage]?.outputs ?? {};
    for (const name of this.staged) {
      const staged = join(this.folder.stagingDir, ARTIFACTS[name].file);
      outputs[ARTIFACTS[name].file] = this.written.get(name) ?? sha256File(staged);
      const committed = this.folder.path(name);
      // only a sound committed version is kept: a damaged one is no account of what was
      if ('keepsPrevious' in ARTIFACTS[name] && existsSync(committed) && recorded[ARTIFACTS[name].file] === sha256File(committed)) {
        // a hard link: the old version stays as it was, at no cost, while the new one takes its name
        const previous = this.folder.previousPath(name);
        mkdirSync(dirname(previous), { recursive: true });
        rmSync(previous, { force: true });
        linkSync(committed, previous);
      }
      renameSync(staged, committed);
      const written = this.written.get(name);
      if (written !== undefined) rememberHash(committed, written);
    }
    this.folder.writeManifest(this.stage, { ...record, outputs }, facts);
    this.abort();
  }

  /** Drops whatever was staged. */
  abort(): void {
    rmSync(this.folder.stagingDir, { recursive: true, force: true });
  }
}

/** True when a folder holds nothing but empty folders. */
function holdsNoFile(dir: string): boolean {
  return readdirSync(dir, { withFileTypes: true }).every((entry) => entry.isDirectory() && holdsNoFile(join(dir, entry.name)));
}
