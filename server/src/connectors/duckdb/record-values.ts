/**
 * The one mapping between DuckDB values and record values, both ways (README.md, "Type mapping").
 *
 * Reading uses DuckDB's JSON conversion (what `getRowObjectsJson` produces) so exact types travel
 * as DuckDB's own text. Writing turns each record value into text and lets DuckDB cast it to the
 * column type in SQL, so DuckDB's parser (not ours) decides what `'2024-01-02'` or
 * `'12.30'` means, and a value that does not fit shows up as NULL where text was given.
 */
import type { DuckDBType, DuckDBValue, DuckDBValueConverter, Json } from '@duckdb/node-api';
// The type ids alone (a plain enum): '@duckdb/node-api' itself loads DuckDB's native library, about
// 0.35 s of CPU that a start of the CLI (node-types, validate) must not pay.
import { DuckDBTypeId } from '@duckdb/node-api/lib/DuckDBTypeId.js';
import { blobToText } from '../../node-kit/blob-text.ts';
import { lazyPackage } from '../../node-kit/lazy-package.ts';
import { quoteIdentifier } from './database.ts';

/** DuckDB's API where values are converted: a database is open by then, so this loads nothing new. */
const duckdb = lazyPackage<typeof import('@duckdb/node-api')>('@duckdb/node-api');

/**
 * DuckDB value → record value. `JsonDuckDBValueConverter`, corrected where its text differs from
 * DuckDB's own VARCHAR cast (and so would not cast back): BLOB bytes 0x5C, and infinite
 * DATE / TIMESTAMP_S / TIMESTAMP_MS / TIMESTAMP_NS values.
 */
export const recordValue: DuckDBValueConverter<Json> = (value, type, converter) => {
  const { DuckDBBlobValue, JsonDuckDBValueConverter } = duckdb();
  switch (type.typeId) {
    case DuckDBTypeId.BLOB:
      return value instanceof DuckDBBlobValue ? blobToText(value.bytes) : null;
    case DuckDBTypeId.DATE:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return infinityText(value) ?? JsonDuckDBValueConverter(value, type, converter);
    default:
      return JsonDuckDBValueConverter(value, type, converter);
  }
};

function infinityText(value: DuckDBValue): string | undefined {
  const {
    DuckDBDateValue,
    DuckDBTimestampSecondsValue,
    DuckDBTimestampMillisecondsValue,
    DuckDBTimestampNanosecondsValue,
  } = duckdb();
  let sign: number | bigint | undefined;
  if (value instanceof DuckDBDateValue && !value.isFinite) sign = value.days;
  else if (value instanceof DuckDBTimestampSecondsValue && !value.isFinite) sign = value.seconds;
  else if (value instanceof DuckDBTimestampMillisecondsValue && !value.isFinite) sign = value.millis;
  else if (value instanceof DuckDBTimestampNanosecondsValue && !value.isFinite) sign = value.nanos;
  if (sign === undefined) return undefined;
  return sign > 0 ? 'infinity' : '-infinity';
}

/** A column records are written to: its DuckDB type as an object (to walk) and as DuckDB spells it (for SQL). */
export interface TypedColumn {
  name: string;
  type: DuckDBType;
  typeText: string;
}

/**
 * Record value → the text DuckDB casts to `type` (SQL NULL for null/undefined). Strings pass
 * unchanged (they are already DuckDB text, e.g. from a CSV); numbers and booleans become their
 * literal; lists and objects become JSON, with the record forms of MAP, UNION and INTERVAL
 * reshaped into what DuckDB's JSON cast accepts.
 */
export function castableText(value: unknown, type: DuckDBType): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  const shaped = hasReshapedType(type) ? reshape(value, type) : value;
  return typeof shaped === 'string' ? shaped : JSON.stringify(shaped);
}

/** Types whose record form DuckDB's JSON cast does not read (see `reshape`). */
const RESHAPED_TYPES = [DuckDBTypeId.INTERVAL, DuckDBTypeId.MAP, DuckDBTypeId.UNION];

function hasReshapedType(type: DuckDBType): boolean {
  return containsType(type, RESHAPED_TYPES);
}

function containsType(type: DuckDBType, typeIds: readonly DuckDBTypeId[]): boolean {
  return typeIds.includes(type.typeId) || childTypes(type).some((child) => containsType(child, typeIds));
}

function childTypes(type: DuckDBType): readonly DuckDBType[] {
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return [type.valueType];
    case DuckDBTypeId.STRUCT:
      return type.entryTypes;
    case DuckDBTypeId.MAP:
      return [type.keyType, type.valueType];
    case DuckDBTypeId.UNION:
      return type.memberTypes;
    default:
      return [];
  }
}

