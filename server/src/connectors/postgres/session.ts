/**
 * How `postgres.source` runs the statements of a read (node-kit/sql/read-streams.ts): bounded pages
 * as arrays of text converted by column type, unbounded scans through a server-side cursor, all in
 * the read's one snapshot.
 */
import type pg from 'pg';
import { CancelledError } from '../../errors.ts';
import type { Rec, SourceContext } from '../../node-kit/contract.ts';
import { type ConnectionConfig, sourceFailure } from '../../node-kit/sql/connection.ts';
import type { SqlSession, SqlStream } from '../../node-kit/sql/read-streams.ts';
import { oneStatement, postgresDialect } from './connection.ts';
import { keyParameter, selectExpression, type ValueReader, valueReader } from './record-values.ts';

/** Rows fetched at a time from a scan's cursor. */
const scanRows = 2000;

export function postgresSession(client: pg.Client, config: ConnectionConfig, ctx: SourceContext): SqlSession {
  const readers = new Map<string, ValueReader[]>();
  const readersOf = (stream: SqlStream) => {
    let found = readers.get(stream.name);
    if (found === undefined) {
      found = stream.columns.map(valueReader);
      readers.set(stream.name, found);
    }
    return found;
  };
  const toRecords = (rows: (string | null)[][], stream: SqlStream): Rec[] => {
    const columnReaders = readersOf(stream);
    const names = stream.columns.map((column) => column.name);
    return rows.map((row) => {
      const record: Rec = {};
      for (let index = 0; index < names.length; index++) {
        const text = row[index];
        record[names[index]!] = text === null || text === undefined ? null : columnReaders[index]!(text);
      }
      return record;
    });
  };
  const failure = (error: unknown, stream: SqlStream) =>
    ctx.signal.aborted ? new CancelledError() : sourceFailure(error, config, ctx.nodeId, stream.name);
  return {
    dialect: postgresDialect,
    selectList: (stream) =>
      stream.columns.map((column) => selectExpression(column, postgresDialect.quoteIdentifier)).join(', '),
    async rows(sql, values, stream) {
      try {
        const result = await client.query<(string | null)[]>({ text: sql, values, rowMode: 'array', ...oneStatement });
        return toRecords(result.rows, stream);
      } catch (error) {
        throw failure(error, stream);
      }
    },
    async *scan(sql, values, stream) {
      try {
        await client.query({ text: `DECLARE backflow_scan NO SCROLL CURSOR FOR ${sql}`, values, ...oneStatement });
        for (;;) {
          const result = await client.query<(string | null)[]>({
            text: `FETCH FORWARD ${scanRows} FROM backflow_scan`,
            rowMode: 'array',
          });
          if (result.rows.length === 0) break;
          yield toRecords(result.rows, stream);
        }
        await client.query('CLOSE backflow_scan');
      } catch (error) {
        throw failure(error, stream);
      }
    },
    param: keyParameter,
  };
}
