import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, exampleFlow, startTestServer, type TestServer } from '../testing/api-server.ts';
import { assertSafeBinding, serve } from './serve.ts';

const token = 'tok-123';
const editorOrigin = 'http://editor.example';
let baseDir: string;
let open: TestServer;
let guarded: TestServer;

beforeAll(async () => {
  // One base directory (one demo warehouse) for both servers.
  baseDir = await mkdtemp(path.join(tmpdir(), 'backflow-api-security-'));
  open = await startTestServer({ baseDir });
  guarded = await startTestServer({ baseDir, token, corsOrigins: [editorOrigin] });
});

afterAll(async () => {
  await open?.close();
  await guarded?.close();
  await rm(baseDir, { recursive: true, force: true });
});

describe('a server with a token', () => {
  it('answers a request without Authorization with 401 and WWW-Authenticate: Bearer', async () => {
    for (const route of ['/api/health', '/api/flows', '/api/openapi.json', '/api/runs/nope']) {
      const response = await new ApiClient(guarded.url).get(route);
      expect(response.status, route).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.json.error.code).toBe('unauthorized');
      expect(response.json.error.message).toContain('BACKFLOW_TOKEN');
    }
  });

  it('answers a wrong token with 401', async () => {
    for (const authorization of ['Bearer tok-124', 'Bearer tok-1234', 'Bearer ', 'Basic dG9rLTEyMw==', token]) {
      const response = await new ApiClient(guarded.url, { Authorization: authorization }).get('/api/health');
      expect(response.status, authorization).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(response.json.error.code).toBe('unauthorized');
    }
  });

  it('lets the right token through', async () => {
    const client = new ApiClient(guarded.url, { Authorization: `Bearer ${token}` });
    const health = await client.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('ok');
    expect((await client.get('/api/flows')).json).toEqual([]);
  });

  it('does nothing for a request it refused', async () => {
    const refused = await new ApiClient(guarded.url).post('/api/flows', await exampleFlow('warehouse-backup'));
    expect(refused.status).toBe(401);
    const client = new ApiClient(guarded.url, { Authorization: `Bearer ${token}` });
    expect((await client.get('/api/flows')).json).toEqual([]);
  });

  // HTTP auth schemes are case-insensitive (RFC 9110 §11.1).
  it('takes the auth scheme in any case', async () => {
    const client = new ApiClient(guarded.url, { Authorization: `bearer ${token}` });
    expect((await client.get('/api/health')).status).toBe(200);
  });
});

describe('binding', () => {
  it('refuses an address beyond this machine without a token, naming BACKFLOW_TOKEN', () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20', 'example.com', '::ffff:127.0.0.1']) {
      expect(() => assertSafeBinding(host, undefined), host).toThrow(/BACKFLOW_TOKEN/);
      expect(() => assertSafeBinding(host, 'a-token'), host).not.toThrow();
    }
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost']) {
      expect(() => assertSafeBinding(host, undefined), host).not.toThrow();
    }
  });

  it('keeps serve from listening on 0.0.0.0 without a token', async () => {
    const dataDir = path.join(baseDir, 'never-created');
    await expect(serve({ port: 0, host: '0.0.0.0', dataDir, baseDir, quiet: true })).rejects.toThrow(/BACKFLOW_TOKEN/);
  });
});

describe('CORS', () => {
  it('sends no CORS headers by default', async () => {
    const client = new ApiClient(open.url);
    const response = await client.get('/api/health', { Origin: editorOrigin });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await client.request('OPTIONS', '/api/flows', undefined, {
      Origin: editorOrigin,
      'Access-Control-Request-Method': 'POST',
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(preflight.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('allows the configured origins only', async () => {
    const client = new ApiClient(guarded.url, { Authorization: `Bearer ${token}` });
    const allowed = await client.get('/api/health', { Origin: editorOrigin });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(editorOrigin);
    const other = await client.get('/api/health', { Origin: 'http://evil.example' });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers an allowed preflight without the token, which browsers never send on it', async () => {
    const client = new ApiClient(guarded.url);
    const preflight = await client.request('OPTIONS', '/api/flows', undefined, {
      Origin: editorOrigin,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'authorization, content-type',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(editorOrigin);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    const evil = await client.request('OPTIONS', '/api/flows', undefined, {
      Origin: 'http://evil.example',
      'Access-Control-Request-Method': 'POST',
    });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
  });
});
