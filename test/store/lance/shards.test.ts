import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect, type Connection } from '@lancedb/lancedb';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { lanceStorageOptions, s3Settings } from '../../../src/store/location.js';
import { CLI, papermap as runPapermap, type Result as Ran, waitFor, workProcessOf } from '../../hostile/hostile.js';
import { tempFolder } from '../../temp.js';
import { objectText } from './bucket.js';

const SEEDS = resolve('seeds');
const s3 = inject('s3');
/** The files the step after the shards writes, each to be the one-machine run's byte for byte. */
const OUTPUTS = ['clusters.json', 'related.json', 'index.json', 'map.json', 'graph.graphml', 'report.md'];

/** Runs the built papermap as a CI job would, with the S3 server's settings (or others) in its environment. */
function papermap(args: string[], env: Record<string, string> = s3.env): Ran {
  return runPapermap(args, { env });
}

/** A worker started in the background: its process, its stderr so far, and its outcome once done. */
function started(args: string[], env: Record<string, string> = s3.env): { child: ChildProcess; stderr: () => string; done: Promise<Ran> } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return { child, stderr: () => stderr, done: new Promise<Ran>((done) => child.on('close', (code) => done({ status: code ?? -1, stdout, stderr }))) };
}

/** Workers started at the same moment, as jobs of a CI matrix; their outcomes once all are done. */
function atOnce(runs: string[][], env: Record<string, string> = s3.env): Promise<Ran[]> {
  return Promise.all(runs.map((args) => started(args, env).done));
}

/** The four tasks of two index and two cluster shards. */
const shardRuns = (out: string) => ['index', 'cluster'].flatMap((stage) => ['1/2', '2/2'].map((shard) => [stage, '--shard', shard, '--json', '--out', out]));

/** The rows of the task table of a stage: how many, and how many distinct. */
async function taskRows(db: Connection, stage: string): Promise<{ rows: number; distinct: number }> {
  const names = (await db.tableNames()).filter((name) => name.startsWith(`${stage}-tasks-`));
  expect(names).toHaveLength(1);
  const table = await db.openTable(names[0]);
  const rows: number[] = [];
  for await (const batch of table.query().select(['row'])) rows.push(...(batch.getChild('row')!.toArray() as Int32Array));
  table.close();
  return { rows: rows.length, distinct: new Set(rows).size };
}

/** The task tables (`<stage>-tasks-<of>.lance`) and shared task files (`tasks/<stage>-<of>.<ext>`) of a store in a folder. */
function taskLeftovers(folder: string): string[] {
  const tables = readdirSync(folder).filter((name) => /^(index|cluster)-tasks-/.test(name));
  return [...tables, ...(existsSync(join(folder, 'tasks')) ? readdirSync(join(folder, 'tasks')) : [])].sort();
}

function oneLine(ran: Ran): string {
  expect(ran.status).toBe(1);
  const lines = ran.stderr.split('\n').filter((line) => line.startsWith('papermap: '));
  expect(lines).toHaveLength(1);
  return lines[0];
}

