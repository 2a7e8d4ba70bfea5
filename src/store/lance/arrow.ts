import { createRequire } from 'node:module';
import { concatenate } from '../../shared/vectors.js';
import type { Data, DataType, FixedSizeList, Float32 as Float32Type, Int32 as Int32Type, RecordBatch, Schema, Table } from 'apache-arrow';

/**
 * apache-arrow as LanceDB loads it (LanceDB is CommonJS): the ES module of
 * the same package is a second copy whose tables LanceDB does not take for
 * tables (the dual-package hazard).
 */
export const arrow = createRequire(import.meta.url)('apache-arrow') as typeof import('apache-arrow');
const { Field, Float32, Int32, makeData, Schema: ArrowSchema, Struct, Table: ArrowTable, Utf8, vectorFromArray } = arrow;
type Field = import('apache-arrow').Field;

/** A column of a batch being built: its field and its data. */
export interface Column {
  field: Field;
  data: Data;
}

export const text = (name: string, values: readonly string[]): Column => ({
  field: new Field(name, new Utf8(), false),
  data: vectorFromArray(values as string[], new Utf8()).data[0],
});

export const int32 = (name: string, values: Int32Array): Column => ({
  field: new Field(name, new Int32(), false),
  data: makeData({ type: new Int32(), length: values.length, nullCount: 0, data: values }),
});

/** Rows of `size` values each, row-major in `values`: a vector column LanceDB can index. */
export function fixedList<T extends Int32Type | Float32Type>(name: string, type: T, size: number, values: T['TArray']): Column {
  const child = makeData({ type, length: values.length, nullCount: 0, data: values } as never) as unknown as Data<T>;
  const listType = new arrow.FixedSizeList(size, new Field('item', type, true));
  return { field: new Field(name, listType, false), data: makeData({ type: listType, length: values.length / size, nullCount: 0, child }) as Data };
}

export const float32Vectors = (name: string, dim: number, values: Float32Array): Column => fixedList(name, new Float32(), dim, values);
export const int32Lists = (name: string, size: number, values: Int32Array): Column => fixedList(name, new Int32(), size, values);

/** Rows of `size` float32 values each as a list column of any length: the embedding cache holds models of different dimensions. */
export function float32Lists(name: string, size: number, values: Float32Array): Column {
  const child = makeData({ type: new Float32(), length: values.length, nullCount: 0, data: values });
  const listType = new arrow.List(new Field('item', new Float32(), true));
  const rows = values.length / size;
  const valueOffsets = Int32Array.from({ length: rows + 1 }, (_, row) => row * size);
  return { field: new Field(name, listType, false), data: makeData({ type: listType, length: rows, nullCount: 0, valueOffsets, child }) as Data };
}

/** The values of a list column of a batch whose rows all hold `size` values, row-major. */
export function listColumnValues(batch: RecordBatch, name: string): Float32Array {
  const column = batch.getChild(name);
  if (!column) throw new Error(`column ${name} is missing`);
  const parts: Float32Array[] = [];
  for (const data of column.data) {
    const offsets = data.valueOffsets as Int32Array;
    const child = data.children[0];
    const start = offsets[data.offset];
    const end = offsets[data.offset + data.length];
    parts.push((child.values as Float32Array).subarray(child.offset + start, child.offset + end));
  }
  return parts.length === 1 ? parts[0] : concatenate(parts);
}

/** One batch of columns as an Arrow table, the form LanceDB's add takes. */
export function tableOf(columns: readonly Column[]): Table {
  const fields = columns.map((column) => column.field);
  const length = columns[0]?.data.length ?? 0;
  const struct = makeData({ type: new Struct(fields), length, nullCount: 0, children: columns.map((column) => column.data) });
  return new ArrowTable([new arrow.RecordBatch(new ArrowSchema(fields), struct)]);
}

/** The schema of a set of columns, for an empty table. */
export function schemaOf(fields: readonly [string, DataType][]): Schema {
  return new ArrowSchema(fields.map(([name, type]) => new Field(name, type, false)));
}

/** The values of a fixed-size-list column of a batch, row-major (a view where the batch allows, else a copy). */
export function listValues<T extends Float32Array | Int32Array>(batch: RecordBatch, name: string): T {
  const column = batch.getChild(name);
  if (!column) throw new Error(`column ${name} is missing`);
  const parts: T[] = [];
  for (const data of column.data) {
    const size = (data.type as FixedSizeList).listSize;
    const child = data.children[0];
    const values = child.values as T;
    const start = (child.offset + data.offset * size) as number;
    parts.push(values.subarray(start, start + data.length * size) as T);
  }
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new (parts[0].constructor as new (length: number) => T)(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part as never, at);
    at += part.length;
  }
  return joined;
}

/** The strings of a column of a batch. */
export function textValues(batch: RecordBatch, name: string): string[] {
  const column = batch.getChild(name);
  if (!column) throw new Error(`column ${name} is missing`);
  return column.toArray() as string[];
}

/** The int32 values of a column of a batch. */
export function int32Values(batch: RecordBatch, name: string): Int32Array {
  const column = batch.getChild(name);
  if (!column) throw new Error(`column ${name} is missing`);
  return column.toArray() as Int32Array;
}
