import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { embedTask } from '../../src/embed/index.js';
import { LanceBackend } from '../../src/store/lance/backend.js';
import { parseLocation } from '../../src/store/location.js';
import { papermap } from '../hostile/hostile.js';
import { tempFolder } from '../temp.js';

const SEEDS = resolve('seeds');

describe('an embed task reads its shard a part at a time', () => {
  test("408 papers read 100 at a time: every paper's vector is cached once, and they are the file store's to the bit", async () => {
    const lance = join(tempFolder('embed-task'), 'store');
    const files = join(tempFolder('embed-task-files'), 'out');
    for (const args of [
      ['ingest', '--store', 'lance', '--input', SEEDS, '--out', lance],
      ['ingest', '--input', SEEDS, '--out', files],
      ['embed', '--out', files],
    ]) {
      const ran = papermap(args);
      expect(ran.status, ran.stderr).toBe(0);
    }
    const backend = await LanceBackend.open(parseLocation(lance), undefined);
    try {
      const summary = await embedTask(backend, { model: 'auto', batchSize: 32, shard: { index: 1, count: 1 } }, 100);
      expect(summary.papers).toBe(408);
      expect(summary.embedded + summary.cached).toBe(408);
      // a text two papers share is embedded once; every other paper is embedded
      expect(summary.embedded).toBeGreaterThan(400);
      const again = await embedTask(backend, { model: 'auto', batchSize: 32, shard: { index: 1, count: 1 } }, 100);
      expect([again.embedded, again.cached]).toEqual([0, 408]);
    } finally {
      await backend.close();
    }
    // the step after the task gathers every vector from the cache, embedding none
    const gathered = papermap(['embed', '--json', '--out', lance]);
    expect(gathered.status, gathered.stderr).toBe(0);
    expect((JSON.parse(gathered.stdout) as { embedded: number }).embedded).toBe(0);
    const reopened = await LanceBackend.open(parseLocation(lance), undefined);
    try {
      // as a task reads them: what the store committed is looked up first
      expect((await reopened.vectorsInfo()).count).toBe(408);
      const fromTask = await reopened.readVectors(0, 408);
      const fromFiles = new Float32Array(new Uint8Array(readFileSync(join(files, 'vectors.f32'))).buffer);
      expect(fromTask.length).toBe(408 * 384);
      expect(Buffer.from(fromTask.buffer).equals(Buffer.from(fromFiles.buffer))).toBe(true);
    } finally {
      await reopened.close();
    }
  });
});
