import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { copyOf, expectUnchanged, goodSeedsFolder, join, oneLine, papermap, readFileSync, SEEDS, snapshot, tempDir } from './hostile.js';

/**
 * Issue 21, inputs that are not files of papers: links that loop, named
 * pipes, devices and sockets, and papermap's own output folder. Each is one
 * clear line; none blocks; what can be read is read.
 */

/** One seed listing (110 papers), the file an input folder holds beside the hostile entries. */
const LISTING = readdirSync(SEEDS).sort()[0];

/** papers.jsonl's line count: the papers ingest kept. */
const paperCount = (out: string) => readFileSync(join(out, 'papers.jsonl'), 'utf8').trim().split('\n').length;

let listingPapers: number;
beforeAll(() => {
  const out = join(tempDir('listing'), 'out');
  expect(papermap(['ingest', '--input', join(SEEDS, LISTING), '--out', out]).status).toBe(0);
  listingPapers = paperCount(out);
});

/** A folder holding the seed listing, plus what `add` puts beside it. */
function inputFolder(add: (dir: string) => void): string {
  const dir = join(tempDir('inputs'), 'papers');
  mkdirSync(dir);
  copyFileSync(join(SEEDS, LISTING), join(dir, LISTING));
  add(dir);
  return dir;
}

describe('links in an input folder that lead nowhere readable: skipped with a notice naming each, the other files read', () => {
  test('a link to itself, two links to each other, a link to nothing, and a link back up to the folder', () => {
    const dir = inputFolder((dir) => {
      symlinkSync('self', join(dir, 'self'));
      symlinkSync('pong', join(dir, 'ping'));
      symlinkSync('ping', join(dir, 'pong'));
      symlinkSync('gone.txt', join(dir, 'dangling'));
      symlinkSync('.', join(dir, 'up'));
    });
    const out = join(tempDir('loops'), 'out');
    const result = papermap(['ingest', '--input', dir, '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      oneLine(`skipped ${join(dir, 'dangling')}: a symbolic link to nothing; the other files are read`) +
        oneLine(`skipped ${join(dir, 'ping')}: a symbolic link that loops back on itself; the other files are read`) +
        oneLine(`skipped ${join(dir, 'pong')}: a symbolic link that loops back on itself; the other files are read`) +
        oneLine(`skipped ${join(dir, 'self')}: a symbolic link that loops back on itself; the other files are read`) +
        oneLine(`skipped ${join(dir, 'up')}: a link to the folder ${dir}, which is read already; the other files are read`),
    );
    expect(paperCount(out)).toBe(listingPapers);
  });

  test('a link that loops, given as --input: exit 1, one line naming it', () => {
    const dir = tempDir('loop');
    symlinkSync('self', join(dir, 'self'));
    const result = papermap(['ingest', '--input', join(dir, 'self'), '--out', join(dir, 'out')]);
    expect(result.stderr).toBe(oneLine(`${join(dir, 'self')}: a symbolic link that loops back on itself; give a file of papers or a folder of them`));
    expect(result.status).toBe(1);
    expect(readdirSync(dir)).toEqual(['self']);
  });
});

describe('a named pipe, a device or a socket as input: refused as "not a regular file", never read, never waited on', () => {
  let socketServer: Server;
  let socket: string;
  beforeAll(async () => {
    socket = join(tempDir('socket'), 'papers.sock');
    socketServer = createServer();
    await new Promise<void>((done) => socketServer.listen(socket, done));
  });
  afterAll(() => new Promise<void>((done) => socketServer.close(() => done())));

  function fifo(): string {
    const path = join(tempDir('fifo'), 'papers.jsonl');
    expect(spawnSync('mkfifo', [path]).status).toBe(0);
    return path;
  }

  test.each([
    ['a named pipe', () => fifo()],
    ['a device', () => '/dev/urandom'],
    ['a socket', () => socket],
  ])('%s given as --input: exit 1, one line naming it', (kind, make) => {
    const input = make();
    const out = join(tempDir('special'), 'out');
    const result = papermap(['run', '--input', input, '--out', out, '--model', 'builtin']);
    expect(result.stderr).toBe(oneLine(`${input}: not a regular file (${kind}); give a file of papers or a folder of them`));
    expect(result.status).toBe(1);
  });

  test('a named pipe and a socket inside an input folder: skipped with a notice naming each, the other files read', () => {
    const dir = inputFolder((dir) => {
      expect(spawnSync('mkfifo', [join(dir, 'pipe.jsonl')]).status).toBe(0);
      symlinkSync(socket, join(dir, 'papers.sock'));
    });
    const out = join(tempDir('special'), 'out');
    const result = papermap(['ingest', '--input', dir, '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(
      oneLine(`skipped ${join(dir, 'papers.sock')}: not a regular file (a socket); the other files are read`) +
        oneLine(`skipped ${join(dir, 'pipe.jsonl')}: not a regular file (a named pipe); the other files are read`),
    );
    expect(paperCount(out)).toBe(listingPapers);
  });
});

describe("papermap's own output folder as input", () => {
  let good: string;
  beforeAll(() => {
    good = goodSeedsFolder();
  });

  test.each([
    ['the output folder', (out: string) => out, 'the output folder'],
    ['a folder inside it', (out: string) => join(out, 'cache'), 'inside the output folder'],
    [
      'a link to the output folder',
      (out: string) => {
        const link = join(tempDir('link'), 'papers');
        symlinkSync(out, link);
        return link;
      },
      'the output folder',
    ],
  ])('%s: exit 1, one line naming --out, the folder byte-identical', (_name, inputOf, what) => {
    const out = copyOf(good, 'own');
    const before = snapshot(out);
    const input = inputOf(out);
    const result = papermap(['run', '--input', input, '--out', out, '--model', 'builtin']);
    expect(result.stderr).toBe(oneLine(`--input ${input} is ${what} (--out ${out}): give the files or folder of your papers`));
    expect(result.status).toBe(1);
    expectUnchanged(out, before);
  });

  test('a folder that holds the output folder: its other files are read, the output folder is not', () => {
    const dir = inputFolder(() => {});
    const out = join(dir, 'output');
    expect(papermap(['run', '--input', dir, '--out', out, '--model', 'builtin']).status).toBe(0);
    const again = papermap(['ingest', '--input', dir, '--out', out]);
    expect(again.status).toBe(0);
    expect(paperCount(out)).toBe(listingPapers);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { inputs: { path: string }[] };
    expect(manifest.inputs.map((input) => input.path)).toEqual([join(dir, LISTING)]);
  });
});
