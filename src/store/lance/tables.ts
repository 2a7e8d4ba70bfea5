import { createReadStream, openSync, closeSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Connection, Table } from '@lancedb/lancedb';
import { bytesOf } from '../../shared/files.js';
import { paperToJson } from '../read.js';
import { arrow, float32Vectors, int32, int32Lists, int32Values, listValues, schemaOf, tableOf, text, textValues } from './arrow.js';
const { Field, FixedSizeList, Float32, Int32, Utf8 } = arrow;

/** Rows a batch of a table is written and read in. */
const ROWS_PER_BATCH = 16_384;

/**
 * The tables of a LanceDB store, and how each is made from the file form
 * the stages read and write (and made back into it): papers.jsonl, whose
 * lines are rebuilt byte for byte (the manifest's hash checks it);
 * vectors.f32 with each paper's id and the model's identity; neighbours.bin
 * as each paper's nearest rows and similarities; clusters.json as each
 * paper's topic. The embedding cache and the task records are tables that
 * many workers write at once (merge-insert on their keys: a task run again
 * writes the same rows once).
 */
export const TABLES = {
  papers: 'papers',
  vectors: 'vectors',
  neighbours: 'neighbours',
  topics: 'topics',
  embeddings: 'embeddings',
  tasks: 'tasks',
} as const;

/** Reads a file's lines in order, without its newlines. */
async function* lines(file: string): AsyncGenerator<string> {
  const reader = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of reader) yield line;
}

/** Writes a table anew under `name` from batches: it is only named by a manifest once whole. */
async function writeBatches(
  db: Connection,
  name: string,
  batches: AsyncIterable<ReturnType<typeof tableOf>>,
  empty: ReturnType<typeof schemaOf>,
): Promise<number> {
  let table: Table | undefined;
  let rows = 0;
  for await (const batch of batches) {
    rows += batch.numRows;
    if (table) await table.add(batch);
    else table = await db.createTable(name, batch, { mode: 'overwrite' });
  }
  if (!table) await db.createEmptyTable(name, empty, { mode: 'overwrite' });
  else table.close();
  return rows;
}

/** The papers table's text columns, after its row: sources and the rest of the record (metadata) as JSON. */
const PAPER_TEXT = ['id', 'title', 'abstract', 'sources', 'metadata'] as const;

const papersSchema = () => schemaOf([['row', new Int32()], ...PAPER_TEXT.map((name): [string, InstanceType<typeof Utf8>] => [name, new Utf8()])]);

/** papers.jsonl as the papers table: each paper's row, id, title, abstract, its sources and the rest of its record as JSON. */
export async function writePapersTable(db: Connection, name: string, file: string): Promise<number> {
  async function* batches() {
    let rows: Record<(typeof PAPER_TEXT)[number], string>[] = [];
    let row = 0;
    const flush = () => {
      const start = row - rows.length;
      const batch = tableOf([
        int32(
          'row',
          Int32Array.from(rows, (_, offset) => start + offset),
        ),
        ...PAPER_TEXT.map((name) =>
          text(
            name,
            rows.map((paper) => paper[name]),
          ),
        ),
      ]);
      rows = [];
      return batch;
    };
    for await (const line of lines(file)) {
      // the stage that wrote the file checked each line; the manifest's hash vouches for it
      const { id, title, abstract, sources, ...metadata } = JSON.parse(line) as { id: string; title: string; abstract: string; sources: string[] };
      rows.push({ id, title, abstract, sources: JSON.stringify(sources), metadata: JSON.stringify(metadata) });
      row++;
      if (rows.length === ROWS_PER_BATCH) yield flush();
    }
    if (rows.length > 0) yield flush();
  }
  return writeBatches(db, name, batches(), papersSchema());
}

/**
 * Checks that a table's rows come in order from 0, as they were written; its
 * batches as they come, a run of ROWS_PER_BATCH rows at a time. One scan of
 * the whole table has LanceDB read ahead of what is taken, up to its 2 GB
 * buffer: a gather that pulled 200,000 vectors held 430 MB, in runs 240 MB.
 */
async function* inOrder(table: Table, columns: string[]): AsyncGenerator<import('apache-arrow').RecordBatch> {
  const count = await table.countRows();
  let expected = 0;
  for (let start = 0; start < count; start += ROWS_PER_BATCH) {
    for await (const batch of table
      .query()
      .where(`row >= ${start} AND row < ${start + ROWS_PER_BATCH}`)
      .select(['row', ...columns])) {
      const rows = int32Values(batch, 'row');
      for (let offset = 0; offset < rows.length; offset++) {
        if (rows[offset] !== expected + offset) throw new Error(`table ${table.name} holds row ${rows[offset]} where row ${expected + offset} was expected`);
      }
      expected += rows.length;
      yield batch;
    }
  }
  if (expected !== count) throw new Error(`table ${table.name} holds ${count} rows, not rows 0 to ${count - 1}`);
}

