/**
 * How `mysql.source` runs the statements of a read (node-kit/sql/read-streams.ts): bounded pages as
 * arrays of raw values converted by column type, unbounded scans streamed row by row, zero dates
 * counted per column and reported once the stream ends.
 */
import type { Connection as CoreConnection } from 'mysql2';
import type mysql from 'mysql2/promise';
import { CancelledError } from '../../errors.ts';
import type { Rec, SourceContext } from '../../node-kit/contract.ts';
import { type ConnectionConfig, sourceFailure } from '../../node-kit/sql/connection.ts';
import type { SqlSession, SqlStream } from '../../node-kit/sql/read-streams.ts';
import { mysqlDialect } from './connection.ts';
import { keyParameter, type RawValue, type ValueReader, valueReader } from './record-values.ts';

/** Rows handed on at a time from a scan. */
const scanRows = 2000;

interface StreamReaders {
  readers: ValueReader[];
  zeroDates: number[];
}

export function mysqlSession(connection: mysql.Connection, config: ConnectionConfig, ctx: SourceContext): SqlSession {
  const byStream = new Map<string, StreamReaders>();
  const readersOf = (stream: SqlStream) => {
    let found = byStream.get(stream.name);
    if (found === undefined) {
      const zeroDates = stream.columns.map(() => 0);
      const readers = stream.columns.map((column, index) =>
        valueReader(column, () => {
          zeroDates[index]! += 1;
        }),
      );
      found = { readers, zeroDates };
      byStream.set(stream.name, found);
    }
    return found;
  };
  const toRecords = (rows: (RawValue | null)[][], stream: SqlStream): Rec[] => {
    const { readers } = readersOf(stream);
    const names = stream.columns.map((column) => column.name);
    return rows.map((row) => {
      const record: Rec = {};
      for (let index = 0; index < names.length; index++) {
        const raw = row[index];
        record[names[index]!] = raw === null || raw === undefined ? null : readers[index]!(raw);
      }
      return record;
    });
  };
  const failure = (error: unknown, stream: SqlStream) =>
    ctx.signal.aborted ? new CancelledError() : sourceFailure(error, config, ctx.nodeId, stream.name);
  return {
    dialect: mysqlDialect,
    selectList: (stream) => stream.columns.map((column) => mysqlDialect.quoteIdentifier(column.name)).join(', '),
    async rows(sql, values, stream) {
      try {
        const [rows] = await connection.query({ sql, values, rowsAsArray: true });
        return toRecords(rows as unknown as (RawValue | null)[][], stream);
      } catch (error) {
        throw failure(error, stream);
      }
    },
    async *scan(sql, values, stream) {
      // The callback connection streams rows as they arrive, pausing the socket while a chunk is handed on.
      const core = (connection as unknown as { connection: CoreConnection }).connection;
      const rows = core.query({ sql, values, rowsAsArray: true }).stream({ highWaterMark: scanRows });
      let chunk: (RawValue | null)[][] = [];
      try {
        for await (const row of rows) {
          chunk.push(row as (RawValue | null)[]);
          if (chunk.length === scanRows) {
            yield toRecords(chunk, stream);
            chunk = [];
          }
        }
        if (chunk.length > 0) yield toRecords(chunk, stream);
      } catch (error) {
        throw failure(error, stream);
      } finally {
        rows.destroy();
      }
    },
    param: keyParameter,
    finished(stream) {
      const found = byStream.get(stream.name);
      stream.columns.forEach((column, index) => {
        const count = found?.zeroDates[index] ?? 0;
        if (count > 0) {
          ctx.log.warn('zero dates read as NULL', { table: stream.name, column: column.name, count });
        }
      });
    },
  };
}
