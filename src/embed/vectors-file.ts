import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { extname } from 'node:path';
import { z } from 'zod';
import { UserError } from '../shared/errors.js';
import { forEachBlock } from '../shared/files.js';

/**
 * Readers of vectors made elsewhere (`embed --vectors FILE`): a NumPy .npy
 * array with an ids file, Parquet with an id and a vector column, or JSON
 * Lines of {"id", "vector"}. Each gives the ids and the vectors as rows of one
 * Float32Array, as they are in the file: matching them to the papers and
 * normalising them is the caller's.
 */

export type VectorsFormat = 'npy' | 'parquet' | 'jsonl';

export interface VectorRows {
  /** The id of each row, as a string. */
  ids: string[];
  dim: number;
  /** rows x dim, row after row. */
  vectors: Float32Array;
  /** Where row `row` is in the file, for messages: "line 7" or "row 7". */
  place(row: number): string;
}

export function formatOf(path: string): VectorsFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.npy') return 'npy';
  if (extension === '.parquet' || extension === '.pq') return 'parquet';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  throw new UserError(`--vectors ${path}: give a .npy file (with --ids), a .parquet file or a .jsonl file`);
}

/** Vectors grown a row at a time in blocks, so a file of unknown length is never copied as it grows. */
class RowStore {
  private readonly blocks: Float32Array[] = [];
  count = 0;
  constructor(readonly dim: number) {}

  push(values: ArrayLike<number>): void {
    const slot = this.count % 4096;
    if (slot === 0) this.blocks.push(new Float32Array(4096 * this.dim));
    this.blocks[this.blocks.length - 1].set(values, slot * this.dim);
    this.count++;
  }

  joined(): Float32Array {
    const all = new Float32Array(this.count * this.dim);
    this.blocks.forEach((block, index) => all.set(block.subarray(0, Math.min(4096, this.count - index * 4096) * this.dim), index * 4096 * this.dim));
    return all;
  }
}

/** Adds one row's numbers to the store, checking that each row has as many as the first. */
function addRow(rows: { store?: RowStore }, values: ArrayLike<number>, where: () => string): void {
  if (values.length === 0) throw new UserError(`${where()}: an empty vector`);
  rows.store ??= new RowStore(values.length);
  if (values.length !== rows.store.dim)
    throw new UserError(
      `${where()}: a vector of ${values.length} numbers, where the rows before have ${rows.store.dim}: every vector needs the same dimensions`,
    );
  rows.store.push(values);
}

// ---- .npy ---------------------------------------------------------------------------------------------------------

const NPY_MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);

/** The header of a .npy file: its dtype, order and shape, and where the data starts. */
export function npyHeader(head: Buffer, path: string): { descr: string; fortran: boolean; shape: number[]; dataStart: number } {
  if (head.length < 10 || !head.subarray(0, 6).equals(NPY_MAGIC)) throw new UserError(`${path}: not a NumPy .npy file (no \\x93NUMPY at its start)`);
  const major = head[6];
  const [lengthBytes, headerLength] = major === 1 ? [2, head.readUInt16LE(8)] : [4, head.length >= 12 ? head.readUInt32LE(8) : -1];
  const start = 8 + lengthBytes;
  if (headerLength < 0 || start + headerLength > head.length) throw new UserError(`${path}: the .npy header is cut short (damaged file?)`);
  const text = head.subarray(start, start + headerLength).toString('latin1');
  const descr = /'descr':\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined)
    throw new UserError(`${path}: the .npy header is not one NumPy writes: ${text.trim()}`);
  const dims = shape
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map(Number);
  return { descr, fortran: fortran === 'True', shape: dims, dataStart: start + headerLength };
}

