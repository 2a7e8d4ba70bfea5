import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { scratchFolder } from '../../src/store/scratch.js';

const made: string[] = [];
afterAll(() => {
  for (const path of made) rmSync(path, { recursive: true, force: true });
});

/** A folder in the temp folder, as a papermap process would have left it, with a file in it. */
function leftBehind(name: string): string {
  const path = join(tmpdir(), name);
  mkdirSync(path, { recursive: true });
  writeFileSync(join(path, 'vectors.f32'), new Uint8Array(64));
  made.push(path);
  return path;
}

test("a new scratch folder removes those of papermaps killed with -9, whatever they were for, and keeps a running one's and other folders", () => {
  // the pid of a process that has ended
  const gone = spawnSync(process.execPath, ['-e', '']).pid;
  const killedIndexTask = leftBehind(`papermap-index-task-${gone}-a1b2c3`);
  const killedStore = leftBehind(`papermap-lance-${gone}-d4e5f6`);
  const running = leftBehind(`papermap-cluster-task-${process.pid}-g7h8i9`);
  const notOurs = leftBehind(`papermap-notes-${gone}-j1k2l3`);

  const scratch = scratchFolder('cluster-task');
  made.push(scratch);

  expect(existsSync(killedIndexTask)).toBe(false);
  expect(existsSync(killedStore)).toBe(false);
  expect(existsSync(join(running, 'vectors.f32'))).toBe(true);
  expect(existsSync(join(notOurs, 'vectors.f32'))).toBe(true);
  expect(dirname(scratch)).toBe(tmpdir());
  expect(basename(scratch)).toMatch(new RegExp(`^papermap-cluster-task-${process.pid}-\\w{6}$`));
  expect(existsSync(scratch)).toBe(true);
});
