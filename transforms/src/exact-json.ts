/**
 * JSON text ↔ values without losing big integers. JavaScript numbers are doubles, so an integer
 * beyond ±(2^53 − 1) cannot survive `JSON.parse`; database ids and BIGINT columns routinely go there.
 *
 * - `parseExactJson` keeps such integer literals as strings of their digits (`"-12345678901234567890"`),
 *   which is how exact values travel through Backflow (see `Rec` in the node contract). Every other
 *   number, including non-integers, parses as a double, as JSON itself specifies.
 * - `stringifyExactJson` writes `bigint` values as bare JSON numbers with all their digits.
 */

/** 16 digits in a row is the shortest text an unsafe integer can have (2^53 has 16 digits). */
const MAYBE_UNSAFE_INTEGER = /\d{16}/;
const JSON_INTEGER = /^-?(?:0|[1-9]\d*)$/;
const NUMBER_CHARS = '0123456789.eE+-';

export function parseExactJson(text: string): unknown {
  return JSON.parse(MAYBE_UNSAFE_INTEGER.test(text) ? quoteUnsafeIntegers(text) : text);
}

/**
 * Wraps every integer literal outside strings that is not a safe integer in quotes. Tokens that are not
 * valid JSON integers are left alone, so invalid input stays invalid for `JSON.parse` to report.
 */
function quoteUnsafeIntegers(text: string): string {
  let quoted = '';
  let copiedUpTo = 0;
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      index = endOfString(text, index);
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      const start = index;
      index++;
      while (index < text.length && NUMBER_CHARS.includes(text.charAt(index))) index++;
      const token = text.slice(start, index);
      if (JSON_INTEGER.test(token) && !Number.isSafeInteger(Number(token))) {
        quoted += `${text.slice(copiedUpTo, start)}"${token}"`;
        copiedUpTo = index;
      }
    } else {
      index++;
    }
  }
  return copiedUpTo === 0 ? text : quoted + text.slice(copiedUpTo);
}

/** Index just past the string literal opening at `start` (or the text's end when it never closes). */
function endOfString(text: string, start: number): number {
  let close = text.indexOf('"', start + 1);
  while (close !== -1) {
    let backslashes = 0;
    while (text[close - 1 - backslashes] === '\\') backslashes++;
    if (backslashes % 2 === 0) return close + 1;
    close = text.indexOf('"', close + 1);
  }
  return text.length;
}

/** `JSON.stringify`, except that `bigint` values are written as numbers with all their digits. */
export function stringifyExactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch (error) {
    // JSON.stringify throws a TypeError on bigint (and on cycles, which the walk below reports the same way).
    if (!(error instanceof TypeError)) throw error;
    return writeJson(value, '', []) ?? 'null';
  }
}

/** The JSON.stringify algorithm (toJSON, omitted undefined/functions, cycle check) plus bigint. */
function writeJson(value: unknown, key: string, ancestors: object[]): string | undefined {
  let current = value;
  if (isObject(current) && typeof current.toJSON === 'function') current = current.toJSON(key);
  if (typeof current === 'bigint') return current.toString();
  if (typeof current === 'string' || typeof current === 'number' || typeof current === 'boolean') {
    return JSON.stringify(current);
  }
  if (current === null) return 'null';
  if (!isObject(current)) return undefined;
  if (ancestors.includes(current)) throw new TypeError('Converting circular structure to JSON');
  ancestors.push(current);
  let text: string;
  if (Array.isArray(current)) {
    text = `[${current.map((item, index) => writeJson(item, String(index), ancestors) ?? 'null').join(',')}]`;
  } else {
    const members: string[] = [];
    for (const [name, member] of Object.entries(current)) {
      const memberText = writeJson(member, name, ancestors);
      if (memberText !== undefined) members.push(`${JSON.stringify(name)}:${memberText}`);
    }
    text = `{${members.join(',')}}`;
  }
  ancestors.pop();
  return text;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
