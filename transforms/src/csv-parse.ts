import { resolveCsvDialect } from './csv-dialect.ts';
import { type RecordMaker, recordMaker } from './csv-record-maker.ts';
import { type CsvNewline, type CsvRecordSkipper, createCsvRecordSkipper } from './csv-record-skipper.ts';
import { CsvRowScanner } from './csv-row-scanner.ts';
import { TransformError } from './errors.ts';
import type { InvalidBytes } from './file-decoder.ts';
import { createInvalidBytesQueue } from './invalid-bytes.ts';

export interface CsvParseOptions {
  /** The first record names the columns. Default true. */
  header?: boolean;
  /** Default `,`. */
  delimiter?: string;
  /** Default `"`; a quote inside a quoted field is written twice. */
  quoteChar?: string;
  /** Column names when `header` is false; without them columns are named `column0`, `column1`, … like DuckDB does. */
  columns?: string[];
  /** Skip lines with nothing on them. Default true. */
  skipEmptyLines?: boolean;
  /** An empty unquoted field becomes null; a quoted empty field (`""`) stays an empty string. Default true. */
  emptyAsNull?: boolean;
  /**
   * The longest record, in characters without its line break. A longer one is reported as
   * `record_too_long` and skipped to its end without being held, following its quotes, so a quote left
   * open cannot pull a whole file into memory and the inside of a long quoted field is never read as
   * rows. Default 16 MiB.
   */
  maxRecordChars?: number;
}

export type CsvErrorCode =
  | 'unbalanced_quotes'
  | 'too_few_fields'
  | 'too_many_fields'
  | 'duplicate_header'
  | 'empty_header'
  | 'record_too_long'
  | 'invalid_encoding';

export interface CsvRowError {
  /** 1-based physical line of the file where the problem is. */
  line: number;
  code: CsvErrorCode;
  message: string;
  /** The rejected text as it stands in the file, without its line break (see `rawText`). */
  raw: string;
}

export type CsvRecord = Record<string, string | null>;

export interface CsvChunkResult {
  records: CsvRecord[];
  /** 1-based physical line where each record starts, parallel to `records`. */
  lines: number[];
  errors: CsvRowError[];
}

export interface CsvParser {
  /** `invalid`: where the decoder replaced invalid bytes in `chunk`; the records holding them are rejected. */
  write(chunk: string, invalid?: readonly InvalidBytes[]): CsvChunkResult;
  end(): CsvChunkResult;
  /** The column names, once known (given, or read from the header line). */
  columns(): readonly string[] | undefined;
  /** What a parser of a later piece of the same file must know (see CsvPieceStart), once the first record is read. */
  carryOver(): CsvCarryOver | undefined;
}

/** What the first piece of a file establishes for the rest: its columns and its line ending. */
export interface CsvCarryOver {
  columns: string[];
  newline: CsvNewline;
}

/**
 * Where a piece of a file starts when the file is parsed in pieces cut at record boundaries (each
 * parsed apart, on worker threads): its physical line, and what the file's first piece established.
 */
export interface CsvPieceStart {
  line: number;
  carried: CsvCarryOver;
}

const BOM = '\uFEFF';
/** The most of a rejected record's text an error keeps: enough to see what is wrong, never a whole file. */
export const MAX_RAW_CHARS = 4096;
const DEFAULT_MAX_RECORD_CHARS = 16 * 1024 * 1024;

/**
 * A streaming CSV parser (rows split by csv-row-scanner.ts). Text arrives in chunks that may split
 * anywhere; only complete records are parsed, the unfinished tail waits for the next chunk, so memory
 * stays bounded by the longest record. Every record carries the physical line it starts on, and every
 * malformed row comes out as an error with its line while the rows around it still come out.
 *
 * Duplicate header names are reported and renamed `name_1`, `name_2`, …; empty ones are reported and
 * named `column<index>`, so no value is lost to a key collision. A record holding bytes the decoder
 * found invalid is reported instead of parsed; in the header they are reported and the names kept.
 */
