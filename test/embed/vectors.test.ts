import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parquetWriteFile } from 'hyparquet-writer';
import { beforeAll, describe, expect, test } from 'vitest';
import { paperText } from '../../src/embed/index.js';
import { transformerIn } from '../../src/embed/model.js';
import { TransformerEmbedder } from '../../src/embed/transformer.js';
import { listInputFiles, readInputs } from '../../src/ingest/index.js';
import type { RunSummary } from '../../src/runner/index.js';
import { bytesOf } from '../../src/shared/files.js';
import type { Paper } from '../../src/store/read.js';
import { papermap, TINY_BERT } from '../hostile/hostile.js';
import { tempFolder } from '../temp.js';

/**
 * `embed --vectors FILE`: vectors made elsewhere, here by the tiny BERT of the
 * fixtures (32 dimensions), written by the test in each of the three formats.
 */

/** A NumPy .npy file as np.save writes it: format 1.0, the header padded with spaces to a multiple of 64 bytes. */
function npy(path: string, values: Float32Array | Float64Array, shape: number[], descr = '<f4'): void {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), bytesOf(values)]));
}

/** Parquet with an id column and a list<float> vector column, in row groups of 7 rows (pyarrow writes the same layout). */
function parquet(path: string, ids: readonly string[], rows: readonly number[][], gzip = false): void {
  parquetWriteFile({
    filename: path,
    columnData: [
      { name: 'id', data: [...ids] },
      { name: 'vector', data: rows.map((row) => [...row]) },
    ],
    schema: [
      { name: 'root', num_children: 2 },
      { name: 'id', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'vector', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'REQUIRED' },
    ],
    rowGroupSize: 7,
    ...(gzip ? { codec: 'GZIP' as const, compressors: { GZIP: (bytes: Uint8Array) => new Uint8Array(gzipSync(bytes)) } } : {}),
  });
}

const jsonl = (path: string, ids: readonly string[], rows: readonly number[][]) =>
  writeFileSync(path, ids.map((id, row) => JSON.stringify({ id, vector: rows[row] })).join('\n') + '\n');

function unit(row: readonly number[]): number[] {
  const norm = Math.hypot(...row);
  return row.map((value) => value / norm);
}

function vectorsOf(out: string): { info: Record<string, unknown>; rows: number[][] } {
  const info = JSON.parse(readFileSync(join(out, 'vectors.json'), 'utf8')) as { dim: number };
  const bytes = readFileSync(join(out, 'vectors.f32'));
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return { info, rows: Array.from({ length: all.length / info.dim }, (_, row) => Array.from(all.subarray(row * info.dim, (row + 1) * info.dim))) };
}

