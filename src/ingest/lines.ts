/** Longest line (or JSON value, or CSV field) held in memory; anything longer is reported and skipped. */
export const MAX_PIECE_CHARS = 16 * 1024 * 1024;

/**
 * Cuts streamed text into lines (`\n` or `\r\n`), numbered from 1, without
 * holding more than one line at a time. A line longer than MAX_PIECE_CHARS is
 * passed on as `undefined` text so the reader can report it.
 */
export class LineSplitter {
  private partial: string[] = [];
  private partialLength = 0;
  private overlong = false;
  private lineNumber = 1;

  constructor(private readonly onLine: (line: number, text: string | undefined) => void) {}

  push(chunk: string): void {
    let start = 0;
    for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
      let text: string | undefined;
      if (this.partial.length === 0) text = chunk.slice(start, end);
      else {
        this.partial.push(chunk.slice(start, end));
        text = this.overlong ? undefined : this.partial.join('');
        this.partial = [];
        this.partialLength = 0;
      }
      if (this.overlong || (text !== undefined && text.length > MAX_PIECE_CHARS)) text = undefined;
      this.overlong = false;
      this.emit(text);
      start = end + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      this.partialLength += rest.length;
      if (this.partialLength > MAX_PIECE_CHARS) {
        this.overlong = true;
        this.partial = [''];
      } else this.partial.push(rest);
    }
  }

  end(): void {
    if (this.partial.length > 0) this.emit(this.overlong ? undefined : this.partial.join(''));
    this.partial = [];
    this.partialLength = 0;
    this.overlong = false;
  }

  private emit(text: string | undefined): void {
    const line = this.lineNumber++;
    this.onLine(line, text?.endsWith('\r') ? text.slice(0, -1) : text);
  }
}

export const overlongReason = `line longer than ${MAX_PIECE_CHARS / 1024 / 1024} Mi characters (not a text file of papers?); skipped (split it into lines)`;