export function createCsvParser(options: CsvParseOptions = {}, piece?: CsvPieceStart): CsvParser {
  const dialect = resolveCsvDialect(options);
  const { delimiter, quoteChar } = dialect;
  const header = options.header ?? true;
  const skipEmptyLines = options.skipEmptyLines ?? true;
  const emptyAsNull = options.emptyAsNull ?? true;
  const maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  checkColumns(header, options.columns);

  let columns: string[] | undefined = piece ? [...piece.carried.columns] : options.columns && [...options.columns];
  const invalidBytes = createInvalidBytesQueue();
  /** Text not parsed yet; it always starts at a record boundary. */
  let pending = '';
  /** Physical line `pending` starts on. */
  let pendingLine = piece?.line ?? 1;
  /** A later piece starts inside the file: no byte order mark to drop. */
  let started = piece !== undefined;
  let newline: CsvNewline | undefined = piece?.carried.newline;
  /** Re-parsing an unfinished record on every small chunk would be quadratic, so wait until it doubled. */
  let reparseAt = 0;
  /** Follows the over-long record whose text is being dropped, until its end. */
  let skipper: CsvRecordSkipper | undefined;
  /** Made once the line ending is known. */
  let scannerFor: CsvRowScanner | undefined;
  let makeRecord: RecordMaker | undefined;

  function write(chunk: string, invalid: readonly InvalidBytes[] = []): CsvChunkResult {
    invalidBytes.add(chunk.length, invalid);
    const result = emptyResult();
    let text = chunk;
    if (!started) {
      if (text === '') return result;
      started = true;
      if (text.startsWith(BOM)) text = text.slice(1);
    }
    if (skipper) text = skipThrough(text);
    pending += text;
    if (pending.length < reparseAt) return result;
    // A first line longer than the record limit gets the common line ending, so it can be reported.
    newline ??= detectNewline(pending, quoteChar, delimiter) ?? (pending.length > maxRecordChars ? '\n' : undefined);
    if (newline === undefined) {
      reparseAt = pending.length * 2;
      return result;
    }
    parsePending(newline, false, result);
    // `pending` is one unfinished record; it may end with the CR of its CRLF.
    const longestPending = maxRecordChars + newline.length - 1;
    while (pending.length > longestPending) skipOverlongRecord(newline, result);
    reparseAt = Math.min(pending.length * 2, longestPending + 1);
    return result;
  }

  function end(): CsvChunkResult {
    const result = emptyResult();
    // A record still being skipped had no end: it ran to the end of the file and is reported already.
    skipper = undefined;
    // A last line break that is a CR can be no CRLF: the file ends there.
    newline ??= detectNewline(pending, quoteChar, delimiter, true);
    if (pending !== '') parsePending(newline ?? '\n', true, result);
    pending = '';
    return result;
  }

  /** The line break character that starts a new physical line (CRLF files count the LF). */
  function lineBreakOf(newlineInUse: CsvNewline): string {
    return newlineInUse === '\r' ? '\r' : '\n';
  }

  /** Feeds `text` to the record being skipped; returns the text after the record's end ('' while it goes on). */
  function skipThrough(text: string): string {
    const recordEnd = skipper!.scan(text);
    if (recordEnd === -1) return '';
    pendingLine += skipper!.lineBreaks;
    skipper = undefined;
    return text.slice(recordEnd);
  }

  /** Reports the unfinished record in `pending` as too long, drops it to its end and parses what follows. */
  function skipOverlongRecord(newlineInUse: CsvNewline, result: CsvChunkResult): void {
    result.errors.push(tooLong(pendingLine, pending, 0));
    skipper = createCsvRecordSkipper(dialect, newlineInUse);
    pending = skipThrough(pending);
    if (pending !== '') parsePending(newlineInUse, false, result);
  }

  /** The error for the record starting at `start` of `text`; its raw text is its beginning, as much as any chunking holds. */
  function tooLong(line: number, text: string, start: number): CsvRowError {
    return {
      line,
      code: 'record_too_long',
      message: `line ${line}: record is longer than ${maxRecordChars} characters (is a quote left open?)`,
      raw: `${text.slice(start, start + Math.min(maxRecordChars, MAX_RAW_CHARS))}…`,
    };
  }

  /**
   * Parses the complete records at the start of `pending` (all of it when `final`) and keeps the rest.
   * A malformed or unclosed quote is reported at the line the quote opened on, and parsing restarts on
   * the next line, so the rows after it survive.
   */
  function parsePending(newlineInUse: CsvNewline, final: boolean, result: CsvChunkResult): void {
    const lineBreak = lineBreakOf(newlineInUse);
    // With LF files an unquoted row spans exactly one line; otherwise a lone CR or LF may sit in a field.
    const oneLinePerUnquotedRow = newlineInUse === '\n';
    scannerFor ??= new CsvRowScanner(dialect, newlineInUse);
    const scanner = scannerFor;
    const text = pending;
    /** Where `text` starts in all the text received (it always ends it). */
    const textAt = invalidBytes.received - text.length;
    let line = pendingLine;
    let start = 0;
    while (start < text.length) {
      const found = scanner.scan(text, start, final);
      if (found === 'incomplete') break;
      const startLine = line;
      if (found === 'quote-error') {
        const quoteLine = startLine + countOf(text, lineBreak, start, scanner.quoteAt);
        const quoteLineEnd = text.indexOf(lineBreak, scanner.quoteAt);
        // Where the rows after it start is not known yet.
        if (quoteLineEnd === -1 && !final) break;
        result.errors.push({
          line: quoteLine,
          code: 'unbalanced_quotes',
          message: `line ${quoteLine}: ${scanner.neverClosed ? 'quoted field is never closed' : 'a closing quote must be followed by a delimiter or the end of the line'}`,
          raw: rawText(text, start, quoteLineEnd === -1 ? text.length : quoteLineEnd),
        });
        start = quoteLineEnd === -1 ? text.length : quoteLineEnd + 1;
        line = quoteLine + 1;
        continue;
      }
      const end = scanner.end;
      if (oneLinePerUnquotedRow && !scanner.anyQuoted) {
        if (text.charCodeAt(end - 1) === 10) line++;
      } else line += countOf(text, lineBreak, start, end);
      const rowStart = start;
      start = end;
      if (skipEmptyLines && end - rowStart === newlineInUse.length && text.startsWith(newlineInUse, rowStart)) continue;
      takeRow(scanner, text, rowStart, end, startLine, textAt, result);
    }
    pending = text.slice(start);
    pendingLine = line;
  }

  /** Turns the row the scanner found between `start` and `end` of `text` into a record or an error. */
  function takeRow(
    scanner: CsvRowScanner,
    text: string,
    start: number,
    end: number,
    startLine: number,
    textAt: number,
    result: CsvChunkResult,
  ): void {
    // A record that arrived whole is held to the limit too, so the result does not depend on the chunks.
    if (end - start > maxRecordChars && end - start - lineBreakLength(text, end, newline!) > maxRecordChars) {
      result.errors.push(tooLong(startLine, text, start));
      return;
    }
    // A header with invalid bytes is reported but still names the columns, or every row would shift.
    const invalidEncoding = invalidBytes.takeBetween(textAt + start, textAt + end, startLine);
    if (invalidEncoding) result.errors.push({ ...invalidEncoding, raw: rawText(text, start, end) });

    const count = scanner.fieldCount;
    if (!columns) {
      const fields = scanner.fields.slice(0, count);
      columns = header
        ? nameColumns(fields, startLine, rawText(text, start, end), result.errors)
        : fields.map((_, index) => `column${index}`);
      if (header) return;
    }
    if (invalidEncoding) return;
    if (count !== columns.length) {
      result.errors.push({
        line: startLine,
        code: count < columns.length ? 'too_few_fields' : 'too_many_fields',
        message: `line ${startLine}: expected ${columns.length} fields, found ${count}`,
        raw: rawText(text, start, end),
      });
      return;
    }
    makeRecord ??= recordMaker(columns);
    result.records.push(makeRecord(scanner.fields, scanner.quoted, emptyAsNull));
    result.lines.push(startLine);
  }

  return {
    write,
    end,
    columns: () => columns,
    carryOver: () => (columns && newline ? { columns, newline } : undefined),
  };
}

