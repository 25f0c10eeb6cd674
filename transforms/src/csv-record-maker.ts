import type { CsvRecord } from './csv-parse.ts';
import { compileRecordLiteral } from './record-literal.ts';

/** Builds one record from a row's values (`quoted` tells a quoted empty string from an empty field). */
export type RecordMaker = (fields: readonly string[], quoted: readonly boolean[], emptyAsNull: boolean) => CsvRecord;

/** A record builder for these column names, compiled once per file (see `compileRecordLiteral`). */
export function recordMaker(columns: readonly string[]): RecordMaker {
  return compileRecordLiteral<RecordMaker>(
    columns,
    ['f', 'q', 'emptyAsNull'],
    (index) => `emptyAsNull && f[${index}] === '' && !q[${index}] ? null : f[${index}]`,
  );
}
