import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { expect } from 'vitest';
import { tempFolder } from '../temp.js';

/** Shared setup of the hostile-input tests (issue 9): the built CLI, temp folders, damage, and byte-for-byte folder snapshots. */

export const CLI = resolve('dist/src/cli.js');
export const SEEDS = resolve('seeds');
export { OHSUMED, RANDOM_MINILM } from '../shared.js';
export const TINY_BERT = resolve('test/fixtures/tiny-bert');
export const ARTIFACTS = [
  'papers.jsonl',
  'ingest.state',
  'vectors.f32',
  'vectors.json',
  'index.hnsw',
  'index.json',
  'neighbours.bin',
  'related.json',
  'graph.graphml',
  'clusters.json',
  'report.md',
  'report.html',
  'changes.json',
  'map.json',
];

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

let working: string | undefined;
/** The working folder of the papermaps a test file starts: a temp folder, so that anything one writes there is removed with it. */
function workingFolder(): string {
  working ??= tempFolder('cwd');
  return working;
}

/** Runs the built papermap CLI the way a user or a CI job does (stderr is a pipe, not a terminal). */
export function papermap(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Result {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    cwd: options.cwd ?? workingFolder(),
    env: { ...process.env, PAPERMAP_DEBUG: '', ...options.env },
    timeout: 600_000,
  });
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Starts papermap in the background; `stderr()` is what it has written so far, with the time each chunk came. */
export function papermapInBackground(args: string[]): {
  child: ChildProcess;
  stderr: () => string;
  lines: { at: number; line: string }[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
} {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: workingFolder(),
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PAPERMAP_DEBUG: '' },
  });
  let text = '';
  const lines: { at: number; line: string }[] = [];
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    text += chunk;
    for (const line of chunk.split('\n')) if (line !== '') lines.push({ at: Date.now(), line });
  });
  child.stdout!.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.on('exit', (code, signal) => done({ code, signal })));
  return { child, stderr: () => text, lines, exited };
}

export function tempDir(label: string): string {
  return tempFolder(`hostile-${label}`);
}

/** A copy of a folder, in a new temp dir. */
export function copyOf(folder: string, label = 'copy'): string {
  const copy = join(tempDir(label), 'out');
  cpSync(folder, copy, { recursive: true });
  return copy;
}

/** Every file under a folder (hidden ones too), by relative path, with its bytes. */
export function snapshot(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      // a symlink is recorded by where it points, never followed (it may point into /proc)
      if (stat.isSymbolicLink()) files.set(relative(folder, path), Buffer.from(`-> ${readlinkSync(path)}`));
      else if (stat.isDirectory()) walk(path);
      else files.set(relative(folder, path), readFileSync(path));
    }
  };
  walk(folder);
  return files;
}

/** The folder holds exactly the files of `before`, byte for byte (manifest.json and cache/ included), and nothing else. */
export function expectUnchanged(folder: string, before: Map<string, Buffer>, except: string[] = []): void {
  const after = snapshot(folder);
  const keep = (names: Iterable<string>) => [...names].filter((name) => !except.includes(name));
  expect(keep(after.keys())).toEqual(keep(before.keys()));
  for (const name of keep(before.keys())) expect(after.get(name)!.equals(before.get(name)!), `${name} changed`).toBe(true);
}

/** Cuts a file to half its length. */
export function truncate(path: string): void {
  const bytes = readFileSync(path);
  writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
}

/** Flips the lowest bit of one byte in the middle of a file (of the last byte of a float there, for binary files). */
export function flipBit(path: string, at?: number): void {
  const bytes = readFileSync(path);
  const position = at ?? Math.floor(bytes.length / 2);
  bytes[position] ^= 0x01;
  writeFileSync(path, bytes);
}

/** Replaces a file with garbage of about the same length. */
export function garbage(path: string): void {
  const length = Math.max(16, statSync(path).size);
  writeFileSync(path, Buffer.from('{"garbage": [1, 2, '.padEnd(length, 'x')));
}

/** One line on stderr, `papermap: ` then the message. */
export function oneLine(message: string): string {
  return `papermap: ${message}\n`;
}

/** The work process a papermap runs its stages in (src/runner/supervise.ts), from /proc (Linux); undefined elsewhere. */
export function workProcessOf(pid: number): number | undefined {
  if (!existsSync(`/proc/${pid}/task/${pid}/children`)) return undefined;
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return children === '' ? undefined : Number(children.split(' ')[0]);
}

/** Polls until `condition` holds, every few milliseconds, up to `seconds`. */
export async function waitFor(condition: () => boolean, seconds: number, what: string): Promise<void> {
  const until = Date.now() + seconds * 1000;
  while (!condition()) {
    if (Date.now() > until) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 5));
  }
}

/** A JSON Lines input with the first `count` papers of an output folder's papers.jsonl (id, title, abstract). */
export function inputFrom(folder: string, count: number, path: string): string {
  const lines = readFileSync(join(folder, 'papers.jsonl'), 'utf8').trim().split('\n').slice(0, count);
  writeFileSync(
    path,
    lines
      .map((line) => {
        const { id, title, abstract } = JSON.parse(line) as { id: string; title: string; abstract: string };
        return JSON.stringify({ id, title, abstract });
      })
      .join('\n') + '\n',
  );
  return path;
}

/** The seeds run with the builtin embedder into a new temp folder: the good folder each test file copies per case. */
export function goodSeedsFolder(): string {
  const out = join(tempDir('good'), 'out');
  const result = papermap(['run', '--input', SEEDS, '--out', out, '--model', 'builtin']);
  expect(result.stderr).toBe(oneLine('fitting the builtin embedder on 408 papers'));
  expect(result.status).toBe(0);
  return out;
}

export function manifestOf(folder: string): { stages: Record<string, { status: string; outputs: Record<string, string> }> } {
  return JSON.parse(readFileSync(join(folder, 'manifest.json'), 'utf8'));
}

export { existsSync, join, readFileSync, writeFileSync };
