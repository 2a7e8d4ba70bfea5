import { LineSplitter, MAX_PIECE_CHARS, overlongReason } from './lines.js';
import { readDetails } from './details.js';
import { cleanText, type RecordSink, type SourceRecord } from './records.js';

/** The paper fields papermap interprets; every other field of a source record is kept as metadata. */
const FIELDS = new Set(['title', 'abstract', 'id']);
/** `sources` is papermap's own list of input files; a source field of that name is kept under this name instead. */
const SOURCES_FIELD = 'input_sources';

/**
 * Turns one source object (a JSON object or a CSV row) into a record:
 * `title` is required, `abstract` and `id` are optional, the details are read
 * from the fields that give them (details.ts), every other field is kept as
 * metadata. Field names are matched without regard to case; the same
 * field twice in different cases is refused rather than one silently chosen.
 */
export function toRecord(fields: Record<string, unknown>, line: number, sink: RecordSink): void {
  const found: Record<string, { key: string; value: unknown }> = {};
  const metadata: Record<string, unknown> = {};
  for (const key in fields) {
    const value = fields[key];
    const name = key.toLowerCase();
    if (FIELDS.has(name)) {
      const other = found[name];
      if (other) {
        sink.problem(line, `fields "${other.key}" and "${key}" are both given; record skipped (keep one of them)`);
        return;
      }
      found[name] = { key, value };
    } else if (key === 'sources') metadata[SOURCES_FIELD] = value;
    else metadata[key] = value;
  }
  const title = found.title?.value;
  const abstract = found.abstract?.value;
  const id = found.id?.value;
  if (typeof title !== 'string' || cleanText(title) === '') {
    sink.problem(
      line,
      title === undefined ? 'no "title" field; record skipped (give it a "title")' : 'empty or non-text "title"; record skipped (give it a title as text)',
    );
    return;
  }
  if (abstract !== undefined && abstract !== null && typeof abstract !== 'string') {
    sink.problem(line, '"abstract" is not text; record skipped (make it a string)');
    return;
  }
  const clean = typeof id === 'string' || typeof id === 'number' ? cleanText(String(id)) : '';
  const read = readDetails(metadata, clean || undefined);
  for (const message of read.notices) sink.notice(line, message);
  const record: SourceRecord = { line, title: cleanText(title), abstract: cleanText(abstract ?? ''), details: read.details, metadata: read.metadata };
  if (clean !== '') record.id = clean;
  sink.record(record);
}

function objectOrProblem(text: string, line: number, sink: RecordSink, what: string): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    sink.problem(line, `not valid JSON (${(error as Error).message}); skipped (fix or remove it)`);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    sink.problem(line, `${what} is not a JSON object; skipped (each paper must be a {...} object)`);
    return;
  }
  toRecord(value as Record<string, unknown>, line, sink);
}

/** JSON Lines: one object per line; blank lines are allowed. */
export class JsonlParser {
  private readonly lines: LineSplitter;

  constructor(sink: RecordSink) {
    this.lines = new LineSplitter((line, text) => {
      if (text === undefined) sink.problem(line, overlongReason);
      else if (text.trim() !== '') objectOrProblem(text, line, sink, 'line');
    });
  }

  push(chunk: string): void {
    this.lines.push(chunk);
  }

  end(): void {
    this.lines.end();
  }
}

/**
 * A JSON array of paper objects, pretty-printed or not, read one element at a
 * time: each element's text is cut out by tracking strings and brackets and
 * parsed on its own, so a bad element is reported with the line it starts on
 * and the rest are still read.
 */
export class JsonArrayParser {
  /** before the "[", inside the array between elements, inside an element, after the "]" */
  private state: 'start' | 'between' | 'element' | 'after' = 'start';
  private line = 1;
  private elementLine = 0;
  private parts: string[] = [];
  private partsLength = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private tooLong = false;
  private strayLine = 0;

  constructor(private readonly sink: RecordSink) {}

