/**
 * `npm run bench:distributed [-- --papers 100000] [--workers 1,2,4] [--new 2000] [--folder]`
 *
 * papermap over a LanceDB store as a CI matrix runs it, on one machine: for
 * each number of workers, a new store at the S3 server of the tests (or a
 * folder with --folder), ingest, then that many `embed --shard I/N` worker
 * processes started at the same moment, then embed's gather; then as many
 * `index --shard I/N` workers at once and index's gather, as many `cluster
 * --shard I/N` workers and cluster's gather, then report. Each step's time,
 * each worker's peak RSS (VmHWM, read from /proc while it runs), and the
 * store's size are printed, then one line of JSON with every figure.
 *
 * The papers are synthetic (bench/synthetic.ts: OHSUMED abstracts under new
 * titles). Embedding 100,000 papers with MiniLM takes this machine about half
 * an hour per run, so the cache of each store is filled beforehand with the
 * synthetic vectors of all but `--new` papers, as a night finds it: the
 * workers look every paper up in the shared cache and embed the new ones with
 * the random-weight MiniLM of ../shared/models/perf (speed figures only).
 * The rate they reach is what docs/scaling.md projects a first build from.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { transformerIn } from '../src/embed/model.js';
import { listValues } from '../src/store/lance/arrow.js';
import { parseLocation, s3Settings } from '../src/store/location.js';
import { startS3Server, type S3Server } from '../scripts/s3-server.js';
import { fillLanceCache, ROOT, realCorpus, SPEED_MODEL, syntheticInput } from './synthetic.js';

const CLI = resolve(ROOT, 'dist/src/cli.js');

function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const PAPERS = Number(argument('papers', '100000'));
const WORKERS = argument('workers', '1,2,4').split(',').map(Number);
const NEW = Number(argument('new', '2000'));
const IN_FOLDER = process.argv.includes('--folder');

interface Ran {
  seconds: number;
  peakRss: number;
  stdout: string;
}

/** A process's peak RSS so far (VmHWM), 0 once it has ended. */
function peakRssOf(pid: number): number {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return hwm ? Number(hwm[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The processes a process started, that are still running. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Runs papermap, timing it and following its peak RSS (VmHWM) in /proc while it runs. */
function papermap(args: string[], env: Record<string, string>): Promise<Ran> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let peak = 0;
  // papermap does its work in a process under a supervisor (src/cli.ts): the peak is the largest of the two
  const follow = setInterval(() => {
    for (const pid of [child.pid!, ...childrenOf(child.pid!)]) peak = Math.max(peak, peakRssOf(pid));
  }, 100);
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4000)));
  return new Promise((done, fail) =>
    child.on('close', (code) => {
      clearInterval(follow);
      if (code !== 0) fail(new Error(`papermap ${args.join(' ')} exited ${code}: ${stderr}`));
      else done({ seconds: (performance.now() - started) / 1000, peakRss: peak, stdout });
    }),
  );
}

/** N workers of a stage's tasks started at the same moment: their wall time and each one's peak RSS. */
async function tasksAtOnce(
  stage: string,
  workers: number,
  out: string,
  env: Record<string, string>,
  extra: string[] = [],
): Promise<{ wall: number; peakRss: number[] }> {
  const started = performance.now();
  const shards = await Promise.all(
    Array.from({ length: workers }, (_, index) => papermap([stage, '--shard', `${index + 1}/${workers}`, ...extra, '--out', out], env)),
  );
  return { wall: (performance.now() - started) / 1000, peakRss: shards.map((shard) => shard.peakRss) };
}

/** Bytes under a folder. */
async function folderBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  return total;
}

async function storeBytes(server: S3Server | undefined, out: string): Promise<number> {
  if (!server) return folderBytes(out);
  const { ListObjectsV2Command, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ region: server.region, endpoint: server.endpoint, forcePathStyle: true, credentials: server });
  const prefix = out.replace(`s3://${server.bucket}/`, '') + '/';
  let total = 0;
  let token: string | undefined;
  do {
    const answer = await client.send(new ListObjectsV2Command({ Bucket: server.bucket, Prefix: prefix, ContinuationToken: token }));
    for (const item of answer.Contents ?? []) total += item.Size ?? 0;
    token = answer.IsTruncated ? answer.NextContinuationToken : undefined;
  } while (token);
  client.destroy();
  return total;
}

