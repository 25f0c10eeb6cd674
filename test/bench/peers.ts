/** The peers each entry is measured against: what a user would do without Backflow. */
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { sqlString } from './sql.ts';
import { type Trial, timed } from './timing.ts';

export interface RowsTrial extends Trial {
  rows: number;
}

/**
 * `COPY orders TO <file> (<options>)` in a fresh DuckDB instance on `database`, timed from opening the
 * instance to closing it (our run opens its database too). Read-only, so it can never write to a
 * file another instance in this process has open.
 */
export async function duckdbCopyTrial(database: string, fileName: string, options: string): Promise<RowsTrial> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'backflow-bench-peer-'));
  try {
    const target = path.join(workDir, fileName);
    const { ms, value: rows } = await timed(() => copyTable(database, target, options));
    return { ms, rows };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function copyTable(database: string, target: string, options: string): Promise<number> {
  const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      const result = await connection.runAndReadAll(`COPY orders TO ${sqlString(target)} (${options})`);
      return Number(result.getRows()[0]?.[0] ?? 0);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Papaparse alone on a read stream of `csvFile`, with header names, only counting the rows it hands out. */
export async function papaparseTrial(csvFile: string): Promise<RowsTrial> {
  const { ms, value: rows } = await timed(() => countCsvRows(csvFile));
  return { ms, rows };
}

function countCsvRows(csvFile: string): Promise<number> {
  return new Promise((resolve, reject) => {
    let rows = 0;
    Papa.parse<Record<string, string>>(createReadStream(csvFile), {
      header: true,
      // Our parser skips empty lines too; without this the file's final newline would count as a row.
      skipEmptyLines: true,
      chunk: (results) => {
        rows += results.data.length;
      },
      complete: () => resolve(rows),
      error: reject,
    });
  });
}