  push(chunk: string): void {
    let elementStart = this.state === 'element' ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === 10) this.line += 1;
      switch (this.state) {
        case 'start':
          if (c === 0x5b /* [ */) this.state = 'between';
          else if (!isSpace(c)) this.stray(`text before the "[" that opens the array`);
          break;
        case 'between':
          if (c === 0x5d /* ] */) this.state = 'after';
          else if (c === 0x2c /* , */ || isSpace(c)) break;
          else {
            this.state = 'element';
            this.elementLine = this.line;
            this.depth = 0;
            this.inString = false;
            this.escaped = false;
            elementStart = i;
            i -= 1; // read this character again as part of the element
          }
          break;
        case 'element':
          if (this.inString) {
            if (this.escaped) this.escaped = false;
            else if (c === 0x5c /* \ */) this.escaped = true;
            else if (c === 0x22 /* " */) this.inString = false;
          } else if (c === 0x22) this.inString = true;
          else if (c === 0x7b /* { */ || c === 0x5b /* [ */) this.depth += 1;
          else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
            if (this.depth === 0) {
              // the "]" that closes the array ends an element that was not an object
              this.finishElement(chunk.slice(elementStart, i));
              elementStart = -1;
              this.state = c === 0x5d ? 'after' : 'between';
              if (c === 0x7d) this.stray('a "}" with no "{"');
            } else {
              this.depth -= 1;
              if (this.depth === 0 && c === 0x7d) {
                this.finishElement(chunk.slice(elementStart, i + 1));
                elementStart = -1;
                this.state = 'between';
              }
            }
          } else if (c === 0x2c && this.depth === 0) {
            this.finishElement(chunk.slice(elementStart, i));
            elementStart = -1;
            this.state = 'between';
          }
          break;
        case 'after':
          if (!isSpace(c)) this.stray('text after the "]" that closes the array; ignored');
          break;
      }
    }
    if (this.state === 'element' && elementStart !== -1) this.keep(chunk.slice(elementStart));
  }

  end(): void {
    if (this.state === 'start') this.sink.problem(this.line, 'no "[" opening a JSON array');
    else if (this.state === 'element') {
      this.sink.problem(this.elementLine, 'JSON value not closed before the end of the file (file cut short?); skipped');
    } else if (this.state === 'between') this.sink.problem(this.line, 'the JSON array is not closed with "]" (file cut short?)');
  }

  private keep(text: string): void {
    if (this.tooLong) return;
    this.partsLength += text.length;
    if (this.partsLength > MAX_PIECE_CHARS) {
      this.tooLong = true;
      this.parts = [];
    } else this.parts.push(text);
  }

  private finishElement(tail: string): void {
    this.keep(tail);
    const text = this.parts.join('');
    const tooLong = this.tooLong;
    this.parts = [];
    this.partsLength = 0;
    this.tooLong = false;
    if (tooLong) this.sink.problem(this.elementLine, `array element longer than ${MAX_PIECE_CHARS / 1024 / 1024} Mi characters; skipped`);
    else objectOrProblem(text, this.elementLine, this.sink, 'array element');
  }

  /** Reports unexpected text once a line. */
  private stray(reason: string): void {
    if (this.strayLine === this.line) return;
    this.strayLine = this.line;
    this.sink.problem(this.line, reason);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * CSV as a stream, RFC 4180 style: a field that starts with `"` is quoted
 * (`""` inside it is one `"`, and it may span lines); a `"` anywhere else is
 * text. With `quote: false` (TSV) every `"` is text. Records are numbered by
 * the line they start on; blank lines are skipped.
 */
export class CsvTokenizer {
  private fields: string[] = [];
  private field = '';
  private fieldParts: string[] = [];
  private fieldLength = 0;
  /** 0 outside quotes, 1 inside a quoted field, 2 just after a `"` inside one (end of field or first half of `""`) */
  private quoteState = 0;
  private quotedField = false;
  private line = 1;
  private recordLine = 1;
  private error: string | undefined;
  private stopped = false;

  constructor(
    private readonly delimiter: string,
    private readonly quote: boolean,
    private readonly onRecord: (fields: string[], line: number, error: string | undefined) => void,
    private readonly onFatal: (line: number, reason: string) => void,
  ) {}

  push(chunk: string): void {
    if (this.stopped) return;
    const delimiter = this.delimiter.charCodeAt(0);
    let runStart = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (this.quoteState === 1) {
        if (c === 0x22) {
          this.append(chunk.slice(runStart, i));
          this.quoteState = 2;
        } else if (c === 10) this.line += 1;
        continue;
      }
      if (this.quoteState === 2) {
        this.quoteState = 0;
        if (c === 0x22) {
          // "" inside a quoted field
          this.quoteState = 1;
          runStart = i; // keeps this `"` as text
          continue;
        }
        if (c === 13) {
          // the \r of a \r\n after a closing quote
          runStart = i + 1;
          continue;
        }
        if (c !== delimiter && c !== 10) {
          this.error ??= `unreadable CSV row (text after the closing quote of field ${this.fields.length + 1})`;
          this.quoteState = 1;
          this.append('"');
          runStart = i;
          i -= 1;
          continue;
        }
        runStart = i;
      }
      if (c === delimiter) {
        this.append(chunk.slice(runStart, i));
        this.endField();
        runStart = i + 1;
      } else if (c === 10) {
        this.append(chunk.slice(runStart, i));
        this.endRecord();
        this.line += 1;
        this.recordLine = this.line;
        runStart = i + 1;
      } else if (c === 0x22 && this.quote && this.fieldLength === 0 && !this.quotedField && i === runStart) {
        this.quotedField = true;
        this.quoteState = 1;
        runStart = i + 1;
      }
      if (this.stopped) return;
    }
    if (this.quoteState !== 2) this.append(chunk.slice(runStart));
  }

  end(): void {
    if (this.stopped) return;
    if (this.quoteState === 1) {
      this.onRecord([], this.recordLine, 'unreadable CSV row (quoted field not closed before the end of the file); skipped (close the quote)');
      return;
    }
    if (this.fields.length > 0 || this.fieldLength > 0 || this.quotedField) this.endRecord();
  }

  private append(text: string): void {
    if (text === '' || this.stopped) return;
    this.fieldLength += text.length;
    if (this.fieldLength > MAX_PIECE_CHARS) {
      this.stopped = true;
      this.onFatal(this.recordLine, `a field longer than ${MAX_PIECE_CHARS / 1024 / 1024} Mi characters (an unclosed quote?); the rest of the file is skipped`);
      return;
    }
    if (this.field === '') this.field = text;
    else {
      this.fieldParts.push(this.field);
      this.field = text;
    }
  }

  private endField(): void {
    let value = this.fieldParts.length === 0 ? this.field : this.fieldParts.join('') + this.field;
    if (!this.quotedField && value.endsWith('\r')) value = value.slice(0, -1);
    this.fields.push(value);
    this.field = '';
    this.fieldParts = [];
    this.fieldLength = 0;
    this.quotedField = false;
  }

  private endRecord(): void {
    const blank = this.fields.length === 0 && !this.quotedField && (this.field === '' || this.field === '\r') && this.fieldParts.length === 0;
    this.endField();
    const fields = this.fields;
    const error = this.error;
    this.fields = [];
    this.error = undefined;
    if (!blank) this.onRecord(fields, this.recordLine, error);
  }
}

