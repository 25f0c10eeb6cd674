import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { onTestFinished } from 'vitest';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliPath = path.join(repoRoot, 'server/bin/backflow.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `backflow <args>` in `cwd` with its own data dir; the caller may kill it. */
export function spawnCli(args: string[], cwd: string): { child: ChildProcess; done: Promise<CliResult> } {
  return spawnCliWithEnv(args, cwd);
}

export interface CliProcess {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** What the process printed so far. */
  output(): { stdout: string; stderr: string };
}

/**
 * Like `spawnCli`, with environment variables set (or, when `undefined`, removed) on top of this
 * process's, and the output readable while the process runs.
 */
export function spawnCliWithEnv(args: string[], cwd: string, env: Record<string, string | undefined> = {}): CliProcess {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    BACKFLOW_DATA_DIR: path.join(cwd, '.backflow'),
    FORCE_COLOR: '0',
  };
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete childEnv[name];
    else childEnv[name] = value;
  }
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
  });
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, output: () => ({ stdout, stderr }) };
}

/**
 * Environment for `spawnCliWithEnv` under which a `backflow` process waits a hundredth of each retry
 * wait (backoff and Retry-After, see `retryDelayScale`): a fault storm's retries cost no real seconds.
 */
export const shortRetryWaits: Record<string, string> = { BACKFLOW_RETRY_DELAY_SCALE: '0.01' };

/** `shortRetryWaits` for this process (runs in process), until the test ends. */
export function shortenRetryWaits(): void {
  const saved = process.env.BACKFLOW_RETRY_DELAY_SCALE;
  process.env.BACKFLOW_RETRY_DELAY_SCALE = shortRetryWaits.BACKFLOW_RETRY_DELAY_SCALE;
  onTestFinished(() => {
    if (saved === undefined) delete process.env.BACKFLOW_RETRY_DELAY_SCALE;
    else process.env.BACKFLOW_RETRY_DELAY_SCALE = saved;
  });
}

/**
 * Environment for `spawnCliWithEnv` that makes a `backflow` process hold its run before the file
 * named `part` (e.g. `part-00003.csv.gz`) lands (see hold-part.mjs): the parts before it landed and
 * were checkpointed, and the run cannot end until the test kills the process (or sends SIGTERM).
 */
export function holdBeforePart(part: string): Record<string, string> {
  const preload = `--import=${pathToFileURL(path.join(repoRoot, 'test/e2e/hold-part.mjs')).href}`;
  return {
    NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
    BACKFLOW_TEST_HOLD_PART: part,
  };
}

/**
 * Environment for `spawnCliWithEnv` that makes a `backflow` process hold its run at the `count`-th
 * PostgreSQL statement matching `pattern` (see hold-sql.mjs), e.g. the third COPY of a load or its
 * first CREATE INDEX, until the test kills it.
 */
export function holdAtSql(pattern: string, count = 1): Record<string, string> {
  const preload = `--import=${pathToFileURL(path.join(repoRoot, 'test/e2e/hold-sql.mjs')).href}`;
  return {
    NODE_OPTIONS: [process.env.NODE_OPTIONS, preload].filter(Boolean).join(' '),
    BACKFLOW_TEST_HOLD_SQL: pattern,
    BACKFLOW_TEST_HOLD_AFTER: String(count),
  };
}

/** Resolves once a process started with `holdBeforePart` or `holdAtSql` holds its run; rejects when it exits first. */
export function holding(cli: CliProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!/hold-(part|sql): holding /.test(cli.output().stderr)) return;
      cli.child.stderr!.off('data', check);
      resolve();
    };
    cli.child.stderr!.on('data', check);
    check();
    void cli.done.then((result) =>
      reject(
        new Error(`the process exited (${result.code ?? result.signal}) before holding its run:\n${result.stderr}`),
      ),
    );
  });
}

export function runCli(args: string[], cwd: string): Promise<CliResult> {
  return spawnCli(args, cwd).done;
}

export async function workDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `backflow-${prefix}-`));
}

/** Runs SQL on a DuckDB file (or in memory) and returns the rows as JSON-safe objects. */
export async function query(sql: string, database = ':memory:'): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(database);
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * Every type the round trip must keep, with the nasty values of each and a row of NULLs, then
 * `generated` deterministic rows of high-entropy values, so that a part spans several upload chunks.
 */
export function everyTypeTable(generated: number): string {
  return `
  create table everything as
  select * from (values
    (1, 9007199254740993::bigint, 12345678901234.56::decimal(18,2), 1234567890123456789012345678.0123456789::decimal(38,10),
     date '2024-02-29', timestamp '2024-02-29 23:59:59.123456', timestamptz '2024-02-29 23:59:59.123456+00',
     [1, 2, null]::integer[], {'a': 1, 'b': 'x "y"'}::struct(a integer, b varchar), '\\x00\\xFF,\\x0A'::blob,
     '0e9c6bd4-6d1b-4e4b-9b8a-5a4f5f1f5c11'::uuid, 'comma, "quote"\nnewline Zoë 🚀'),
    (2, '-9223372036854775808'::bigint, -0.01::decimal(18,2), 0::decimal(38,10),
     date '1970-01-01', timestamp '1970-01-01 00:00:00', timestamptz '1999-12-31 23:00:00-05',
     []::integer[], {'a': null, 'b': ''}::struct(a integer, b varchar), ''::blob,
     '00000000-0000-0000-0000-000000000000'::uuid, ''),
    (3, null, null, null, null, null, null, null, null, null, null, null)
  ) t(id, big, money, precise, day, moment, moment_tz, list, struct, bytes, uuid, text);
  insert into everything
  select i,
         (hash(i) >> 1)::bigint - 4611686018427387904,
         ((hash(i, 'money') % 2000000000)::bigint - 1000000000) / 100,
         (hash(i, 'precise') % 1000000000000)::decimal(38,10) / 7,
         date '1900-01-01' + (hash(i, 'day') % 70000)::integer,
         timestamp '1900-01-01' + to_microseconds((hash(i, 'moment') % 4000000000000000)::bigint),
         timestamptz '1900-01-01 00:00:00+00' + to_microseconds((hash(i, 'tz') % 4000000000000000)::bigint),
         case when i % 9 = 0 then null else [i, null, -i]::integer[] end,
         {'a': i, 'b': md5(i::varchar) || ', "' || chr(10) || '"'}::struct(a integer, b varchar),
         unhex(md5(i::varchar) || md5((i + 1)::varchar))::blob,
         md5((i * 31)::varchar)::uuid,
         case i % 5 when 0 then null when 1 then 'say "hi",' || chr(10) || md5(i::varchar) when 2 then 'Zoë 🚀 ' || i
           else sha256(i::varchar) end
  from range(4, ${generated + 4}) r(i);`;
}

/** A flow's reference to an environment variable (`${env:NAME}`), as secret fields such as `url` must be given. */
export function envRef(name: string): string {
  return `\${env:${name}}`;
}

/**
 * Runs `work` with a PostgreSQL client on `url` that reads dates and times as the server writes them
 * (canonicalValue reads any offset; a Date would cut microseconds), and closes it after.
 */
export async function withPostgres<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: url,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        [1082, 1083, 1114, 1184].includes(oid)
          ? (text: string) => text
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