/** Record forms DuckDB does not cast from JSON: MAP `[{key, value}]` → `{key: value}`, UNION `{tag, value}` → `{tag: value}`, INTERVAL `{months, days, micros}` → text. */
function reshape(value: unknown, type: DuckDBType): unknown {
  if (value === null || typeof value !== 'object') return value;
  const entries = value as Record<string, unknown>;
  switch (type.typeId) {
    case DuckDBTypeId.INTERVAL:
      return 'months' in entries && 'days' in entries && 'micros' in entries
        ? `${entries.months} months ${entries.days} days ${entries.micros} microseconds`
        : value;
    case DuckDBTypeId.MAP:
      if (!Array.isArray(value) || !value.every(isMapEntry)) return value;
      return Object.fromEntries(
        value.map((entry) => {
          const key = reshape(entry.key, type.keyType);
          return [typeof key === 'string' ? key : JSON.stringify(key), reshape(entry.value, type.valueType)];
        }),
      );
    case DuckDBTypeId.UNION: {
      const memberIndex = typeof entries.tag === 'string' ? type.tagMemberIndexes[entries.tag] : undefined;
      const memberType = memberIndex === undefined ? undefined : type.memberTypes[memberIndex];
      return memberType === undefined ? value : { [entries.tag as string]: reshape(entries.value, memberType) };
    }
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.ARRAY:
      return Array.isArray(value) ? value.map((item) => reshape(item, type.valueType)) : value;
    case DuckDBTypeId.STRUCT:
      return Object.fromEntries(
        Object.entries(entries).map(([key, item]) => {
          const entryType = type.typeForEntry(key);
          return [key, entryType === undefined ? item : reshape(item, entryType)];
        }),
      );
    default:
      return value;
  }
}

function isMapEntry(entry: unknown): entry is { key: unknown; value: unknown } {
  return typeof entry === 'object' && entry !== null && 'key' in entry && 'value' in entry;
}

/**
 * SQL turning the text expression `text` into `column`'s type, NULL when the text does not
 * convert (the caller compares with the text to find those values).
 *
 * Nested values are read as JSON into the same shape with VARCHAR leaves, then cast to the
 * column type, so every leaf goes through DuckDB's VARCHAR cast exactly like a top-level value
 * (JSON's own casts would take BLOB text literally and JSON texts as strings). Failing that,
 * DuckDB's literal form (`{'a': 1}`, as DuckDB writes nested values to CSV) is tried.
 * `TRY(...)` makes one bad element fail the whole value instead of becoming a NULL inside it.
 */
export function castFromText(text: string, column: TypedColumn): string {
  const { type, typeText } = column;
  if (!convertsText(type)) return text;
  if (childTypes(type).length === 0) return `TRY_CAST(${text} AS ${typeText})`;
  const fromJson = `TRY(CAST(CAST(CAST(${text} AS JSON) AS ${textCarrier(type)}) AS ${typeText}))`;
  // DuckDB cannot COALESCE fixed-size ARRAY values, and reads any text (even NULL) as some UNION member.
  if (type.typeId === DuckDBTypeId.UNION || containsType(type, [DuckDBTypeId.ARRAY])) return fromJson;
  return `COALESCE(${fromJson}, TRY(CAST(${text} AS ${typeText})))`;
}

/** `type`'s shape with VARCHAR for every scalar: what JSON casts into without interpreting any leaf. */
function textCarrier(type: DuckDBType): string {
  const members = (names: readonly string[], types: readonly DuckDBType[]) =>
    names.map((name, index) => `${quoteIdentifier(name)} ${textCarrier(types[index] as DuckDBType)}`).join(', ');
  switch (type.typeId) {
    case DuckDBTypeId.LIST:
      return `${textCarrier(type.valueType)}[]`;
    case DuckDBTypeId.ARRAY:
      return `${textCarrier(type.valueType)}[${type.length}]`;
    case DuckDBTypeId.STRUCT:
      return `STRUCT(${members(type.entryNames, type.entryTypes)})`;
    case DuckDBTypeId.MAP:
      // JSON object keys are strings whatever the key type.
      return `MAP(VARCHAR, ${textCarrier(type.valueType)})`;
    case DuckDBTypeId.UNION:
      return `UNION(${members(type.memberTags, type.memberTypes)})`;
    default:
      return 'VARCHAR';
  }
}

/** Whether text written to a column of `type` goes through a cast that can fail (everything but plain VARCHAR). */
export function convertsText(type: DuckDBType): boolean {
  return type.typeId !== DuckDBTypeId.VARCHAR || type.alias === 'JSON';
}
