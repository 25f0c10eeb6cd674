import { stringifyExactJson } from './exact-json.ts';

export interface JsonFormatOptions {
  /** `ndjson` (default): one object per line. `array`: one JSON array, one element per line. */
  style?: 'ndjson' | 'array';
}

export interface JsonFormatter {
  /** Text that opens a file. */
  start(): string;
  /** The text of `records`, following whatever this formatter wrote since `start`. */
  rows(records: Record<string, unknown>[]): string;
  /** The same as UTF-8 bytes, made without the intermediate text where it can (writers want bytes). */
  rowsBytes(records: Record<string, unknown>[]): Uint8Array;
  /** Text that closes the file. */
  end(): string;
}

/**
 * A JSON writer for batches of records. `bigint` values are written as JSON numbers with every digit
 * (see `stringifyExactJson`); an array file is valid JSON even with no records (`[]`).
 */
export function createJsonFormatter(options: JsonFormatOptions = {}): JsonFormatter {
  if ((options.style ?? 'ndjson') === 'ndjson') {
    return {
      start: () => '',
      rows: (records) => (records.length === 0 ? '' : `${joinedObjects(records, '\n')}\n`),
      rowsBytes: ndjsonBytes,
      end: () => '',
    };
  }
  let empty = true;
  return {
    start() {
      empty = true;
      return '[';
    },
    rows(records) {
      if (records.length === 0) return '';
      const text = `${empty ? '\n' : ',\n'}${joinedObjects(records, ',\n')}`;
      empty = false;
      return text;
    },
    rowsBytes(records) {
      return Buffer.from(this.rows(records));
    },
    end: () => (empty ? ']\n' : '\n]\n'),
  };
}

const objectBoundary = '},{';

/**
 * Records stringified together. `JSON.stringify` builds its text in pieces; a slice this size stays
 * small enough that joining those pieces is cheap, where a whole batch's text (a large object to V8)
 * cost more to flatten into bytes than to stringify.
 */
const recordsPerSlice = 128;

/**
 * The `JSON.stringify` of `records[from, to)` (`[{…},{…}]`); undefined for bigints, which it refuses.
 * Its text is cut into records where one object ends and the next begins (`},{`), which is right only
 * when no value holds `},{` itself (a string, a nested list of objects): then there is exactly one
 * boundary fewer than records. Otherwise those records are written one by one.
 */
function sliceJson(records: Record<string, unknown>[], from: number, to: number): string | undefined {
  try {
    return JSON.stringify(records.slice(from, to));
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    return undefined;
  }
}

function eachSlice(records: Record<string, unknown>[], take: (from: number, to: number) => void): void {
  for (let from = 0; from < records.length; from += recordsPerSlice) {
    take(from, Math.min(from + recordsPerSlice, records.length));
  }
}

function linesOf(records: Record<string, unknown>[], from: number, to: number, separator: string): string {
  return records
    .slice(from, to)
    .map((record) => stringifyExactJson(record))
    .join(separator);
}

/** The JSON of each record, joined by `separator`. */
function joinedObjects(records: Record<string, unknown>[], separator: string): string {
  const parts: string[] = [];
  eachSlice(records, (from, to) => {
    const text = sliceJson(records, from, to);
    const cut = text !== undefined && countOf(text, objectBoundary) === to - from - 1;
    parts.push(
      cut ? text.slice(1, -1).replaceAll(objectBoundary, `}${separator}{`) : linesOf(records, from, to, separator),
    );
  });
  return parts.join(separator);
}

/** Where NDJSON bytes are assembled before being copied out at their size; grows to the largest batch. */
let scratch = Buffer.allocUnsafe(1 << 20);

/** Makes room for `bytes` more bytes after `used`, keeping what is there. */
function ensureScratch(used: number, bytes: number): void {
  if (used + bytes <= scratch.length) return;
  const larger = Buffer.allocUnsafe(Math.max(scratch.length * 2, used + bytes));
  scratch.copy(larger, 0, 0, used);
  scratch = larger;
}

/**
 * NDJSON bytes of a batch, a slice at a time: each slice's `JSON.stringify` is written as UTF-8 over the
 * line break that ends the bytes so far (its `[` then becomes that line break again), each `},{` between
 * two records turned into `}\n{` in place (one byte either way) and its closing `]` into the last line break.
 */
function ndjsonBytes(records: Record<string, unknown>[]): Uint8Array {
  // Byte 0 stands in for the line break before the first record; the output starts after it.
  let end = 1;
  eachSlice(records, (from, to) => {
    const text = sliceJson(records, from, to);
    if (text !== undefined) {
      ensureScratch(end, text.length * 3);
      const at = end - 1;
      const written = scratch.write(text, at, 'utf8');
      scratch[at] = LINE_FEED;
      if (breakBetweenObjects(text, written, at, to - from - 1)) {
        end = at + written;
        scratch[end - 1] = LINE_FEED;
        return;
      }
    }
    const lines = `${linesOf(records, from, to, '\n')}\n`;
    ensureScratch(end, lines.length * 3);
    end += scratch.write(lines, end, 'utf8');
  });
  return Buffer.from(scratch.subarray(1, end));
}

/**
 * Turns the comma of each `},{` of the slice written at `at` into a line break; false when there are
 * not `boundaries` of them (a value holds one: the slice is written again, record by record). ASCII
 * text (as many bytes as characters) is searched as text, faster than byte by byte.
 */
function breakBetweenObjects(text: string, written: number, at: number, boundaries: number): boolean {
  let found = 0;
  if (written === text.length) {
    for (let i = text.indexOf(objectBoundary); i !== -1; i = text.indexOf(objectBoundary, i + 3)) {
      scratch[at + i + 1] = LINE_FEED;
      found++;
    }
    return found === boundaries;
  }
  for (let i = at + 2; i < at + written - 1; i++) {
    if (scratch[i] === COMMA && scratch[i - 1] === CLOSE_BRACE && scratch[i + 1] === OPEN_BRACE) {
      scratch[i] = LINE_FEED;
      found++;
    }
  }
  return found === boundaries;
}

const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const LINE_FEED = 0x0a;

function countOf(text: string, search: string): number {
  let count = 0;
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + search.length)) count++;
  return count;
}
