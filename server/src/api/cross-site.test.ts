/**
 * The loopback API against the pages a user visits: a cross-site form or fetch, a DNS-rebound
 * host name, a page borrowing the editor's session. And what a flow may touch on a server.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, exampleFlow, rawRequest, startTestServer, type TestServer } from '../testing/api-server.ts';

const token = 'tok-cross-site-123';
let outside: string;
let open: TestServer;
let guarded: TestServer;
let widened: TestServer;
const secret = 'root:$6$not-for-any-page$';

beforeAll(async () => {
  // A directory no server below may touch, holding a file a page would love to read.
  outside = await mkdtemp(path.join(tmpdir(), 'backflow-outside-'));
  await writeFile(path.join(outside, 'shadow'), `${secret}\n`);
  open = await startTestServer();
  guarded = await startTestServer({ token });
  widened = await startTestServer({ fileRoots: ['.', outside] });
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await widened?.close();
  await rm(outside, { recursive: true, force: true });
});

const hostOf = (server: TestServer) => new URL(server.url).host;

/** A flow that writes files into `dir`, the way the probe started one with a text/plain POST. */
function writingFlow(dir: string) {
  return {
    name: 'cross-site-write',
    nodes: [
      { id: 'orders', type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb', table: 'customers' } },
      { id: 'csv', type: 'csv.format', config: {} },
      { id: 'out', type: 'files.destination', config: { dir } },
    ],
    edges: [
      { from: 'orders', to: 'csv' },
      { from: 'csv', to: 'out' },
    ],
  };
}

/** A preview of user SQL reading a file, the DNS-rebinding probe's request. */
function readingPreview(file: string) {
  return {
    nodeId: 'q',
    flow: {
      name: 'peek',
      nodes: [
        {
          id: 'q',
          type: 'duckdb.source',
          config: { path: 'demo/warehouse.duckdb', query: `select * from read_text('${file}')` },
        },
      ],
      edges: [],
    },
  };
}

describe('a request a web page can send without asking', () => {
  it('a text/plain POST is refused with 415 before it starts anything', async () => {
    const body = JSON.stringify({ flow: writingFlow('pwned'), baseDir: open.baseDir });
    for (const contentType of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const response = await rawRequest(open.url, {
        method: 'POST',
        path: '/api/runs',
        headers: { host: hostOf(open), 'content-type': contentType },
        body,
      });
      expect(response.status, contentType).toBe(415);
      expect(JSON.parse(response.text).error).toMatchObject({
        code: 'unsupported_media_type',
        message: expect.stringContaining('Content-Type: application/json'),
      });
    }
    const noType = await rawRequest(open.url, {
      method: 'POST',
      path: '/api/runs',
      headers: { host: hostOf(open) },
      body,
    });
    expect(noType.status).toBe(415);
    expect((await new ApiClient(open.url).get('/api/runs')).json).toEqual([]);
    expect(existsSync(path.join(open.baseDir, 'pwned'))).toBe(false);
  });

  it('a POST from another origin is refused with 403, even as JSON; the editor’s own origin and clients without one pass', async () => {
    const client = new ApiClient(open.url);
    const flow = await exampleFlow('csv-to-duckdb');
    for (const origin of ['http://evil.example', 'null', `http://${hostOf(open)}.evil.example`]) {
      const refused = await client.request('POST', '/api/flows/validate', flow, { Origin: origin });
      expect(refused.status, origin).toBe(403);
      expect(refused.json.error.code).toBe('origin_refused');
    }
    const cancel = await client.request('POST', '/api/runs/nope/cancel', undefined, { Origin: 'http://evil.example' });
    expect(cancel.status).toBe(403);
    expect((await client.request('POST', '/api/flows/validate', flow, { Origin: open.url })).status).toBe(200);
    expect((await client.post('/api/flows/validate', flow)).status).toBe(200);
  });

  it('a request for another host name (DNS rebinding) is refused, and the file is never read', async () => {
    const body = JSON.stringify(readingPreview(path.join(outside, 'shadow')));
    const forged = `attacker.example:${new URL(open.url).port}`;
    for (const [method, route] of [
      ['POST', '/api/preview'],
      ['GET', '/api/flows'],
      ['GET', '/'],
    ] as const) {
      const response = await rawRequest(open.url, {
        method,
        path: route,
        headers: { host: forged, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body } : {}),
      });
      expect(response.status, route).toBe(421);
      expect(response.text).not.toContain(secret);
      expect(JSON.parse(response.text).error).toMatchObject({
        code: 'host_refused',
        message: expect.stringContaining('BACKFLOW_ALLOWED_HOSTS'),
      });
    }
    for (const host of [hostOf(open), `localhost:${new URL(open.url).port}`]) {
      const response = await rawRequest(open.url, { path: '/api/health', headers: { host } });
      expect(response.status, host).toBe(200);
    }
  });

  it('answers names listed in allowedHosts', async () => {
    const named = await startTestServer({ baseDir: open.baseDir, allowedHosts: ['backflow.internal'] });
    try {
      const port = new URL(named.url).port;
      expect(
        (await rawRequest(named.url, { path: '/api/health', headers: { host: `backflow.internal:${port}` } })).status,
      ).toBe(200);
      expect(
        (await rawRequest(named.url, { path: '/api/health', headers: { host: `other.internal:${port}` } })).status,
      ).toBe(421);
    } finally {
      await named.close();
    }
  });
});

