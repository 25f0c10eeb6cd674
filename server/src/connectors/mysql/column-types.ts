/**
 * MySQL and MariaDB types as Backflow column types (README "Type mapping (read)"): from a table's
 * `COLUMN_TYPE` (`tinyint(1)`, `int(10) unsigned`, `enum('a','b')`, `decimal(12,2)`), or from the
 * result metadata of a query.
 */
import type { Column } from '../../node-kit/contract.ts';

/** Widest DECIMAL Backflow carries; a wider decimal is read as VARCHAR (its exact text). */
const maxDecimalPrecision = 38;

/** Longest text of each TEXT type, in characters as MySQL declares them. */
const textLengths: Record<string, number> = {
  tinytext: 255,
  text: 65_535,
  mediumtext: 16_777_215,
  longtext: 4_294_967_295,
};

const integerTypes: Record<string, [string, string]> = {
  tinyint: ['TINYINT', 'UTINYINT'],
  smallint: ['SMALLINT', 'USMALLINT'],
  mediumint: ['INTEGER', 'UINTEGER'],
  int: ['INTEGER', 'UINTEGER'],
  integer: ['INTEGER', 'UINTEGER'],
  bigint: ['BIGINT', 'UBIGINT'],
};

/** The members of `enum('a','it''s')` / `set(…)`, unquoted. */
export function typeMembers(columnType: string): string[] {
  const list = columnType.slice(columnType.indexOf('(') + 1, columnType.lastIndexOf(')'));
  return [...list.matchAll(/'((?:[^']|'')*)'/g)].map((match) => match[1]!.replaceAll("''", "'"));
}

function enumType(members: string[]): string {
  return `ENUM(${members.map((member) => `'${member.replaceAll("'", "''")}'`).join(', ')})`;
}

/** A table column's Backflow type (and declared length) from its COLUMN_TYPE. */
function tableColumnType(columnType: string, isJson: boolean): { type: string; maxLength?: number } {
  const text = columnType.toLowerCase();
  const base = /^[a-z0-9]+/.exec(text)?.[0] ?? text;
  const size = /^\w+\((\d+)(?:,(\d+))?\)/.exec(text);
  const unsigned = /\bunsigned\b/.test(text);
  if (base === 'tinyint' && size?.[1] === '1') return { type: 'BOOLEAN' };
  const integer = integerTypes[base];
  if (integer) return { type: integer[unsigned ? 1 : 0] };
  if (base === 'decimal' || base === 'numeric') {
    const precision = Number(size?.[1] ?? 10);
    const scale = Number(size?.[2] ?? 0);
    return precision > maxDecimalPrecision ? { type: 'VARCHAR' } : { type: `DECIMAL(${precision},${scale})` };
  }
  if (base === 'float') return { type: 'FLOAT' };
  if (base === 'double' || base === 'real') return { type: 'DOUBLE' };
  if (base === 'char' || base === 'varchar') return { type: 'VARCHAR', maxLength: Number(size?.[1] ?? 1) };
  if (base in textLengths) return isJson ? { type: 'JSON' } : { type: 'VARCHAR', maxLength: textLengths[base]! };
  if (base === 'json') return { type: 'JSON' };
  if (/^(binary|varbinary|tinyblob|blob|mediumblob|longblob)$/.test(base)) return { type: 'BLOB' };
  if (base === 'date') return { type: 'DATE' };
  if (base === 'datetime') return { type: 'TIMESTAMP' };
  if (base === 'timestamp') return { type: 'TIMESTAMPTZ' };
  if (base === 'time') return { type: 'TIME' };
  if (base === 'year') return { type: 'SMALLINT' };
  if (base === 'enum') return { type: enumType(typeMembers(columnType)) };
  if (base === 'set') return { type: 'VARCHAR[]' };
  // BIT(n): the bit count travels as maxLength, so values keep their leading zeros.
  if (base === 'bit')
    return size?.[1] === '1' || !size ? { type: 'BOOLEAN' } : { type: 'BIT', maxLength: Number(size[1]) };
  if (base === 'uuid') return { type: 'UUID' };
  if (/^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)$/.test(base)) {
    return { type: 'BLOB' };
  }
  // inet4, inet6, vector…: their text form.
  return { type: 'VARCHAR' };
}

/** The Backflow column of a table column. */
export function tableColumn(
  name: string,
  columnType: string,
  facts: { notNull?: boolean; autoIncrement?: boolean; isJson?: boolean },
): Column {
  const { type, maxLength } = tableColumnType(columnType, facts.isJson ?? false);
  return {
    name,
    type,
    ...(facts.notNull ? { notNull: true } : {}),
    ...(maxLength !== undefined ? { maxLength } : {}),
    ...(facts.autoIncrement ? { autoIncrement: true } : {}),
  };
}

/** What a query's result says of a column (mysql2's field packet). */
export interface ResultField {
  name: string;
  columnType?: number;
  type?: number;
  columnLength?: number;
  decimals: number;
  flags: number | string[];
  characterSet?: number;
  extendedTypeName?: string;
  extendedFormat?: string;
}

const flag = { notNull: 1, unsigned: 32, enum: 256, autoIncrement: 512, set: 2048 };
const binaryCharset = 63;

/** The Backflow column of a query's result column: what the wire says (ENUM members and JSON-in-text are unknown there). */
export function resultColumn(field: ResultField): Column {
  const flags = typeof field.flags === 'number' ? field.flags : 0;
  const unsigned = (flags & flag.unsigned) !== 0;
  const length = field.columnLength ?? 0;
  const code = field.columnType ?? field.type ?? 253;
  const binary = field.characterSet === binaryCharset;
  const type = ((): string => {
    switch (code) {
      case 1:
        return length === 1 ? 'BOOLEAN' : unsigned ? 'UTINYINT' : 'TINYINT';
      case 2:
        return unsigned ? 'USMALLINT' : 'SMALLINT';
      case 3:
      case 9:
        return unsigned ? 'UINTEGER' : 'INTEGER';
      case 8:
        return unsigned ? 'UBIGINT' : 'BIGINT';
      case 0:
      case 246: {
        const precision = length - (field.decimals > 0 ? 1 : 0) - (unsigned ? 0 : 1);
        return precision > maxDecimalPrecision ? 'VARCHAR' : `DECIMAL(${precision},${field.decimals})`;
      }
      case 4:
        return 'FLOAT';
      case 5:
        return 'DOUBLE';
      case 7:
        return 'TIMESTAMPTZ';
      case 10:
      case 14:
        return 'DATE';
      case 11:
        return 'TIME';
      case 12:
        return 'TIMESTAMP';
      case 13:
        return 'SMALLINT';
      case 16:
        return length === 1 ? 'BOOLEAN' : 'BIT';
      case 245:
        return 'JSON';
      case 255:
        return 'BLOB';
      default:
        if (field.extendedTypeName === 'uuid') return 'UUID';
        if (field.extendedFormat === 'json') return 'JSON';
        if ((flags & flag.set) !== 0) return 'VARCHAR[]';
        return binary ? 'BLOB' : 'VARCHAR';
    }
  })();
  return {
    name: field.name,
    type,
    ...((flags & flag.notNull) !== 0 ? { notNull: true } : {}),
    ...(type === 'BIT' ? { maxLength: length } : {}),
    ...((flags & flag.autoIncrement) !== 0 ? { autoIncrement: true } : {}),
  };
}