/** A .npy array of N x D float32 (np.save of a float32 matrix), read straight into one Float32Array. */
function readNpyMatrix(path: string): { dim: number; vectors: Float32Array } {
  const fd = openSync(path, 'r');
  try {
    const head = Buffer.alloc(Math.min(65_536, fstatSync(fd).size));
    readSync(fd, head, 0, head.length, 0);
    const { descr, fortran, shape, dataStart } = npyHeader(head, path);
    if (descr !== '<f4' && descr !== '=f4' && !(descr === '|f4'))
      throw new UserError(`${path}: holds ${descr} numbers, not float32 ('<f4'): save it as np.save(path, vectors.astype('<f4'))`);
    if (fortran) throw new UserError(`${path}: is in Fortran order: save it as np.save(path, np.ascontiguousarray(vectors))`);
    if (shape.length !== 2 || shape.some((size) => !Number.isInteger(size)))
      throw new UserError(`${path}: has shape (${shape.join(', ')}), not (papers, dimensions)`);
    const [rows, dim] = shape;
    if (dim === 0) throw new UserError(`${path}: its vectors have no dimensions`);
    const expected = dataStart + rows * dim * 4;
    const size = fstatSync(fd).size;
    if (size !== expected) throw new UserError(`${path}: is ${size} bytes, where a ${rows} x ${dim} float32 array is ${expected} (cut short or damaged?)`);
    const vectors = new Float32Array(rows * dim);
    const bytes = new Uint8Array(vectors.buffer);
    for (let done = 0; done < bytes.length; ) {
      const read = readSync(fd, bytes, done, Math.min(1 << 26, bytes.length - done), dataStart + done);
      if (read === 0) throw new UserError(`${path}: ended early (cut short?)`);
      done += read;
    }
    return { dim, vectors };
  } finally {
    closeSync(fd);
  }
}

/** The lines of a text file (read in blocks), with line numbers from 1; `onLine` gets each that is not blank. */
function forEachLine(path: string, onLine: (line: string, number: number) => void): void {
  let rest = '';
  let number = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  forEachBlock(path, (bytes) => {
    const lines = (rest + decoder.decode(bytes, { stream: true })).split('\n');
    rest = lines.pop()!;
    for (const line of lines) {
      number++;
      if (line.trim() !== '') onLine(line.replace(/\r$/, ''), number);
    }
  });
  rest += decoder.decode();
  if (rest.trim() !== '') onLine(rest.replace(/\r$/, ''), number + 1);
}

