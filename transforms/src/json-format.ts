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
 * The JSON of each record, joined by `separator`. One `JSON.stringify` of the whole batch is about
 * three times as fast as one call per record; its text is cut back into records where one object
 * ends and the next begins (`},{`). That cut is right only when no value holds `},{` itself (a string,
 * a nested list of objects): then there is exactly one boundary fewer than records. Otherwise, and for
 * bigints (which `JSON.stringify` refuses), each record is written on its own.
 */
function joinedObjects(records: Record<string, unknown>[], separator: string): string {
  let batch: string | undefined;
  try {
    batch = JSON.stringify(records);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  if (batch !== undefined && countOf(batch, objectBoundary) === records.length - 1) {
    return batch.slice(1, -1).replaceAll(objectBoundary, `}${separator}{`);
  }
  return records.map((record) => stringifyExactJson(record)).join(separator);
}

/**
 * NDJSON bytes of a batch: the batch's `JSON.stringify` encoded once, each `},{` between two records
 * turned into `}\n{` in place (it is one byte either way) and the closing `]` into the last line break.
 * The same check as in `joinedObjects` guards the cut.
 */
function ndjsonBytes(records: Record<string, unknown>[]): Uint8Array {
  if (records.length === 0) return new Uint8Array(0);
  let batch: string | undefined;
  try {
    batch = JSON.stringify(records);
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
  }
  if (batch !== undefined) {
    const bytes = Buffer.from(batch);
    const boundaries: number[] = [];
    for (let at = bytes.indexOf(objectBoundary, 1); at !== -1; at = bytes.indexOf(objectBoundary, at + 3)) {
      if (boundaries.push(at + 1) === records.length) break;
    }
    if (boundaries.length === records.length - 1) {
      for (const comma of boundaries) bytes[comma] = 0x0a;
      bytes[bytes.length - 1] = 0x0a;
      return bytes.subarray(1);
    }
  }
  return Buffer.from(`${records.map((record) => stringifyExactJson(record)).join('\n')}\n`);
}

function countOf(text: string, search: string): number {
  let count = 0;
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + search.length)) count++;
  return count;
}
