/**
 * Record values ↔ MySQL. Loading: each value in its record form becomes the text LOAD DATA reads
 * (and a bound INSERT takes): booleans as 1/0, BLOB text as hex (unhexed by the LOAD's SET),
 * JSON values and lists as JSON text, TIMESTAMPTZ moved to UTC without its offset (datetime(6)
 * holds UTC). Reading back (verification): the values mysql2 returns, turned into what the
 * checksum's canonical forms read (INTERVAL's JSON text parsed).
 */
import { textToBlob } from '../../node-kit/blob-text.ts';
import { parseColumnType } from '../../node-kit/sql/ddl-types.ts';
import { utf8Text } from '../../node-kit/sql/stage-text.ts';

/** A value's text for MySQL, or null for NULL; throws when the value cannot be written. */
export type ToText = (value: unknown) => string | null;

export interface ColumnLoader {
  text: ToText;
  /** LOAD DATA reads the column through a variable and this SET expression (`UNHEX(@v3)`). */
  viaHex: boolean;
}

export function columnLoader(type: string): ColumnLoader {
  const parsed = parseColumnType(type);
  if (parsed.listDepth > 0) return { text: jsonText, viaHex: false };
  switch (parsed.base) {
    case 'BOOLEAN':
      return {
        text: (value) =>
          value === null || value === undefined ? null : value === true ? '1' : value === false ? '0' : String(value),
        viaHex: false,
      };
    case 'BLOB':
      return {
        text: (value) =>
          value === null || value === undefined
            ? null
            : (Buffer.isBuffer(value) ? value : textToBlob(String(value))).toString('hex'),
        viaHex: true,
      };
    case 'JSON':
    case 'STRUCT':
    case 'MAP':
    case 'UNION':
    case 'INTERVAL':
      return { text: jsonText, viaHex: false };
    case 'TIMESTAMPTZ':
      return {
        text: (value) => (value === null || value === undefined ? null : utcDatetime(checkedText(value))),
        viaHex: false,
      };
    default:
      return { text: plainText, viaHex: false };
  }
}

function plainText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return checkedText(value);
}

function jsonText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? checkedText(value) : checkedText(JSON.stringify(value));
}

/** Text that UTF-8 can hold (stage-text.ts). */
function checkedText(value: unknown): string {
  return utf8Text(String(value));
}

/** `2024-01-02 03:04:05.5+02` → `2024-01-02 01:04:05.500000` (UTC, for datetime(6)). */
export function utcDatetime(text: string): string {
  const match = /^(\d{4})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/i.exec(
    text.trim(),
  );
  if (match === null) return text;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const micros = fraction.padEnd(6, '0').slice(0, 6);
  if (/^(Z|[+-]00(:?00)?)$/i.test(zone)) return `${year}-${month}-${day} ${hour}:${minute}:${second}.${micros}`;
  const sign = zone.startsWith('-') ? -1 : 1;
  const offsetMinutes =
    Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2) === zone.slice(1, 3) ? 0 : zone.slice(-2));
  const utc = new Date(
    Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second)) -
      sign * offsetMinutes * 60_000,
  );
  return `${utc.toISOString().slice(0, 19).replace('T', ' ')}.${micros}`;
}

/** Escapes text for a field of LOAD DATA (FIELDS TERMINATED BY '\t' ESCAPED BY '\\', lines by '\n'). */
export function loadEscape(text: string): string {
  if (!/[\\\t\n\r\0]/.test(text)) return text;
  return text.replace(/[\\\t\n\r\0]/g, (char) =>
    char === '\\' ? '\\\\' : char === '\t' ? '\\t' : char === '\n' ? '\\n' : char === '\r' ? '\\r' : '\\0',
  );
}

/** What the canonical forms of verification.ts read, from a value mysql2 returned. */
export function readbackValue(type: string): (value: unknown) => unknown {
  const parsed = parseColumnType(type);
  if (parsed.listDepth === 0 && parsed.base === 'INTERVAL') {
    return (value) => (typeof value === 'string' ? JSON.parse(value) : value);
  }
  return (value) => value;
}
