import type { CsvDialect } from './csv-dialect.ts';
import type { CsvNewline } from './csv-record-skipper.ts';

/**
 * What `scan` found: `row`, a whole row (`fields`, `quoted`, `fieldCount` and `end` describe it);
 * `incomplete`, the text ends inside the row (more text, or the end of the file, decides it);
 * `quote-error`, a quoted field is malformed or never closed (`quoteAt` and `neverClosed` say how).
 */
export type ScanResult = 'row' | 'incomplete' | 'quote-error';

/**
 * Splits CSV text into rows and fields, one row per `scan`, as RFC 4180 with papaparse's tolerance:
 * a field is quoted only when it starts with the quote character (elsewhere a quote is text), a quote
 * inside a quoted field is written twice, and spaces may stand between a closing quote and the
 * delimiter or line break. It scans with `indexOf` rather than character by character, and reuses its
 * arrays, so a row costs little more than the strings of its fields.
 */
export class CsvRowScanner {
  /** The values of the row last scanned, `fieldCount` of them (the arrays are reused: copy what you keep). */
  readonly fields: string[] = [];
  /** Whether each field was quoted (a quoted empty field is an empty string, not a missing value). */
  readonly quoted: boolean[] = [];
  fieldCount = 0;
  /** Whether any field of the row was quoted (only then can its values hold line breaks). */
  anyQuoted = false;
  /** Just past the row's line break (or the text's end for a last row without one). */
  end = 0;
  /** Where the malformed or unclosed quoted field opens. */
  quoteAt = 0;
  /** True when that quote is never closed; false when a closing quote is followed by something else. */
  neverClosed = false;
  /** Where that something else is (the scan read the text up to there to find the error). */
  strayAt = 0;

  private readonly quoteCode: number;
  /** The value of the quoted field `quotedField` read last. */
  private lastQuotedValue = '';

  constructor(
    private readonly dialect: CsvDialect,
    private readonly newline: CsvNewline,
  ) {
    this.quoteCode = dialect.quoteChar.charCodeAt(0);
  }

  /** Scans the row starting at `start` of `text`; `final` when the text runs to the end of the file. */
  scan(text: string, start: number, final: boolean): ScanResult {
    const { delimiter } = this.dialect;
    const { newline, fields, quoted } = this;
    const length = text.length;
    let count = 0;
    let at = start;
    let lineEnd = text.indexOf(newline, at);
    this.anyQuoted = false;
    while (true) {
      if (text.charCodeAt(at) === this.quoteCode) {
        const closed = this.quotedField(text, at, final);
        if (closed < 0) return closed === -1 ? 'incomplete' : 'quote-error';
        fields[count] = this.lastQuotedValue;
        quoted[count++] = true;
        this.anyQuoted = true;
        // `closed` is at the delimiter, the line break or the text's end after the closing quote.
        if (closed === length) return this.rowEnd(count, length);
        if (text.startsWith(delimiter, closed)) {
          at = closed + delimiter.length;
          lineEnd = text.indexOf(newline, at);
          continue;
        }
        return this.rowEnd(count, closed + newline.length);
      }
      let fieldEnd = text.indexOf(delimiter, at);
      if (fieldEnd === -1 || (lineEnd !== -1 && fieldEnd > lineEnd)) {
        // The row's last field.
        if (lineEnd === -1 && !final) return 'incomplete';
        fieldEnd = lineEnd === -1 ? length : lineEnd;
        fields[count] = text.slice(at, fieldEnd);
        quoted[count++] = false;
        return this.rowEnd(count, lineEnd === -1 ? length : lineEnd + newline.length);
      }
      fields[count] = text.slice(at, fieldEnd);
      quoted[count++] = false;
      at = fieldEnd + delimiter.length;
    }
  }

  /**
   * Reads the quoted field opening at `quoteAt` into `lastQuotedValue`; returns where it ends (the
   * delimiter or line break after its closing quote, or the text's end), -1 when the text ends before
   * that is known, -2 when the field is malformed or (in final text) never closed.
   */
  private quotedField(text: string, quoteAt: number, final: boolean): number {
    const { quoteChar, delimiter } = this.dialect;
    const length = text.length;
    let from = quoteAt + 1;
    let value = '';
    while (true) {
      const close = text.indexOf(quoteChar, from);
      if (close === -1) return final ? this.quoteError(quoteAt, true) : -1;
      if (close + 1 === length && !final) return -1; // the next text may double it
      if (text.charCodeAt(close + 1) === this.quoteCode) {
        value += text.slice(from, close + 1);
        from = close + 2;
        continue;
      }
      value += text.slice(from, close);
      let after = close + 1;
      while (text.charCodeAt(after) === 32) after++;
      if (after === length) {
        if (!final) return -1;
      } else if (!text.startsWith(delimiter, after) && !text.startsWith(this.newline, after)) {
        // A CR at the text's end may be the start of a CRLF still to come.
        if (!final && this.newline.startsWith(text.slice(after))) return -1;
        this.strayAt = after;
        return this.quoteError(quoteAt, false);
      }
      this.lastQuotedValue = value;
      return after;
    }
  }

  private quoteError(quoteAt: number, neverClosed: boolean): -2 {
    this.quoteAt = quoteAt;
    this.neverClosed = neverClosed;
    return -2;
  }

  private rowEnd(count: number, end: number): 'row' {
    this.fieldCount = count;
    this.end = end;
    return 'row';
  }
}
