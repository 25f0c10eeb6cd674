/**
 * Verification of a staging table: its rows read back by `COPY (SELECT …) TO STDOUT` (streamed,
 * memory flat), each hashed again from Postgres's own values, counted and summed, and compared
 * with the hash the row was staged with, so a row the database changed is named by its key.
 */
import { StringDecoder } from 'node:string_decoder';
import type pg from 'pg';
import { HASH_COLUMN, ROW_COLUMN, SEQ_COLUMN } from '../../node-kit/sql/stage-columns.ts';
import type { Readback } from '../../node-kit/sql/stage-verification.ts';
import { RowChecksum, rowHasher } from '../../node-kit/verification.ts';
import { copyField, type FromText, outputValue, parseCopyLine } from './copy-text.ts';
import { quoteIdentifier, quoteTable } from './sql.ts';
import type { StreamStage } from './stage.ts';

export async function readBack(client: pg.Client, stage: StreamStage): Promise<Readback> {
  const columns = stage.columns;
  const hashRow = rowHasher(columns.map((column) => column.type));
  const outputs: FromText[] = columns.map((column) => outputValue(column.type));
  const keyIndexes = stage.saved.key
    .map((key) => columns.findIndex((column) => column.name === key))
    .filter((index) => index >= 0);
  const select = [...columns.map((column) => column.name), HASH_COLUMN, SEQ_COLUMN, ROW_COLUMN].map(quoteIdentifier);
  const held = new RowChecksum();
  let firstChanged: Readback['firstChanged'];
  const values: unknown[] = new Array(columns.length);
  const count = columns.length;
  /**
   * One row of COPY text, `text[start, end)`: fields cut by tab straight into `values` (no array
   * of fields, no line string); escapes are rare, so unescaping is per field and only when needed.
   */
  const onLine = (text: string, start: number, end: number) => {
    let from = start;
    for (let index = 0; index < count; index++) {
      const tab = text.indexOf('\t', from);
      values[index] = (outputs[index] as FromText)(copyField(text.slice(from, tab)));
      from = tab + 1;
    }
    const hashEnd = text.indexOf('\t', from);
    const hash = hashRow(values);
    held.add(hash);
    if (firstChanged === undefined && String(hash) !== text.slice(from, hashEnd)) {
      const fields = parseCopyLine(text.slice(start, end));
      const key =
        keyIndexes.length > 0
          ? keyIndexes
              .map((index) => `${(columns[index] as { field: string }).field}=${fields[index] ?? 'NULL'}`)
              .join(', ')
          : `batch ${fields[count + 1]}, record ${fields[count + 2]}`;
      firstChanged = { key, message: 'the row differs from the record received (recomputed hash ≠ staged hash)' };
    }
  };
  const { to: copyTo } = await import('pg-copy-streams');
  const stream = client.query(copyTo(`COPY (SELECT ${select.join(', ')} FROM ${quoteTable(stage.table)}) TO STDOUT`));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      onLine(text, start, end);
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') onLine(rest, 0, rest.length);
  return { held, ...(firstChanged === undefined ? {} : { firstChanged }) };
}
