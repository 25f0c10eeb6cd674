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

  it('a flow the server refuses as invalid exits 2 with the path, for run and for validate', async () => {
    const cwd = removeLater(await workDir('srv-cli'));
    const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
    // Naming a connection sends validate to the server too (it holds the stored connections).
    const node = `{"id":"a","type":"map","connection":"warehouse","config":{"defaults":${deep}}}`;
    await writeFile(path.join(cwd, 'deep.json'), `{"name":"x","nodes":[${node}],"edges":[]}`);
    await startServer(cwd);
    // The server names the path in the body it got: a run sends the flow as `flow`.
    for (const [command, path] of [
      ['run', 'flow.nodes[0].config.defaults.a.a.a…'],
      ['validate', 'nodes[0].config.defaults.a.a.a.a…'],
    ] as const) {
      const result = await backflow([command, 'deep.json'], cwd);
      expect(result.code, command).toBe(2);
      expect(result.stderr, command).toContain(`the request body is invalid: ${path}: nesting deeper than 64 levels`);
      expect(result.stderr, command).not.toMatch(stackTrace);
    }
  }, 120_000);
});

describe('resuming through a running server', () => {
  it('refuses a changed flow handed over with --resume (exit 2) and leaves the run as it was', async () => {
    const cwd = removeLater(await workDir('srv-resume'));
    await writeFile(path.join(cwd, 'in.csv'), 'id,name\n1,a\n2,b,extra\n3,c\n');
    const flow = (table: string) => ({
      name: 'load-in',
      settings: { maxRejected: 0 },
      nodes: [
        { id: 'src', type: 'files.source', config: { path: 'in.csv' } },
        { id: 'parse', type: 'csv.parse', config: {} },
        { id: 'load', type: 'duckdb.destination', config: { path: 'out.duckdb', table } },
      ],
      edges: [
        { from: 'src', to: 'parse' },
        { from: 'parse', to: 'load' },
      ],
    });
    await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow('t')));
    const failed = await backflow(['run', 'flow.json', '--json'], cwd);
    expect(failed.code).toBe(1);
    const { runId } = JSON.parse(failed.stdout) as RunView;

    const server = await startServer(cwd);
    await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow('t_v2')));
    const refused = await backflow(['run', 'flow.json', '--resume', '--json'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`cannot resume run ${runId}: the flow changed since it started (node "load"`);
    expect(refused.stderr).not.toMatch(stackTrace);
    expect(await call<RunView>(server.url, 'GET', `/api/runs/${runId}`)).toMatchObject({
      status: 'failed',
      attempts: 1,
    });
  }, 120_000);
});

describe('handing a run to a server from elsewhere', () => {
  it('refuses a run from a directory outside the server’s file roots, saying how to allow it (exit 2)', async () => {
    const serverDir = removeLater(await workDir('srv-roots'));
    const elsewhere = removeLater(await workDir('elsewhere'));
    await writeFile(path.join(elsewhere, 'in.csv'), 'id\n1\n');
    const flow = {
      name: 'from-elsewhere',
      nodes: [
        { id: 'src', type: 'files.source', config: { path: 'in.csv' } },
        { id: 'out', type: 'files.destination', config: { dir: 'copied' } },
      ],
      edges: [{ from: 'src', to: 'out' }],
    };
    await writeFile(path.join(elsewhere, 'flow.json'), JSON.stringify(flow));
    const server = await startServer(serverDir);
    const refused = await spawnCliWithEnv(['run', 'flow.json'], elsewhere, {
      BACKFLOW_TOKEN: undefined,
      BACKFLOW_DATA_DIR: path.join(serverDir, '.backflow'),
    }).done;
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`start the server with BACKFLOW_FILES_ROOTS including ${elsewhere}`);
    expect(refused.stderr).not.toMatch(stackTrace);
    expect(existsSync(path.join(elsewhere, 'copied'))).toBe(false);
    expect(await call<RunView[]>(server.url, 'GET', '/api/runs')).toEqual([]);
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
