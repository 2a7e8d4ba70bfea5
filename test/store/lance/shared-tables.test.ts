import { setTimeout as sleep } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { connect } from '@lancedb/lancedb';
import { describe, expect, inject, test, vi } from 'vitest';
import { float32Vectors, int32, int32Lists, tableOf } from '../../../src/store/lance/arrow.js';
import { LanceBackend } from '../../../src/store/lance/backend.js';
import { lanceStorageOptions, parseLocation, s3Settings } from '../../../src/store/location.js';
import { taskTable } from '../../../src/store/tasks.js';
import { client, keysUnder } from './bucket.js';

const s3 = inject('s3');
const WORKERS = 8;
const ROWS = 25;
const OF = 'f'.repeat(64);
const TABLE = taskTable('index', OF);

/** The rows worker `w` writes into a task table: its own slice of [0, WORKERS * ROWS), k = 1, each label its row + 1. */
function rowsOf(w: number) {
  const rows = Int32Array.from({ length: ROWS }, (_, i) => w * ROWS + i);
  return { k: 1, rows, labels: rows.map((row) => row + 1), scores: Float32Array.from(rows, (row) => row / 100) };
}

/** Workers on a new store of their own under the test bucket. */
async function workersAt(prefix: string, count: number): Promise<LanceBackend[]> {
  const location = parseLocation(`s3://${s3.bucket}/${prefix}`);
  return Promise.all(Array.from({ length: count }, () => LanceBackend.open(location, s3Settings(s3.env))));
}

/** Puts a claim to make a table, as a worker that took it at `at` would have. */
async function putClaim(prefix: string, table: string, at: Date): Promise<void> {
  const body = JSON.stringify({ host: 'elsewhere', pid: 4242, at: at.toISOString() }) + '\n';
  await client().send(new PutObjectCommand({ Bucket: s3.bucket, Key: `${prefix}/.making/${table}`, Body: body }));
}

describe('tables many workers write at the same moment, on S3', () => {
  test('workers that make the same new tables at once lose no row and no task record, and leave no claim behind', async () => {
    // the race is of the first writers of a table: each try on a store made afresh
    for (let attempt = 0; attempt < 3; attempt++) {
      const prefix = `shared-tables-${process.pid}-${attempt}`;
      const workers = await workersAt(prefix, WORKERS);
      try {
        // each table made by all workers at once
        await Promise.all(workers.map((worker, w) => worker.addToCache('model', 2, [`hash-${w}`], Float32Array.of(w, -w))));
        await Promise.all(workers.map((worker, w) => worker.addTaskRows(TABLE, rowsOf(w))));
        await Promise.all(workers.map((worker, w) => worker.recordTask({ stage: 'index', of: OF, shard: { index: w + 1, count: WORKERS } })));
        const [reader] = workers;
        const gathered = await reader.readTaskRows(TABLE, WORKERS * ROWS, 1);
        expect(Array.from(gathered.labels)).toEqual(Array.from({ length: WORKERS * ROWS }, (_, row) => row + 1));
        const done = await reader.tasksDone('index', OF);
        expect(done.map((shard) => shard.index).sort((a, b) => a - b)).toEqual(workers.map((_, w) => w + 1));
        const hashes = workers.map((_, w) => `hash-${w}`);
        expect((await reader.cached('model', hashes)).size).toBe(WORKERS);
        expect((await keysUnder(prefix)).filter((key) => key.startsWith('.making/'))).toEqual([]);
      } finally {
        await Promise.all(workers.map((worker) => worker.close()));
      }
    }
  }, 300_000);

  test('a worker that finds the making of a table claimed waits for it and writes into it, keeping the rows already there', async () => {
    const prefix = `shared-tables-wait-${process.pid}`;
    await putClaim(prefix, TABLE, new Date());
    const [worker] = await workersAt(prefix, 1);
    try {
      const writing = worker.addTaskRows(TABLE, rowsOf(1));
      await sleep(1500);
      // the claim's holder makes the table, with a row of its own, and lets the claim go
      const db = await connect(`s3://${s3.bucket}/${prefix}`, { storageOptions: lanceStorageOptions(s3Settings(s3.env)) });
      expect(await db.tableNames()).toEqual([]);
      const row = tableOf([int32('row', Int32Array.of(0)), int32Lists('labels', 1, Int32Array.of(1)), float32Vectors('scores', 1, Float32Array.of(0))]);
      const made = await db.createTable(TABLE, row, { mode: 'create' });
      made.close();
      await writing;
      const gathered = await worker.taskRowsIn(TABLE, 0, 2 * ROWS);
      expect([...gathered].sort((a, b) => a - b)).toEqual([0, ...rowsOf(1).rows]);
    } finally {
      await worker.close();
    }
  }, 120_000);

  test('a claim left by a worker that stopped long ago is taken over, and said so on stderr', async () => {
    const prefix = `shared-tables-stale-${process.pid}`;
    await putClaim(prefix, 'tasks', new Date(Date.now() - 3_600_000));
    const [worker] = await workersAt(prefix, 1);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await worker.recordTask({ stage: 'cluster', of: OF, shard: { index: 2, count: 2 } });
      expect(await worker.tasksDone('cluster', OF)).toEqual([{ index: 2, count: 2 }]);
      const said = stderr.mock.calls.map(([text]) => String(text)).join('');
      expect(said).toMatch(/^papermap: store: the making of table tasks claimed by elsewhere \(pid 4242\) at .+ never ended; making it here\n$/);
      expect((await keysUnder(prefix)).filter((key) => key.startsWith('.making/'))).toEqual([]);
    } finally {
      stderr.mockRestore();
      await worker.close();
    }
  }, 120_000);
});