/** Splits one header line into cells (for telling the format). */
export function headerCells(line: string, delimiter: string): string[] {
  let cells: string[] = [];
  const tokenizer = new CsvTokenizer(
    delimiter,
    delimiter !== '\t',
    (fields) => (cells = cells.length === 0 ? fields : cells),
    () => {},
  );
  tokenizer.push(line);
  tokenizer.end();
  return cells;
}

/**
 * CSV (or TSV/semicolon-separated) with a header row that names a `title`
 * column. A column named twice (in any case) refuses the file; a row with
 * more fields than the header is reported and skipped, since its fields
 * cannot be matched to columns.
 */
export class CsvParser {
  private header: string[] | undefined;
  private readonly tokenizer: CsvTokenizer;

  constructor(
    delimiter: string,
    private readonly sink: RecordSink,
  ) {
    const onRecord = (fields: string[], line: number, error: string | undefined): void => {
      if (this.header === undefined) {
        if (error) {
          sink.problem(line, `${error.replace(/; skipped.*$/, '')} in the header; file skipped (fix the header)`);
          this.header = [];
        } else this.header = this.readHeader(fields, line);
        return;
      }
      if (this.header.length === 0) return;
      if (error) sink.problem(line, error.includes('; skipped') ? error : `${error}; skipped (fix its quotes)`);
      else if (fields.length > this.header.length) {
        sink.problem(
          line,
          `row has ${fields.length} fields but the header has ${this.header.length} (a stray ${describe(delimiter)} or quote?); skipped (fix the row)`,
        );
      } else {
        const record: Record<string, string> = {};
        for (let i = 0; i < fields.length; i++) record[this.header[i]] = fields[i];
        toRecord(record, line, sink);
      }
    };
    // In TSV a `"` is text: tab-separated files do not quote.
    this.tokenizer = new CsvTokenizer(delimiter, delimiter !== '\t', onRecord, (line, reason) => sink.problem(line, reason));
  }

  push(chunk: string): void {
    this.tokenizer.push(chunk);
  }

  end(): void {
    this.tokenizer.end();
  }

  private readHeader(cells: string[], line: number): string[] {
    const names = cells.map((cell, index) => cell.trim() || `column ${index + 1}`);
    const seen = new Map<string, number>();
    for (let i = 0; i < names.length; i++) {
      const key = names[i].toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        this.sink.problem(
          line,
          `the header names column "${names[first]}" twice (columns ${first + 1} and ${i + 1}, "${names[i]}"); rename or remove one; file skipped`,
        );
        return [];
      }
      seen.set(key, i);
    }
    return names;
  }
}

function describe(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}