describe('index and cluster shards on S3, at the same moment, gathered by the step after them', () => {
  const files = tempFolder('shards-files');
  const prefix = `shards-${process.pid}`;
  const location = `s3://${s3.bucket}/${prefix}`;
  const db = () => connect(location, { storageOptions: lanceStorageOptions(s3Settings(s3.env)) });
  let shards: Ran[];

  beforeAll(async () => {
    const baseline = papermap(['run', '--model', 'builtin', '--input', SEEDS, '--out', files], {});
    expect(baseline.status, baseline.stderr).toBe(0);
    for (const args of [
      ['ingest', '--store', 'lance', '--input', SEEDS],
      ['embed', '--model', 'builtin'],
    ]) {
      const ran = papermap([...args, '--out', location]);
      expect(ran.status, ran.stderr).toBe(0);
    }
    shards = await atOnce(shardRuns(location));
  }, 900_000);

  test('each shard did its half, and every paper row is in each task table once', async () => {
    for (const shard of shards) expect(shard.status, shard.stderr).toBe(0);
    const [index1, index2, cluster1, cluster2] = shards.map((shard) => JSON.parse(shard.stdout) as Record<string, number>);
    expect([index1.searched, index2.searched, cluster1.assigned, cluster2.assigned]).toEqual([204, 204, 204, 204]);
    // one cluster task fitted the shared topics, the other assigned to that very fit
    expect([cluster1.fittedTopics, cluster2.fittedTopics].filter(Boolean)).toHaveLength(1);
    const connection = await db();
    expect(await taskRows(connection, 'index')).toEqual({ rows: 408, distinct: 408 });
    expect(await taskRows(connection, 'cluster')).toEqual({ rows: 408, distinct: 408 });
  });

  test('a task killed after committing its rows, before its record, is run again and writes no row twice', async () => {
    const connection = await db();
    const tasks = await connection.openTable('tasks');
    await tasks.delete("stage = 'index' AND shard = 1");
    tasks.close();
    const again = papermap(['index', '--shard', '1/2', '--json', '--out', location]);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ searched: 0, alreadyWritten: 204 });
    const cluster = papermap(['cluster', '--shard', '2/2', '--json', '--out', location]);
    expect(JSON.parse(cluster.stdout)).toMatchObject({ assigned: 0, alreadyWritten: 204 });
    expect(await taskRows(connection, 'index')).toEqual({ rows: 408, distinct: 408 });
    expect(await taskRows(connection, 'cluster')).toEqual({ rows: 408, distinct: 408 });
  });

  test("then `run` gathers the shards' rows, and writes the one-machine run's files byte for byte", async () => {
    const ran = papermap(['run', '--model', 'builtin', '--input', SEEDS, '--json', '--out', location]);
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stderr).toContain('index: gathering the neighbours 2 index shards found');
    expect(ran.stderr).toContain('cluster: gathering the topics 2 cluster shards assigned');
    for (const file of OUTPUTS) expect(await objectText(`${prefix}/${file}`), file).toBe(readFileSync(join(files, file), 'utf8'));
  }, 600_000);

  test('a step after the shards names the one missing, and commits nothing', async () => {
    const missing = `s3://${s3.bucket}/missing-shards-${process.pid}`;
    for (const args of [
      ['ingest', '--store', 'lance', '--input', SEEDS],
      ['embed', '--model', 'builtin'],
      ['index', '--shard', '1/3'],
      ['index', '--shard', '3/3'],
      ['cluster', '--shard', '2/2'],
    ])
      expect(papermap([...args, '--out', missing]).status).toBe(0);
    expect(oneLine(papermap(['run', '--model', 'builtin', '--input', SEEDS, '--out', missing]))).toMatch(/index shard 2\/3 is missing/);
    const before = await objectText(`missing-shards-${process.pid}/manifest.json`);
    expect(oneLine(papermap(['index', '--out', missing]))).toMatch(/index shard 2\/3 is missing .*papermap index --shard I\/3/);
    expect(oneLine(papermap(['cluster', '--out', missing]))).toMatch(/cluster shard 1\/2 is missing .*papermap cluster --shard I\/2/);
    expect(await objectText(`missing-shards-${process.pid}/manifest.json`)).toBe(before);
  }, 600_000);

  test('the file store refuses index --shard and cluster --shard in one line', () => {
    const folder = tempFolder('shards-refused');
    expect(papermap(['ingest', '--input', SEEDS, '--out', folder], {}).status).toBe(0);
    for (const stage of ['index', 'cluster'])
      expect(oneLine(papermap([stage, '--shard', '1/2', '--out', folder], {}))).toMatch(
        new RegExp(`^papermap: ${stage} --shard runs as a task over a LanceDB store`),
      );
  });
});

