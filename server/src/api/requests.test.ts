import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, exampleFlow, startTestServer, type TestServer } from '../testing/api-server.ts';

let baseDir: string;
let server: TestServer;
let small: TestServer;
let client: ApiClient;

beforeAll(async () => {
  // One base directory (one demo warehouse) for both servers.
  baseDir = await mkdtemp(path.join(tmpdir(), 'backflow-api-requests-'));
  server = await startTestServer({ baseDir });
  small = await startTestServer({ baseDir, maxBodyBytes: 1024 });
  client = new ApiClient(server.url);
});

afterAll(async () => {
  await server?.close();
  await small?.close();
  await rm(baseDir, { recursive: true, force: true });
});

const pathsOf = (response: { json: any }) =>
  (response.json.error.details as { path: string }[]).map((detail) => detail.path).sort();

describe('bad requests', () => {
  it('refuse wrong types with 400 request_invalid naming every field', async () => {
    const response = await client.post('/api/flows', { name: 5 });
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('request_invalid');
    expect(response.json.error.details).toEqual(
      expect.arrayContaining([
        { path: 'name', message: 'must be string' },
        { path: 'nodes', message: 'required' },
        { path: 'edges', message: 'required' },
      ]),
    );
    const connection = await client.post('/api/connections', { name: 'x', type: 'duckdb', config: 'path' });
    expect(connection.status).toBe(400);
    expect(connection.json.error.details).toEqual([{ path: 'config', message: 'must be object' }]);
    const run = await client.post('/api/runs', { flow: await exampleFlow('warehouse-backup'), dryRun: 'yes' });
    expect(run.status).toBe(400);
    expect(run.json.error.details).toEqual([{ path: 'dryRun', message: 'must be boolean' }]);
  });

  it('refuse unknown fields, at any depth, by path', async () => {
    const flow = await exampleFlow('warehouse-backup');
    const top = await client.post('/api/flows', { ...flow, extra: 1 });
    expect(top.status).toBe(400);
    expect(top.json.error.details).toEqual([{ path: 'extra', message: 'unknown field' }]);
    const nested = { ...flow, nodes: flow.nodes.map((node, i) => (i === 2 ? { ...node, colour: 'red' } : node)) };
    expect(pathsOf(await client.post('/api/flows', nested))).toEqual(['nodes[2].colour']);
    const connection = await client.post('/api/connections', { name: 'x', type: 'duckdb', config: {}, secret: 1 });
    expect(pathsOf(connection)).toEqual(['secret']);
    expect((await client.get('/api/flows')).json).toEqual([]);
    expect((await client.get('/api/connections')).json).toEqual([]);
  });

  it('refuse a body that is not JSON with 400', async () => {
    for (const body of ['{"name": ', 'name=backup', '[1, 2']) {
      const response = await client.request('POST', '/api/flows', body);
      expect(response.status, body).toBe(400);
      expect(response.json.error.code).toBe('request_invalid');
      expect(response.json.error.details).toEqual([
        { path: '', message: expect.stringMatching(/^is not valid JSON: /) },
      ]);
    }
    // Valid JSON of the wrong shape is a schema error, not a parse error.
    const array = await client.request('POST', '/api/flows', '[]');
    expect(array.status).toBe(400);
    expect(array.json.error.details).toEqual([{ path: '', message: 'must be object' }]);
  });

  it('refuse a body nested 3,000 levels deep with 400 request_invalid at its path, on every route with a body', async () => {
    // As the fuzzer sent it: JSON.parse takes any depth, what runs after it recursed and answered 500.
    const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
    const flow = `{"name":"x","nodes":[{"id":"a","type":"map","config":{"defaults":${deep}}}],"edges":[]}`;
    const message = 'nesting deeper than 64 levels';
    const cases: [string, string, string, string][] = [
      ['POST', '/api/flows', flow, 'nodes[0].config.defaults.a.a.a.a…'],
      ['PUT', '/api/flows/nope', flow, 'nodes[0].config.defaults.a.a.a.a…'],
      ['POST', '/api/flows/validate', flow, 'nodes[0].config.defaults.a.a.a.a…'],
      ['POST', '/api/flows/nope/preview', `{"nodeId":"a","flow":${flow}}`, 'flow.nodes[0].config.defaults.a.a.a…'],
      ['POST', '/api/preview', `{"nodeId":"a","flow":${flow}}`, 'flow.nodes[0].config.defaults.a.a.a…'],
      ['POST', '/api/runs', `{"flow":${flow}}`, 'flow.nodes[0].config.defaults.a.a.a…'],
      ['POST', '/api/connections', `{"name":"x","type":"duckdb","config":${deep}}`, 'config.a.a.a.a.a.a.a…'],
    ];
    for (const [method, route, body, path] of cases) {
      const response = await client.request(method, route, body);
      expect(response.status, `${method} ${route}`).toBe(400);
      expect(response.json.error, `${method} ${route}`).toEqual({
        code: 'request_invalid',
        message: `the request body is invalid: ${path}: ${message}`,
        details: [{ path, message }],
      });
    }
    // A bare array nested a million levels deep (2 MB) is refused the same way, from the root.
    const arrays = await client.request('POST', '/api/flows/validate', `${'['.repeat(1e6)}${']'.repeat(1e6)}`);
    expect(arrays.status).toBe(400);
    expect(arrays.json.error.details).toEqual([{ path: '[0][0][0][0][0][0][0][0]…', message }]);
    expect((await client.get('/api/flows')).json).toEqual([]);
    expect((await client.get('/api/connections')).json).toEqual([]);
  });

  it('refuse a body over maxBodyBytes with 413 payload_too_large, and keep nothing', async () => {
    const smallClient = new ApiClient(small.url);
    const flow = await exampleFlow('warehouse-backup');
    const big = { ...flow, description: 'x'.repeat(4096) };
    const refused = await smallClient.post('/api/flows', big);
    expect(refused.status).toBe(413);
    expect(refused.json.error.code).toBe('payload_too_large');
    expect(refused.json.error.message).toContain('1024 bytes');
    // Without a Content-Length (chunked), the limit still holds.
    const body = new TextEncoder().encode(JSON.stringify(big));
    const chunked = await fetch(`${small.url}/api/flows`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < body.length; i += 512) controller.enqueue(body.slice(i, i + 512));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect((await chunked.json()).error.code).toBe('payload_too_large');
    expect((await smallClient.get('/api/flows')).json).toEqual([]);
    // Under the limit, the same server saves the flow.
    const { description: _description, ...compact } = flow;
    expect(JSON.stringify(compact).length).toBeLessThan(1024);
    expect((await smallClient.post('/api/flows', compact)).status).toBe(201);
  });

  it('refuse bad query parameters with 400 naming them', async () => {
    const response = await client.get('/api/runs?status=bogus&limit=0&colour=red');
    expect(response.status).toBe(400);
    expect(pathsOf(response)).toEqual(['colour', 'limit', 'status']);
    const draft = await client.request('POST', '/api/flows?draft=yes', await exampleFlow('warehouse-backup'));
    expect(draft.status).toBe(400);
    expect(pathsOf(draft)).toEqual(['draft']);
  });

  it('answer 404 not_found for unknown ids', async () => {
    const flow = await exampleFlow('warehouse-backup');
    const cases: [string, string, unknown?][] = [
      ['GET', '/api/flows/nope'],
      ['PUT', '/api/flows/nope', flow],
      ['DELETE', '/api/flows/nope'],
      ['GET', '/api/flows/nope/versions'],
      ['GET', '/api/flows/nope/export'],
      ['POST', '/api/flows/nope/runs', {}],
      ['POST', '/api/flows/nope/preview', { nodeId: 'orders' }],
      ['GET', '/api/runs/nope'],
      ['GET', '/api/runs/nope/events'],
      ['GET', '/api/runs/nope/logs'],
      ['GET', '/api/runs/nope/rejected'],
      ['POST', '/api/runs/nope/cancel'],
      ['POST', '/api/runs/nope/resume'],
      ['GET', '/api/connections/nope'],
      ['PUT', '/api/connections/nope', { name: 'x', type: 'duckdb', config: {} }],
      ['DELETE', '/api/connections/nope'],
      ['POST', '/api/connections/nope/test'],
    ];
    for (const [method, route, body] of cases) {
      const response = await client.request(method, route, body);
      expect(response.status, `${method} ${route}`).toBe(404);
      expect(response.json.error.code, `${method} ${route}`).toBe('not_found');
      expect(response.json.error.message, `${method} ${route}`).toContain('"nope"');
    }
  });

  it('answer an unknown route with a JSON 404', async () => {
    for (const [method, route] of [
      ['GET', '/api/nothing'],
      ['DELETE', '/api/health'],
      ['PATCH', '/api/flows'],
      ['GET', '/api/flows/nope/nothing'],
    ] as const) {
      const response = await client.request(method, route);
      expect(response.status, `${method} ${route}`).toBe(404);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(response.json).toEqual({
        error: { code: 'not_found', message: `no route ${method} ${route}`, details: [] },
      });
    }
  });

  it('leave the server answering', async () => {
    const health = await client.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('ok');
    expect((await new ApiClient(small.url).get('/api/health')).status).toBe(200);
  });
});