function emptyResult(): CsvChunkResult {
  return { records: [], lines: [], errors: [] };
}

function checkColumns(header: boolean, columns: string[] | undefined): void {
  if (!columns) return;
  const fail = (message: string) => new TransformError('config_invalid', `columns: ${message}`, { path: 'columns' });
  if (header) throw fail('they name the fields of a file without a header line; set header: false');
  const seen = new Set<string>();
  for (const name of columns) {
    if (name === '') throw fail('a name is empty');
    if (seen.has(name)) throw fail(`"${name}" is used twice`);
    seen.add(name);
  }
}

/** Header names, with each duplicate or empty one reported and replaced by a name no other column has. */
function nameColumns(fields: string[], line: number, raw: string, errors: CsvRowError[]): string[] {
  const taken = new Set(fields);
  const seen = new Set<string>();
  return fields.map((field, index) => {
    let name = field;
    if (field === '') {
      name = `column${index}`;
      errors.push({
        line,
        code: 'empty_header',
        message: `line ${line}: column ${index + 1} has no name; it is called "${name}"`,
        raw,
      });
    } else if (seen.has(field)) {
      let suffix = 1;
      while (taken.has(`${field}_${suffix}`)) suffix++;
      name = `${field}_${suffix}`;
      errors.push({
        line,
        code: 'duplicate_header',
        message: `line ${line}: column "${field}" appears more than once; column ${index + 1} is called "${name}"`,
        raw,
      });
    }
    seen.add(field);
    taken.add(name);
    return name;
  });
}

