/**
 * PostgreSQL values (read as text, see connection.ts) as record values, by Backflow column type
 * (the forms of connectors/duckdb/README.md): small integers and floats as numbers, BIGINT and
 * DECIMAL as exact text, booleans, BLOB as escaped text, INTERVAL as {months, days, micros},
 * arrays as JSON arrays of their elements' forms; everything else as PostgreSQL writes it.
 */
import { blobToText, textToBlob } from '../../node-kit/blob-text.ts';
import type { Column } from '../../node-kit/contract.ts';

export type ValueReader = (text: string) => unknown;

const identity: ValueReader = (text) => text;

/** A float as a number; NaN and ±Infinity, which JSON cannot hold, as their text. */
const readFloat: ValueReader = (text) => (/^-?(Infinity|NaN)$/.test(text) ? text : Number(text));

const unitMonths: Record<string, number> = { year: 12, years: 12, mon: 1, mons: 1 };

/** `1 year 2 mons -3 days +04:05:06.5` (IntervalStyle postgres) → {months, days, micros}. */
export function readInterval(text: string): { months: number; days: number; micros: string } {
  let months = 0;
  let days = 0;
  let micros = 0n;
  for (const [, amount, unit] of text.matchAll(/(-?\d+) (years?|mons?|days?)/g)) {
    if (unit!.startsWith('day')) days += Number(amount);
    else months += Number(amount) * unitMonths[unit!]!;
  }
  const time = /([+-])?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (time) {
    const [, sign, hours, minutes, seconds, fraction = ''] = time;
    micros =
      ((BigInt(hours!) * 60n + BigInt(minutes!)) * 60n + BigInt(seconds!)) * 1_000_000n +
      BigInt(fraction.padEnd(6, '0'));
    if (sign === '-') micros = -micros;
  }
  return { months, days, micros: String(micros) };
}

/** The reader of one value of a (non-array) Backflow type. */
function scalarReader(type: string): ValueReader {
  switch (type) {
    case 'SMALLINT':
    case 'INTEGER':
      return Number;
    case 'FLOAT':
    case 'DOUBLE':
      return readFloat;
    case 'BOOLEAN':
      // `t` as a column, `true` as an array element cast to text.
      return (text) => text === 't' || text === 'true';
    case 'BLOB':
      return (text) => blobToText(Buffer.from(text.slice(2), 'hex'));
    case 'INTERVAL':
      return readInterval;
    default:
      return identity;
  }
}

/** Arrays arrive as the JSON of their elements' text (see `selectExpression`): each element read by its type. */
function arrayReader(element: ValueReader): ValueReader {
  const each = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(each) : value === null ? null : element(value as string);
  return (text) => each(JSON.parse(text));
}

/** The reader of a column's values. */
export function valueReader(column: Column): ValueReader {
  return column.type.endsWith('[]') ? arrayReader(scalarReader(column.type.slice(0, -2))) : scalarReader(column.type);
}

/**
 * How a column is selected for the row path: arrays as the JSON of their elements' text (one text to
 * parse, however nested), the rest as it is.
 */
export function selectExpression(column: Column, quote: (name: string) => string): string {
  const name = quote(column.name);
  return column.type.endsWith('[]') ? `array_to_json(${name}::text[])::text AS ${name}` : name;
}

/** A key value as a record holds it, bound back as a parameter (a BLOB's bytes; the rest as PostgreSQL reads the text). */
export function keyParameter(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.type === 'BLOB') return textToBlob(String(value));
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}