/** The papers table as papers.jsonl, line for line as ingest wrote it. */
export async function readPapersTable(table: Table, file: string): Promise<number> {
  const fd = openSync(file, 'w');
  let count = 0;
  try {
    for await (const batch of inOrder(table, ['id', 'title', 'abstract', 'sources', 'metadata'])) {
      const [ids, titles, abstracts, sources, metadata] = ['id', 'title', 'abstract', 'sources', 'metadata'].map((column) => textValues(batch, column));
      let chunk = '';
      for (let offset = 0; offset < ids.length; offset++) {
        const paper = {
          id: ids[offset],
          title: titles[offset],
          abstract: abstracts[offset],
          sources: JSON.parse(sources[offset]),
          metadata: JSON.parse(metadata[offset]),
        };
        chunk += `${paperToJson(paper)}\n`;
      }
      writeSync(fd, chunk);
      count += ids.length;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

/** vectors.f32 as the vectors table: each paper's row, id, the model's identity and its vector. */
export async function writeVectorsTable(db: Connection, name: string, file: string, ids: readonly string[], model: string, dim: number): Promise<number> {
  async function* batches() {
    const handle = await open(file, 'r');
    try {
      for (let start = 0; start < ids.length; start += ROWS_PER_BATCH) {
        const count = Math.min(ROWS_PER_BATCH, ids.length - start);
        const vectors = new Float32Array(count * dim);
        const { bytesRead } = await handle.read(new Uint8Array(vectors.buffer), 0, vectors.byteLength, start * dim * 4);
        if (bytesRead !== vectors.byteLength) throw new Error(`${file} is shorter than ${ids.length} vectors`);
        yield tableOf([
          int32(
            'row',
            Int32Array.from({ length: count }, (_, offset) => start + offset),
          ),
          text('id', ids.slice(start, start + count)),
          text('model', new Array<string>(count).fill(model)),
          float32Vectors('vector', dim, vectors),
        ]);
      }
    } finally {
      await handle.close();
    }
  }
  return writeBatches(
    db,
    name,
    batches(),
    schemaOf([
      ['row', new Int32()],
      ['id', new Utf8()],
      ['model', new Utf8()],
      ['vector', new FixedSizeList(dim, new Field('item', new Float32(), true))],
    ]),
  );
}

/** The vectors table as vectors.f32, in row order. */
export async function readVectorsTable(table: Table, file: string): Promise<number> {
  const fd = openSync(file, 'w');
  let count = 0;
  try {
    for await (const batch of inOrder(table, ['vector'])) {
      writeSync(fd, bytesOf(listValues<Float32Array>(batch, 'vector')));
      count += batch.numRows;
    }
  } finally {
    closeSync(fd);
  }
  return count;
}

/** neighbours.bin (each paper's k nearest rows, then their similarities) as the neighbours table. */
export async function writeNeighboursTable(db: Connection, name: string, file: string, ids: readonly string[], k: number): Promise<number> {
  const handle = await open(file, 'r');
  const cells = ids.length * k;
  async function* batches() {
    for (let start = 0; start < ids.length; start += ROWS_PER_BATCH) {
      const count = Math.min(ROWS_PER_BATCH, ids.length - start);
      const labels = new Int32Array(count * k);
      const scores = new Float32Array(count * k);
      await handle.read(new Uint8Array(labels.buffer), 0, labels.byteLength, start * k * 4);
      await handle.read(new Uint8Array(scores.buffer), 0, scores.byteLength, cells * 4 + start * k * 4);
      yield tableOf([
        int32(
          'row',
          Int32Array.from({ length: count }, (_, offset) => start + offset),
        ),
        text('id', ids.slice(start, start + count)),
        int32Lists('neighbours', Math.max(k, 1), k === 0 ? new Int32Array(count).fill(-1) : labels),
        float32Vectors('scores', Math.max(k, 1), k === 0 ? new Float32Array(count) : scores),
      ]);
    }
  }
  try {
    return await writeBatches(
      db,
      name,
      batches(),
      schemaOf([
        ['row', new Int32()],
        ['id', new Utf8()],
      ]),
    );
  } finally {
    await handle.close();
  }
}

/** The neighbours table as neighbours.bin: every paper's nearest rows, then every paper's similarities. */
export async function readNeighboursTable(table: Table, file: string, count: number, k: number): Promise<void> {
  const labels = new Int32Array(count * k);
  const scores = new Float32Array(count * k);
  let row = 0;
  for await (const batch of inOrder(table, ['neighbours', 'scores'])) {
    if (k > 0) {
      labels.set(listValues<Int32Array>(batch, 'neighbours'), row * k);
      scores.set(listValues<Float32Array>(batch, 'scores'), row * k);
    }
    row += batch.numRows;
  }
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, bytesOf(labels));
    writeSync(fd, bytesOf(scores));
  } finally {
    closeSync(fd);
  }
}

/** Each paper's topic, from clusters.json's topics: what a query by topic reads without the whole file. */
export async function writeTopicsTable(db: Connection, name: string, topics: readonly { id: number; paperIds: readonly string[] }[]): Promise<number> {
  const ids: string[] = [];
  const topicOf: number[] = [];
  for (const topic of topics) {
    for (const id of topic.paperIds) {
      ids.push(id);
      topicOf.push(topic.id);
    }
  }
  async function* batches() {
    for (let start = 0; start < ids.length; start += ROWS_PER_BATCH) {
      yield tableOf([text('id', ids.slice(start, start + ROWS_PER_BATCH)), int32('topic', Int32Array.from(topicOf.slice(start, start + ROWS_PER_BATCH)))]);
    }
  }
  return writeBatches(
    db,
    name,
    batches(),
    schemaOf([
      ['id', new Utf8()],
      ['topic', new Int32()],
    ]),
  );
}
