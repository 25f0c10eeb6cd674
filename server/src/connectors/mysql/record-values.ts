/**
 * MySQL and MariaDB values (text, or bytes for strings and blobs; see connection.ts) as record
 * values by Backflow column type: TINYINT(1) and BIT(1) as booleans, BIGINT and DECIMAL as exact
 * text, TIMESTAMP in UTC with `+00`, SET as an array of its members, BLOB as escaped text, and zero
 * dates (`0000-00-00`, a zero month or day) as NULL, counted per column.
 */
import { blobToText, textToBlob } from '../../node-kit/blob-text.ts';
import type { Column } from '../../node-kit/contract.ts';

export type RawValue = string | Buffer;
export type ValueReader = (raw: RawValue) => unknown;

const text = (raw: RawValue) => (typeof raw === 'string' ? raw : raw.toString('utf8'));

/** Zero dates MySQL stores where a date is unknown: the whole date zero, or its month or day. */
const zeroDate = /^\d{4}-00-|^\d{4}-\d{2}-00|^0000-00-00/;

/** Bits of a BIT(n) value, `n` of them, most significant first. */
function bitText(raw: RawValue, bits: number): string {
  const bytes = typeof raw === 'string' ? Buffer.from(raw, 'latin1') : raw;
  let all = '';
  for (const byte of bytes) all += byte.toString(2).padStart(8, '0');
  return all.slice(Math.max(0, all.length - bits)).padStart(bits, '0');
}

/**
 * The reader of a column's values; `onZeroDate` is told of each zero date read as NULL (a
 * documented conversion the source counts and reports).
 */
export function valueReader(column: Column, onZeroDate: () => void): ValueReader {
  const date = (suffix: string) => (raw: RawValue) => {
    const value = text(raw);
    if (zeroDate.test(value)) {
      onZeroDate();
      return null;
    }
    return `${value}${suffix}`;
  };
  switch (column.type) {
    case 'BOOLEAN':
      // TINYINT(1) comes as text, BIT(1) as one byte.
      return (raw) => (typeof raw === 'string' ? raw !== '0' : raw.some((byte) => byte !== 0));
    case 'TINYINT':
    case 'UTINYINT':
    case 'SMALLINT':
    case 'USMALLINT':
    case 'INTEGER':
    case 'UINTEGER':
    case 'FLOAT':
    case 'DOUBLE':
      return (raw) => Number(text(raw));
    case 'BLOB':
      return (raw) => blobToText(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw);
    case 'BIT':
      return (raw) => bitText(raw, column.maxLength ?? 64);
    case 'DATE':
    case 'TIMESTAMP':
      return date('');
    case 'TIMESTAMPTZ':
      // The session is in UTC (time_zone '+00:00').
      return date('+00');
    case 'VARCHAR[]':
      return (raw) => {
        const members = text(raw);
        return members === '' ? [] : members.split(',');
      };
    default:
      return text;
  }
}

/** A key value as a record holds it, bound back as a parameter. */
export function keyParameter(column: Column, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (column.type === 'BLOB') return textToBlob(String(value));
  if (column.type === 'TIMESTAMPTZ') return String(value).replace(/\+00$/, '');
  if (column.type === 'VARCHAR[]' && Array.isArray(value)) return value.join(',');
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}
