/**
 * Cutting a stream of JSON text into the text of each record, with the line it starts on, so the
 * native `JSON.parse` can parse records one at a time: NDJSON by lines, a JSON array by its top-level
 * elements. Only the unfinished record is held between chunks, and one longer than `maxRecordChars` is
 * reported and skipped without being held, so memory stays bounded. A record holding bytes the decoder
 * found invalid (noted in `invalidBytes` by the parser, which counts the text it receives) is reported
 * instead of returned.
 */
import type { InvalidBytesQueue } from './invalid-bytes.ts';

export type JsonErrorCode =
  | 'invalid_json'
  | 'not_an_object'
  | 'not_an_array'
  | 'unterminated_array'
  | 'trailing_content'
  | 'record_too_long'
  | 'invalid_encoding';

export interface JsonRowError {
  /** 1-based line of the input. */
  line: number;
  code: JsonErrorCode;
  message: string;
}

export interface JsonRecordText {
  text: string;
  /** 1-based line the record's text starts on. */
  line: number;
}

export interface JsonSplit {
  texts: JsonRecordText[];
  errors: JsonRowError[];
}

export interface JsonSplitter {
  write(chunk: string): JsonSplit;
  end(): JsonSplit;
}

function emptySplit(): JsonSplit {
  return { texts: [], errors: [] };
}

function tooLong(line: number, maxRecordChars: number): JsonRowError {
  return {
    line,
    code: 'record_too_long',
    message: `line ${line}: record is longer than ${maxRecordChars} characters`,
  };
}

/** One record per line; lines holding only whitespace are skipped. */
export function createNdjsonSplitter(maxRecordChars: number, invalidBytes?: InvalidBytesQueue): JsonSplitter {
  /** The unfinished last line. */
  let pending = '';
  let line = 1;
  /** The current line grew past the limit: its text is being dropped until its end. */
  let skipping = false;

  /** `lineAt`: where the line starts in all the text received. */
  function take(lineText: string, lineAt: number, split: JsonSplit): void {
    if (skipping) {
      split.errors.push(tooLong(line, maxRecordChars));
      skipping = false;
    } else if (/\S/.test(lineText)) {
      const invalidEncoding = invalidBytes?.takeBetween(lineAt, lineAt + lineText.length, line);
      if (invalidEncoding) split.errors.push(invalidEncoding);
      else split.texts.push({ text: lineText, line });
    }
    line++;
  }

  return {
    write(chunk) {
      const split = emptySplit();
      const text = pending + chunk;
      const textAt = streamPositionOf(text, invalidBytes);
      let lineStart = 0;
      for (let lineEnd = text.indexOf('\n'); lineEnd !== -1; lineEnd = text.indexOf('\n', lineStart)) {
        take(text.slice(lineStart, lineEnd), textAt + lineStart, split);
        lineStart = lineEnd + 1;
      }
      pending = text.slice(lineStart);
      if (pending.length > maxRecordChars) {
        skipping = true;
        pending = '';
      }
      return split;
    },
    end() {
      const split = emptySplit();
      if (pending !== '' || skipping) take(pending, streamPositionOf(pending, invalidBytes), split);
      pending = '';
      return split;
    },
  };
}

/** Where `text`, which ends all the text received, starts in it (0 when nothing counts the text). */
function streamPositionOf(text: string, invalidBytes: InvalidBytesQueue | undefined): number {
  return invalidBytes ? invalidBytes.received - text.length : 0;
}

type ArrayState = 'before-array' | 'before-element' | 'in-element' | 'after-array' | 'done';

const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === LF || code === 0x0d || code === 0x09;
}

/**
 * The top-level elements of one JSON array. The scan tracks strings and nesting depth, and its state
 * survives between chunks, so each character is looked at once. Structure errors (no array, unclosed
 * array, content after it) are reported with their line; a malformed element is left for `JSON.parse`.
 */
export function createJsonArraySplitter(maxRecordChars: number, invalidBytes?: InvalidBytesQueue): JsonSplitter {
  let state: ArrayState = 'before-array';
  /** Text from the start of the current element (empty between elements). */
  let pending = '';
  let line = 1;
  let elementLine = 1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  /** A comma was read and no element followed yet. */
  let afterComma = false;
  /** The current element grew past the limit: it is scanned to its end but not kept. */
  let skipping = false;

  /** `elementAt`: where the element starts in all the text received. */
  function finishElement(text: string, elementAt: number, split: JsonSplit): void {
    if (skipping) {
      split.errors.push(tooLong(elementLine, maxRecordChars));
      skipping = false;
      return;
    }
    const invalidEncoding = invalidBytes?.takeBetween(elementAt, elementAt + text.length, elementLine);
    if (invalidEncoding) split.errors.push(invalidEncoding);
    else split.texts.push({ text, line: elementLine });
  }

  return {
    write(chunk) {
      const split = emptySplit();
      const text = pending + chunk;
      const textAt = streamPositionOf(text, invalidBytes);
      let elementStart = 0;
      // `pending` was scanned already; only the new chunk is.
      for (let index = pending.length; index < text.length && state !== 'done'; index++) {
        const code = text.charCodeAt(index);
        if (code === LF) line++;
        if (state !== 'in-element') {
          if (isJsonWhitespace(code)) continue;
          if (state === 'before-array') {
            if (code !== OPEN_BRACKET) {
              split.errors.push({
                line,
                code: 'not_an_array',
                message: `line ${line}: expected a JSON array starting with '['`,
              });
              state = 'done';
            } else {
              state = 'before-element';
            }
            continue;
          }
          if (state === 'after-array') {
            split.errors.push({
              line,
              code: 'trailing_content',
              message: `line ${line}: unexpected content after the array`,
            });
            state = 'done';
            continue;
          }
          if (code === CLOSE_BRACKET || code === COMMA) {
            if (code === COMMA || afterComma) {
              const found = String.fromCharCode(code);
              split.errors.push({
                line,
                code: 'invalid_json',
                message: `line ${line}: expected a value before '${found}'`,
              });
            }
            if (code === CLOSE_BRACKET) state = 'after-array';
            continue;
          }
          state = 'in-element';
          elementStart = index;
          elementLine = line;
          depth = 0;
          afterComma = false;
        }
        if (inString) {
          if (escaped) escaped = false;
          else if (code === BACKSLASH) escaped = true;
          else if (code === QUOTE) inString = false;
        } else if (code === QUOTE) {
          inString = true;
        } else if (code === OPEN_BRACE || code === OPEN_BRACKET) {
          depth++;
        } else if (depth > 0 && (code === CLOSE_BRACE || code === CLOSE_BRACKET)) {
          depth--;
        } else if (depth === 0 && (code === COMMA || code === CLOSE_BRACKET)) {
          finishElement(text.slice(elementStart, index), textAt + elementStart, split);
          state = code === COMMA ? 'before-element' : 'after-array';
          afterComma = code === COMMA;
        }
      }
      pending = state === 'in-element' && !skipping ? text.slice(elementStart) : '';
      if (pending.length > maxRecordChars) {
        skipping = true;
        pending = '';
      }
      return split;
    },
    end() {
      const split = emptySplit();
      if (state === 'in-element' || state === 'before-element') {
        const at = state === 'in-element' ? elementLine : line;
        split.errors.push({
          line: at,
          code: 'unterminated_array',
          message: `line ${at}: the array is not closed with ']'`,
        });
      }
      state = 'done';
      pending = '';
      return split;
    },
  };
}
