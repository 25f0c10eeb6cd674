/**
 * Each column as the text `csv.format` writes for its record value (`valueToText` of the form in
 * record-values.ts), computed by PostgreSQL inside `COPY (SELECT …)`, so the fused parts read back
 * as the row path's: booleans `true`/`false`, floats in JavaScript's number text, BLOB as escaped
 * text, INTERVAL and arrays as the JSON of their record forms. Other types: PostgreSQL's own text is
 * already the record value.
 */
import type { Column } from '../../node-kit/contract.ts';

/** The IEEE bits of a float8 as a bigint. */
const bitsOf = (value: string) => `('x' || encode(float8send(${value}), 'hex'))::bit(64)::bigint`;

/**
 * A double as JavaScript's `String(number)`, or exact digits from 1e21 up (as `valueToText` writes
 * integers there): PostgreSQL's shortest digits are JavaScript's, only the notation differs.
 */
function doubleText(value: string): string {
  const text = `${value}::text`;
  const exponent = `split_part(${text}, 'e', 2)::int`;
  const digits = `replace(replace(split_part(${text}, 'e', 1), '-', ''), '.', '')`;
  const sign = `CASE WHEN ${value} < 0 THEN '-' ELSE '' END`;
  const exact = `trunc(((${bitsOf(value)} & 4503599627370495) | 4503599627370496)::numeric * power(2::numeric, ((${bitsOf(value)} >> 52) & 2047) - 1075))::text`;
  const positional = `CASE WHEN ${exponent} >= 0
      THEN rpad(${digits}, ${exponent} + 1, '0') || CASE WHEN length(${digits}) > ${exponent} + 1 THEN '.' || substr(${digits}, ${exponent} + 2) ELSE '' END
      ELSE '0.' || repeat('0', -${exponent} - 1) || ${digits} END`;
  return `CASE
    WHEN ${value} IS NULL THEN NULL
    WHEN ${value} = 0 THEN '0'
    WHEN ${value} IN ('NaN'::float8, 'Infinity'::float8, '-Infinity'::float8) THEN ${text}
    WHEN abs(${value}) >= 1e21 THEN ${sign} || ${exact}
    WHEN position('e' IN ${text}) = 0 THEN ${text}
    WHEN ${exponent} >= -6 THEN ${sign} || ${positional}
    ELSE regexp_replace(${text}, 'e([+-])0*(\\d)', 'e\\1\\2') END`;
}

/** BLOB escaped text: printable ASCII as is, every other byte (and `"`, `'`, `\`) as `\xHH`. */
function blobText(value: string): string {
  return `CASE WHEN ${value} IS NULL THEN NULL ELSE (
    SELECT coalesce(string_agg(CASE WHEN b BETWEEN 32 AND 126 AND b NOT IN (34, 39, 92) THEN chr(b)
                                    ELSE '\\x' || upper(lpad(to_hex(b), 2, '0')) END, '' ORDER BY i), '')
      FROM generate_series(0, length(${value}) - 1) AS i CROSS JOIN LATERAL get_byte(${value}, i) AS b) END`;
}

function intervalText(value: string): string {
  const months = `(extract(year FROM ${value}) * 12 + extract(month FROM ${value}))::bigint`;
  const micros = `(extract(hour FROM ${value}) * 3600000000 + extract(minute FROM ${value}) * 60000000 + extract(microseconds FROM ${value}))::bigint`;
  return `'{"months":' || ${months} || ',"days":' || extract(day FROM ${value})::bigint || ',"micros":"' || ${micros} || '"}'`;
}

/** Element types whose JSON PostgreSQL writes as the record form's: numbers and booleans as they are. */
const jsonElements = new Set(['SMALLINT', 'INTEGER', 'BOOLEAN']);

/** The SELECT expression of a column's CSV text, named as the column. */
export function csvExpression(column: Column, quote: (name: string) => string): string {
  const name = quote(column.name);
  const type = column.type;
  const as = (expression: string) => `${expression} AS ${name}`;
  if (type.endsWith('[]')) {
    // Other elements as their text, which is their record form (floats, BLOB and INTERVAL elements excepted: README).
    return as(
      jsonElements.has(type.slice(0, -2)) ? `array_to_json(${name})::text` : `array_to_json(${name}::text[])::text`,
    );
  }
  switch (type) {
    case 'BOOLEAN':
      return as(`${name}::text`);
    case 'FLOAT':
      // The record holds the double nearest the float's shortest text (parseFloat), not its exact value.
      return as(doubleText(`${name}::text::float8`));
    case 'DOUBLE':
      return as(doubleText(name));
    case 'BLOB':
      return as(blobText(name));
    case 'INTERVAL':
      return as(intervalText(name));
    default:
      return name;
  }
}
