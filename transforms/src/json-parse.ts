import { parseExactJson } from './exact-json.ts';
import type { InvalidBytes } from './file-decoder.ts';
import { createInvalidBytesQueue } from './invalid-bytes.ts';
import {
  createJsonArraySplitter,
  createNdjsonSplitter,
  type JsonRowError,
  type JsonSplit,
  type JsonSplitter,
} from './json-splitters.ts';

export interface JsonParseOptions {
  /**
   * `ndjson`: one object per line. `array`: one JSON array of objects. `auto` (default): an array when the
   * first character that is not whitespace is `[`, NDJSON otherwise.
   */
  style?: 'ndjson' | 'array' | 'auto';
  /** The longest record, in characters, held while waiting for its end; longer ones are reported. Default 16 MiB. */
  maxRecordChars?: number;
}

export interface JsonChunkResult {
  records: Record<string, unknown>[];
  /** NDJSON: the record's line. Array: the line its element starts on. 1-based, parallel to `records`. */
  lines: number[];
  errors: JsonRowError[];
}

export interface JsonParser {
  /** `invalid`: where the decoder replaced invalid bytes in `chunk`; the records holding them are rejected. */
  write(chunk: string, invalid?: readonly InvalidBytes[]): JsonChunkResult;
  end(): JsonChunkResult;
}

const DEFAULT_MAX_RECORD_CHARS = 16 * 1024 * 1024;
const BOM = '\uFEFF';

/**
 * A streaming parser of NDJSON or JSON-array text into records. A record that is not valid JSON, not
 * an object or holding bytes the decoder found invalid is an error with its line, and parsing goes on
 * with the next one.
 *
 * Integers beyond ±(2^53 − 1) are kept as strings of their exact digits (`"12345678901234567890"`)
 * instead of being rounded to the nearest double; see `parseExactJson`.
 */
export function createJsonParser(options: JsonParseOptions = {}): JsonParser {
  const style = options.style ?? 'auto';
  const maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  const invalidBytes = createInvalidBytesQueue();
  let splitter: JsonSplitter | undefined;
  /** The text before the splitter is chosen: `auto` waits for the first character that is not whitespace. */
  let head = '';

  /** The splitter for the style, or undefined while `auto` has seen nothing but whitespace. */
  function chooseSplitter(text: string): JsonSplitter | undefined {
    let chosen = style;
    if (chosen === 'auto') {
      const firstChar = /\S/.exec(text)?.[0];
      if (firstChar === undefined) return undefined;
      chosen = firstChar === '[' ? 'array' : 'ndjson';
    }
    return chosen === 'array'
      ? createJsonArraySplitter(maxRecordChars, invalidBytes)
      : createNdjsonSplitter(maxRecordChars, invalidBytes);
  }

  return {
    write(chunk, invalid = []) {
      invalidBytes.add(chunk.length, invalid);
      if (splitter) return toRecords(splitter.write(chunk));
      head += chunk;
      if (head.startsWith(BOM)) head = head.slice(1);
      if (head !== '') splitter = chooseSplitter(head);
      if (!splitter) return toRecords();
      const text = head;
      head = '';
      return toRecords(splitter.write(text));
    },
    end() {
      splitter ??= chooseSplitter(head);
      if (!splitter) return toRecords();
      const text = head;
      head = '';
      return toRecords(splitter.write(text), splitter.end());
    },
  };
}

/** Parses each record text; invalid JSON and values that are not objects become errors with their line. */
function toRecords(...splits: (JsonSplit | undefined)[]): JsonChunkResult {
  const result: JsonChunkResult = { records: [], lines: [], errors: [] };
  for (const split of splits) {
    if (!split) continue;
    result.errors.push(...split.errors);
    for (const { text, line } of split.texts) {
      let value: unknown;
      try {
        value = parseExactJson(text);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        result.errors.push({ line, code: 'invalid_json', message: `line ${line}: invalid JSON (${reason})` });
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        const found = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
        result.errors.push({
          line,
          code: 'not_an_object',
          message: `line ${line}: expected a JSON object, found ${found}`,
        });
        continue;
      }
      result.records.push(value as Record<string, unknown>);
      result.lines.push(line);
    }
  }
  // Structure errors come from the splitter, record errors from here: report both in file order.
  result.errors.sort((a, b) => a.line - b.line);
  return result;
}
