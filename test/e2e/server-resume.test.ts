import { existsSync } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createOrders,
  expectExactBackup,
  linkOrders,
  manifestName,
  type Orders,
  ordersBackupFlow,
} from './orders-backup.ts';
import {
  call,
  cleanUpServersAfterEachTest,
  type RunView,
  removeLater,
  type ServerProcess,
  startServer,
  stopServer,
  storedRun,
  waitFor,
  waitForRunEnd,
} from './server-process.ts';
import { holdBeforePart, holding, workDir } from './support.ts';

const rows = 2_000_000;
const rowsPerFile = 200_000;

/** One 2M-row table for the file's tests, each linking it into its own directory. */
let ordersDir: string;
let orders: Orders;

beforeAll(async () => {
  ordersDir = await workDir('srv-orders');
  orders = await createOrders(path.join(ordersDir, 'orders.duckdb'), rows);
});

afterAll(() => rm(ordersDir, { recursive: true, force: true }));

cleanUpServersAfterEachTest();

interface RunningBackup {
  cwd: string;
  server: ServerProcess;
  runId: string;
  backupDir: string;
  firstPart: string;
}

/**
 * A server in the middle of a run of a saved 2M-row backup flow: two parts landed and the run is
 * held before the third (until SIGTERM), so it is surely still running when the test stops it.
 */
async function backupRunningOnServer(prefix: string): Promise<RunningBackup> {
  const cwd = removeLater(await workDir(prefix));
  await linkOrders(orders, cwd);
  const server = await startServer(cwd, [], holdBeforePart('part-00003.csv.gz'));
  const flow = await call<{ id: string }>(
    server.url,
    'POST',
    '/api/flows',
    ordersBackupFlow({ name: 'orders-backup', rowsPerFile }),
    201,
  );
  const { runId } = await call<{ runId: string }>(server.url, 'POST', `/api/flows/${flow.id}/runs`, {}, 202);
  const backupDir = path.join(cwd, 'backups', runId);
  await holding(server);
  return { cwd, server, runId, backupDir, firstPart: path.join(backupDir, 'orders', 'part-00001.csv.gz') };
}

/** The resumed run finished the backup it started: same run, part 1 not rewritten, every row exactly once. */
async function expectFinishedExactly(
  backup: RunningBackup,
  run: RunView,
  firstPartBefore: { ino: number; mtimeMs: number },
) {
  expect(run).toMatchObject({ runId: backup.runId, status: 'succeeded', attempts: 2, resumed: true });
  expect(run.nodes.out).toMatchObject({ read: rows, written: rows, rejected: 0 });
  const firstPartAfter = await stat(backup.firstPart);
  expect([firstPartAfter.ino, firstPartAfter.mtimeMs]).toEqual([firstPartBefore.ino, firstPartBefore.mtimeMs]);
  expect(await readdir(path.join(backup.cwd, 'backups'))).toEqual([backup.runId]);
  await expectExactBackup(backup.backupDir, orders, rowsPerFile);
}

async function logMessages(url: string, runId: string): Promise<string[]> {
  const lines = await call<{ message: string }[]>(url, 'GET', `/api/runs/${runId}/logs`);
  return lines.map((line) => line.message);
}

describe('a server stopped during a run', () => {
  it('kill -9: the restarted server resumes the same run from its checkpoint and every row lands exactly once', async () => {
    const backup = await backupRunningOnServer('srv-kill');
    const killed = await stopServer(backup.server, 'SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await expect(fetch(`${backup.server.url}/api/health`)).rejects.toThrow();
    expect(await storedRun(backup.cwd, backup.runId)).toEqual({ status: 'running', attempts: 1 });
    expect(existsSync(path.join(backup.backupDir, manifestName))).toBe(false);
    const firstPartBefore = await stat(backup.firstPart);

    const restarted = await startServer(backup.cwd);
    const run = await waitForRunEnd(restarted.url, backup.runId);
    await expectFinishedExactly(backup, run, firstPartBefore);
    // No new run was started for it: the one run resumed.
    const runs = await call<RunView[]>(restarted.url, 'GET', '/api/runs');
    expect(runs.map((r) => r.runId)).toEqual([backup.runId]);
    const messages = await logMessages(restarted.url, backup.runId);
    expect(messages).toContain('the server stopped during this run (it was still marked running)');
    expect(messages).toContain('resuming from its checkpoint');
    expect(messages).toContainEqual(expect.stringMatching(/^resuming \(attempt 2\) from \d+ checkpoint/));
  }, 240_000);

  it('kill -9, restart with --no-resume: the run stays interrupted until POST /resume finishes it exactly', async () => {
    const backup = await backupRunningOnServer('srv-noresume');
    await stopServer(backup.server, 'SIGKILL');
    const firstPartBefore = await stat(backup.firstPart);
    const streamDir = path.join(backup.backupDir, 'orders');
    const leftBehind = (await readdir(streamDir)).sort();

    const restarted = await startServer(backup.cwd, ['--no-resume']);
    const getRun = () => call<RunView>(restarted.url, 'GET', `/api/runs/${backup.runId}`);
    expect(await getRun()).toMatchObject({ status: 'interrupted', attempts: 1 });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await getRun()).toMatchObject({ status: 'interrupted', attempts: 1 });
    expect((await readdir(streamDir)).sort()).toEqual(leftBehind);

    expect(await call(restarted.url, 'POST', `/api/runs/${backup.runId}/resume`, undefined, 202)).toEqual({
      runId: backup.runId,
    });
    await expectFinishedExactly(backup, await waitForRunEnd(restarted.url, backup.runId), firstPartBefore);
  }, 240_000);

  it('SIGTERM: the server exits 0 within seconds and leaves the run interrupted (not failed), its backup unfinished', async () => {
    const backup = await backupRunningOnServer('srv-term');
    const stoppingAt = Date.now();
    const stopped = await stopServer(backup.server, 'SIGTERM');
    expect(Date.now() - stoppingAt).toBeLessThan(5000);
    expect(stopped).toMatchObject({ code: 0, signal: null });
    expect(stopped.stderr).toContain('active runs are interrupted');
    expect(await storedRun(backup.cwd, backup.runId)).toEqual({ status: 'interrupted', attempts: 1 });
    expect(existsSync(path.join(backup.cwd, '.backflow', 'server.json'))).toBe(false);
    expect(existsSync(path.join(backup.backupDir, manifestName))).toBe(false);
  }, 240_000);

  it('SIGTERM, then restart: the interrupted run resumes and every row lands exactly once', async () => {
    const backup = await backupRunningOnServer('srv-term-resume');
    const stopped = await stopServer(backup.server, 'SIGTERM');
    expect(stopped, stopped.stderr).toMatchObject({ code: 0 });
    const firstPartBefore = await stat(backup.firstPart);

    const restarted = await startServer(backup.cwd);
    await waitFor('the interrupted run to resume', async () => {
      const run = await call<RunView>(restarted.url, 'GET', `/api/runs/${backup.runId}`);
      return run.status === 'interrupted' ? undefined : run;
    });
    await expectFinishedExactly(backup, await waitForRunEnd(restarted.url, backup.runId), firstPartBefore);
    expect(await logMessages(restarted.url, backup.runId)).toContainEqual(
      expect.stringMatching(/^resuming \(attempt 2\)/),
    );
  }, 240_000);
});
