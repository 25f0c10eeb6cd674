/**
 * Verification of a migration (DESIGN.md §4): per stream, what a destination received against
 * what it holds before publishing, so a run proves every row arrived intact rather than only
 * counting them. The report's shape is shared by databases (row counts and checksums) and CRMs
 * (counts, ID-map coverage, relations).
 *
 * Checksums are order-independent: the sum, modulo 2^64, of a 64-bit hash of each row's canonical
 * form. The canonical form is per Backflow column type, so two systems' spellings of one value hash
 * alike (`1.50` and `1.5` as DECIMAL, `t` and `true` as BOOLEAN, JSON with its keys sorted, a
 * timestamp with zone as UTC microseconds), and documented conversions (a MySQL zero date read as
 * NULL, tinyint(1) as BOOLEAN) never count as a mismatch: the destination hashes the records as
 * they reached it, and the rows it reads back from its staging table.
 */
import { textToBlob } from './blob-text.ts';
import { RowHash } from './row-hash.ts';

/** One stream's (table's, object's) verification. */
export interface StreamVerification {
  stream: string;
  /** Where it landed, as the user knows it (`public.orders`). */
  target: string;
  /** Records that reached the destination for this stream. */
  source: number;
  /** Rows the destination holds for it (read back from what it staged). */
  loaded: number;
  /** Records the destination refused, each with its reason (in the run's rejected records). */
  rejected: number;
  /** source − loaded − rejected: rows lost (or, negative, rows duplicated). */
  missing: number;
  /** CRM writes: of the records received, those created and those updated (the rest were rejected). */
  created?: number;
  updated?: number;
  /** The most frequent refusal reasons, with how many records each (every one is in the run's rejected records). */
  reasons?: { reason: string; count: number }[];
  /** Order-independent checksums (hex) of the received rows less the rejected, and of the rows held. */
  checksum?: { source: string; destination: string };
  /** Relation checks (CRM associations): expected and present. */
  relations?: { name: string; expected: number; present: number }[];
  /** The first row that differs, by key, and how. */
  firstDifference?: { key: string; message: string };
  ok: boolean;
}

/** A running order-independent checksum: rows counted and their hashes summed modulo 2^64. */
export class RowChecksum {
  private sum = 0n;
  rows = 0;

  constructor(saved?: SavedChecksum) {
    if (saved !== undefined) {
      this.sum = BigInt(`0x${saved.sum}`);
      this.rows = saved.rows;
    }
  }

  add(hash: bigint): void {
    this.sum = (this.sum + hash) & 0xffff_ffff_ffff_ffffn;
    this.rows += 1;
  }

  /** Takes a row out again (one a database refused after it was counted). */
  remove(hash: bigint): void {
    this.sum = (this.sum - hash) & 0xffff_ffff_ffff_ffffn;
    this.rows -= 1;
  }

  get hex(): string {
    return this.sum.toString(16).padStart(16, '0');
  }

  /** JSON for a checkpoint's resume state. */
  save(): SavedChecksum {
    return { sum: this.hex, rows: this.rows };
  }
}

export interface SavedChecksum {
  sum: string;
  rows: number;
}

/** The 64-bit hash of a row's values in their canonical forms (`types[i]` is value i's column type). */
export function rowHash(values: readonly unknown[], types: readonly string[]): bigint {
  return rowHasher(types)(values);
}

/**
 * `rowHash` for rows of one set of column types, with each type's canonical form resolved once.
 * Each value is fed to the hash length-prefixed (null has its own mark), so no value can spell its
 * neighbour's boundary and NULL, `''` and `'null'` stay apart, without building the row's text.
 */
export function rowHasher(types: readonly string[]): (values: readonly unknown[]) => bigint {
  const forms = types.map((type) => canonicalFormFor(type));
  const hash = new RowHash();
  return (values) => {
    hash.start();
    for (let index = 0; index < forms.length; index++) {
      const value = values[index];
      if (value === null || value === undefined) hash.null();
      else hash.text((forms[index] as CanonicalForm)(value));
    }
    return hash.finish();
  };
}

/**
 * A value's canonical text for its Backflow column type, whatever form it came in (a record's JSON
 * value, a driver's text or Buffer); null for SQL NULL.
 */
export function canonicalValue(value: unknown, type: string): string | null {
  if (value === null || value === undefined) return null;
  return canonicalFormFor(type)(value);
}

function canonicalFormFor(type: string): CanonicalForm {
  let canonical = canonicalForms.get(type);
  if (canonical === undefined) {
    canonical = canonicalFormOf(type);
    canonicalForms.set(type, canonical);
  }
  return canonical;
}

type CanonicalForm = (value: unknown) => string;

/** Each column type's canonical form, resolved once per type name (rows hash millions of values). */
const canonicalForms = new Map<string, CanonicalForm>();

