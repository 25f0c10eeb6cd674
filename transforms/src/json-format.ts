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
const utf8Encoder = new TextEncoder();

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
    // Into a buffer big enough for any text (3 bytes a UTF-16 unit at most), then copied to its size:
    // encodeInto reads the builder's unflattened string about twice as fast as Buffer.from does.
    const room = Buffer.allocUnsafe(batch.length * 3);
    const bytes = Buffer.from(room.subarray(0, utf8Encoder.encodeInto(batch, room).written));
    const boundaries = commasBetweenObjects(bytes, records.length);
    if (boundaries.length === records.length - 1) {
      for (const comma of boundaries) bytes[comma] = 0x0a;
      bytes[bytes.length - 1] = 0x0a;
      return bytes.subarray(1);
    }
  }
  return Buffer.from(`${records.map((record) => stringifyExactJson(record)).join('\n')}\n`);
}

/**
 * Where `},{` has its comma in `bytes`, at most `limit` of them. A loop over the bytes: a million
 * calls of Buffer's indexOf cost twice as long as the whole scan.
 */
function commasBetweenObjects(bytes: Uint8Array, limit: number): number[] {
  const commas: number[] = [];
  const end = bytes.length - 1;
  for (let at = 2; at < end; at++) {
    if (bytes[at] === COMMA && bytes[at - 1] === CLOSE_BRACE && bytes[at + 1] === OPEN_BRACE) {
      if (commas.push(at) === limit) break;
    }
  }
  return commas;
}

const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function countOf(text: string, search: string): number {
  let count = 0;
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + search.length)) count++;
  return count;
}
