/** The peers each entry is measured against: what a user would do without Backflow. */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGunzip } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import Papa from 'papaparse';
import { lastLines } from './child.ts';
import {
  freshPostgresDatabase,
  type PostgresShape,
  postgresRowCounts,
  postgresShape,
  postgresUrl,
} from './databases.ts';
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

/**
 * What a user types to dump a Postgres table as gzipped CSV: `psql -c "\copy (SELECT … ORDER BY key)
 * TO STDOUT (FORMAT csv, HEADER)" | gzip > file`, timed as the whole pipeline (both processes start to
 * finish). The rows are counted in the file afterwards, untimed.
 */
export async function psqlCopyGzipTrial(database: string, table: string, key: string): Promise<RowsTrial> {
  const workDir = await mkdtemp(path.join(tmpdir(), 'backflow-bench-peer-'));
  try {
    const target = path.join(workDir, `${table}.csv.gz`);
    const copy = `\\copy (SELECT * FROM ${table} ORDER BY ${key}) TO STDOUT (FORMAT csv, HEADER)`;
    // The values reach the shell as positional parameters, never spliced into the script.
    const { ms } = await timed(() =>
      command('bash', [
        '-o',
        'pipefail',
        '-c',
        'psql "$1" -X -q -c "$2" | gzip > "$3"',
        'bash',
        postgresUrl(database),
        copy,
        target,
      ]),
    );
    return { ms, rows: (await countLines(createReadStream(target).pipe(createGunzip()))) - 1 };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** Rows in a CSV whose values hold no line breaks: its newline count. */
async function countLines(stream: NodeJS.ReadableStream): Promise<number> {
  let lines = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines++;
  }
  return lines;
}

export interface PgloaderTrial extends RowsTrial {
  /** Rows found afterwards in each table of the target database. */
  counts: Map<string, number>;
  /** The keys and indexes it built. */
  shape: PostgresShape;
}

/**
 * Debian's pgloader migrating a whole MySQL/MariaDB database into a new Postgres database with its
 * defaults (`pgloader mysql://… postgresql://…`: tables, keys, indexes, foreign keys, sequences), timed
 * from its start to its exit; creating the empty target database beforehand is not timed. pgloader can
 * exit 0 having skipped rows, so every table's rows are counted afterwards against `expected`, and a
 * shortfall fails the entry.
 */
export async function pgloaderTrial(
  sourceUrl: string,
  targetDatabase: string,
  expected: Readonly<Record<string, number>>,
): Promise<PgloaderTrial> {
  await freshPostgresDatabase(targetDatabase);
  const { ms } = await timed(() => command('pgloader', [sourceUrl, postgresUrl(targetDatabase)]));
  const tables = Object.keys(expected);
  const counts = await postgresRowCounts(targetDatabase, tables);
  const wrong = tables.filter((table) => counts.get(table) !== expected[table]);
  if (wrong.length > 0) {
    const found = wrong.map((table) => `${table} ${counts.get(table) ?? 'missing'} of ${expected[table]}`);
    throw new Error(`pgloader did not load every row: ${found.join(', ')}`);
  }
  const shape = await postgresShape(targetDatabase);
  return { ms, rows: [...counts.values()].reduce((sum, rows) => sum + rows, 0), counts, shape };
}

/** `pgloader 3.6.7~devel`, for the notes under an entry. */
export async function pgloaderVersion(): Promise<string> {
  const output = await command('pgloader', ['--version']);
  return `pgloader ${/version "?([^"\s]+)/.exec(output)?.[1] ?? 'unknown'}`;
}

/** Runs a program to its exit and returns (the end of) its output; a non-zero exit is an error carrying it. */
function command(program: string, args: readonly string[]): Promise<string> {
  const child = spawn(program, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(output);
      else reject(new Error(`${program} exited with ${code}: ${lastLines(output, 8)}`));
    });
  });
}