describe('embed --vectors', () => {
  const work = tempFolder('vectors');
  const input = join(work, 'papers.jsonl');
  let papers: Paper[];
  /** Each paper's vector from the tiny BERT, scaled so that normalising shows (papermap's order). */
  let rows: number[][];
  /** The file's order: reversed, with two ids of papers not in the input. */
  let fileIds: string[];
  let fileRows: number[][];

  beforeAll(async () => {
    papers = readInputs(listInputFiles(['seeds'])).papers.slice(0, 24);
    writeFileSync(input, papers.map((paper) => JSON.stringify({ id: paper.id, title: paper.title, abstract: paper.abstract })).join('\n') + '\n');
    const model = await TransformerEmbedder.load(transformerIn(TINY_BERT, TINY_BERT));
    rows = [];
    for (const [row, paper] of papers.entries()) {
      const vector = await model.embedTokenized([model.tokenize(paperText(paper))]);
      rows.push(Array.from(vector, (value) => value * (row + 2)));
    }
    await model.dispose();
    fileIds = [...papers.map((paper) => paper.id).reverse(), 'not-a-paper-1', 'not-a-paper-2'];
    fileRows = [...[...rows].reverse(), rows[0].map((value) => -value), rows[1]];
  });

  const expectVectors = (out: string, format: string, file: string) => {
    const { info, rows: written } = vectorsOf(out);
    expect(info).toMatchObject({ model: 'external', dim: 32, count: papers.length, normalized: true, source: { file, format } });
    written.forEach((row, index) => row.forEach((value, at) => expect(value).toBeCloseTo(unit(rows[index])[at], 6)));
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { model: { used: string; source: { file: string } } };
    expect(manifest.model).toMatchObject({ used: 'external', source: { file, format } });
  };

  test('a .npy of float32 with an ids file: matched to the papers by id, normalised, its source recorded; unmatched ids named, all of them in --json', () => {
    const out = join(work, 'npy');
    const file = join(work, 'vectors.npy');
    const ids = join(work, 'ids.txt');
    npy(file, Float32Array.from(fileRows.flat()), [fileRows.length, 32]);
    writeFileSync(ids, fileIds.join('\n') + '\n');
    expect(papermap(['ingest', '--input', input, '--out', out]).status).toBe(0);
    const result = papermap(['embed', '--vectors', file, '--ids', ids, '--out', out, '--json']);
    expect(result.stderr).toBe('papermap: vectors.npy: 2 vectors match no paper (not-a-paper-1, not-a-paper-2); they were left out\n');
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ papers: papers.length, dim: 32, unmatchedIds: ['not-a-paper-1', 'not-a-paper-2'] });
    expectVectors(out, 'npy', file);
    expect(vectorsOf(out).info).toMatchObject({ source: { ids: { file: ids } } });
  });

  test('Parquet (several row groups, snappy and gzip) and JSON Lines give the same vectors', () => {
    for (const [format, name, write] of [
      ['parquet', 'vectors.parquet', (path: string) => parquet(path, fileIds, fileRows)],
      ['parquet', 'vectors-gzip.parquet', (path: string) => parquet(path, fileIds, fileRows, true)],
      ['jsonl', 'vectors.jsonl', (path: string) => jsonl(path, fileIds, fileRows)],
    ] as const) {
      const out = join(work, `out-${name}`);
      const file = join(work, name);
      write(file);
      expect(papermap(['ingest', '--input', input, '--out', out]).status).toBe(0);
      const result = papermap(['embed', '--vectors', file, '--out', out]);
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(
        new RegExp(`^embed: ${papers.length} vectors of 32 dimensions from .*${name}, normalised; 2 of its vectors matched no paper`),
      );
      expectVectors(out, format, file);
    }
  });

  test('papermap run --vectors maps the papers; the same file again is up to date; similar by id works, free text needs the model that made them', () => {
    const out = join(work, 'run');
    const file = join(work, 'run.jsonl');
    jsonl(file, fileIds, fileRows);
    const first = papermap(['run', '--input', input, '--vectors', file, '--out', out, '--k', '3', '--json']);
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout) as RunSummary).toMatchObject({ papers: papers.length, embedded: 0, model: 'external', topics: 3 });
    const again = JSON.parse(papermap(['run', '--input', input, '--vectors', file, '--out', out, '--k', '3', '--json']).stdout) as RunSummary;
    expect(Object.values(again.stages).map((stage) => stage.status)).toEqual(['up to date', 'up to date', 'up to date', 'up to date', 'up to date']);

    const byId = papermap(['similar', papers[3].id, '--out', out, '--top', '3', '--json']);
    expect(byId.status).toBe(0);
    expect((JSON.parse(byId.stdout) as { results: unknown[] }).results).toHaveLength(3);

    const text = paperText(papers[5]);
    const refused = papermap(['similar', text, '--out', out]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(
      `papermap: the vectors in ${out} came from ${file}, not from a model papermap ran: free-text queries need the model that made them (give its transformers.js folder with --model PATH), or query by paper id\n`,
    );
    // with the model that made them, a paper's own text finds the paper
    const answered = papermap(['similar', text, '--out', out, '--model', TINY_BERT, '--top', '1', '--json']);
    expect(answered.status).toBe(0);
    expect(JSON.parse(answered.stdout)).toMatchObject({ results: [{ id: papers[5].id, score: 1 }] });
    const otherModel = papermap(['similar', text, '--out', out, '--model', join(work, 'nowhere')]);
    expect(otherModel.stderr).toMatch(/^papermap: --model .*nowhere: not a transformers.js model folder/);

    // a changed file is read again
    jsonl(
      file,
      fileIds,
      fileRows.map((row) => row.map((value) => value * 3)),
    );
    const changed = JSON.parse(papermap(['run', '--input', input, '--vectors', file, '--out', out, '--k', '3', '--json']).stdout) as RunSummary;
    expect(changed.stages.embed.status).toBe('ran');
  });

  describe('refuses, in one line and leaving the folder as it was', () => {
    let out: string;
    beforeAll(() => {
      out = join(work, 'refusals');
      expect(papermap(['ingest', '--input', input, '--out', out]).status).toBe(0);
    });

    const refuse = (args: string[]) => {
      const result = papermap(['embed', ...args, '--out', out]);
      expect(result.status).toBe(1);
      expect(result.stderr.split('\n')).toHaveLength(2);
      expect(existsSync(join(out, 'vectors.json'))).toBe(false);
      return result.stderr.replace(/^papermap: /, '').trim();
    };

    test('papers without a vector: the first few named, every one in --json', () => {
      const file = join(work, 'some.jsonl');
      jsonl(file, fileIds.slice(7), fileRows.slice(7));
      const missing = papers.map((paper) => paper.id).slice(-7);
      expect(refuse(['--vectors', file])).toBe(
        `${file}: 7 of 24 papers have no vector (${missing.slice(0, 5).join(', ')} and 2 more): give a vector for every paper, or leave those papers out of the input`,
      );
      const json = papermap(['embed', '--vectors', file, '--out', out, '--json']);
      expect(JSON.parse(json.stdout)).toEqual({ error: expect.stringContaining('7 of 24 papers have no vector'), papersWithoutVector: missing });
    });

    test('NaN, a zero vector, ragged dimensions, an id twice, a float64 .npy, ids that do not fit the rows', () => {
      const file = join(work, 'bad.jsonl');
      writeFileSync(
        file,
        fileIds
          .map((id, row) => JSON.stringify({ id, vector: rows[row % rows.length] }))
          .join('\n')
          .replace('[', '[NaN,') + '\n',
      );
      expect(refuse(['--vectors', file])).toBe(`${file}:1: the vector holds NaN or infinite values`);

      const npyFile = join(work, 'bad.npy');
      const ids = join(work, 'bad-ids.txt');
      writeFileSync(ids, papers.map((paper) => paper.id).join('\n'));
      const values = Float32Array.from(rows.flat());
      values[5 * 32 + 3] = Number.NaN;
      npy(npyFile, values, [papers.length, 32]);
      expect(refuse(['--vectors', npyFile, '--ids', ids])).toBe(`${ids}:6: the vector of ${papers[5].id} holds NaN or infinite values`);
      values.fill(0, 5 * 32, 6 * 32);
      npy(npyFile, values, [papers.length, 32]);
      expect(refuse(['--vectors', npyFile, '--ids', ids])).toBe(`${ids}:6: the vector of ${papers[5].id} is all zeros, which has no direction to compare`);

      jsonl(
        file,
        fileIds,
        fileRows.map((row, index) => (index === 4 ? row.slice(1) : row)),
      );
      expect(refuse(['--vectors', file])).toBe(`${file}:5: a vector of 31 numbers, where the rows before have 32: every vector needs the same dimensions`);
      jsonl(file, [...fileIds, fileIds[2]], [...fileRows, fileRows[2]]);
      expect(refuse(['--vectors', file])).toBe(`${file}:${fileIds.length + 1}: id ${fileIds[2]} again (first at ${file}:3): give one vector a paper`);

      npy(npyFile, Float64Array.from(rows.flat()), [papers.length, 32], '<f8');
      expect(refuse(['--vectors', npyFile, '--ids', ids])).toBe(
        `${npyFile}: holds <f8 numbers, not float32 ('<f4'): save it as np.save(path, vectors.astype('<f4'))`,
      );
      npy(npyFile, Float32Array.from(rows.flat()), [papers.length, 32]);
      writeFileSync(
        ids,
        papers
          .map((paper) => paper.id)
          .slice(1)
          .join('\n'),
      );
      expect(refuse(['--vectors', npyFile, '--ids', ids])).toBe(`${ids}: 23 ids for the 24 rows of ${npyFile}: give one id a line, one for each row`);
      expect(refuse(['--vectors', npyFile])).toBe(`--vectors ${npyFile}: a .npy file holds no ids: give the paper id of each row with --ids FILE (one a line)`);
      writeFileSync(npyFile, readFileSync(npyFile).subarray(0, 300));
      expect(refuse(['--vectors', npyFile, '--ids', ids])).toMatch(/bad\.npy: is 300 bytes, where a 24 x 32 float32 array is \d+ \(cut short or damaged\?\)$/);
    });

    test('options that do not go together, a file of another kind, a Parquet file without the columns', () => {
      const file = join(work, 'vectors.jsonl');
      expect(refuse(['--vectors', file, '--shard', '1/2'])).toBe(
        '--shard embeds a part of the papers with a model; --vectors takes vectors made elsewhere: give one of them',
      );
      expect(refuse(['--vectors', file, '--ids', file])).toBe(`--ids is for a .npy file, whose rows have no ids; ${file} holds its own`);
      expect(refuse(['--ids', file])).toBe('--ids names the ids of the rows of a .npy --vectors file: give --vectors too');
      expect(refuse(['--vectors', join(work, 'vectors.csv')])).toBe(
        `--vectors ${join(work, 'vectors.csv')}: give a .npy file (with --ids), a .parquet file or a .jsonl file`,
      );
      const other = join(work, 'other.parquet');
      parquetWriteFile({ filename: other, columnData: [{ name: 'key', data: ['a'], type: 'STRING' }] });
      expect(refuse(['--vectors', other])).toBe(
        `${other}: needs an id column (id or paper_id or paperId) and a vector column (vector or embedding or embeddings); it has key`,
      );
      writeFileSync(other, 'not parquet at all');
      expect(refuse(['--vectors', other])).toMatch(/other\.parquet: not a Parquet file that can be read/);
    });
  });
});
