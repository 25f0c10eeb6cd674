/**
 * Verification of a staging table: its rows read back by `COPY (SELECT …) TO STDOUT` (streamed,
 * memory flat), each hashed again from Postgres's own values, counted and summed, and compared
 * with the hash the row was staged with, so a row the database changed is named by its key.
 */
import { StringDecoder } from 'node:string_decoder';
import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { HASH_COLUMN, ROW_COLUMN, SEQ_COLUMN } from '../../node-kit/sql/stage-columns.ts';
import type { Readback } from '../../node-kit/sql/stage-verification.ts';
import { RowChecksum, rowHasher } from '../../node-kit/verification.ts';
import { type FromText, outputValue, parseCopyLine } from './copy-text.ts';
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
  const onLine = (line: string) => {
    const fields = parseCopyLine(line);
    for (let index = 0; index < columns.length; index++) {
      values[index] = (outputs[index] as FromText)(fields[index] as string | null);
    }
    const hash = hashRow(values);
    held.add(hash);
    if (firstChanged === undefined && String(hash) !== fields[columns.length]) {
      const key =
        keyIndexes.length > 0
          ? keyIndexes
              .map((index) => `${(columns[index] as { field: string }).field}=${fields[index] ?? 'NULL'}`)
              .join(', ')
          : `batch ${fields[columns.length + 1]}, record ${fields[columns.length + 2]}`;
      firstChanged = { key, message: 'the row differs from the record received (recomputed hash ≠ staged hash)' };
    }
  };
  const stream = client.query(copyTo(`COPY (SELECT ${select.join(', ')} FROM ${quoteTable(stage.table)}) TO STDOUT`));
  const decoder = new StringDecoder('utf8');
  let rest = '';
  for await (const chunk of stream) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      onLine(text.slice(start, end));
      start = end + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== '') onLine(rest);
  return { held, ...(firstChanged === undefined ? {} : { firstChanged }) };
}