/** manifest.json of a store: a file, or an object at the S3 server. */
async function manifestText(server: S3Server | undefined, out: string): Promise<string> {
  if (!server) return readFileSync(join(out, 'manifest.json'), 'utf8');
  const { GetObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = new S3Client({ region: server.region, endpoint: server.endpoint, forcePathStyle: true, credentials: server });
  const answer = await client.send(new GetObjectCommand({ Bucket: server.bucket, Key: `${out.replace(`s3://${server.bucket}/`, '')}/manifest.json` }));
  const text = await answer.Body!.transformToString();
  client.destroy();
  return text;
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/**
 * The neighbours of a slice from LanceDB's own vector index, as an index task
 * on a worker would find them (the index built once at the store, queried
 * from a process that never holds the corpus): IVF_PQ over the vectors table,
 * recall@10 of 500 seeded papers against exact search, query time, and this
 * process's RSS growth while querying.
 */
async function annFromTheStore(server: S3Server | undefined, out: string, vectors: Float32Array, dim: number): Promise<Record<string, number>> {
  const { connect, Index } = await import('@lancedb/lancedb');
  const location = parseLocation(out);
  const { lanceStorageOptions } = await import('../src/store/location.js');
  const uri = location.kind === 's3' ? `s3://${location.bucket}/${location.prefix}` : resolve(location.path);
  const db = await connect(uri, { storageOptions: location.kind === 's3' ? lanceStorageOptions(s3Settings()) : {} });
  const manifest = JSON.parse(await manifestText(server, out)) as { tables: Record<string, string> };
  const table = await db.openTable(manifest.tables.vectors);
  // exact search over the vectors as the store holds them (the new papers' come from the speed model)
  const count = vectors.length / dim;
  const stored = new Float32Array(count * dim);
  for await (const batch of table.query().select(['row', 'vector'])) {
    const rows = batch.getChild('row')!.toArray() as Int32Array;
    const values = listValues<Float32Array>(batch, 'vector');
    rows.forEach((row, offset) => stored.set(values.subarray(offset * dim, (offset + 1) * dim), row * dim));
  }
  let started = performance.now();
  await table.createIndex('vector', { config: Index.ivfPq({ numPartitions: 256, numSubVectors: dim / 8, distanceType: 'cosine' }), replace: true });
  const build = (performance.now() - started) / 1000;
  const queries = Array.from({ length: 500 }, (_, index) => Math.floor(((index * 7919) % 500) * (count / 500)));
  const rssBefore = process.memoryUsage().rss;
  let found = 0;
  // the queries' time alone, not the exact search each is checked against
  let queryMs = 0;
  for (const query of queries) {
    const vector = stored.subarray(query * dim, (query + 1) * dim);
    started = performance.now();
    const rows = (await table
      .vectorSearch(vector)
      .column('vector')
      .distanceType('cosine')
      .nprobes(20)
      .refineFactor(10)
      .limit(11)
      .select(['row', '_distance'])
      .toArray()) as { row: number }[];
    queryMs += performance.now() - started;
    const exact = exactTop(stored, dim, query, 10);
    const got = new Set(
      rows
        .map((hit) => hit.row)
        .filter((row) => row !== query)
        .slice(0, 10),
    );
    found += exact.filter((row) => got.has(row)).length;
  }
  table.close();
  db.close();
  return { build, recall: found / (queries.length * 10), queryMs: queryMs / queries.length, rssGrowth: process.memoryUsage().rss - rssBefore };
}

/** The k nearest other rows of one row, by exact search. */
function exactTop(vectors: Float32Array, dim: number, query: number, k: number): number[] {
  const count = vectors.length / dim;
  const scores = new Float32Array(count);
  for (let row = 0; row < count; row++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += vectors[row * dim + d] * vectors[query * dim + d];
    scores[row] = row === query ? -2 : dot;
  }
  return Array.from(scores.keys())
    .sort((a, b) => scores[b] - scores[a])
    .slice(0, k);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'papermap-distributed-'));
  const server = IN_FOLDER ? undefined : await startS3Server({ bucket: 'bench', say: (line) => process.stderr.write(`${line}\n`) });
  const env = server?.env ?? {};
  // this process fills each store's cache itself, so it reads the same settings as the workers
  Object.assign(process.env, env);
  try {
    process.stderr.write(`making ${PAPERS} synthetic papers\n`);
    const real = realCorpus();
    const { dim } = real;
    const { input, vectors, texts } = syntheticInput(real, PAPERS, dir);
    const identity = transformerIn(SPEED_MODEL, SPEED_MODEL).identity;
    const results = [];
    for (const workers of WORKERS) {
      const out = server ? `s3://${server.bucket}/w${workers}` : join(dir, `w${workers}`);
      process.stderr.write(`${workers} worker(s): ${out}\n`);
      const ingest = await papermap(['ingest', '--store', 'lance', '--input', input, '--out', out], env);
      // the cache as a night finds it: every paper's vector but the NEW ones the workers embed
      await fillLanceCache(out, identity, texts, vectors, dim, PAPERS - NEW);
      const started = performance.now();
      const shards = await Promise.all(
        Array.from({ length: workers }, (_, index) =>
          papermap(['embed', '--shard', `${index + 1}/${workers}`, '--model', SPEED_MODEL, '--json', '--out', out], env),
        ),
      );
      const embedWall = (performance.now() - started) / 1000;
      const steps: Record<string, Ran> = {};
      // the steps that need every shard: the gather of the vectors (with the workers' model), then the map
      steps.embed = await papermap(['embed', '--model', SPEED_MODEL, '--out', out], env);
      // index and cluster as tasks too, each gathered by the step after them
      const indexTasks = await tasksAtOnce('index', workers, out, env);
      steps.index = await papermap(['index', '--out', out], env);
      const clusterTasks = await tasksAtOnce('cluster', workers, out, env);
      steps.cluster = await papermap(['cluster', '--out', out], env);
      steps.report = await papermap(['report', '--out', out], env);
      const embedded = shards.reduce((sum, shard) => sum + (JSON.parse(shard.stdout) as { embedded: number }).embedded, 0);
      const row = {
        workers,
        ingest: ingest.seconds,
        embedTasks: embedWall,
        embedded,
        embedRate: embedded / embedWall,
        workerPeakRss: shards.map((shard) => shard.peakRss),
        gather: steps.embed.seconds,
        indexTasks: indexTasks.wall,
        indexWorkerPeakRss: indexTasks.peakRss,
        clusterTasks: clusterTasks.wall,
        clusterWorkerPeakRss: clusterTasks.peakRss,
        index: steps.index.seconds,
        cluster: steps.cluster.seconds,
        report: steps.report.seconds,
        peakRss: Object.fromEntries(Object.entries(steps).map(([stage, ran]) => [stage, ran.peakRss])),
        storeBytes: await storeBytes(server, out),
      };
      results.push(row);
      process.stdout.write(
        `${workers} worker(s): ingest ${row.ingest.toFixed(1)} s; embed tasks ${row.embedTasks.toFixed(1)} s (${embedded} embedded, ${row.embedRate.toFixed(1)} papers/s, worker peak RSS ${row.workerPeakRss.map(mb).join(', ')}); ` +
          `embed gather ${row.gather.toFixed(1)} s; index tasks ${row.indexTasks.toFixed(1)} s (worker peak RSS ${row.indexWorkerPeakRss.map(mb).join(', ')}); ` +
          `cluster tasks ${row.clusterTasks.toFixed(1)} s (worker peak RSS ${row.clusterWorkerPeakRss.map(mb).join(', ')}); ` +
          `gathers: index ${row.index.toFixed(1)} s, cluster ${row.cluster.toFixed(1)} s; report ${row.report.toFixed(1)} s (peak RSS of embed gather, index, cluster, report: ${Object.values(row.peakRss).map(mb).join(', ')}); store ${mb(row.storeBytes)}\n`,
      );
    }
    const last = server ? `s3://${server.bucket}/w${WORKERS[WORKERS.length - 1]}` : join(dir, `w${WORKERS[WORKERS.length - 1]}`);
    const ann = await annFromTheStore(server, last, vectors, dim);
    process.stdout.write(
      `LanceDB IVF_PQ over the vectors table: built in ${ann.build.toFixed(1)} s; recall@10 ${ann.recall.toFixed(3)} against exact search (500 papers, nprobes 20, refine 10), ${ann.queryMs.toFixed(1)} ms a query, RSS grew ${mb(ann.rssGrowth)}\n`,
    );
    const one = results.find((row) => row.workers === 1);
    if (one)
      for (const row of results)
        process.stdout.write(
          `speed-up with ${row.workers} worker(s): embed tasks ${(one.embedTasks / row.embedTasks).toFixed(2)}, index tasks ${(one.indexTasks / row.indexTasks).toFixed(2)}, cluster tasks ${(one.clusterTasks / row.clusterTasks).toFixed(2)}\n`,
        );
    process.stdout.write(`${JSON.stringify({ papers: PAPERS, new: NEW, server: server ? 'SeaweedFS' : 'folder', results, ann })}\n`);
  } finally {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