/**
 * The text of a rejected record, `text` from `start` to `end`, without the line break that ends it; a
 * longer one is cut at MAX_RAW_CHARS and ends with `…`.
 */
function rawText(text: string, start: number, end: number): string {
  const kept = Math.min(end, start + MAX_RAW_CHARS + 2);
  const raw = text.slice(start, kept).replace(/\r?\n$|\r$/, '');
  return kept < end || raw.length > MAX_RAW_CHARS ? `${raw.slice(0, MAX_RAW_CHARS)}…` : raw;
}

/** The length of the line break that ends the row ending at `end` in `text` (0 for a last row without one). */
function lineBreakLength(text: string, end: number, newline: CsvNewline): number {
  return text.startsWith(newline, end - newline.length) ? newline.length : 0;
}

/** Occurrences of `search` in `text` between `from` (inclusive) and `to` (exclusive). */
function countOf(text: string, search: string, from: number, to: number): number {
  let count = 0;
  for (let at = text.indexOf(search, from); at !== -1 && at < to; at = text.indexOf(search, at + 1)) count++;
  return count;
}

/**
 * The line ending of the file: the first line break outside a quoted field. Undefined while the text
 * seen so far has none, or ends in `\r` (the `\n` of a CRLF may be in the next chunk) unless it is
 * the file's `final` text.
 */
export function detectNewline(
  text: string,
  quoteChar: string,
  delimiter: string,
  final = false,
): CsvNewline | undefined {
  let inQuotes = false;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (inQuotes) {
      if (char !== quoteChar) continue;
      if (index + 1 === text.length) return undefined;
      if (text[index + 1] === quoteChar) index++;
      else inQuotes = false;
    } else if (char === '\n') {
      return '\n';
    } else if (char === '\r') {
      if (index + 1 === text.length) return final ? '\r' : undefined;
      return text[index + 1] === '\n' ? '\r\n' : '\r';
    } else if (char === quoteChar && (index === 0 || text.endsWith(delimiter, index))) {
      inQuotes = true;
    }
  }
  return undefined;
}
