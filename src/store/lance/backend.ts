import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type Connection, type Table } from '@lancedb/lancedb';
import { UserError } from '../../shared/errors.js';
import { notice } from '../../shared/progress.js';
import { supervised } from '../../shared/supervised.js';
import { rememberedHash } from '../../shared/files.js';
import { ARTIFACTS, artifactsOf, type ArtifactName } from '../artifacts.js';
import type { Backend } from '../backend.js';
import { VectorCache, type Shard } from '../cache.js';
import { OutputFolder } from '../folder.js';
import { lanceStorageOptions, type Location, type S3Settings } from '../location.js';
import { readPaperTitles, type Paper } from '../read.js';
import { scratchFolder } from '../scratch.js';
import { claim, type Claim, type Manifest, type StageName } from '../schemas.js';
import { inRowOrder, readClaim, taskFile, taskTable, type Task, type TaskRows, type TaskStore, type VectorBlock } from '../tasks.js';
import type { VectorsInfo } from '../schemas.js';
import {
  arrow,
  float32Lists,
  float32Vectors,
  int32,
  int32Lists,
  int32Values,
  listColumnValues,
  listValues,
  schemaOf,
  tableOf,
  text,
  textValues,
} from './arrow.js';
const { Field, FixedSizeList, Float32, Int32, List, Utf8 } = arrow;
import { objectsAt, s3Problem, type Objects } from './objects.js';
import {
  readNeighboursTable,
  readPapersTable,
  readVectorsTable,
  TABLES,
  writeNeighboursTable,
  writePapersTable,
  writeTopicsTable,
  writeVectorsTable,
} from './tables.js';

const MANIFEST = 'manifest.json';
const LOCK = '.papermap.lock';
const MARKER = 'papermap-store.json';
/** Cache rows gathered before they are merged into the embeddings table: a killed run loses at most these. */
const CACHE_ROWS_PER_WRITE = 4096;

/** How old a claim to make a shared table is when its holder must have stopped: making an empty table takes a few requests. */
const TABLE_CLAIM_STALE_MS = 300_000;
/** How often a worker looks whether a table another worker claimed is made. */
const TABLE_POLL_MS = 200;

/**
 * LanceDB's scans read one fragment at a time, where the environment does
 * not say otherwise. By default a scan reads io_parallelism × 2 fragments
 * ahead of what is taken, so the scan of the embeddings table (a fragment
 * for each write to it) and its compaction held more the more papers there
 * were: the embed gather of 400,000 papers peaked at 1,061 MB, now 844 MB
 * (docs/scaling.md). LanceDB reads the variable once, at the process's
 * first scan.
 */
const FRAGMENT_READAHEAD = { name: 'LANCE_DEFAULT_FRAGMENT_READAHEAD', value: '1' };