describe('what a flow may touch on a server', () => {
  it('user SQL cannot read a file outside the roots, even from the server’s own page', async () => {
    const response = await new ApiClient(open.url).post('/api/preview', readingPreview(path.join(outside, 'shadow')));
    expect(response.status).toBe(422);
    expect(response.text).not.toContain(secret);
    expect(response.json.error.message).toMatch(/Permission Error: Cannot access file .*shadow/);
  });

  it('user SQL reads a file under the roots', async () => {
    await writeFile(path.join(open.baseDir, 'inside.txt'), 'visible\n');
    const response = await new ApiClient(open.url).post(
      '/api/preview',
      readingPreview(path.join(open.baseDir, 'inside.txt')),
    );
    expect(response.status).toBe(200);
    expect(response.json.records).toEqual([expect.objectContaining({ content: 'visible\n' })]);
  });

  it('a path outside the roots is a validation issue naming the field', async () => {
    const client = new ApiClient(open.url);
    const escaping = writingFlow(path.join(outside, 'backups'));
    escaping.nodes[0]!.config.path = '../../etc/warehouse.duckdb';
    const response = await client.post('/api/flows/validate', escaping);
    expect(response.status).toBe(200);
    expect(response.json.valid).toBe(false);
    expect(response.json.issues).toEqual([
      {
        path: 'nodes[0].config.path',
        nodeId: 'orders',
        message: expect.stringMatching(/is outside the directories this server may use .*BACKFLOW_FILES_ROOTS/),
      },
      {
        path: 'nodes[2].config.dir',
        nodeId: 'out',
        message: expect.stringContaining(`${path.join(outside, 'backups')} is outside the directories`),
      },
    ]);
    const glob = {
      name: 'glob',
      nodes: [{ id: 'in', type: 'files.source', config: { path: 'data/*/../../../x' } }],
      edges: [],
    };
    expect((await client.post('/api/flows/validate', glob)).json.issues).toEqual([
      { path: 'nodes[0].config.path', nodeId: 'in', message: expect.stringContaining('climbs out with "..') },
    ]);
    const saved = await client.post('/api/flows', escaping);
    expect(saved.status).toBe(400);
    expect(saved.json.error.details.map((d: { path: string }) => d.path)).toEqual([
      'nodes[0].config.path',
      'nodes[2].config.dir',
    ]);
  });

  it('a CLI hand-off from a directory outside the roots is refused with how to allow it', async () => {
    const response = await new ApiClient(open.url).post('/api/runs', { flow: writingFlow('out'), baseDir: outside });
    expect(response.status).toBe(403);
    expect(response.json.error).toMatchObject({
      code: 'outside_roots',
      message: expect.stringContaining(`start the server with BACKFLOW_FILES_ROOTS including ${outside}`),
    });
    expect((await new ApiClient(open.url).get('/api/runs')).json).toEqual([]);
  });

  it('with the directory in BACKFLOW_FILES_ROOTS, the same flow runs and SQL reads there', async () => {
    const client = new ApiClient(widened.url);
    await mkdir(path.join(outside, 'flows'), { recursive: true });
    const started = await client.post('/api/runs', {
      flow: writingFlow('backup'),
      baseDir: path.join(outside, 'flows'),
    });
    expect(started.status).toBe(202);
    await widened.running.api.runs.settled(started.json.runId);
    const run = await client.get(`/api/runs/${started.json.runId}`);
    // Its relative paths resolve under the directory it was handed over from (the demo warehouse is built there).
    expect(run.json.status).toBe('succeeded');
    expect(existsSync(path.join(outside, 'flows', 'backup', '_manifest.json'))).toBe(true);
    const preview = await client.post('/api/preview', readingPreview(path.join(outside, 'shadow')));
    expect(preview.status).toBe(200);
    expect(preview.json.records[0].content).toBe(`${secret}\n`);
  });

  it('a pushed-down backup still writes its parts (the data directory is a root)', async () => {
    const client = new ApiClient(open.url);
    const flow = await exampleFlow('warehouse-to-parquet');
    const saved = await client.post('/api/flows', flow);
    expect(saved.status).toBe(201);
    const started = await client.post(`/api/flows/${saved.json.id}/runs`, {});
    await open.running.api.runs.settled(started.json.runId);
    const run = await client.get(`/api/runs/${started.json.runId}`);
    expect(run.json.status).toBe('succeeded');
    expect(Object.values(run.json.nodes as Record<string, { written: number }>).every((n) => n.written > 0)).toBe(true);
  });
});

