import { spawn, spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { CLI, seedsOutput } from './setup.js';
import { tempFolder } from '../temp.js';

interface Reply {
  status: number;
  body: string;
  json: () => { error?: string; [key: string]: unknown };
}

/** A GET with the path sent exactly as given (no normalising of "..", no re-encoding). */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body, json: () => JSON.parse(body) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('papermap serve: the API', () => {
  let out: string;
  let server: RunningServer;
  let papers: { id: string; title: string }[];

  beforeAll(async () => {
    out = seedsOutput();
    papers = readFileSync(join(out, 'papers.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    server = await startServer({ out, port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await server?.close();
  });

  test('listens on 127.0.0.1 and serves the report at /', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url, '/');
    expect(page.status).toBe(200);
    expect(page.body).toBe(readFileSync(join(out, 'report.html'), 'utf8'));
    const vectors = JSON.parse(readFileSync(join(out, 'vectors.json'), 'utf8')) as { papersHash: string };
    expect((await get(server.url, '/api/health')).json()).toEqual({ papers: 408, papersHash: vectors.papersHash, model: 'builtin', search: true });
  });

  test('a paper by its row (a point on the map): its details and nearest papers, each with its row and title', async () => {
    const reply = await get(server.url, '/api/rows/5');
    expect(reply.status).toBe(200);
    const body = reply.json() as unknown as { id: string; title: string; related: { row: number; score: number; title: string }[]; weak: { row: number }[] };
    expect(body).toMatchObject({ id: papers[5].id, title: papers[5].title });
    const nearest = [...body.related, ...body.weak] as { row: number; title: string }[];
    expect(nearest.length).toBe(10);
    for (const neighbour of nearest) expect(neighbour.title).toBe(papers[neighbour.row].title);
    expect(nearest.map((neighbour) => neighbour.row)).not.toContain(5);
    expect((await get(server.url, '/api/rows/408')).status).toBe(404);
    expect((await get(server.url, '/api/rows/-1')).status).toBe(404);
  });

  test('search by meaning: k results, best first, on subject', async () => {
    const reply = await get(server.url, `/api/search?q=${encodeURIComponent('speculative decoding for faster LLM inference')}&k=5`);
    expect(reply.status).toBe(200);
    const { results } = reply.json() as unknown as { results: { id: string; row: number; title: string; score: number }[] };
    expect(results).toHaveLength(5);
    // each names its row, the paper's place among the map's points
    for (const result of results) expect(papers[result.row].id).toBe(result.id);
    expect(results.map((result) => result.score)).toEqual([...results.map((result) => result.score)].sort((a, b) => b - a));
    expect(results.filter((result) => /speculative|decoding|draft|inference/i.test(result.title)).length).toBeGreaterThanOrEqual(3);
  });

  test('a paper and its neighbours by id; the paper is not its own neighbour', async () => {
    const id = papers[0].id;
    const paper = await get(server.url, `/api/papers/${id}`);
    expect(paper.status).toBe(200);
    // with what the inputs say of it: the seeds' first listing is dated Mar 14, with no year
    expect(paper.json()).toMatchObject({ id, title: papers[0].title, date: '--03-14' });
    const neighbours = await get(server.url, `/api/papers/${id}/neighbours?k=7`);
    expect(neighbours.status).toBe(200);
    const results = (neighbours.json() as unknown as { results: { id: string }[] }).results;
    expect(results).toHaveLength(7);
    expect(results.map((result) => result.id)).not.toContain(id);
  });

  test('bad requests get 400 with an error, unknown ids and paths 404', async () => {
    for (const path of [
      '/api/search',
      '/api/search?q=',
      '/api/search?q=%20%20',
      '/api/search?q=x&k=0',
      '/api/search?q=x&k=abc',
      '/api/search?q=x&k=101',
      '/api/search?q=x&k=2.5',
      `/api/search?q=${'a'.repeat(1001)}`,
      `/api/papers/${papers[0].id}/neighbours?k=-1`,
      '/api/papers/%E0%A4%A/neighbours',
    ]) {
      const reply = await get(server.url, path);
      expect(reply.status, path).toBe(400);
      expect(reply.json().error, path).toEqual(expect.any(String));
    }
    for (const path of ['/api/papers/ffffffffffff', '/api/papers/ffffffffffff/neighbours', '/api/nothing', '/nothing.html']) {
      const reply = await get(server.url, path);
      expect(reply.status, path).toBe(404);
      expect(reply.json().error, path).toEqual(expect.any(String));
    }
    expect((await get(server.url, '/api/health', {}, 'POST')).status).toBe(405);
  });

  test("only the report's own files: no other file of the folder, no path outside it, no listing", async () => {
    const refused = [
      '/papers.jsonl',
      '/vectors.json',
      '/cache/',
      '/cache',
      '/..%2fpapers.jsonl',
      '/..%2f..%2f..%2fetc%2fpasswd',
      '/../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/..%5c..%5cetc%5cpasswd',
      '/report.html/..%2fpapers.jsonl',
      '//etc/passwd',
      `/${join(out, 'papers.jsonl')}`,
    ];
    for (const path of refused) {
      const reply = await get(server.url, path);
      expect(reply.status, path).toBe(404);
      expect(reply.body, path).not.toContain(papers[0].title);
      expect(reply.body, path).not.toContain('root:');
    }
    expect((await get(server.url, '/report.md')).status).toBe(200);
  });

  test('answers to localhost names only (no DNS rebinding)', async () => {
    expect((await get(server.url, '/api/health', { Host: 'evil.example:80' })).status).toBe(403);
    expect((await get(server.url, '/api/health', { Host: `localhost:${new URL(server.url).port}` })).status).toBe(200);
  });

  test('the serve command prints its URL, answers, and stops cleanly on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--out', out, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const url = await new Promise<string>((resolve, reject) => {
      let stdout = '';
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('\n')) resolve(stdout.trim());
      });
      child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await get(url, '/api/health')).status).toBe(200);
    const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(stderr).toBe('papermap: server stopped\n');
  });

  test('without the model of the vectors, the server still serves the report and papers, and search says why not', async () => {
    const copy = tempFolder('no-model');
    cpSync(out, copy, { recursive: true });
    for (const file of readdirSync(join(copy, 'cache'))) if (file.endsWith('.model')) rmSync(join(copy, 'cache', file));
    const bare = await startServer({ out: copy, port: 0, host: '127.0.0.1' });
    try {
      expect((await get(bare.url, '/api/health')).json()).toMatchObject({ papers: 408, search: false });
      const search = await get(bare.url, '/api/search?q=reasoning');
      expect(search.status).toBe(503);
      expect(search.json().error).toContain('search by meaning is off');
      expect((await get(bare.url, `/api/papers/${papers[0].id}/neighbours`)).status).toBe(200);
      expect((await get(bare.url, '/')).status).toBe(200);
    } finally {
      await bare.close();
    }
  });

  test('serve --help, and a missing report is refused with what to run', () => {
    const help = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: papermap serve');
    expect(help.stdout).toContain('--port');
    const missing = spawnSync(process.execPath, [CLI, 'serve', '--out', join(out, 'nowhere'), '--port', '0'], { encoding: 'utf8' });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`papermap: output folder ${join(out, 'nowhere')} not found: run \`papermap run --out ${join(out, 'nowhere')}\` first\n`);
  });
});
