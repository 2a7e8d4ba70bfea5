export type Format = { kind: 'jsonl' } | { kind: 'csv'; delimiter: string } | { kind: 'listing' };

export type Decoded = { text: string } | { reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes a file as UTF-8 text, or says why it is not a text file papermap can read. */
export function decodeText(bytes: Uint8Array): Decoded {
  if (bytes.length === 0) return { reason: 'empty file' };
  if (bytes.subarray(0, 8192).includes(0)) return { reason: 'binary file (NUL bytes), not text' };
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return { reason: 'not UTF-8 text (binary file?)' };
  }
  if (text.trim() === '') return { reason: 'empty file (only whitespace)' };
  return { text };
}

const CSV_DELIMITERS = [',', '\t', ';'];

/**
 * Tells the format from the content, not the file name: a first line that is a
 * JSON object means JSON Lines; a first line that splits into columns, one of
 * them `title`, means CSV; anything else is a daily-paper listing dump.
 */
export function detectFormat(text: string): Format {
  const firstLine = text.replace(/^\ufeff/, '').split(/\r?\n/).find((line) => line.trim() !== '') ?? '';
  if (firstLine.trimStart().startsWith('{')) return { kind: 'jsonl' };
  for (const delimiter of CSV_DELIMITERS) {
    const columns = firstLine.split(delimiter).map((cell) => cell.trim().replace(/^"(.*)"$/, '$1').trim().toLowerCase());
    if (columns.length > 1 && columns.includes('title')) return { kind: 'csv', delimiter };
  }
  return { kind: 'listing' };
}
