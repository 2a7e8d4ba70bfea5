import { closeSync, openSync, readSync } from 'node:fs';

/** How a file's bytes were turned into text. */
export const ENCODINGS = ['utf-8', 'utf-8 with BOM', 'utf-16le', 'utf-16be', 'windows-1252'] as const;
export type Encoding = (typeof ENCODINGS)[number];

/** Bytes read at a time; the whole of an input file is never held at once. */
export const CHUNK_BYTES = 1 << 20;
/** Bytes looked at to tell the encoding and the format. */
export const HEAD_BYTES = 256 * 1024;

/** An open input file: its encoding, the text of its start (for telling the format) and its text in pieces. */
export interface TextFile {
  /** Can change from "utf-8" to "windows-1252" while reading, when the first non-ASCII bytes come after the head. */
  encoding: Encoding;
  /** The line from which a file that began as ASCII was read as Windows-1252. */
  windows1252FromLine?: number;
  /** The decoded text of the first HEAD_BYTES bytes (or all of a smaller file). */
  head: string;
  /** Whether `head` is the whole file. */
  complete: boolean;
  /**
   * The file's whole text, from the start, in pieces of about CHUNK_BYTES.
   * `onBadBytes` hears of bytes that are not valid in the file's encoding
   * (UTF-8 only), with the 1-based line they are on.
   */
  chunks(onBadBytes: (line: number, reason: string) => void): Generator<string>;
  close(): void;
}

export type Opened = TextFile | { reason: string };

/** C0 control bytes that never occur in text (tab, newlines, form feed and escape aside). */
function isControlByte(byte: number): boolean {
  return byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1b;
}

function readHead(fd: number): Uint8Array {
  const buffer = Buffer.alloc(HEAD_BYTES);
  let filled = 0;
  while (filled < HEAD_BYTES) {
    const read = readSync(fd, buffer, filled, HEAD_BYTES - filled, null);
    if (read === 0) break;
    filled += read;
  }
  return buffer.subarray(0, filled);
}

/** Whether bytes are valid UTF-8, allowing a sequence cut off at the end (the head of a longer file). */
function isUtf8(bytes: Uint8Array, complete: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

function hasNonAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return true;
  return false;
}

/** The bytes of a UTF-8 sequence cut off at the end of `bytes` (empty when the last sequence is whole). */
function utf8PendingTail(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  for (let k = 1; k <= Math.min(3, n); k++) {
    const byte = bytes[n - k];
    if ((byte & 0xc0) === 0x80) continue;
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > k ? bytes.subarray(n - k) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

function countLines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

/**
 * Opens an input file and tells its encoding from its bytes: a BOM says UTF-8
 * or UTF-16 (LE or BE); without one, NUL bytes or many control bytes mean a
 * binary file; bytes that are valid UTF-8 are UTF-8, anything else is read as
 * Windows-1252 (which covers Latin-1). A file that starts as plain ASCII and
 * has its first non-ASCII bytes later is UTF-8 if those are valid UTF-8, else
 * Windows-1252 from there on.
 */
export function openText(path: string): Opened {
  const fd = openSync(path, 'r');
  let handedOver = false;
  try {
    const headBytes = readHead(fd);
    const complete = headBytes.length < HEAD_BYTES;
    if (headBytes.length === 0) return { reason: 'empty file' };
    let encoding: Encoding;
    let skip = 0;
    if (headBytes[0] === 0xef && headBytes[1] === 0xbb && headBytes[2] === 0xbf) [encoding, skip] = ['utf-8 with BOM', 3];
    else if (headBytes[0] === 0xff && headBytes[1] === 0xfe) [encoding, skip] = ['utf-16le', 2];
    else if (headBytes[0] === 0xfe && headBytes[1] === 0xff) [encoding, skip] = ['utf-16be', 2];
    else {
      if (headBytes.includes(0))
        return { reason: 'binary file (NUL bytes and no UTF-16 byte order mark), not text; papermap reads UTF-8, UTF-16 with a BOM, or Windows-1252 text' };
      encoding = isUtf8(headBytes, complete) ? 'utf-8' : 'windows-1252';
    }
    if (!encoding.startsWith('utf-16')) {
      let controls = 0;
      for (let i = skip; i < headBytes.length; i++) if (isControlByte(headBytes[i])) controls += 1;
      if (controls > 8 && controls > (headBytes.length - skip) / 100) {
        return { reason: `binary file (${controls} control bytes in the first ${headBytes.length} bytes), not text` };
      }
    }
    const decoderLabel = encoding === 'utf-8 with BOM' ? 'utf-8' : encoding;
    // Node's windows-1252 decoder takes a Latin-1 shortcut (0x93 -> U+0093, not “) unless it streams
    const head = new TextDecoder(decoderLabel).decode(headBytes.subarray(skip), { stream: !complete || encoding === 'windows-1252' });
    if (complete && head.trim() === '') return { reason: 'empty file (only whitespace)' };

    handedOver = true;
    let closed = false;
    const close = () => {
      if (!closed) closeSync(fd);
      closed = true;
    };
    function* chunks(onBadBytes: (line: number, reason: string) => void): Generator<string> {
      let decoder = new TextDecoder(decoderLabel, { fatal: decoderLabel === 'utf-8' });
      // whether anything but ASCII has been decoded as UTF-8 yet: until then a bad byte means Windows-1252, not damage
      let sawUtf8 = false;
      let lines = 1;
      let previousTail: Uint8Array = new Uint8Array(0);
      let bytes: Uint8Array = headBytes.subarray(skip);
      const buffer = Buffer.alloc(CHUNK_BYTES);
      for (;;) {
        const last = bytes.length === 0;
        let text: string;
        try {
          text = decoder.decode(bytes, { stream: !last || file.encoding === 'windows-1252' });
          if (file.encoding !== 'windows-1252' && !sawUtf8 && hasNonAscii(bytes)) sawUtf8 = true;
        } catch {
          if (!sawUtf8) {
            // plain ASCII so far: the first non-ASCII bytes are not UTF-8, so the file is Windows-1252
            file.encoding = 'windows-1252';
            file.windows1252FromLine = lines;
            decoder = new TextDecoder('windows-1252');
            text = decoder.decode(Buffer.concat([previousTail, bytes]), { stream: true });
          } else {
            // UTF-8 so far, then damage: reported once, and the rest is read with U+FFFD for bad bytes
            decoder = new TextDecoder('utf-8');
            text = decoder.decode(Buffer.concat([previousTail, bytes]), { stream: !last });
            const bad = text.indexOf('\ufffd');
            onBadBytes(
              lines + countLines(text.slice(0, Math.max(0, bad))),
              'bytes that are not UTF-8 (mixed encodings?), read as U+FFFD here and after; convert the file to UTF-8',
            );
          }
        }
        lines += countLines(text);
        if (text !== '') yield text;
        if (last) break;
        // an unfinished UTF-8 sequence at the end, which the decoder holds: kept in case it has to be replaced
        previousTail = Uint8Array.from(utf8PendingTail(bytes));
        const read = readSync(fd, buffer, 0, CHUNK_BYTES, null);
        bytes = buffer.subarray(0, read);
      }
      close();
    }
    const file: TextFile = { encoding, head, complete, chunks, close };
    return file;
  } finally {
    if (!handedOver) closeSync(fd);
  }
}
