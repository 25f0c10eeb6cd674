/**
 * Verification of a staging table: its rows read back by one streaming query (mysql2's row
 * stream, memory flat), each hashed again from MySQL's own values, counted and summed, and
 * compared with the hash the row was staged with, so a row the database changed is named by its key.
 */
import type { Connection as CoreConnection } from 'mysql2';
import type { Connection } from 'mysql2/promise';
import { HASH_COLUMN, ROW_COLUMN, SEQ_COLUMN } from '../../node-kit/sql/stage-columns.ts';
import type { Readback } from '../../node-kit/sql/stage-verification.ts';
import { RowChecksum, rowHasher } from '../../node-kit/verification.ts';
import { quoteIdentifier } from './sql.ts';
import type { StreamStage } from './stage.ts';
import { readbackValue } from './values.ts';

export async function readBack(connection: Connection, stage: StreamStage): Promise<Readback> {
  const columns = stage.columns;
  const hashRow = rowHasher(columns.map((column) => column.type));
  const readers = columns.map((column) => readbackValue(column.type));
  const keyIndexes = stage.saved.key
    .map((key) => columns.findIndex((column) => column.name === key))
    .filter((index) => index >= 0);
  const select = [...columns.map((column) => column.name), HASH_COLUMN, SEQ_COLUMN, ROW_COLUMN].map(quoteIdentifier);
  const held = new RowChecksum();
  let firstChanged: Readback['firstChanged'];
  const values: unknown[] = new Array(columns.length);
  const core = (connection as unknown as { connection: CoreConnection }).connection;
  const onRow = (row: unknown[]) => {
    for (let index = 0; index < columns.length; index++)
      values[index] = (readers[index] as (v: unknown) => unknown)(row[index]);
    const hash = hashRow(values);
    held.add(hash);
    if (firstChanged === undefined && String(hash) !== String(row[columns.length])) {
      const key =
        keyIndexes.length > 0
          ? keyIndexes
              .map((index) => `${(columns[index] as { field: string }).field}=${String(row[index] ?? 'NULL')}`)
              .join(', ')
          : `batch ${row[columns.length + 1]}, record ${row[columns.length + 2]}`;
      firstChanged = { key, message: 'the row differs from the record received (recomputed hash ≠ staged hash)' };
    }
  };
  // Rows handled as each arrives, synchronously (no async iterator per row): memory stays flat, and
  // the socket is not read again until a row is hashed.
  await new Promise<void>((resolve, reject) => {
    const query = core.query({
      sql: `SELECT ${select.join(', ')} FROM ${quoteIdentifier(stage.table)}`,
      rowsAsArray: true,
    });
    query.on('result', (row) => onRow(row as unknown as unknown[]));
    query.on('error', reject);
    query.on('end', () => resolve());
  });
  return { held, ...(firstChanged === undefined ? {} : { firstChanged }) };
}
