/**
 * DuckDB's parser as a syntax check: `json_serialize_sql` parses a statement and describes it
 * without binding or running it, so a check never reads a table, a file or the user's database.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/** What DuckDB's parser makes of a text: how many statements, or where and why it stopped. */
export type ParsedSql =
  | { statements: number }
  | {
      /** `parser` for a syntax error; `not implemented` for a statement that parses but is no plain SELECT. */
      errorType: string;
      /** DuckDB's words, e.g. `syntax error at or near "frm"`. */
      message: string;
      /** Where the parser stopped, in code points from the start of the text. */
      position?: number;
    };

/**
 * One in-memory instance for every check of the process: nothing is stored in it, and with
 * external access off not even a statement that got past the parser could touch a file.
 */
let parser: Promise<DuckDBInstance> | undefined;

async function connectParser(): Promise<DuckDBConnection> {
  parser ??= import('@duckdb/node-api').then(({ DuckDBInstance }) =>
    DuckDBInstance.create(':memory:', { enable_external_access: 'false', memory_limit: '64MB' }),
  );
  return (await parser).connect();
}

/** Parses `sql` (never runs it). */
export async function parseSql(sql: string): Promise<ParsedSql> {
  const connection = await connectParser();
  try {
    const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
    const parsed = JSON.parse(String(reader.getRowsJson()[0]?.[0])) as {
      error: boolean;
      statements?: unknown[];
      error_type?: string;
      error_message?: string;
      position?: string;
    };
    if (!parsed.error) return { statements: parsed.statements?.length ?? 0 };
    return {
      errorType: parsed.error_type ?? 'parser',
      message: parsed.error_message ?? 'does not parse',
      ...(parsed.position === undefined ? {} : { position: Number(parsed.position) }),
    };
  } finally {
    connection.closeSync();
  }
}

/** `position` (in code points) of `text` as a 1-based line and column. */
export function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = Array.from(text).slice(0, position).join('');
  const lines = before.split('\n');
  return { line: lines.length, column: Array.from(lines.at(-1) ?? '').length + 1 };
}
