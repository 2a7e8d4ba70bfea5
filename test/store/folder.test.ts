import { mkdtempSync, openSync, closeSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { sha256File } from '../../src/shared/files.js';
import { OutputFolder } from '../../src/store/folder.js';
import { readPapers } from '../../src/store/read.js';
import { folderWith } from '../helpers.js';

const paper = (id: string) => ({ id, title: `Title ${id}`, abstract: `Abstract ${id}`, sources: ['in.jsonl'], metadata: {} });

test('a file hashed once in a process is not trusted after it changed: same size, one byte, in place', () => {
  const out = mkdtempSync(join(tmpdir(), 'papermap-folder-'));
  folderWith(out, [paper('a'), paper('b')]);
  const folder = OutputFolder.existing(out);
  // the commit remembered the hash it wrote, and the runner's fingerprint would hash it again: both are remembered
  const recorded = sha256File(folder.path('papers'));
  expect(readPapers(folder).hash).toBe(recorded);
  expect(folder.readText('papers')).toContain('"id":"a"');
  const fd = openSync(folder.path('papers'), 'r+');
  writeSync(fd, 'A', 8);
  closeSync(fd);
  expect(() => readPapers(folder)).toThrow(/papers\.jsonl: does not match the hash .*manifest\.json recorded when it was written/);
  expect(() => folder.readText('papers')).toThrow(/does not match the hash/);
});