/** A string as an SQL literal in a LanceDB filter. */
const literal = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * A LanceDB store: papers, vectors, neighbours, topics and the embedding
 * cache as LanceDB tables at the location (a folder, or s3://bucket/prefix),
 * the other artifacts (the reports, clusters.json, index.json, ...) as files
 * beside them, and manifest.json, which names the committed version of every
 * table artifact, as the commit point. Stages run on a local working copy:
 * pull brings in what a stage reads, push publishes what it committed.
 * Tasks (`--shard`) write the shared embeddings and tasks tables at the same
 * moment as other workers, by merge-insert: LanceDB's versioned commits
 * never lose a writer's rows, and a task run again writes nothing twice.
 */
export class LanceBackend implements Backend, TaskStore {
  readonly kind = 'lance';
  readonly folder: OutputFolder;
  /** Cache writes, one after another, in the background of the stage that makes them. */
  private cacheWrites: Promise<void> = Promise.resolve();
  private cacheFailure: unknown;
  private readonly pending = new Map<string, { dim: number; hashes: string[]; vectors: Float32Array[] }>();

  private constructor(
    readonly location: string,
    private readonly objects: Objects,
    private readonly db: Connection,
    private readonly work: string,
    private readonly settings: S3Settings | undefined,
  ) {
    this.folder = OutputFolder.workingCopy(join(work, 'store'), location);
    this.folder.cacheListener = {
      added: (identity, dim, hashes, vectors) => this.queueCache(identity, dim, hashes, vectors),
      fitKept: (file, name) => this.later(() => this.objects.upload(`${ARTIFACTS.builtinFit.file}/${name}`, file)),
      modelsDropped: (prefix, keep) => this.later(() => this.dropModels(prefix, keep)),
    };
  }

  /** Opens the store at a location, after one request that tells at once whether it can be reached with these credentials. */
  static async open(location: Location, settings: S3Settings | undefined): Promise<LanceBackend> {
    const objects = objectsAt(location, () => settings!);
    await objects.check();
    const uri = location.kind === 'folder' ? resolve(location.path) : `s3://${location.bucket}${location.prefix ? `/${location.prefix}` : ''}`;
    process.env[FRAGMENT_READAHEAD.name] ??= FRAGMENT_READAHEAD.value;
    let db: Connection;
    try {
      db = await connect(uri, { storageOptions: settings ? lanceStorageOptions(settings) : {} });
    } catch (error) {
      throw settings ? s3Problem(error, location.shown, settings) : error;
    }
    return new LanceBackend(location.shown, objects, db, scratchFolder('lance'), settings);
  }

  async close(): Promise<void> {
    await this.settle().catch(() => undefined);
    this.db.close();
    rmSync(this.work, { recursive: true, force: true });
  }

  /** Runs LanceDB work, its failures told as one line where they are the location's (credentials, an endpoint down). */
  private async lance<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.settings ? s3Problem(error, this.location, this.settings) : error;
    }
  }

  /** The bytes of the store's marker (open.ts), if there is one. */
  markerBytes(): Promise<Buffer | undefined> {
    return this.objects.get(MARKER);
  }

  /** Writes the store's marker, if none is there yet. */
  async mark(body: string): Promise<void> {
    await this.objects.putIfAbsent(MARKER, body);
  }

  // ---- the runner's moves

  async lock(): Promise<() => Promise<void>> {
    // under a supervisor the lock is held in its name, as a folder's is: it can free a folder's when it ends the work process
    const holder = { pid: supervised() ? process.ppid : process.pid, host: hostname(), since: new Date().toISOString() };
    if (!(await this.objects.putIfAbsent(LOCK, JSON.stringify(holder) + '\n'))) {
      const held = (await this.objects.get(LOCK))?.toString('utf8').trim() ?? 'unreadable';
      throw new UserError(
        `${this.location} is in use by another papermap (${held}): wait for it to finish; if no papermap is running there, delete ${this.objects.describe(LOCK)}`,
      );
    }
    return async () => this.objects.delete(LOCK);
  }

  /** The manifest at the location, written into the working copy as it is (its readers check it). */
  private async pullManifest(): Promise<Manifest | undefined> {
    const bytes = await this.objects.get(MANIFEST);
    const local = join(this.folder.out, MANIFEST);
    if (bytes === undefined) {
      rmSync(local, { force: true });
      return undefined;
    }
    await this.objectsOfFolder().put(MANIFEST, bytes);
    return this.folder.readManifest();
  }

  private objectsOfFolder(): Objects {
    return objectsAt({ kind: 'folder', path: this.folder.out, shown: this.folder.out }, () => this.settings!);
  }

  async pull(names: readonly ArtifactName[]): Promise<void> {
    const manifest = await this.pullManifest();
    // neighbours.bin is made from its table by what index.json says of it
    const wanted = [...new Set(names.includes('neighbours') ? ['indexInfo', ...names] : names)] as ArtifactName[];
    for (const name of wanted) {
      if (name === 'embeddingCache') await this.pullCache();
      else if (name === 'builtinFit') await this.pullFits();
      else await this.pullArtifact(name, manifest);
    }
  }

  private async pullArtifact(name: ArtifactName, manifest: Manifest | undefined): Promise<void> {
    const { file, stage } = ARTIFACTS[name];
    const local = this.folder.path(name);
    const recorded = manifest?.stages[stage]?.outputs[file];
    // a file this process committed or pulled, unchanged since, is not pulled again
    if (recorded !== undefined && existsSync(local) && rememberedHash(local) === recorded) return;
    rmSync(local, { force: true });
    if (recorded !== undefined) await this.lance(() => this.materialise(name, local, manifest!, 'current'));
    if ('keepsPrevious' in ARTIFACTS[name]) {
      const previous = this.folder.previousPath(name);
      rmSync(previous, { force: true });
      await this.lance(() => this.materialise(name, previous, manifest!, 'previous'));
    }
  }

  /** An artifact as its stage wrote it, from its table or its file at the location, into a local file. */
  private async materialise(name: ArtifactName, local: string, manifest: Manifest, version: 'current' | 'previous'): Promise<void> {
    const format = ARTIFACTS[name].format;
    const tableName = manifest?.tables?.[version === 'current' ? name : `${name}.previous`];
    if (format === 'papers' || format === 'vectors' || format === 'neighbours') {
      if (tableName === undefined) return;
      // the previous version's folder is not in a new working copy yet
      mkdirSync(dirname(local), { recursive: true });
      const table = await this.db.openTable(tableName);
      try {
        if (format === 'papers') await readPapersTable(table, local);
        else if (format === 'vectors') await readVectorsTable(table, local);
        else {
          const info = this.folder.readJson('indexInfo');
          await readNeighboursTable(table, local, info.count, info.storedNeighbours);
        }
      } finally {
        table.close();
      }
      return;
    }
    const key = version === 'current' ? ARTIFACTS[name].file : `.previous/${ARTIFACTS[name].file}`;
    await this.objects.download(key, local);
  }

  async push(stage: StageName): Promise<void> {
    await this.settle();
    const manifest = this.folder.readManifest();
    if (!manifest) throw new Error(`stage ${stage} committed no manifest.json`);
    const tables = { ...manifest.tables };
    const dropped: string[] = [];
    for (const name of artifactsOf(stage)) {
      const made = await this.lance(() => this.publish(name));
      if (made === undefined) continue;
      if ('keepsPrevious' in ARTIFACTS[name]) {
        if (tables[`${name}.previous`]) dropped.push(tables[`${name}.previous`]);
        if (tables[name]) tables[`${name}.previous`] = tables[name];
      } else if (tables[name]) dropped.push(tables[name]);
      tables[name] = made;
    }
    if (stage === 'cluster') {
      const clusters = this.folder.readJson('clusters');
      const name = `${TABLES.topics}-${randomBytes(4).toString('hex')}`;
      await this.lance(() => writeTopicsTable(this.db, name, clusters.topics));
      if (tables.topics) dropped.push(tables.topics);
      tables.topics = name;
    }
    this.folder.recordTables(tables);
    // the commit point: every table and file it names is in place
    await this.objects.upload(MANIFEST, join(this.folder.out, MANIFEST));
    for (const table of dropped) await this.db.dropTable(table).catch(() => undefined);
    if (stage === 'embed') await this.compactCache();
  }

  /**
   * The embeddings table after the vectors were gathered from it: its many
   * small commits (one per worker and batch of rows) made one, and the
   * versions before dropped. Nothing writes it then but the next night's
   * tasks, which a compaction that meets one of their commits leaves be.
   */
  private async compactCache(): Promise<void> {
    if (!(await this.db.tableNames()).includes(TABLES.embeddings)) return;
    const table = await this.db.openTable(TABLES.embeddings);
    try {
      await table.optimize({ cleanupOlderThan: new Date() });
    } catch {
      // a task of the next night committed meanwhile: compacted then
    } finally {
      table.close();
    }
  }

  /** Publishes one artifact of a commit: a new table (named by the manifest only once whole), or its file. */
  private async publish(name: ArtifactName): Promise<string | undefined> {
    const { format, file } = ARTIFACTS[name];
    const local = this.folder.path(name);
    const table = `${format === 'papers' ? TABLES.papers : format === 'vectors' ? TABLES.vectors : TABLES.neighbours}-${randomBytes(4).toString('hex')}`;
    if (format === 'papers') {
      await writePapersTable(this.db, table, local);
      return table;
    }
    if (format === 'vectors') {
      const info = this.folder.readJson('vectorsInfo');
      const ids = readPaperTitles(this.folder).papers.map((paper) => paper.id);
      await writeVectorsTable(this.db, table, local, ids, info.modelIdentity, info.dim);
      return table;
    }
    if (format === 'neighbours') {
      const info = this.folder.readJson('indexInfo');
      await writeNeighboursTable(this.db, table, local, info.ids, info.storedNeighbours);
      return table;
    }
    await this.objects.upload(file, local);
    const previous = this.folder.previousPath(name);
    if ('keepsPrevious' in ARTIFACTS[name] && existsSync(previous)) await this.objects.upload(`.previous/${file}`, previous);
    return undefined;
  }

  async pushManifest(): Promise<void> {
    await this.objects.upload(MANIFEST, join(this.folder.out, MANIFEST));
  }

  async publishFile(file: string): Promise<void> {
    await this.objects.upload(file, join(this.folder.out, file));
  }

  // ---- the embedding cache: the embeddings table, merged into as the embed stage goes

  private async embeddings(): Promise<Table> {
    return this.sharedTable(
      TABLES.embeddings,
      schemaOf([
        ['model', new Utf8()],
        ['text_hash', new Utf8()],
        ['vector', new List(new Field('item', new Float32(), true))],
      ]),
    );
  }

  /** The cached vectors of every model, into the working copy's cache files. */
  private async pullCache(): Promise<void> {
    if (!(await this.lance(() => this.db.tableNames())).includes(TABLES.embeddings)) return;
    const table = await this.lance(() => this.db.openTable(TABLES.embeddings));
    const caches = new Map<string, VectorCache>();
    try {
      for await (const batch of table.query().select(['model', 'text_hash', 'vector'])) {
        const models = textValues(batch, 'model');
        const hashes = textValues(batch, 'text_hash');
        const vectors = listColumnValues(batch, 'vector');
        const dim = vectors.length / Math.max(1, hashes.length);
        // a batch's rows of each model appended at once: a write per row took a million writes
        for (const model of new Set(models)) {
          let cache = caches.get(model);
          if (!cache) caches.set(model, (cache = new VectorCache(this.folder.cacheDir, model, dim)));
          const rows = hashes.flatMap((_, row) => (models[row] === model ? [row] : []));
          const ofModel = new Float32Array(rows.length * dim);
          rows.forEach((row, at) => ofModel.set(vectors.subarray(row * dim, (row + 1) * dim), at * dim));
          cache.add(
            rows.map((row) => hashes[row]),
            ofModel,
          );
        }
      }
    } finally {
      table.close();
      for (const cache of caches.values()) cache.close();
    }
  }

  /** The builtin embedder's fits kept at the location, into the working copy. */
  private async pullFits(): Promise<void> {
    for (const key of await this.objects.list(ARTIFACTS.builtinFit.file)) {
      if (key.endsWith('.model')) await this.objects.download(key, join(this.folder.out, key));
    }
  }

  private queueCache(identity: string, dim: number, hashes: readonly string[], vectors: Float32Array): void {
    let pending = this.pending.get(identity);
    if (!pending) this.pending.set(identity, (pending = { dim, hashes: [], vectors: [] }));
    pending.hashes.push(...hashes);
    pending.vectors.push(vectors.slice());
    if (pending.hashes.length >= CACHE_ROWS_PER_WRITE) this.flushCache(identity);
  }

  private flushCache(identity: string): void {
    const pending = this.pending.get(identity);
    if (!pending || pending.hashes.length === 0) return;
    this.pending.delete(identity);
    const vectors = new Float32Array(pending.hashes.length * pending.dim);
    let at = 0;
    for (const part of pending.vectors) {
      vectors.set(part, at);
      at += part.length;
    }
    this.later(() => this.addToCache(identity, pending.dim, pending.hashes, vectors));
  }

  /** Queues work after the cache writes under way; its failure is told by settle. */
  private later(work: () => Promise<unknown>): void {
    this.cacheWrites = this.cacheWrites.then(async () => {
      try {
        await work();
      } catch (error) {
        this.cacheFailure ??= error;
      }
    });
  }

  async settle(): Promise<void> {
    for (const identity of [...this.pending.keys()]) this.flushCache(identity);
    await this.cacheWrites;
    const failure = this.cacheFailure;
    this.cacheFailure = undefined;
    if (failure !== undefined) throw this.settings ? s3Problem(failure, this.location, this.settings) : failure;
  }

  private async dropModels(prefix: string, keep: string): Promise<void> {
    if ((await this.db.tableNames()).includes(TABLES.embeddings)) {
      const table = await this.db.openTable(TABLES.embeddings);
      await table.delete(`starts_with(model, ${literal(prefix)}) AND model != ${literal(keep)}`);
      table.close();
    }
    // the fits are named by their identity's hash, so the kept one is told by its name (cache.ts)
    const kept = basename(this.folder.builtinFitPath(keep));
    for (const key of await this.objects.list(ARTIFACTS.builtinFit.file)) {
      if (key.endsWith('.model') && basename(key) !== kept && !existsSync(join(this.folder.out, key))) await this.objects.delete(key);
    }
  }

  // ---- tasks

  async papers(): Promise<{ hash: string; count: number }> {
    const manifest = await this.pullManifest();
    const hash = manifest?.stages.ingest?.outputs[ARTIFACTS.papers.file];
    const table = manifest?.tables?.papers;
    if (hash === undefined || table === undefined)
      throw new UserError(`${this.location} holds no papers yet: run \`papermap ingest --out ${this.location}\` first`);
    const papers = await this.lance(() => this.db.openTable(table));
    try {
      return { hash, count: await papers.countRows() };
    } finally {
      papers.close();
    }
  }

  async readPaperSlice(start: number, end: number): Promise<Paper[]> {
    const manifest = this.folder.readManifest();
    const table = await this.lance(() => this.db.openTable(manifest!.tables!.papers));
    const papers: { row: number; paper: Paper }[] = [];
    try {
      const query = table.query().where(`row >= ${start} AND row < ${end}`).select(['row', 'id', 'title', 'abstract', 'sources', 'metadata']);
      for await (const batch of query) {
        const rows = int32Values(batch, 'row');
        const [ids, titles, abstracts, sources, metadata] = ['id', 'title', 'abstract', 'sources', 'metadata'].map((column) => textValues(batch, column));
        rows.forEach((row, offset) =>
          papers.push({
            row,
            paper: {
              id: ids[offset],
              title: titles[offset],
              abstract: abstracts[offset],
              sources: JSON.parse(sources[offset]),
              metadata: JSON.parse(metadata[offset]),
            },
          }),
        );
      }
    } finally {
      table.close();
    }
    papers.sort((a, b) => a.row - b.row);
    if (papers.length !== end - start)
      throw new UserError(
        `${this.location}: the papers table holds ${papers.length} of rows ${start} to ${end - 1}; run \`papermap ingest --out ${this.location}\` again`,
      );
    return papers.map((entry) => entry.paper);
  }

  async cached(identity: string, hashes: readonly string[]): Promise<Set<string>> {
    const wanted = new Set(hashes);
    const found = new Set<string>();
    if (!(await this.lance(() => this.db.tableNames())).includes(TABLES.embeddings)) return found;
    const table = await this.lance(() => this.db.openTable(TABLES.embeddings));
    try {
      // the hashes alone are read, a column of one model: the slice's are kept
      for await (const batch of table
        .query()
        .where(`model = ${literal(identity)}`)
        .select(['text_hash'])) {
        for (const hash of textValues(batch, 'text_hash')) if (wanted.has(hash)) found.add(hash);
      }
    } finally {
      table.close();
    }
    return found;
  }

  async addToCache(identity: string, dim: number, hashes: readonly string[], vectors: Float32Array): Promise<void> {
    const table = await this.embeddings();
    try {
      const rows = tableOf([
        text('model', new Array<string>(hashes.length).fill(identity)),
        text('text_hash', [...hashes]),
        float32Lists('vector', dim, vectors),
      ]);
      await this.lance(() => table.mergeInsert(['model', 'text_hash']).whenNotMatchedInsertAll().execute(rows));
    } finally {
      table.close();
    }
  }

  async vectorsInfo(): Promise<VectorsInfo> {
    const manifest = await this.pullManifest();
    if (manifest?.tables?.vectors === undefined)
      throw new UserError(`${this.location} holds no vectors yet: run \`papermap embed --out ${this.location}\` (after its shards, if it ran in shards) first`);
    await this.pullArtifact('vectorsInfo', manifest);
    return this.folder.readJson('vectorsInfo');
  }

  async readVectors(start: number, end: number, keep?: (row: number) => boolean): Promise<Float32Array> {
    const blocks: VectorBlock[] = [];
    for await (const block of this.vectorBlocks(start, end, keep)) blocks.push(block);
    return inRowOrder(blocks);
  }

  async *vectorBlocks(start: number, end: number, keep: (row: number) => boolean = () => true): AsyncIterable<VectorBlock> {
    const manifest = this.folder.readManifest();
    const table = await this.lance(() => this.db.openTable(manifest!.tables!.vectors));
    try {
      for await (const batch of table.query().where(`row >= ${start} AND row < ${end}`).select(['row', 'vector'])) {
        const rows = int32Values(batch, 'row');
        const vectors = listValues<Float32Array>(batch, 'vector');
        const dim = vectors.length / Math.max(1, rows.length);
        const kept: number[] = [];
        rows.forEach((row, offset) => {
          if (keep(row)) kept.push(offset);
        });
        if (kept.length === 0) continue;
        const block = { rows: new Int32Array(kept.length), vectors: new Float32Array(kept.length * dim) };
        kept.forEach((offset, at) => {
          block.rows[at] = rows[offset];
          block.vectors.set(vectors.subarray(offset * dim, (offset + 1) * dim), at * dim);
        });
        yield block;
      }
    } finally {
      table.close();
    }
  }

  async downloadVectors(file: string): Promise<void> {
    const manifest = this.folder.readManifest();
    const table = await this.lance(() => this.db.openTable(manifest!.tables!.vectors));
    try {
      await this.lance(() => readVectorsTable(table, file));
    } finally {
      table.close();
    }
  }

  async downloadShared(key: string, file: string): Promise<boolean> {
    return this.objects.download(key, file);
  }

  async uploadSharedIfAbsent(key: string, file: string): Promise<boolean> {
    return this.objects.uploadIfAbsent(key, file);
  }

  async readShared(key: string): Promise<string | undefined> {
    return (await this.objects.get(key))?.toString('utf8');
  }

  async writeShared(key: string, text: string, ifAbsent = false): Promise<boolean> {
    if (ifAbsent) return this.objects.putIfAbsent(key, text);
    await this.objects.put(key, text);
    return true;
  }

  async deleteShared(key: string): Promise<void> {
    await this.objects.delete(key);
  }

  /** A task table, made by the first task that writes one. */
  private async taskRowsTable(name: string, k: number): Promise<Table> {
    return this.sharedTable(
      name,
      schemaOf([
        ['row', new Int32()],
        ['labels', new FixedSizeList(k, new Field('item', new Int32(), true))],
        ['scores', new FixedSizeList(k, new Field('item', new Float32(), true))],
      ]),
    );
  }

  /**
   * A table that workers write at the same moment, made by one of them.
   * LanceDB makes a table two workers create at once twice, the second time
   * as an overwrite of the first: a writer's rows in between are lost, or its
   * merge fails. So the worker that claims the making (an object only one can
   * put) makes it, and the others wait until it is there. A claim older than
   * its holder could need was left by a worker that stopped: it is taken over.
   */
  private async sharedTable(name: string, schema: ReturnType<typeof schemaOf>): Promise<Table> {
    const key = `.making/${name}`;
    for (;;) {
      if ((await this.lance(() => this.db.tableNames())).includes(name)) return this.lance(() => this.db.openTable(name));
      const mine: Claim = { host: hostname(), pid: process.pid, at: new Date().toISOString() };
      if (await this.objects.putIfAbsent(key, JSON.stringify(mine) + '\n')) {
        try {
          // a worker that looked just before another made it is told it exists (not an overwrite), and opens it
          return await this.lance(() => this.db.createEmptyTable(name, schema, { mode: 'create', existOk: true }));
        } finally {
          await this.objects.delete(key);
        }
      }
      const text = (await this.objects.get(key))?.toString('utf8');
      const held = text === undefined ? undefined : readClaim(claim, text);
      if (text !== undefined && (held === undefined || Date.now() - Date.parse(held.at) > TABLE_CLAIM_STALE_MS)) {
        notice(
          `store: the making of table ${name} claimed by ${held ? `${held.host} (pid ${held.pid}) at ${held.at}` : 'a damaged claim'} never ended; making it here`,
        );
        await this.objects.delete(key);
        continue;
      }
      await sleep(TABLE_POLL_MS);
    }
  }

  async taskRowsIn(name: string, start: number, end: number): Promise<Set<number>> {
    const found = new Set<number>();
    if (!(await this.lance(() => this.db.tableNames())).includes(name)) return found;
    const table = await this.lance(() => this.db.openTable(name));
    try {
      for await (const batch of table.query().where(`row >= ${start} AND row < ${end}`).select(['row']))
        for (const row of int32Values(batch, 'row')) found.add(row);
    } finally {
      table.close();
    }
    return found;
  }

  async addTaskRows(name: string, rows: TaskRows): Promise<void> {
    const table = await this.taskRowsTable(name, rows.k);
    try {
      const batch = tableOf([int32('row', rows.rows), int32Lists('labels', rows.k, rows.labels), float32Vectors('scores', rows.k, rows.scores)]);
      await this.lance(() => table.mergeInsert('row').whenNotMatchedInsertAll().execute(batch));
    } finally {
      table.close();
    }
  }

  async readTaskRows(name: string, count: number, k: number): Promise<Omit<TaskRows, 'rows'>> {
    const labels = new Int32Array(count * k);
    const scores = new Float32Array(count * k);
    const seen = new Uint8Array(count);
    const table = await this.lance(() => this.db.openTable(name));
    try {
      for await (const batch of table.query().select(['row', 'labels', 'scores'])) {
        const rows = int32Values(batch, 'row');
        const batchLabels = listValues<Int32Array>(batch, 'labels');
        const batchScores = listValues<Float32Array>(batch, 'scores');
        rows.forEach((row, offset) => {
          if (row < 0 || row >= count || seen[row]++ > 0)
            throw new UserError(
              `${this.location}: table ${name} holds row ${row} twice or out of range (two workers ran one shard at once?): drop the table, and run every shard again`,
            );
          labels.set(batchLabels.subarray(offset * k, (offset + 1) * k), row * k);
          scores.set(batchScores.subarray(offset * k, (offset + 1) * k), row * k);
        });
      }
    } finally {
      table.close();
    }
    const missing = seen.indexOf(0);
    if (missing >= 0)
      throw new UserError(`${this.location}: table ${name} lacks row ${missing}, though every shard is recorded: run the shard that holds it again`);
    return { k, labels, scores };
  }

  private async tasksTable(): Promise<Table> {
    return this.sharedTable(
      TABLES.tasks,
      schemaOf([
        ['key', new Utf8()],
        ['stage', new Utf8()],
        ['of', new Utf8()],
        ['shard', new Int32()],
        ['count', new Int32()],
        ['at', new Utf8()],
      ]),
    );
  }

  async recordTask(task: Task): Promise<void> {
    const table = await this.tasksTable();
    try {
      const row = tableOf([
        text('key', [`${task.stage}|${task.of}|${task.shard.index}/${task.shard.count}`]),
        text('stage', [task.stage]),
        text('of', [task.of]),
        int32('shard', Int32Array.of(task.shard.index)),
        int32('count', Int32Array.of(task.shard.count)),
        text('at', [new Date().toISOString()]),
      ]);
      await this.lance(() => table.mergeInsert('key').whenNotMatchedInsertAll().execute(row));
    } finally {
      table.close();
    }
  }

  async tasksDone(stage: StageName, of: string): Promise<Shard[]> {
    if (!(await this.lance(() => this.db.tableNames())).includes(TABLES.tasks)) return [];
    const table = await this.lance(() => this.db.openTable(TABLES.tasks));
    const done: Shard[] = [];
    try {
      for await (const batch of table
        .query()
        .where(`stage = ${literal(stage)} AND of = ${literal(of)}`)
        .select(['shard', 'count'])) {
        const shards = int32Values(batch, 'shard');
        const counts = int32Values(batch, 'count');
        shards.forEach((index, row) => done.push({ index, count: counts[row] }));
      }
    } finally {
      table.close();
    }
    return done;
  }

  async dropOtherTasks(stage: StageName, of: string): Promise<void> {
    const [table, files] = [taskTable(stage, of), taskFile(stage, of, '')];
    for (const name of await this.lance(() => this.db.tableNames()))
      if (name.startsWith(`${stage}-tasks-`) && name !== table) await this.lance(() => this.db.dropTable(name));
    for (const key of await this.objects.list('tasks')) if (key.startsWith(`tasks/${stage}-`) && !key.startsWith(files)) await this.objects.delete(key);
  }

  get tasks(): TaskStore {
    return this;
  }
}