describe('the editor’s session on a server with a token', () => {
  const signIn = (client: ApiClient, given: string) => client.post('/api/session', { token: given });
  const cookieOf = (setCookie: string | null) => setCookie?.split(';')[0] ?? '';

  it('trades the token for an HttpOnly, SameSite=Strict cookie and a CSRF token', async () => {
    const client = new ApiClient(guarded.url);
    expect((await client.get('/api/session')).json).toEqual({ tokenRequired: true, signedIn: false });
    const wrong = await signIn(client, 'tok-wrong');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    const right = await signIn(client, token);
    expect(right.status).toBe(200);
    expect(right.json).toEqual({ tokenRequired: true, signedIn: true, csrfToken: expect.any(String) });
    const setCookie = right.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^backflow_session=[^;]+; Max-Age=43200; Path=\/api; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(token);
    const again = await client.get('/api/session', { Cookie: cookieOf(setCookie) });
    expect(again.json).toEqual({ tokenRequired: true, signedIn: true, csrfToken: right.json.csrfToken });
  });

  it('reads with the cookie alone, and changes only with the CSRF token too', async () => {
    const login = await signIn(new ApiClient(guarded.url), token);
    const cookie = cookieOf(login.headers.get('set-cookie'));
    const session = new ApiClient(guarded.url, { Cookie: cookie });
    expect((await session.get('/api/flows')).status).toBe(200);
    const flow = await exampleFlow('csv-to-duckdb');
    const withoutCsrf = await session.post('/api/flows', flow);
    expect(withoutCsrf.status).toBe(403);
    expect(withoutCsrf.json.error.code).toBe('csrf_refused');
    const forgedCsrf = await session.request('POST', '/api/flows', flow, { 'X-Backflow-CSRF': 'guess' });
    expect(forgedCsrf.status).toBe(403);
    expect((await new ApiClient(guarded.url, { Authorization: `Bearer ${token}` }).get('/api/flows')).json).toEqual([]);
    const created = await session.request('POST', '/api/flows', flow, { 'X-Backflow-CSRF': login.json.csrfToken });
    expect(created.status).toBe(201);
    const tampered = new ApiClient(guarded.url, { Cookie: `${cookie.slice(0, -2)}xx` });
    expect((await tampered.get('/api/flows')).status).toBe(401);
  });

  it('programs keep using the bearer token, with no CSRF token', async () => {
    const client = new ApiClient(guarded.url, { Authorization: `Bearer ${token}` });
    expect((await client.post('/api/flows/validate', await exampleFlow('csv-to-duckdb'))).json.valid).toBe(true);
  });
});
