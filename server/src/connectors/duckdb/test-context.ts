/** SQL against a DuckDB test file, through the process's shared instance (as the node types open it). */
import type { Json } from '@duckdb/node-api';
import { connectDatabase, disconnect } from './database.ts';

/** Runs `statements` against `file`; returns the rows of the last one. */
export async function sql(file: string, statements: string): Promise<Json[][]> {
  const connection = await connectDatabase(file, { mustExist: false, nodeId: 'test' });
  try {
    return (await connection.runAndReadAll(statements)).getRowsJson();
  } finally {
    disconnect(connection);
  }
}
