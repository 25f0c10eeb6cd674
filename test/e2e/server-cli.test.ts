import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrders, expectExactBackup, ordersBackupFlow } from './orders-backup.ts';
import {
  call,
  cleanUpServersAfterEachTest,
  type RunView,
  removeLater,
  request,
  spawnServe,
  startServer,
  stopServer,
} from './server-process.ts';
import { type CliResult, spawnCliWithEnv, workDir } from './support.ts';

cleanUpServersAfterEachTest();

/** `backflow <args>` in `cwd`, with no BACKFLOW_TOKEN in its environment. */
function backflow(args: string[], cwd: string): Promise<CliResult> {
  return spawnCliWithEnv(args, cwd, { BACKFLOW_TOKEN: undefined }).done;
}

/** A port nothing listens on (the OS picked it, then it was released). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The error of a TCP connection to 127.0.0.1:port, or 'connected'. */
function connectTo(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

const stackTrace = /^\s+at /m;

describe('the CLI and a running server', () => {
  it('backflow run hands the run to the server holding the data dir, and runs locally once it stopped', async () => {
    const rows = 50_000;
    const rowsPerFile = 20_000;
    const cwd = removeLater(await workDir('srv-cli'));
    const orders = await createOrders(path.join(cwd, 'source.duckdb'), rows);
    await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(ordersBackupFlow({ name: 'cli-backup', rowsPerFile })));
    const server = await startServer(cwd);

    const handedOff = await backflow(['run', 'flow.json', '--json'], cwd);
    expect(handedOff.code).toBe(0);
    expect(handedOff.stderr).toContain(`the server at ${server.url} holds ${path.join(cwd, '.backflow')}`);
    const summary = JSON.parse(handedOff.stdout) as RunView;
    expect(summary).toMatchObject({ flow: 'cli-backup', status: 'succeeded', resumed: false });
    expect(handedOff.stderr).toContain(`run ${summary.runId} runs there`);
    expect(summary.nodes.orders?.read).toBe(rows);
    expect(summary.nodes.out).toMatchObject({ read: rows, written: rows, rejected: 0, files: 3 });
    expect(await call<RunView>(server.url, 'GET', `/api/runs/${summary.runId}`)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
    });
    await expectExactBackup(path.join(cwd, 'backups', summary.runId), orders, rowsPerFile);

    const listed = await backflow(['runs', '--json'], cwd);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining({ runId: summary.runId, flow: 'cli-backup', status: 'succeeded', attempts: 1 }),
    ]);

    const logs = await backflow(['logs', summary.runId], cwd);
    expect(logs).toMatchObject({ code: 0, stderr: '' });
    const lines = logs.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).toMatch(/^\d{4}-\d\d-\d\dT\S+ (info|warn|error)\s+\S+ \S/);
    expect(lines).toContainEqual(expect.stringMatching(/ info\s+- run started$/));

    expect(await stopServer(server, 'SIGTERM')).toMatchObject({ code: 0 });
    expect(existsSync(path.join(cwd, '.backflow', 'server.json'))).toBe(false);

    const local = await backflow(['run', 'flow.json', '--json'], cwd);
    expect(local).toMatchObject({ code: 0, stderr: '' });
    const localSummary = JSON.parse(local.stdout) as RunView;
    expect(localSummary.runId).not.toBe(summary.runId);
    expect(localSummary.nodes.out).toMatchObject({ read: rows, written: rows, rejected: 0, files: 3 });
    await expectExactBackup(path.join(cwd, 'backups', localSummary.runId), orders, rowsPerFile);
  }, 120_000);
});

describe('serve at the process level', () => {
  it('refuses a non-loopback host without BACKFLOW_TOKEN: exits non-zero, names the variable, listens nowhere', async () => {
    const cwd = removeLater(await workDir('srv-notoken'));
    const port = await freePort();
    const refused = await spawnServe(cwd, ['--host', '0.0.0.0', '--port', String(port)]).done;
    expect(refused.code).not.toBe(0);
    expect(refused.code).not.toBeNull();
    expect(refused.stderr).toContain('BACKFLOW_TOKEN');
    expect(refused.stderr).not.toMatch(stackTrace);
    expect(refused.stdout).not.toContain('listening');
    expect(await connectTo(port)).toBe('ECONNREFUSED');
    expect(existsSync(path.join(cwd, '.backflow', 'server.json'))).toBe(false);
  });

  it('with BACKFLOW_TOKEN on 0.0.0.0 it answers only requests bearing the token', async () => {
    const cwd = removeLater(await workDir('srv-token'));
    const server = await startServer(cwd, ['--host', '0.0.0.0'], { BACKFLOW_TOKEN: 't0k' });
    expect(server.output().stdout).toMatch(/listening on http:\/\/0\.0\.0\.0:\d+/);
    const health = (headers: Record<string, string>) => request(server.url, 'GET', '/api/health', { headers });

    const anonymous = await health({});
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: 'unauthorized' } });
    expect((await health({ Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await health({ Authorization: 't0k' })).status).toBe(401);
    expect((await request(server.url, 'GET', '/api/flows')).status).toBe(401);
    const allowed = await health({ Authorization: 'Bearer t0k' });
    expect(allowed).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('a second serve on the same data dir fails with a message that the store is in use, not a stack trace', async () => {
    const cwd = removeLater(await workDir('srv-twice'));
    const first = await startServer(cwd);
    const serverFile = await readFile(path.join(cwd, '.backflow', 'server.json'), 'utf8');

    const second = await spawnServe(cwd, ['--port', '0']).done;
    expect(second.code).not.toBe(0);
    expect(second.code).not.toBeNull();
    expect(second.stderr).toContain(`the state store ${path.join(cwd, '.backflow', 'state.duckdb')} is in use`);
    expect(second.stderr).not.toMatch(stackTrace);
    expect(second.stdout).not.toContain('listening');

    // The first server is unharmed and still the one the data dir names.
    expect(await request(first.url, 'GET', '/api/health')).toMatchObject({ status: 200 });
    expect(await readFile(path.join(cwd, '.backflow', 'server.json'), 'utf8')).toBe(serverFile);
  });
});
