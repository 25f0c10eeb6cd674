import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrders, expectExactBackup, ordersBackupFlow, readManifest } from './orders-backup.ts';
import {
  call,
  cleanUpServersAfterEachTest,
  type RunView,
  removeLater,
  request,
  type ServerProcess,
  startServer,
  waitFor,
} from './server-process.ts';
import { workDir } from './support.ts';

cleanUpServersAfterEachTest();

interface FlowView {
  id: string;
  name: string;
  document: Record<string, unknown>;
  nextRuns: string[];
  activeRunId?: string;
}

const active = (run: RunView) => run.status === 'queued' || run.status === 'running';

/**
 * Unschedules the flow (a new version without `schedule`), lets its active run end (or, with
 * `cancel`, cancels it), then deletes the flow.
 */
async function unscheduleAndDelete(server: ServerProcess, flow: FlowView, options: { cancel: boolean }) {
  const { schedule: _schedule, ...document } = flow.document;
  const unscheduled = await call<FlowView>(server.url, 'PUT', `/api/flows/${flow.id}`, document);
  expect(unscheduled.nextRuns).toEqual([]);
  await waitFor('the flow to be deleted', async () => {
    const running = (await call<RunView[]>(server.url, 'GET', `/api/runs?flowId=${flow.id}`)).filter(active);
    if (options.cancel) for (const run of running) await request(server.url, 'POST', `/api/runs/${run.runId}/cancel`);
    if (running.length > 0) return undefined;
    const deleted = await request(server.url, 'DELETE', `/api/flows/${flow.id}`);
    if (deleted.status === 409) return undefined; // a run started in between
    expect(deleted.status).toBe(204);
    return true;
  });
  expect((await request(server.url, 'GET', `/api/flows/${flow.id}`)).status).toBe(404);
}

describe('scheduled flows on a running server', () => {
  it('a flow every 2 s runs on schedule and keepLast: 2 leaves the two newest complete backups', async () => {
    const rows = 1000;
    const rowsPerFile = 400;
    const cwd = removeLater(await workDir('srv-schedule'));
    const orders = await createOrders(path.join(cwd, 'source.duckdb'), rows);
    const server = await startServer(cwd);
    const document = ordersBackupFlow({
      name: 'every-2s',
      rowsPerFile,
      dir: 'backups/{flow}/{runId}',
      keepLast: 2,
      schedule: { cron: '*/2 * * * * *' },
    });
    const flow = await call<FlowView>(server.url, 'POST', '/api/flows', document, 201);

    const askedAt = Date.now();
    const { nextRuns } = await call<FlowView>(server.url, 'GET', `/api/flows/${flow.id}`);
    const answeredAt = Date.now();
    expect(nextRuns).toHaveLength(5);
    const times = nextRuns.map((at) => Date.parse(at));
    expect(times[0]).toBeGreaterThan(askedAt);
    expect(times[0]).toBeLessThanOrEqual(answeredAt + 2000);
    for (const time of times) expect(time % 2000).toBe(0);
    expect(times.slice(1).map((time, i) => time - times[i]!)).toEqual([2000, 2000, 2000, 2000]);

    const runsRoute = `/api/runs?flowId=${flow.id}`;
    await waitFor('three scheduled runs to succeed', async () => {
      const runs = await call<RunView[]>(server.url, 'GET', runsRoute);
      return runs.filter((run) => run.status === 'succeeded').length >= 3 ? runs : undefined;
    });
    await unscheduleAndDelete(server, flow, { cancel: false });

    // Its runs outlive the flow; each fire started exactly one run, and every one succeeded.
    const runs = await call<RunView[]>(server.url, 'GET', runsRoute);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.map((run) => run.status)).toEqual(runs.map(() => 'succeeded'));
    const startedAt = runs.map((run) => Date.parse(run.startedAt)).reverse();
    for (const [i, time] of startedAt.slice(1).entries()) expect(time - startedAt[i]!).toBeGreaterThan(1000);
    for (const run of runs) expect(run.nodes.out).toMatchObject({ written: rows, rejected: 0 });

    const backupsDir = path.join(cwd, 'backups', 'every-2s');
    const newest = runs.slice(0, 2).map((run) => run.runId);
    expect((await readdir(backupsDir)).sort()).toEqual([...newest].sort());
    for (const runId of newest) {
      expect(await readManifest(path.join(backupsDir, runId))).toMatchObject({ flow: 'every-2s', runId });
      await expectExactBackup(path.join(backupsDir, runId), orders, rowsPerFile);
    }
  }, 120_000);

  it('skip-if-running: a flow scheduled every second whose run takes seconds never has two runs at once', async () => {
    const cwd = removeLater(await workDir('srv-skip'));
    await createOrders(path.join(cwd, 'source.duckdb'), 500_000);
    const server = await startServer(cwd);
    const document = ordersBackupFlow({
      name: 'slow-every-second',
      rowsPerFile: 200_000,
      rowPath: true,
      schedule: { cron: '* * * * * *' },
    });
    const flow = await call<FlowView>(server.url, 'POST', '/api/flows', document, 201);

    let mostActive = 0;
    const runsRoute = `/api/runs?flowId=${flow.id}`;
    const first = await waitFor('the first scheduled run to end', async () => {
      const runs = await call<RunView[]>(server.url, 'GET', runsRoute);
      mostActive = Math.max(mostActive, runs.filter(active).length);
      const oldest = runs.at(-1);
      return oldest && !active(oldest) ? oldest : undefined;
    });
    expect(first.status).toBe('succeeded');
    expect(mostActive).toBe(1);
    const firstEnd = Date.parse(first.finishedAt!);
    const runs = await call<RunView[]>(server.url, 'GET', runsRoute);
    expect(runs.filter((run) => Date.parse(run.startedAt) < firstEnd).map((run) => run.runId)).toEqual([first.runId]);

    // The fires that came while it ran were skipped, and the server said so.
    const skipped = [
      ...server
        .output()
        .stdout.matchAll(/flow "slow-every-second" is still running; skipped the run scheduled for (\S+)/g),
    ].map((match) => Date.parse(match[1]!));
    expect(skipped.filter((at) => at > Date.parse(first.startedAt) && at < firstEnd).length).toBeGreaterThan(0);

    await unscheduleAndDelete(server, flow, { cancel: true });
    const after = await call<RunView[]>(server.url, 'GET', runsRoute);
    expect(after.filter(active)).toEqual([]);
  }, 120_000);
});
