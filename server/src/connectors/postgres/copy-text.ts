/**
 * Record values ↔ Postgres COPY text format. Loading: each value in its record form (the DuckDB
 * README's table) becomes Postgres input text (BLOB text → bytea hex, lists → array literals,
 * JSON values → JSON text, INTERVAL objects → `n mons n days n secs`), escaped for COPY. Reading
 * back (verification): COPY's text rows split and unescaped, and the few Postgres spellings the
 * checksum's canonical forms do not read (bytea hex, array literals, ISO 8601 intervals) turned
 * into values they do.
 */
import { textToBlob } from '../../node-kit/blob-text.ts';
import { parseColumnType } from '../../node-kit/sql/ddl-types.ts';
import { utf8Text } from '../../node-kit/sql/stage-text.ts';

/** A value's Postgres input text, or null for NULL. */
export type ToText = (value: unknown) => string | null;

/** The converter of one column's record values to Postgres input text. */
export function inputText(type: string): ToText {
  const parsed = parseColumnType(type);
  const element = scalarInput(parsed.base);
  if (parsed.listDepth === 0) return element;
  return (value) => {
    if (value === null || value === undefined) return null;
    const list = typeof value === 'string' && value.trimStart().startsWith('[') ? JSON.parse(value) : value;
    if (!Array.isArray(list)) return String(value);
    return arrayLiteral(list, element);
  };
}

function scalarInput(base: string): ToText {
  switch (base) {
    case 'BOOLEAN':
      return (value) =>
        value === null || value === undefined ? null : value === true ? 't' : value === false ? 'f' : String(value);
    case 'BLOB':
      return (value) => {
        if (value === null || value === undefined) return null;
        const bytes = Buffer.isBuffer(value) ? value : textToBlob(String(value));
        return `\\x${bytes.toString('hex')}`;
      };
    case 'JSON':
    case 'STRUCT':
    case 'MAP':
    case 'UNION':
      return (value) =>
        value === null || value === undefined ? null : typeof value === 'string' ? value : JSON.stringify(value);
    case 'INTERVAL':
      return intervalInput;
    default:
      return plainInput;
  }
}

function plainInput(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return utf8Text(JSON.stringify(value));
  return typeof value === 'string' ? utf8Text(value) : String(value);
}

/** `{months, days, micros}` → `1 mons 2 days 3.000004 secs` (each part signed on its own, as Backflow's are). */
function intervalInput(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object') return String(value);
  const { months = 0, days = 0, micros = 0 } = value as { months?: unknown; days?: unknown; micros?: unknown };
  return `${Number(months)} mons ${Number(days)} days ${secondsOfMicros(BigInt(String(micros)))} secs`;
}

function secondsOfMicros(micros: bigint): string {
  const sign = micros < 0n ? '-' : '';
  const magnitude = micros < 0n ? -micros : micros;
  return `${sign}${magnitude / 1_000_000n}.${String(magnitude % 1_000_000n).padStart(6, '0')}`;
}

/** A Postgres array literal: `{"a","b \"c\"",NULL}`, nested lists as nested braces. */
function arrayLiteral(list: unknown[], element: ToText): string {
  const items = list.map((item) => {
    if (Array.isArray(item)) return arrayLiteral(item, element);
    const text = element(item);
    return text === null ? 'NULL' : `"${text.replace(/[\\"]/g, '\\$&')}"`;
  });
  return `{${items.join(',')}}`;
}

/** Escapes text for a field of COPY's text format. */
export function copyEscape(text: string): string {
  // Most values have nothing to escape: skip the replace for them.
  if (!/[\\\n\r\t]/.test(text)) return text;
  return text.replace(/[\\\n\r\t]/g, (char) =>
    char === '\\' ? '\\\\' : char === '\n' ? '\\n' : char === '\r' ? '\\r' : '\\t',
  );
}

/** One COPY text line (without its newline) into its fields, NULL as null. */
export function parseCopyLine(line: string): (string | null)[] {
  return line.split('\t').map(copyField);
}

/** One COPY text field's value: NULL as null, escapes undone. */
export function copyField(field: string): string | null {
  return field === '\\N' ? null : field.includes('\\') ? copyUnescape(field) : field;
}

const escapes: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function copyUnescape(field: string): string {
  return field.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (_, code: string) => {
    if (code[0] === 'x' && code.length > 1) return String.fromCharCode(Number.parseInt(code.slice(1), 16));
    if (/^[0-7]/.test(code)) return String.fromCharCode(Number.parseInt(code, 8));
    return escapes[code] ?? code;
  });
}

/** What the canonical forms of verification.ts read, from a column's Postgres output text. */
export type FromText = (text: string | null) => unknown;

/** The converter of one column's Postgres output text to a value the checksum's canonical form reads. */
export function outputValue(type: string): FromText {
  const parsed = parseColumnType(type);
  const element = scalarOutput(parsed.base);
  if (parsed.listDepth === 0) return element ?? ((text) => text);
  return (text) => {
    if (text === null) return null;
    const list = parseArrayLiteral(text);
    return element === undefined ? list : mapNested(list, element);
  };
}

function scalarOutput(base: string): FromText | undefined {
  if (base === 'BLOB') return (text) => (text === null ? null : Buffer.from(text.replace(/^\\x/, ''), 'hex'));
  if (base === 'INTERVAL') return (text) => (text === null ? null : parseIsoInterval(text));
  return undefined;
}

function mapNested(list: unknown[], element: FromText): unknown[] {
  return list.map((item) => (Array.isArray(item) ? mapNested(item, element) : element(item as string | null)));
}

/** `{1,NULL,"a b","c\"d"}` (and nested braces) → nested arrays of element texts. */
export function parseArrayLiteral(text: string): unknown[] {
  let index = text.startsWith('[') ? text.indexOf('=') + 1 : 0;
  const parseList = (): unknown[] => {
    const list: unknown[] = [];
    index += 1; // {
    if (text[index] === '}') {
      index += 1;
      return list;
    }
    for (;;) {
      if (text[index] === '{') list.push(parseList());
      else if (text[index] === '"') {
        let value = '';
        index += 1;
        while (text[index] !== '"') {
          if (text[index] === '\\') index += 1;
          value += text[index];
          index += 1;
        }
        index += 1;
        list.push(value);
      } else {
        const end = text.slice(index).search(/[,}]/);
        const raw = text.slice(index, index + end).trim();
        index += end;
        list.push(raw === 'NULL' ? null : raw);
      }
      if (text[index] === ',') index += 1;
      else {
        index += 1; // }
        return list;
      }
    }
  };
  return parseList();
}

/** `P1Y2M3DT4H5M6.5S` (IntervalStyle iso_8601) → `{months, days, micros}` as Backflow records carry it. */
export function parseIsoInterval(text: string): unknown {
  const match =
    /^P(?:(-?\d+)Y)?(?:(-?\d+)M)?(?:(-?\d+)D)?(?:T(?:(-?\d+)H)?(?:(-?\d+)M)?(?:(-?)(\d+)(?:\.(\d+))?S)?)?$/.exec(text);
  if (match === null) return text;
  const [, years = '0', months = '0', days = '0', hours = '0', minutes = '0', sign, seconds = '0', fraction = ''] =
    match;
  const secondMicros = BigInt(seconds) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6) || '0');
  const micros =
    BigInt(hours) * 3_600_000_000n + BigInt(minutes) * 60_000_000n + (sign === '-' ? -secondMicros : secondMicros);
  return { months: Number(years) * 12 + Number(months), days: Number(days), micros: String(micros) };
}
