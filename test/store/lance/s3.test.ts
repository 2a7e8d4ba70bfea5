import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, inject, test } from 'vitest';
import { connect } from '@lancedb/lancedb';
import { adjustedRand } from '../../../src/cluster/agreement.js';
import { listInputFiles, readInputs } from '../../../src/ingest/index.js';
import { lanceStorageOptions, s3Settings } from '../../../src/store/location.js';
import type { Clusters } from '../../../src/cluster/index.js';
import { CLI, papermap as runPapermap, type Result as Ran } from '../../hostile/hostile.js';
import { tempFolder } from '../../temp.js';
import { keysUnder, objectText } from './bucket.js';

const SEEDS = resolve('seeds');
const s3 = inject('s3');

/** Runs the built papermap as a CI job would, with the S3 server's settings (or others) in its environment. */
function papermap(args: string[], env: Record<string, string> = s3.env): Ran {
  return runPapermap(args, { env });
}

/** Starts papermap without waiting, for workers that run at the same moment. */
function started(args: string[], env: Record<string, string> = s3.env): { done: Promise<Ran>; kill: () => void; output: () => Ran & { exited: boolean } } {
  const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const done = new Promise<Ran>((resolve) => child.on('close', (code) => resolve({ status: code ?? -1, stdout, stderr })));
  return { done, kill: () => child.kill('SIGKILL'), output: () => ({ status: child.exitCode ?? -1, stdout, stderr, exited: child.exitCode !== null }) };
}

/** The only line a failed command prints: one line, no stack. */
function oneLine(ran: Ran): string {
  expect(ran.status).toBe(1);
  const lines = ran.stderr.split('\n').filter((line) => line.startsWith('papermap: ') && !line.startsWith('papermap: warning'));
  expect(lines).toHaveLength(1);
  expect(ran.stderr).not.toMatch(/\n\s+at /);
  return lines[0];
}

/** Each paper's topic, by id. */
function topicsOf(clusters: Clusters): Map<string, number> {
  return new Map(clusters.topics.flatMap((topic) => topic.paperIds.map((id) => [id, topic.id] as const)));
}

/** The ids of the papers `similar` finds nearest to each query, best first. */
function nearest(out: string, queries: string[]): string[][] {
  const file = join(tempFolder('lance-queries'), 'queries.txt');
  writeFileSync(file, queries.join('\n') + '\n');
  const ran = papermap(['similar', '--queries', file, '--top', '10', '--out', out]);
  expect(ran.stderr).toBe('');
  return ran.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { results: { id: string }[] }).results.map((result) => result.id));
}