function canonicalFormOf(type: string): CanonicalForm {
  const base = type.trim().toUpperCase();
  if (base.endsWith(']')) {
    const element = base.replace(/\[\d*\]$/, '');
    return (value) => canonicalList(value, element);
  }
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(base)) {
    return canonicalInteger;
  }
  if (base.startsWith('DECIMAL') || base === 'NUMERIC') return (value) => canonicalDecimal(String(value));
  if (base === 'FLOAT' || base === 'REAL') return (value) => canonicalFloat(value, true);
  if (base === 'DOUBLE') return (value) => canonicalFloat(value, false);
  if (base === 'BOOLEAN') return canonicalBoolean;
  if (base === 'JSON' || base.startsWith('STRUCT') || base.startsWith('MAP') || base.startsWith('UNION')) {
    return (value) => (typeof value === 'string' ? canonicalJsonText(value) : stableJson(value));
  }
  if (base === 'BLOB') {
    return (value) => (Buffer.isBuffer(value) ? value : textToBlob(String(value))).toString('hex');
  }
  if (base === 'UUID') return (value) => String(value).toLowerCase();
  if (base === 'TIMESTAMPTZ' || base === 'TIMESTAMP WITH TIME ZONE') return canonicalInstant;
  if (base.startsWith('TIMESTAMP')) return canonicalTimestamp;
  if (base === 'TIME' || base === 'TIMETZ' || base === 'TIME WITH TIME ZONE')
    return (value) => trimFraction(String(value));
  if (base === 'DATE') return (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value));
  if (base === 'INTERVAL') {
    return (value) => {
      if (typeof value !== 'object') return String(value);
      // Fields as numbers or strings (micros is a string in records, may be a number elsewhere): one form.
      const { months = 0, days = 0, micros = 0 } = value as { months?: unknown; days?: unknown; micros?: unknown };
      return `${Number(months)} months ${Number(days)} days ${BigInt(String(micros))} micros`;
    };
  }
  return String;
}

/** Integers: most are already canonical (a safe number, or digits without a leading zero). */
function canonicalInteger(value: unknown): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  const text = String(value);
  return isCanonicalInteger(text) ? text : canonicalDecimal(text);
}

/** `/^(?:-?[1-9]\d*|0)$/` by char codes (BIGINT keys arrive as text: a regex per value shows in profiles). */
function isCanonicalInteger(text: string): boolean {
  const first = text.charCodeAt(0) === 45 ? 1 : 0; // '-'
  if (text.length === 1 && text === '0') return true;
  if (text.length <= first || text.charCodeAt(first) === 48 || !isDigit(text.charCodeAt(first))) return false;
  for (let index = first + 1; index < text.length; index++) if (!isDigit(text.charCodeAt(index))) return false;
  return true;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/**
 * `+001.500` → `1.5`, `-0.0` → `0`, `12.` → `12`. Plain `[-]digits[.digits]` (what databases
 * send) is read by char codes, returning the text itself when it is already canonical; anything
 * else (a `+`, spaces) goes through the regex.
 */
function canonicalDecimal(text: string): string {
  const length = text.length;
  const negative = text.charCodeAt(0) === 45;
  const first = negative ? 1 : 0;
  let dot = -1;
  for (let index = first; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code === 46 && dot < 0) dot = index;
    else if (!isDigit(code)) return spelledDecimal(text);
  }
  if (length === first || (dot === first && length === first + 1)) return spelledDecimal(text);
  const wholeEnd = dot < 0 ? length : dot;
  let start = first;
  while (start < wholeEnd && text.charCodeAt(start) === 48) start += 1;
  let end = length;
  if (dot >= 0) {
    while (end > dot + 1 && text.charCodeAt(end - 1) === 48) end -= 1;
    if (end === dot + 1) end = dot;
  }
  if (start === first && end === length && start < wholeEnd) return text;
  const digits = start === wholeEnd ? `0${text.slice(wholeEnd, end)}` : text.slice(start, end);
  return negative && digits !== '0' ? `-${digits}` : digits;
}

function spelledDecimal(text: string): string {
  const match = /^\s*([+-]?)0*(\d*)(?:\.(\d*?)0*)?\s*$/.exec(text);
  if (match === null) return text;
  const [, sign, whole, fraction] = match;
  const digits = `${whole || '0'}${fraction ? `.${fraction}` : ''}`;
  return sign === '-' && digits !== '0' ? `-${digits}` : digits;
}

function canonicalFloat(value: unknown, single: boolean): string {
  const number = typeof value === 'number' ? value : Number(String(value).trim().replace(/^inf/i, 'Infinity'));
  if (Number.isNaN(number)) return 'NaN';
  // A single-precision value read as a double (`0.10000000149011612`) and its short spelling (`0.1`) are one float.
  return String(single ? Math.fround(number) : number);
}

function canonicalBoolean(value: unknown): string {
  if (typeof value === 'boolean') return String(value);
  const text = String(value).trim().toLowerCase();
  if (text === 't' || text === 'true' || text === '1' || text === 'y' || text === 'yes' || text === 'on') return 'true';
  if (text === 'f' || text === 'false' || text === '0' || text === 'n' || text === 'no' || text === 'off')
    return 'false';
  return text;
}

