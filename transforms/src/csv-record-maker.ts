import type { CsvRecord } from './csv-parse.ts';

/** Builds one record from a row's values (`quoted` tells a quoted empty string from an empty field). */
export type RecordMaker = (fields: readonly string[], quoted: readonly boolean[], emptyAsNull: boolean) => CsvRecord;

/**
 * A record builder for these column names: one object literal naming every column, compiled once per
 * file. Built field by field, a record outgrows the four slots V8 gives `{}` and its properties move to
 * a separate array that grows as they come (about twice the memory, and far more garbage); a literal
 * gets all its slots at once, and every record shares one hidden class, which keeps later nodes (map,
 * JSON.stringify) on V8's fast paths. Names go in as JSON string literals, so no column name can
 * become code; `__proto__` is written as a computed key, which makes an own field, not a prototype.
 */
export function recordMaker(columns: readonly string[]): RecordMaker {
  const members = columns.map((name, index) => {
    const key = name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name);
    return `${key}: emptyAsNull && f[${index}] === '' && !q[${index}] ? null : f[${index}]`;
  });
  return new Function('f', 'q', 'emptyAsNull', `return {\n${members.join(',\n')}\n};`) as RecordMaker;
}