describe('a LanceDB store on S3, filled by workers at the same moment', () => {
  const files = tempFolder('lance-files');
  const location = `s3://${s3.bucket}/seeds-${process.pid}`;
  const prefix = `seeds-${process.pid}`;
  let shards: Ran[];

  beforeAll(async () => {
    // the file store's answers, to hold the LanceDB store's against
    const baseline = papermap(['run', '--input', SEEDS, '--out', files], {});
    expect(baseline.status, baseline.stderr).toBe(0);
    const ingested = papermap(['ingest', '--store', 'lance', '--input', SEEDS, '--out', location]);
    expect(ingested.status, ingested.stderr).toBe(0);
    // two embed tasks started at the same moment, as two jobs of a CI matrix
    const workers = [started(['embed', '--shard', '1/2', '--json', '--out', location]), started(['embed', '--shard', '2/2', '--json', '--out', location])];
    shards = await Promise.all(workers.map((worker) => worker.done));
  }, 900_000);

  test('two embed shards at the same moment each embed their half; lose nothing of the other', () => {
    for (const shard of shards) expect(shard.status, shard.stderr).toBe(0);
    const [one, two] = shards.map((shard) => JSON.parse(shard.stdout) as { embedded: number; cached: number; papers: number });
    expect(one.papers).toBe(408);
    expect(one.embedded + one.cached + two.embedded + two.cached).toBe(408);
    expect(one.embedded).toBeGreaterThan(150);
    expect(two.embedded).toBeGreaterThan(150);
  });

  test('then `run` embeds nothing, and finds the store kind recorded at the location', () => {
    const ran = papermap(['run', '--input', SEEDS, '--json', '--out', location]);
    expect(ran.status, ran.stderr).toBe(0);
    const summary = JSON.parse(ran.stdout) as { embedded: number; papers: number; stages: Record<string, { status: string }> };
    expect(summary.papers).toBe(408);
    expect(summary.embedded).toBe(0);
    expect(summary.stages.ingest.status).toBe('up to date');
  }, 600_000);

  test('the reports and clusters.json are at the location, beside the tables', async () => {
    const keys = await keysUnder(prefix);
    for (const file of ['report.md', 'report.html', 'clusters.json', 'graph.graphml', 'manifest.json', 'papermap-store.json']) expect(keys).toContain(file);
    for (const table of ['papers', 'vectors', 'neighbours', 'topics', 'embeddings', 'tasks']) expect(keys.some((key) => key.startsWith(table))).toBe(true);
    expect(await objectText(`${prefix}/report.md`)).toContain('408 papers');
  });

  test("its answers are the file store's: similar top-10 overlap at least 0.9, topics ARI at least 0.8", async () => {
    const ids = readFileSync(join(files, 'papers.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    const queries = ids.filter((_, row) => row % 8 === 0);
    const fromFiles = nearest(files, queries);
    const fromLance = nearest(location, queries);
    const overlap = fromFiles.reduce((sum, list, row) => sum + list.filter((id) => fromLance[row].includes(id)).length / list.length, 0) / queries.length;
    expect(overlap).toBeGreaterThanOrEqual(0.9);
    const fileTopics = topicsOf(JSON.parse(readFileSync(join(files, 'clusters.json'), 'utf8')) as Clusters);
    const lanceTopics = topicsOf(JSON.parse(await objectText(`${prefix}/clusters.json`)) as Clusters);
    const both = ids.filter((id) => fileTopics.has(id) && lanceTopics.has(id));
    expect(both.length).toBeGreaterThan(380);
    expect(
      adjustedRand(
        both.map((id) => fileTopics.get(id)!),
        both.map((id) => lanceTopics.get(id)!),
      ),
    ).toBeGreaterThanOrEqual(0.8);
  }, 600_000);
  test('`serve` on the location: its report, its papers, and the same neighbours as the file store', async () => {
    const server = started(['serve', '--port', '0', '--out', location]);
    try {
      const url = await new Promise<string>((found, failed) => {
        const look = setInterval(() => {
          const line = /^http:\/\/\S+\n/.exec(server.output().stdout)?.[0];
          if (line) found(line.trim());
          if (line || server.output().exited) clearInterval(look);
          if (!line && server.output().exited) failed(new Error(server.output().stderr));
        }, 100);
      });
      const health = (await (await fetch(`${url}api/health`)).json()) as { papers: number };
      expect(health.papers).toBe(408);
      expect(await (await fetch(`${url}report.html`)).text()).toBe(await objectText(`${prefix}/report.html`));
      const id = (JSON.parse(readFileSync(join(files, 'papers.jsonl'), 'utf8').split('\n')[0]) as { id: string }).id;
      const served = (await (await fetch(`${url}api/papers/${encodeURIComponent(id)}/neighbours?k=10`)).json()) as { results: { id: string }[] };
      const [fromFiles] = nearest(files, [id]);
      const overlap = served.results.filter((result) => fromFiles.includes(result.id)).length / fromFiles.length;
      expect(overlap).toBeGreaterThanOrEqual(0.9);
    } finally {
      server.kill();
    }
    await server.done;
  }, 300_000);
});

describe('tasks that fail, and settings that cannot work, each say so in one line and leave nothing half-written', () => {
  test('a step that needs every shard names the missing one, and commits nothing', async () => {
    const location = `s3://${s3.bucket}/missing-${process.pid}`;
    expect(papermap(['ingest', '--store', 'lance', '--input', SEEDS, '--out', location]).status).toBe(0);
    const one = papermap(['embed', '--shard', '1/3', '--out', location]);
    expect(one.status, one.stderr).toBe(0);
    expect(papermap(['embed', '--shard', '3/3', '--out', location]).status).toBe(0);
    const before = await objectText(`missing-${process.pid}/manifest.json`);
    expect(oneLine(papermap(['embed', '--out', location]))).toMatch(/embed shard 2\/3 is missing .*papermap embed --shard I\/3/);
    expect(await objectText(`missing-${process.pid}/manifest.json`)).toBe(before);
  }, 600_000);

  test('a killed task is simply run again: it embeds what is missing, and no row is written twice', async () => {
    const prefix = `killed-${process.pid}`;
    const location = `s3://${s3.bucket}/${prefix}`;
    // 1,500 papers: a worker commits its vectors every 512, so it is killed with some committed and most not
    const input = join(tempFolder('lance-killed'), 'papers.jsonl');
    const seeds = readInputs(listInputFiles([SEEDS])).papers;
    writeFileSync(
      input,
      Array.from(
        { length: 1500 },
        (_, row) =>
          JSON.stringify({ id: `k${row}`, title: `${seeds[row % seeds.length].title} (${row})`, abstract: seeds[row % seeds.length].abstract }) + '\n',
      ).join(''),
    );
    expect(papermap(['ingest', '--store', 'lance', '--input', input, '--out', location]).status).toBe(0);
    const worker = started(['embed', '--shard', '1/1', '--out', location]);
    let running = true;
    void worker.done.then(() => (running = false));
    while (running && !(await keysUnder(prefix)).some((key) => key.startsWith('embeddings.lance/data/')))
      await new Promise((resolve) => setTimeout(resolve, 250));
    worker.kill();
    const killed = await worker.done;
    expect(killed.status, 'the worker finished before it could be killed').not.toBe(0);
    const again = papermap(['embed', '--shard', '1/1', '--json', '--out', location]);
    expect(again.status, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as { embedded: number; cached: number };
    expect(summary.cached).toBeGreaterThanOrEqual(512);
    expect(summary.embedded).toBeGreaterThan(0);
    expect(summary.embedded + summary.cached).toBe(1500);
    // each text's vector is in the shared cache once
    const db = await connect(`s3://${s3.bucket}/${prefix}`, { storageOptions: lanceStorageOptions(s3Settings(s3.env)) });
    const embeddings = await db.openTable('embeddings');
    expect(await embeddings.countRows()).toBe(1500);
    embeddings.close();
    const gathered = papermap(['embed', '--json', '--out', location]);
    expect(gathered.status, gathered.stderr).toBe(0);
    expect(JSON.parse(gathered.stdout)).toMatchObject({ embedded: 0, cached: 1500 });
  }, 900_000);

  test('wrong credentials: one line, and nothing is written at the location', async () => {
    const location = `s3://${s3.bucket}/refused-${process.pid}`;
    const line = oneLine(papermap(['ingest', '--store', 'lance', '--input', SEEDS, '--out', location], { ...s3.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' }));
    expect(line).toMatch(/refused the credentials .*check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
    expect(await keysUnder(`refused-${process.pid}`)).toEqual([]);
  });

  test('an endpoint that does not answer: one line naming it', () => {
    const line = oneLine(
      papermap(['run', '--store', 'lance', '--input', SEEDS, '--out', `s3://${s3.bucket}/down`], { ...s3.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' }),
    );
    expect(line).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9 .*check AWS_ENDPOINT_URL/);
  });

  test('plain HTTP to another machine is refused before anything is sent', () => {
    const line = oneLine(
      papermap(['ingest', '--store', 'lance', '--input', SEEDS, '--out', `s3://${s3.bucket}/plain`], { ...s3.env, AWS_ENDPOINT_URL: 'http://s3.example.org' }),
    );
    expect(line).toMatch(/plain HTTP to another machine: use https:\/\//);
  });

  test('a store kind that differs from the one recorded at the location is refused', () => {
    const folder = tempFolder('lance-kind');
    expect(papermap(['ingest', '--store', 'lance', '--input', SEEDS, '--out', folder], {}).status).toBe(0);
    expect(oneLine(papermap(['ingest', '--store', 'files', '--input', SEEDS, '--out', folder], {}))).toMatch(/holds a LanceDB store, not a file one/);
    expect(oneLine(papermap(['ingest', '--store', 'files', '--input', SEEDS, '--out', `s3://${s3.bucket}/x`]))).toMatch(/the file store takes a folder/);
  });
});
