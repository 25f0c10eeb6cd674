/**
 * PostgreSQL types as Backflow column types (README "Type mapping (read)"), from the catalog's
 * `format_type` text and the type's kind (enum labels, array elements).
 */
import type { Column } from '../../node-kit/contract.ts';

/** What the catalog says of a column's type. */
export interface PostgresType {
  /** `format_type(oid, typmod)`: `numeric(12,2)`, `character varying(40)`, `integer[]`, `mood`. */
  formatted: string;
  /** Enum labels in order, when the type (or the array's element type) is an enum. */
  enumLabels?: string[];
  /** Whether it is an array type. */
  array: boolean;
}

/** Widest DECIMAL Backflow carries; wider or unbounded numerics are declared DECIMAL(38,10) (values stay exact text). */
const maxDecimalPrecision = 38;

function quoteEnumLabel(label: string): string {
  return `'${label.replaceAll("'", "''")}'`;
}

/** The Backflow type of one (element) type, and its declared length. */
function scalarType(formatted: string, enumLabels: string[] | undefined): { type: string; maxLength?: number } {
  if (enumLabels !== undefined) return { type: `ENUM(${enumLabels.map(quoteEnumLabel).join(', ')})` };
  const text = formatted.replace(/\[\]$/, '');
  const simple: Record<string, string> = {
    smallint: 'SMALLINT',
    integer: 'INTEGER',
    bigint: 'BIGINT',
    real: 'FLOAT',
    'double precision': 'DOUBLE',
    boolean: 'BOOLEAN',
    text: 'VARCHAR',
    bytea: 'BLOB',
    date: 'DATE',
    json: 'JSON',
    jsonb: 'JSON',
    uuid: 'UUID',
    numeric: `DECIMAL(${maxDecimalPrecision},10)`,
  };
  if (simple[text]) return { type: simple[text] };
  const numeric = /^numeric\((\d+),(\d+)\)$/.exec(text);
  if (numeric) {
    const [precision, scale] = [Number(numeric[1]), Number(numeric[2])];
    return {
      type: precision > maxDecimalPrecision ? `DECIMAL(${maxDecimalPrecision},10)` : `DECIMAL(${precision},${scale})`,
    };
  }
  const characters = /^character(?: varying)?(?:\((\d+)\))?$/.exec(text);
  if (characters) {
    const length = characters[1] ?? (text.startsWith('character varying') ? undefined : '1');
    return length === undefined ? { type: 'VARCHAR' } : { type: 'VARCHAR', maxLength: Number(length) };
  }
  if (/^timestamp(\(\d\))? without time zone$/.test(text)) return { type: 'TIMESTAMP' };
  if (/^timestamp(\(\d\))? with time zone$/.test(text)) return { type: 'TIMESTAMPTZ' };
  if (/^time(\(\d\))? without time zone$/.test(text)) return { type: 'TIME' };
  if (/^time(\(\d\))? with time zone$/.test(text)) return { type: 'TIMETZ' };
  if (/^interval\b/.test(text)) return { type: 'INTERVAL' };
  if (/^bit( varying)?\b/.test(text)) return { type: 'BIT' };
  // inet, money, xml, tsvector, geometric types, domains…: their text form.
  return { type: 'VARCHAR' };
}

/** The Backflow column of a PostgreSQL column. */
export function backflowColumn(
  name: string,
  type: PostgresType,
  facts: { notNull?: boolean; autoIncrement?: boolean } = {},
): Column {
  const scalar = scalarType(type.formatted, type.enumLabels);
  return {
    name,
    type: type.array ? `${scalar.type}[]` : scalar.type,
    ...(facts.notNull ? { notNull: true } : {}),
    ...(!type.array && scalar.maxLength !== undefined ? { maxLength: scalar.maxLength } : {}),
    ...(facts.autoIncrement ? { autoIncrement: true } : {}),
  };
}