/** `2024-01-02T03:04:05.500000` → `2024-01-02 03:04:05.5`. */
function canonicalTimestamp(value: unknown): string {
  const text = value instanceof Date ? value.toISOString().replace('Z', '') : String(value);
  return trimFraction(text.includes('T') ? text.replace('T', ' ') : text);
}

/** An instant as UTC microseconds since the epoch, whatever offset it was written with. */
function canonicalInstant(value: unknown): string {
  if (value instanceof Date) return `${BigInt(value.getTime()) * 1000n}`;
  const text = String(value).trim();
  const fast = utcInstant(text);
  if (fast !== undefined) return fast;
  const match =
    /^(-?\d{4,})-(\d\d)-(\d\d)[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?\s*(Z|[+-]\d\d(?::?\d\d)?(?::?\d\d)?)?$/i.exec(
      text,
    );
  if (match === null) return text;
  const [, year, month, day, hour, minute, second, fraction = '', zone = 'Z'] = match;
  const millis = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (millis >= 0 && (zone === '+00' || zone.toUpperCase() === 'Z' || zone === '+00:00')) {
    // UTC after 1970 (nearly every value): whole seconds in milliseconds, then the six fraction digits, without BigInt.
    return `${millis === 0 ? '' : millis / 1000}${fraction.padEnd(6, '0').slice(0, 6)}`.replace(/^0+(?=\d)/, '');
  }
  let micros = BigInt(millis) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6) || '0');
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1n : 1n;
    const [hours = '0', minutes = '0', seconds = '0'] = zone.slice(1).match(/\d\d/g) ?? [];
    const offset = (BigInt(hours) * 3600n + BigInt(minutes) * 60n + BigInt(seconds)) * 1_000_000n;
    micros -= sign * offset;
  }
  return String(micros);
}

/**
 * The common spellings `YYYY-MM-DD HH:MM:SS[.ffffff][+00]` after 1970, read by position: the instant's
 * microseconds as whole seconds then six fraction digits, without a regex or BigInt per value.
 */
function utcInstant(zoned: string): string | undefined {
  // With `+00`, or with no zone at all (a UTC datetime column), which reads as UTC.
  const text = zoned.endsWith('+00') ? zoned.slice(0, -3) : zoned;
  if (text.length < 19 || text[4] !== '-' || text[10] !== ' ' || !/\d$/.test(text)) return undefined;
  const fraction = text.length === 19 ? '' : text[19] === '.' ? text.slice(20) : undefined;
  if (fraction === undefined || !/^\d{0,6}$/.test(fraction)) return undefined;
  const seconds =
    Date.UTC(
      Number(text.slice(0, 4)),
      Number(text.slice(5, 7)) - 1,
      Number(text.slice(8, 10)),
      Number(text.slice(11, 13)),
      Number(text.slice(14, 16)),
      Number(text.slice(17, 19)),
    ) / 1000;
  if (!(seconds > 0) || text.slice(0, 4) < '1971') return undefined;
  return `${seconds}${fraction.padEnd(6, '0')}`;
}

/** Drops trailing zeros of a fractional second (`05.120` → `05.12`, `05.000` → `05`). */
function trimFraction(text: string): string {
  // Most timestamps have no fraction: nothing to trim, and no regex to run.
  if (!text.includes('.')) return text;
  return text.replace(/(\d\d:\d\d:\d\d)\.(\d*?)0+(?=$|[-+Z ])/i, (_, time, digits) =>
    digits === '' ? time : `${time}.${digits}`,
  );
}

/** JSON text with its keys sorted; text that is not JSON stays as it is (a database will refuse it, not the hash). */
function canonicalJsonText(text: string): string {
  try {
    return stableJson(JSON.parse(text));
  } catch {
    return text;
  }
}

function canonicalList(value: unknown, elementType: string): string {
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      return value;
    }
  }
  if (!Array.isArray(list)) return String(value);
  return JSON.stringify(list.map((element) => canonicalValue(element, elementType)));
}

/** JSON with object keys sorted at every level: two spellings of one document are one text. */
export function stableJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  // Built by concatenation, keys sorted only when they are not already: every JSON value of a
  // migration passes here twice (received and read back).
  if (Array.isArray(value)) {
    let out = '[';
    for (let index = 0; index < value.length; index++) {
      if (index > 0) out += ',';
      out += stableJson(value[index]);
    }
    return `${out}]`;
  }
  const keys = Object.keys(value);
  for (let index = 1; index < keys.length; index++) {
    if ((keys[index - 1] as string) > (keys[index] as string)) {
      keys.sort();
      break;
    }
  }
  let out = '{';
  for (let index = 0; index < keys.length; index++) {
    const key = keys[index] as string;
    if (index > 0) out += ',';
    out += `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`;
  }
  return `${out}}`;
}
