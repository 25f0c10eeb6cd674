import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

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
