/**
 * JSON text of plain data (objects, arrays, strings, numbers, booleans,
 * null), the same characters as JSON.stringify(value, null, 2), in pieces:
 * a file with a line for every paper of a million would otherwise be one
 * string of many megabytes, copied again to be written.
 */

/** Characters a piece holds before it is given out (each is encoded into the 1 MiB write block of writeHashed). */
const PIECE = 1 << 16;

/** The text so far of the piece being made. */
interface Piece {
  text: string;
}

/** JSON.stringify(value, null, 2), a piece at a time. */
export function* prettyJson(value: unknown): Generator<string> {
  const leaf = leafText(value);
  if (leaf !== undefined) return yield leaf;
  const piece: Piece = { text: '' };
  yield* valueText(value as object, '', piece);
  yield piece.text;
}

/** What JSON.stringify leaves out of an object, and prints as null in an array. */
const unprintable = (value: unknown) => value === undefined || typeof value === 'function' || typeof value === 'symbol';

/** The text of a value that holds no others; undefined for an object or array. */
function leafText(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null) return undefined;
  return unprintable(value) ? 'null' : JSON.stringify(value);
}

/** An object or array, its members a line each (a million papers' ids are each a leaf written here, not a generator of their own). */
function* valueText(value: object, indent: string, piece: Piece): Generator<string> {
  const inner = `${indent}  `;
  const array = Array.isArray(value);
  const keys = array ? undefined : Object.keys(value).filter((key) => !unprintable((value as Record<string, unknown>)[key]));
  const count = keys ? keys.length : (value as unknown[]).length;
  if (count === 0) {
    piece.text += array ? '[]' : '{}';
    return;
  }
  for (let index = 0; index < count; index++) {
    piece.text += `${index === 0 ? (array ? '[' : '{') : ','}\n${inner}${keys ? `${JSON.stringify(keys[index])}: ` : ''}`;
    const item = keys ? (value as Record<string, unknown>)[keys[index]] : (value as unknown[])[index];
    const leaf = leafText(item);
    if (leaf === undefined) yield* valueText(item as object, inner, piece);
    else piece.text += leaf;
    if (piece.text.length >= PIECE) {
      yield piece.text;
      piece.text = '';
    }
  }
  piece.text += `\n${indent}${array ? ']' : '}'}`;
}
