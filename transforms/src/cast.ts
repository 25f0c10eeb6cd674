import { parseExactJson } from './exact-json.ts';
import { valueToText } from './value-text.ts';

export const CAST_TYPES = ['string', 'integer', 'number', 'boolean', 'date', 'timestamp', 'json'] as const;
export type CastType = (typeof CAST_TYPES)[number];

/** The DuckDB type of the values each cast produces. */
export const CAST_COLUMN_TYPES: Record<CastType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  number: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  timestamp: 'TIMESTAMP',
  json: 'JSON',
};

export type CastResult = { value: unknown } | { error: string };

const BIGINT_MIN = -(2n ** 63n);
const BIGINT_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^[+-]?\d+$/;
const NUMBER_TEXT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const TRUE_TEXTS = new Set(['true', '1', 'yes']);
const FALSE_TEXTS = new Set(['false', '0', 'no']);
const DATE_TIME_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)? ?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Converts one value to a type, exactly or not at all: nothing is rounded, truncated or guessed. Null
 * and undefined stay as they are. Text is trimmed first, as SQL casts do.
 *
 * - integer: a safe integer as a number; beyond ±(2^53 − 1) the exact digits as a string (how BIGINT
 *   travels); outside the BIGINT range an error.
 * - number: a finite double. boolean: true/false/1/0/yes/no in any case.
 * - date: `YYYY-MM-DD` of a valid calendar date (a timestamp's text gives its written date).
 * - timestamp: ISO 8601 in UTC, `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, keeping every fraction digit given;
 *   a text without an offset is read as UTC.
 * - json: a JSON text parsed (big integers kept exact); values that are not text are already JSON.
 * - string: the value's text (`valueToText`).
 */
export function castValue(value: unknown, type: CastType): CastResult {
  if (value === null || value === undefined) return { value };
  switch (type) {
    case 'string':
      return { value: typeof value === 'string' ? value : valueToText(value) };
    case 'integer':
      return toInteger(value);
    case 'number':
      return toNumber(value);
    case 'boolean':
      return toBoolean(value);
    case 'date':
      return toDate(value);
    case 'timestamp':
      return toTimestamp(value);
    case 'json':
      return toJson(value);
  }
}

function failure(value: unknown, type: CastType, reason?: string): CastResult {
  let shown = typeof value === 'string' ? JSON.stringify(value) : valueToText(value);
  if (shown.length > 80) shown = `${shown.slice(0, 77)}…`;
  return { error: `cannot cast ${shown} to ${type}${reason ? `: ${reason}` : ''}` };
}

function toInteger(value: unknown): CastResult {
  let integer: bigint;
  if (typeof value === 'boolean') return { value: value ? 1 : 0 };
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return failure(value, 'integer', 'not a whole number');
    if (Number.isSafeInteger(value)) return { value: value + 0 }; // + 0 turns -0 into 0
    integer = BigInt(value);
  } else if (typeof value === 'bigint') {
    integer = value;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (!INTEGER_TEXT.test(text)) {
      return failure(value, 'integer', NUMBER_TEXT.test(text) ? 'not a whole number' : undefined);
    }
    // Up to 15 digits a double is exact: no BigInt needed (the common case, and much cheaper).
    if (text.length <= 15) return { value: Number(text) + 0 };
    integer = BigInt(text);
  } else {
    return failure(value, 'integer');
  }
  if (integer < BIGINT_MIN || integer > BIGINT_MAX) return failure(value, 'integer', 'outside the BIGINT range');
  const asNumber = Number(integer);
  return { value: Number.isSafeInteger(asNumber) ? asNumber : integer.toString() };
}

function toNumber(value: unknown): CastResult {
  if (typeof value === 'boolean') return { value: value ? 1 : 0 };
  if (typeof value === 'bigint') return { value: Number(value) };
  if (typeof value === 'number') return Number.isFinite(value) ? { value } : failure(value, 'number');
  if (typeof value === 'string' && NUMBER_TEXT.test(value.trim())) {
    const number = Number(value.trim());
    return Number.isFinite(number) ? { value: number } : failure(value, 'number', 'out of range');
  }
  return failure(value, 'number');
}

function toBoolean(value: unknown): CastResult {
  if (typeof value === 'boolean') return { value };
  const text =
    typeof value === 'string'
      ? value.trim().toLowerCase()
      : typeof value === 'number' || typeof value === 'bigint'
        ? String(value)
        : '';
  if (TRUE_TEXTS.has(text)) return { value: true };
  if (FALSE_TEXTS.has(text)) return { value: false };
  return failure(value, 'boolean', 'expected true/false, 1/0 or yes/no');
}

function toDate(value: unknown): CastResult {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? failure(value, 'date') : { value: value.toISOString().slice(0, 10) };
  }
  if (typeof value !== 'string') return failure(value, 'date');
  const parts = parseDateTime(value.trim());
  if (typeof parts === 'string') return failure(value, 'date', parts);
  return { value: value.trim().slice(0, 10) };
}

function toTimestamp(value: unknown): CastResult {
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? failure(value, 'timestamp') : { value: value.toISOString() };
  }
  if (typeof value !== 'string') return failure(value, 'timestamp', 'expected ISO 8601 text');
  const parts = parseDateTime(value.trim());
  if (typeof parts === 'string') return failure(value, 'timestamp', parts);
  const instant = new Date(0);
  instant.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  instant.setUTCHours(parts.hour, parts.minute - parts.offsetMinutes, parts.second);
  const whole = instant.toISOString().slice(0, 19);
  return { value: `${whole}${parts.fraction ? `.${parts.fraction}` : ''}Z` };
}

function toJson(value: unknown): CastResult {
  if (typeof value !== 'string') return { value };
  try {
    return { value: parseExactJson(value) };
  } catch (error) {
    return failure(value, 'json', error instanceof Error ? error.message : undefined);
  }
}

interface DateTimeParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  fraction: string;
  offsetMinutes: number;
}

/** The parts of an ISO 8601 date or date-time (space separator allowed), or why it is not one. */
function parseDateTime(text: string): DateTimeParts | string {
  const match = DATE_TIME_TEXT.exec(text);
  if (!match) return 'expected YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.fraction]][Z|±HH:MM]';
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', offset] = match;
  const parts: DateTimeParts = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
    fraction,
    offsetMinutes: offsetToMinutes(offset),
  };
  if (parts.month < 1 || parts.month > 12 || parts.day < 1 || parts.day > daysInMonth(parts.year, parts.month)) {
    return 'no such date';
  }
  if (parts.hour > 23 || parts.minute > 59 || parts.second > 59) return 'no such time';
  if (Math.abs(parts.offsetMinutes) > 18 * 60 || Number(offset?.slice(-2)) > 59) return 'no such time zone offset';
  return parts;
}

function offsetToMinutes(offset: string | undefined): number {
  if (!offset || offset.toUpperCase() === 'Z') return 0;
  const digits = offset.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
  return offset.startsWith('-') ? -minutes : minutes;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