/** An ids file: one id a line, as many as the .npy has rows. */
function readIdsFile(path: string): { ids: string[]; lines: number[] } {
  const ids: string[] = [];
  const lines: number[] = [];
  try {
    forEachLine(path, (line, number) => {
      ids.push(line.trim());
      lines.push(number);
    });
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`cannot read the ids file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return { ids, lines };
}

function readNpy(path: string, idsPath: string): VectorRows {
  const { dim, vectors } = readNpyMatrix(path);
  const { ids, lines } = readIdsFile(idsPath);
  const rows = vectors.length / dim;
  if (ids.length !== rows) throw new UserError(`${idsPath}: ${ids.length} ids for the ${rows} rows of ${path}: give one id a line, one for each row`);
  return { ids, dim, vectors, place: (row) => `${idsPath}:${lines[row]}` };
}

// ---- JSON Lines -----------------------------------------------------------------------------------------------------

const vectorLine = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  vector: z.array(z.number()),
});

function readJsonl(path: string): VectorRows {
  const ids: string[] = [];
  const lines: number[] = [];
  const rows: { store?: RowStore } = {};
  forEachLine(path, (line, number) => {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      // Python's json.dumps writes NaN and Infinity, which are not JSON
      if (/\b(NaN|-?Infinity)\b/.test(line)) throw new UserError(`${path}:${number}: the vector holds NaN or infinite values`);
      throw new UserError(`${path}:${number}: not a line of JSON: give one {"id": ..., "vector": [...]} a line`);
    }
    const parsed = vectorLine.safeParse(value);
    if (!parsed.success) throw new UserError(`${path}:${number}: not {"id": ..., "vector": [numbers]}`);
    addRow(rows, parsed.data.vector, () => `${path}:${number}`);
    ids.push(parsed.data.id);
    lines.push(number);
  });
  if (!rows.store) throw new UserError(`${path}: holds no vectors`);
  return { ids, dim: rows.store.dim, vectors: rows.store.joined(), place: (row) => `${path}:${lines[row]}` };
}

// ---- Parquet --------------------------------------------------------------------------------------------------------

/** The column names taken for the id and the vector, in order of preference. */
const ID_COLUMNS = ['id', 'paper_id', 'paperId'];
const VECTOR_COLUMNS = ['vector', 'embedding', 'embeddings'];

async function readParquet(path: string): Promise<VectorRows> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  let file: Awaited<ReturnType<typeof asyncBufferFromFile>>;
  let metadata: Awaited<ReturnType<typeof parquetMetadataAsync>>;
  try {
    file = await asyncBufferFromFile(path);
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw new UserError(`${path}: not a Parquet file that can be read (${(error as Error).message})`);
  }
  const names = parquetSchema(metadata).children.map((child) => child.element.name);
  const idColumn = ID_COLUMNS.find((name) => names.includes(name));
  const vectorColumn = VECTOR_COLUMNS.find((name) => names.includes(name));
  if (!idColumn || !vectorColumn)
    throw new UserError(
      `${path}: needs an id column (${ID_COLUMNS.join(' or ')}) and a vector column (${VECTOR_COLUMNS.join(' or ')}); it has ${names.join(', ')}`,
    );
  const ids: string[] = [];
  const rows: { store?: RowStore } = {};
  // a row group at a time: a file of a million vectors is never one array of numbers
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const objects = await parquetReadObjects({ file, metadata, compressors, columns: [idColumn, vectorColumn], rowStart, rowEnd });
    objects.forEach((object, index) => {
      const row = rowStart + index;
      const id = object[idColumn];
      const vector = object[vectorColumn];
      if ((typeof id !== 'string' && typeof id !== 'number' && typeof id !== 'bigint') || String(id) === '')
        throw new UserError(`${path}: row ${row + 1}: the ${idColumn} is ${id === null ? 'missing' : 'not a string or a number'}`);
      if (!Array.isArray(vector) && !(vector instanceof Float32Array) && !(vector instanceof Float64Array))
        throw new UserError(`${path}: row ${row + 1}: the ${vectorColumn} is not a list of numbers`);
      if (Array.from(vector as ArrayLike<unknown>).some((value) => typeof value !== 'number'))
        throw new UserError(`${path}: row ${row + 1}: the ${vectorColumn} holds something other than numbers (null?)`);
      addRow(rows, vector as ArrayLike<number>, () => `${path}: row ${row + 1}`);
      ids.push(String(id));
    });
    rowStart = rowEnd;
  }
  if (!rows.store) throw new UserError(`${path}: holds no vectors`);
  return { ids, dim: rows.store.dim, vectors: rows.store.joined(), place: (row) => `${path}: row ${row + 1}` };
}

/** Refuses a --vectors file of no known kind, a .npy without --ids and --ids with a file that holds its ids; returns the format. */
export function checkVectorsFile(path: string, idsPath: string | undefined): VectorsFormat {
  const format = formatOf(path);
  if (format === 'npy' && idsPath === undefined)
    throw new UserError(`--vectors ${path}: a .npy file holds no ids: give the paper id of each row with --ids FILE (one a line)`);
  if (format !== 'npy' && idsPath !== undefined) throw new UserError(`--ids is for a .npy file, whose rows have no ids; ${path} holds its own`);
  return format;
}

/** The vectors of a file in any of the three formats, as they are in it. */
export async function readVectorRows(path: string, idsPath: string | undefined): Promise<VectorRows> {
  const format = checkVectorsFile(path, idsPath);
  try {
    if (format === 'npy') return readNpy(path, idsPath!);
    return format === 'jsonl' ? readJsonl(path) : await readParquet(path);
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code) throw new UserError(`cannot read ${path}: ${code}`);
    throw new UserError(`${path}: cannot be read as ${format} (${(error as Error).message})`);
  }
}
