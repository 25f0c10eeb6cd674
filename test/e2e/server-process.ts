import { existsSync } from 'node:fs';
import { link, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { DEMO_WAREHOUSE_PATH } from '../../server/src/demo/prepare.ts';
import { ensureDemoWarehouse } from '../../server/src/demo/warehouse.ts';
import { type CliProcess, type CliResult, query, spawnCliWithEnv, sqlString, workDir } from './support.ts';

/** A `backflow serve` child process, listening. */
export interface ServerProcess extends CliProcess {
  /** Where to reach it: the URL `listening on` printed, a wildcard host replaced by 127.0.0.1. */
  url: string;
}

/** Servers and scratch directories the current test started; `cleanUp` ends and removes them. */
const started = new Set<CliProcess>();
const scratchDirs = new Set<string>();

/** Remembers a test directory so `cleanUp` removes it (after the processes using it are gone). */
export function removeLater(dir: string): string {
  scratchDirs.add(dir);
  return dir;
}

/** The demo warehouse built once per test file (see `provideDemoWarehouse`), in its own directory. */
let demoWarehouse: Promise<{ dir: string; file: string }> | undefined;

/**
 * `serve` builds the demo warehouse (a second or two of DuckDB work) in a working directory that
 * has none; this test process builds it once and hard-links it into each test directory instead.
 */
async function provideDemoWarehouse(cwd: string): Promise<void> {
  demoWarehouse ??= (async () => {
    const dir = await workDir('demo');
    const file = path.join(dir, 'warehouse.duckdb');
    await ensureDemoWarehouse(file);
    return { dir, file };
  })();
  const target = path.join(cwd, DEMO_WAREHOUSE_PATH);
  if (existsSync(target)) return;
  await mkdir(path.dirname(target), { recursive: true });
  await link((await demoWarehouse).file, target);
}

/**
 * Starts `backflow serve --port 0 <args>` in `cwd` (data dir `<cwd>/.backflow`), with no
 * BACKFLOW_TOKEN unless `env` sets one, and resolves once it printed `listening on <url>`.
 */
export async function startServer(
  cwd: string,
  args: string[] = [],
  env: Record<string, string | undefined> = {},
): Promise<ServerProcess> {
  await provideDemoWarehouse(cwd);
  const server = spawnServe(cwd, ['--port', '0', ...args], env);
  const url = await new Promise<string>((resolve, reject) => {
    // Generous: a busy machine takes seconds to load the CLI (TypeScript through tsx) and DuckDB.
    const timer = setTimeout(
      () => reject(new Error(`the server did not start in 60 s:\n${server.output().stderr}`)),
      60_000,
    );
    const onOutput = () => {
      const printed = /listening on (http:\/\/\S+)/.exec(server.output().stdout)?.[1];
      if (!printed) return;
      clearTimeout(timer);
      server.child.stdout!.off('data', onOutput);
      resolve(printed.replace('//0.0.0.0:', '//127.0.0.1:'));
    };
    server.child.stdout!.on('data', onOutput);
    void server.done.then((result) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${result.code ?? result.signal}) before listening:\n${result.stderr}`));
    });
  });
  return { ...server, url };
}

/** Spawns `backflow serve <args>` without waiting for it (for servers expected to refuse to start). */
export function spawnServe(cwd: string, args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  const server = spawnCliWithEnv(['serve', ...args], cwd, { BACKFLOW_TOKEN: undefined, ...env });
  started.add(server);
  return server;
}

/** Sends `signal` and waits for the process to exit. */
export async function stopServer(server: CliProcess, signal: NodeJS.Signals): Promise<CliResult> {
  server.child.kill(signal);
  return server.done;
}

/** Kills what the test left running (SIGKILL: its data is scratch) and removes its directories. */
async function cleanUp(): Promise<void> {
  const servers = [...started];
  started.clear();
  for (const server of servers)
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  await Promise.all(servers.map((server) => server.done));
  const dirs = [...scratchDirs];
  scratchDirs.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * Registers the hooks of a test file that starts servers: after each test, its servers are killed
 * and its `removeLater` directories removed; after the file, the shared demo warehouse.
 */
export function cleanUpServersAfterEachTest(): void {
  afterEach(cleanUp);
  afterAll(async () => {
    const shared = await demoWarehouse;
    demoWarehouse = undefined;
    if (shared) await rm(shared.dir, { recursive: true, force: true });
  });
}

export interface ApiResponse<T> {
  status: number;
  body: T;
}

/** One HTTP request to the API; the body is parsed when it is JSON. */
export async function request<T = unknown>(
  url: string,
  method: string,
  route: string,
  options: { body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const response = await fetch(`${url}${route}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('application/json');
  return { status: response.status, body: (json && text ? JSON.parse(text) : text) as T };
}

/** A request that must answer `expected`; resolves with the parsed body. */
export async function call<T>(url: string, method: string, route: string, body?: unknown, expected = 200): Promise<T> {
  const response = await request<T>(url, method, route, body === undefined ? {} : { body });
  if (response.status !== expected) {
    throw new Error(
      `${method} ${route} answered ${response.status}, not ${expected}: ${JSON.stringify(response.body)}`,
    );
  }
  return response.body;
}

/** `GET /api/runs/:id` (the fields the tests read). */
export interface RunView {
  runId: string;
  flow: string;
  flowId?: string;
  status: string;
  resumed: boolean;
  attempts: number;
  startedAt: string;
  finishedAt?: string;
  nodes: Record<string, { read: number; written: number; rejected: number; filtered: number; files?: number }>;
  error?: { code: string; message: string };
}

/** Calls `probe` until it returns something other than `undefined`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Polls the run until it is neither queued nor running; returns its final view. */
export function waitForRunEnd(url: string, runId: string): Promise<RunView> {
  return waitFor(`run ${runId} to end`, async () => {
    const run = await call<RunView>(url, 'GET', `/api/runs/${runId}`);
    return run.status === 'queued' || run.status === 'running' ? undefined : run;
  });
}

/** The run as the state store holds it, read from the file (no server may hold it). */
export async function storedRun(cwd: string, runId: string): Promise<{ status: string; attempts: number }> {
  const file = path.join(cwd, '.backflow', 'state.duckdb');
  const [row] = await query(
    `attach ${sqlString(file)} as store (read_only);
     select status, attempts from store.runs where id = ${sqlString(runId)}`,
  );
  if (!row) throw new Error(`the store has no run ${runId}`);
  return { status: String(row.status), attempts: Number(row.attempts) };
}