describe('past the exact-search size, the shards search one HNSW index built once', () => {
  test('1,200 papers in a folder: two shards of each give the one-machine run byte for byte, index.hnsw too', async () => {
    const folder = tempFolder('shards-hnsw');
    expect(papermap(['ingest', '--input', SEEDS, '--out', join(folder, 'seeds')], {}).status).toBe(0);
    const seeds = readFileSync(join(folder, 'seeds', 'papers.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { title: string; abstract: string });
    // distinct papers past EXACT_SEARCH_MAX_PAPERS (500): each seed's text with another's title added
    const input = join(folder, 'papers.jsonl');
    writeFileSync(
      input,
      Array.from({ length: 1200 }, (_, row) => {
        const [one, other] = [seeds[row % seeds.length], seeds[(row * 7 + 3) % seeds.length]];
        return JSON.stringify({ id: `p${row}`, title: `${one.title} (${row})`, abstract: `${one.abstract} ${other.title}` }) + '\n';
      }).join(''),
    );
    const [files, lance] = [join(folder, 'files'), join(folder, 'lance')];
    expect(papermap(['run', '--model', 'builtin', '--input', input, '--out', files], {}).status).toBe(0);
    for (const args of [
      ['ingest', '--store', 'lance', '--input', input],
      ['embed', '--model', 'builtin'],
    ])
      expect(papermap([...args, '--out', lance], {}).status).toBe(0);
    const shards = await atOnce(shardRuns(lance), {});
    for (const shard of shards) expect(shard.status, shard.stderr).toBe(0);
    const [index1, index2] = shards.map((shard) => JSON.parse(shard.stdout) as { search: string; searched: number });
    expect([index1.search, index1.searched, index2.searched]).toEqual(['hnsw', 600, 600]);
    const ran = papermap(['run', '--model', 'builtin', '--input', input, '--out', lance], {});
    expect(ran.status, ran.stderr).toBe(0);
    expect(ran.stderr).toContain('index: gathering the neighbours 2 index shards found');
    for (const file of [...OUTPUTS, 'index.hnsw']) expect(readFileSync(join(lance, file)).equals(readFileSync(join(files, file))), file).toBe(true);
    // other settings, as the next night's tasks. Shard 1 claims the build of their index and is frozen while it builds:
    // shard 2 waits for that index instead of building one of its own, and searches it once shard 1 has stored it
    const earlier = taskLeftovers(lance);
    expect(earlier.filter((name) => name.startsWith('index-'))).toHaveLength(2);
    // a slow build (--ef-construction 800): shard 1 is frozen before it ends
    const settings = ['--m', '24', '--ef-construction', '800'];
    const [one, two] = ['1/2', '2/2'].map((shard) => ['index', '--shard', shard, ...settings, '--json', '--out', lance]);
    const builder = started(one, {});
    await waitFor(() => taskLeftovers(lance).some((name) => name.endsWith('.building')), 300, 'shard 1 to claim the build');
    const work = workProcessOf(builder.child.pid!)!;
    process.kill(work, 'SIGSTOP');
    const waiter = started(two, {});
    await waitFor(() => waiter.stderr().includes('waiting for the HNSW index that shard 1/2 is building'), 300, 'shard 2 to wait');
    process.kill(work, 'SIGCONT');
    const [built, waited] = await Promise.all([builder.done, waiter.done]);
    for (const shard of [built, waited]) expect(shard.status, shard.stderr).toBe(0);
    expect([built, waited].map((shard) => (JSON.parse(shard.stdout) as { parts: number; builtParts: number }).builtParts)).toEqual([1, 0]);
    const gathered = papermap(['index', ...settings, '--out', lance], {});
    expect(gathered.status, gathered.stderr).toBe(0);
    const now = taskLeftovers(lance);
    expect(now.filter((name) => name.startsWith('index-'))).toHaveLength(2);
    expect(now.filter((name) => earlier.includes(name) && name.startsWith('index-'))).toEqual([]);
    // the cluster tasks' are another stage's, kept
    expect(now.filter((name) => name.startsWith('cluster-'))).toEqual(earlier.filter((name) => name.startsWith('cluster-')));
  }, 900_000);
});
