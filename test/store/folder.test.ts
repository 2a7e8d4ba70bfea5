import { openSync, closeSync, utimesSync, writeSync } from 'node:fs';
import { expect, test } from 'vitest';
import { sha256File } from '../../src/shared/files.js';
import { OutputFolder } from '../../src/store/folder.js';
import { readPapers } from '../../src/store/read.js';
import { folderWith, folderWithVectors } from '../helpers.js';
import { flipBit } from '../hostile/hostile.js';
import { tempFolder } from '../temp.js';

const paper = (id: string) => ({ id, title: `Title ${id}`, abstract: `Abstract ${id}`, sources: ['in.jsonl'], metadata: {} });

test('a file hashed once in a process is not trusted after it changed: same size, one byte, in place', () => {
  const out = tempFolder('folder');
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

test('a stage\'s fingerprint takes the recorded hash of what it reads, and "up to date" holds only while those files still have it', () => {
  const out = tempFolder('folder');
  const papers = [{ id: 'a', title: 'A paper', abstract: 'Its abstract.', sources: ['x'], metadata: {} }];
  const folder = folderWithVectors(out, papers, Float32Array.of(1, 0), 2);
  const recorded = folder.recordedHash('papers')!;
  expect(folder.fingerprintHash('papers')).toBe(recorded);
  expect(folder.fingerprintHash('indexInfo')).toBe(null);
  // folderWithVectors commits embed with this fingerprint
  const fingerprint = '0'.repeat(64);
  expect(folder.upToDate('embed', fingerprint, ['papers'])).toBe(true);
  flipBit(folder.path('papers'));
  // a write within the file system's timestamp tick of the last could leave the file's time as it was
  utimesSync(folder.path('papers'), new Date(), new Date(Date.now() + 60_000));
  // the fingerprint is the same (a stage that runs finds the damage as it reads), but the stage is not up to date
  expect(folder.fingerprintHash('papers')).toBe(recorded);
  expect(sha256File(folder.path('papers'))).not.toBe(recorded);
  expect(folder.upToDate('embed', fingerprint, ['papers'])).toBe(false);
  expect(folder.upToDate('embed', fingerprint, [])).toBe(true);
});
