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
      rows: (records) => records.map((record) => `${stringifyExactJson(record)}\n`).join(''),
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
      let text = '';
      for (const record of records) {
        text += `${empty ? '\n' : ',\n'}${stringifyExactJson(record)}`;
        empty = false;
      }
      return text;
    },
    end: () => (empty ? ']\n' : '\n]\n'),
  };
}
