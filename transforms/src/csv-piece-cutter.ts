import { type CsvDialect, resolveCsvDialect } from './csv-dialect.ts';
import { type CsvParseOptions, detectNewline } from './csv-parse.ts';
import type { CsvNewline } from './csv-record-skipper.ts';
import { CsvRowScanner } from './csv-row-scanner.ts';

/**
 * Finds where a CSV file can be cut into pieces that parse apart (on worker threads), by the parser's
 * own rules: a cut falls just after a record's line break, never inside a quoted field, and after a
 * malformed quote the rows go on at the next line, as the parser recovers (the cut then also follows
 * everything the parser read to find the error, so a piece reports it in the same words). Text is the file's bytes
 * read as latin1 (one character a byte), which keeps every ASCII delimiter, quote and line break where
 * it is in UTF-8 or windows-1252 bytes.
 *
 * Stretches without a quote character are crossed with one `indexOf`: every line break there ends a
 * record. Only rows around quotes are scanned one by one.
 */
export class CsvPieceCutter {
  private readonly dialect: CsvDialect;
  private newlineInUse?: CsvNewline;
  private scanner?: CsvRowScanner;

  constructor(options: CsvParseOptions) {
    this.dialect = resolveCsvDialect(options);
  }

  /** The file's line ending, once a cut found it (the parser finds the same in the same text). */
  get newline(): CsvNewline | undefined {
    return this.newlineInUse;
  }

  /**
   * The first record boundary at or after `target` in `text`, which starts at a record boundary;
   * -1 when the text does not tell yet (the record there goes on past its end).
   */
  cut(text: string, target: number): number {
    const { quoteChar, delimiter } = this.dialect;
    this.newlineInUse ??= detectNewline(text, quoteChar, delimiter);
    const newline = this.newlineInUse;
    if (newline === undefined) return -1;
    this.scanner ??= new CsvRowScanner(this.dialect, newline);
    const lineBreak = newline === '\r' ? '\r' : '\n';
    let at = 0;
    let goal = target;
    while (true) {
      const quote = text.indexOf(quoteChar, at);
      const lineEnd = text.indexOf(newline, Math.max(at, goal - newline.length));
      if (lineEnd === -1) return -1;
      if (quote === -1 || quote > lineEnd) return lineEnd + newline.length;
      // Rows up to the line holding the quote are plain; the row holding it is scanned.
      const lineBefore = text.lastIndexOf(newline, quote);
      if (lineBefore >= at) at = lineBefore + newline.length;
      const found = this.scanner.scan(text, at, false);
      if (found === 'incomplete') return -1;
      if (found === 'row') at = this.scanner.end;
      else {
        const quoteLineEnd = text.indexOf(lineBreak, this.scanner.quoteAt);
        if (quoteLineEnd === -1) return -1;
        at = quoteLineEnd + 1;
        goal = Math.max(goal, this.scanner.strayAt + newline.length);
      }
      if (at >= goal) return at;
    }
  }

  /** Physical lines that end in `text[from, to)`, counted as the parser counts them (CRLF files count the LF). */
  lineBreaks(text: string, from: number, to: number): number {
    const lineBreak = this.newlineInUse === '\r' ? '\r' : '\n';
    let count = 0;
    for (let at = text.indexOf(lineBreak, from); at !== -1 && at < to; at = text.indexOf(lineBreak, at + 1)) count++;
    return count;
  }
}
