import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Flow, FlowNode } from '@backflow/flow-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiClient,
  type ApiResponse,
  filesUnder,
  startTestServer,
  type TestServer,
  watchUnhandledRejections,
} from '../testing/api-server.ts';
import { secretTestCatalog } from '../testing/secret-nodes.ts';

let server: TestServer;
// Every unhandled rejection is recorded, so a test can assert there was none.
const unhandled = watchUnhandledRejections();

beforeAll(async () => {
  server = await startTestServer({ catalog: secretTestCatalog });
});

afterAll(async () => {
  await server?.close();
  unhandled.stop();
});

/** The ways a secret usually leaks: as is, JSON-escaped, base64 (both alphabets), URL-encoded. */
function spellings(secret: string): string[] {
  return [
    secret,
    JSON.stringify(secret).slice(1, -1),
    Buffer.from(secret).toString('base64'),
    Buffer.from(secret).toString('base64url'),
    encodeURIComponent(secret),
  ];
}

function occurrences(text: string, secret: string): Record<string, number> {
  return Object.fromEntries(spellings(secret).map((spelling) => [spelling, text.split(spelling).length - 1]));
}

const noOccurrences = (secret: string) => Object.fromEntries(spellings(secret).map((spelling) => [spelling, 0]));

/** vault.source → json.format → files.destination under `vault-out/{flow}/{runId}`. */
function vaultFlow(name: string, source: Omit<FlowNode, 'id' | 'type'>): Flow {
  return {
    name,
    nodes: [
      { id: 'vault', type: 'vault.source', ...source },
      { id: 'as-json', type: 'json.format', config: {} },
      { id: 'out', type: 'files.destination', config: { dir: 'vault-out/{flow}/{runId}' } },
    ],
    edges: [
      { from: 'vault', to: 'as-json' },
      { from: 'as-json', to: 'out' },
    ],
  };
}

/** The records a succeeded vault run wrote. */
async function writtenRecords(flow: string, runId: string): Promise<unknown[]> {
  const dir = path.join(server.baseDir, 'vault-out', flow, runId);
  const parts = (await filesUnder(dir)).filter((name) => name !== '_manifest.json');
  const text = (await Promise.all(parts.map((part) => readFile(path.join(dir, part), 'utf8')))).join('');
  return text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line));
}

const records = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, note: `note ${i + 1}` }));

describe('a secret stored in a connection', () => {
  const secret = `s3cr3t-${randomUUID()}`;
  let client: ApiClient;
  const seen: Record<string, ApiResponse> = {};
  /** `GET /api/flows/{id}`-style names of the operations called. */
  const called = new Set<string>();

  /** Calls every route of the API around a connection holding `secret`, keeping each response. */
  beforeAll(async () => {
    client = new ApiClient(server.url);
    const call = async (label: string, method: string, route: string, body?: unknown) => {
      const ids = /\/(fl_[0-9a-f]+|cn_[0-9a-f]+|\d{8}T\d{6}Z-[0-9a-f]{6})(?=\/|$)/g;
      const operation = route
        .split('?')[0]!
        .replace(ids, '/{id}')
        .replace(/^\/api\/node-types\/[^/]+\//, '/api/node-types/{type}/');
      called.add(`${method.toLowerCase()} ${operation}`);
      seen[label] = await client.request(method, route, body);
      return seen[label]!;
    };
    await call('health', 'GET', '/api/health');
    await call('node types', 'GET', '/api/node-types');
    await call('check syntax', 'POST', '/api/node-types/vault.source/check-syntax', { config: { token: secret } });
    await call('openapi', 'GET', '/api/openapi.json');
    await call('connection types', 'GET', '/api/connection-types');
    await call('templates', 'GET', '/api/templates');
    await call('session', 'GET', '/api/session');
    await call('sign in', 'POST', '/api/session', {});
    await call('sign out', 'DELETE', '/api/session');

    const connection = { name: 'vault-main', type: 'vault', config: { token: secret, rows: 25 } };
    const { id: connectionId } = (await call('create connection', 'POST', '/api/connections', connection)).json;
    await call('list connections', 'GET', '/api/connections');
    await call('get connection', 'GET', `/api/connections/${connectionId}`);
    await call('update connection', 'PUT', `/api/connections/${connectionId}`, { ...connection, config: { rows: 30 } });
    // The check fails and its error spells the token out.
    await call('test connection', 'POST', `/api/connections/${connectionId}/test`);
    // So does listing its streams, through the connection.
    await call('discover', 'POST', '/api/discover', { type: 'vault.source', connection: 'vault-main', config: {} });

    const flow = vaultFlow('vault-backup', { connection: 'vault-main', config: { failAfter: 7 } });
    await call('validate flow', 'POST', '/api/flows/validate', flow);
    const { id: flowId } = (await call('create flow', 'POST', '/api/flows', flow)).json;
    await call('list flows', 'GET', '/api/flows');
    await call('get flow', 'GET', `/api/flows/${flowId}`);
    await call('update flow', 'PUT', `/api/flows/${flowId}`, { ...flow, description: 'fails on purpose' });
    await call('versions', 'GET', `/api/flows/${flowId}/versions`);
    await call('export', 'GET', `/api/flows/${flowId}/export`);
    await call('preview', 'POST', `/api/flows/${flowId}/preview`, { nodeId: 'vault', limit: 3 });
    const failing = vaultFlow('vault-backup', { connection: 'vault-main', config: { failAfter: 2 } });
    await call('failed preview', 'POST', `/api/flows/${flowId}/preview`, { nodeId: 'vault', limit: 50, flow: failing });
    await call('failed unsaved preview', 'POST', '/api/preview', { nodeId: 'vault', limit: 50, flow: failing });

    // The run fails after 7 records: its error and a log line both spell the token out.
    const { runId } = (await call('start run', 'POST', `/api/flows/${flowId}/runs`, {})).json;
    const events = await client.runEvents(runId);
    seen.events = { status: 200, headers: new Headers(), text: '', json: events };
    await call('get run', 'GET', `/api/runs/${runId}`);
    await call('runs of flow', 'GET', `/api/runs?flowId=${flowId}`);
    await call('logs', 'GET', `/api/runs/${runId}/logs`);
    await call('rejected', 'GET', `/api/runs/${runId}/rejected`);
    await call('cancel finished run', 'POST', `/api/runs/${runId}/cancel`);
    await call('resume', 'POST', `/api/runs/${runId}/resume`);
    await client.runEvents(runId);
    await call('get resumed run', 'GET', `/api/runs/${runId}`);
    await call('replayed events', 'GET', `/api/runs/${runId}/events`);

    const unsaved = await call('run unsaved flow', 'POST', '/api/runs', { flow: { ...flow, name: 'vault-unsaved' } });
    await client.runEvents(unsaved.json.runId);
    await call('list runs', 'GET', '/api/runs');
    await call('delete flow', 'DELETE', `/api/flows/${flowId}`);
    const spare = await call('create spare', 'POST', '/api/connections', { ...connection, name: 'vault-spare' });
    await call('delete spare', 'DELETE', `/api/connections/${spare.json.id}`);
    await call('list connections again', 'GET', '/api/connections');
  });

  it('was used: the run, the test and the failed preview all failed where the token would show', () => {
    expect(seen['create connection']!.status).toBe(201);
    expect(seen['test connection']!.status).toBe(422);
    expect(seen['test connection']!.json.error.message).toBe(
      'connection "vault-main" failed its test: invalid token [redacted]',
    );
    expect(seen.discover!.status).toBe(422);
    expect(seen.discover!.json.error.message).toBe(
      'cannot list the tables of "vault.source": cannot list the vault with token [redacted]',
    );
    expect(seen['failed preview']!.status).toBe(422);
    expect(seen['failed unsaved preview']!.json.error.message).toBe(seen['failed preview']!.json.error.message);
    expect(seen['failed preview']!.json.error.message).toBe(
      'preview failed: node "vault" failed: auth expired for token [redacted]',
    );
    expect(seen.preview!.json.records).toEqual(records(3));
    const run = seen['get run']!.json;
    expect(run).toMatchObject({ status: 'failed', nodes: { vault: { read: 7 } } });
    expect(run.error).toMatchObject({ code: 'node_failed', nodeId: 'vault' });
    expect(run.error.message).toBe('node "vault" failed: auth expired for token [redacted]');
    expect(seen['get resumed run']!.json).toMatchObject({ status: 'failed', attempts: 2 });
    const logs = seen.logs!.json as { level: string; message: string; nodeId?: string }[];
    expect(logs).toContainEqual(
      expect.objectContaining({ level: 'warn', nodeId: 'vault', message: 'the vault refused token [redacted]' }),
    );
    const events = seen.events!.json as { event: string; data: any }[];
    expect(events.filter((e) => e.event === 'log').map((e) => e.data.message)).toContain(
      'the vault refused token [redacted]',
    );
    expect(events.at(-1)!.data.summary.error.message).toBe('node "vault" failed: auth expired for token [redacted]');
    expect(seen.rejected!.text).toBe('');
    expect(seen['run unsaved flow']!.status).toBe(202);
  });

  it('was sent through every documented operation', () => {
    const documented = Object.entries(seen.openapi!.json.paths as Record<string, object>).flatMap(([route, methods]) =>
      Object.keys(methods).map((method) => `${method} ${route}`),
    );
    expect(documented.length).toBeGreaterThanOrEqual(29);
    expect(documented.filter((operation) => !called.has(operation))).toEqual([]);
  });

  it('never appears in a response body, raw, JSON-escaped, base64 or URL-encoded', () => {
    const everything = client.bodies.join('\n');
    expect(client.bodies.length).toBeGreaterThanOrEqual(Object.keys(seen).length);
    expect(occurrences(everything, secret)).toEqual(noOccurrences(secret));
    // Where it would have been, the redaction mark is.
    expect(everything.split('[redacted]').length - 1).toBeGreaterThanOrEqual(8);
  });

  it('shows in connection views only as secretsSet', () => {
    for (const label of ['create connection', 'get connection', 'update connection']) {
      const view = seen[label]!.json;
      expect(view.secretsSet, label).toEqual(['token']);
      expect(Object.keys(view.config), label).not.toContain('token');
    }
    expect(seen['update connection']!.json.config).toEqual({ rows: 30 });
    expect(seen['list connections']!.json.map((c: { secretsSet: string[] }) => c.secretsSet)).toEqual([['token']]);
  });

  it('is not stored in plaintext: no file under the data or base directory holds it', async () => {
    const forms = [...spellings(secret).map((spelling) => Buffer.from(spelling)), Buffer.from(secret, 'utf16le')];
    for (const root of [server.dataDir, server.baseDir]) {
      const files = await filesUnder(root);
      if (root === server.dataDir) expect(files).toContain('state.duckdb');
      for (const file of files) {
        const bytes = await readFile(path.join(root, file));
        for (const form of forms) expect(bytes.indexOf(form), `${file}: ${form}`).toBe(-1);
      }
    }
  });
});

// Kept, then cleared: each test builds on the one before, so they never run shuffled.
describe('secret fields of a connection', { shuffle: false }, () => {
  const token = `good-${randomUUID()}`;
  let client: ApiClient;
  let connectionId: string;
  let flowId: string;
  const connection = (config: Record<string, unknown>) => ({ name: 'vault-keep', type: 'vault', config });
  const run = async () => {
    const started = await client.post(`/api/flows/${flowId}/runs`, {});
    expect(started.status).toBe(202);
    return (await client.runEvents(started.json.runId)).at(-1)!.data.summary;
  };

  beforeAll(async () => {
    client = new ApiClient(server.url);
    connectionId = (await client.post('/api/connections', connection({ token, rows: 5 }))).json.id;
    flowId = (await client.post('/api/flows', vaultFlow('vault-keep-flow', { connection: 'vault-keep' }))).json.id;
  });

  // Gone afterwards, so the other suites' listings see only their own connections, in any order.
  afterAll(async () => {
    expect((await client.delete(`/api/flows/${flowId}`)).status).toBe(204);
    expect((await client.delete(`/api/connections/${connectionId}`)).status).toBe(204);
  });

  it('are used by runs and tests', async () => {
    expect((await client.post(`/api/connections/${connectionId}/test`)).json.ok).toBe(true);
    const summary = await run();
    expect(summary.status).toBe('succeeded');
    expect(await writtenRecords('vault-keep-flow', summary.runId)).toEqual(records(5));
  });

  it('are kept by an update that leaves them out', async () => {
    const updated = await client.put(`/api/connections/${connectionId}`, connection({ rows: 8 }));
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ config: { rows: 8 }, secretsSet: ['token'] });
    // The check passes only with the "good…" token, so it is still the stored one.
    expect((await client.post(`/api/connections/${connectionId}/test`)).json.ok).toBe(true);
    const summary = await run();
    expect(summary.status).toBe('succeeded');
    expect(await writtenRecords('vault-keep-flow', summary.runId)).toEqual(records(8));
  });

  it('are cleared by null, after which the flow no longer validates', async () => {
    const updated = await client.put(`/api/connections/${connectionId}`, connection({ token: null, rows: 8 }));
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ config: { rows: 8 }, secretsSet: [] });
    const refused = await client.post(`/api/flows/${flowId}/runs`, {});
    expect(refused.status).toBe(400);
    expect(refused.json.error.details).toEqual([
      { path: 'nodes[0].config.token', message: 'required', nodeId: 'vault' },
    ]);
    expect((await client.post(`/api/connections/${connectionId}/test`)).status).toBe(422);
  });
});

describe('secrets inline in a flow', () => {
  const client = () => new ApiClient(server.url);

  it('are refused unless they are env references', async () => {
    const literal = vaultFlow('vault-literal', { config: { token: 'literal-token-value' } });
    const refused = await client().post('/api/flows', literal);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('flow_invalid');
    expect(refused.json.error.details.map((d: { path: string }) => d.path)).toEqual(['nodes[0].config.token']);
    expect(refused.text).not.toContain('literal-token-value');

    // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
    const reference = vaultFlow('vault-env-ref', { config: { token: '${env:VAULT_TOKEN}' } });
    const unset = await client().post('/api/flows/validate', reference);
    expect(unset.json.issues).toEqual([
      {
        path: 'nodes[0].config.token',
        message: 'refers to environment variable VAULT_TOKEN, which is not set',
        nodeId: 'vault',
      },
    ]);
    const envSecret = `env-s3cr3t-${randomUUID()}`;
    process.env.VAULT_TOKEN = envSecret;
    try {
      expect((await client().post('/api/flows/validate', reference)).json).toEqual({ valid: true, issues: [] });
      const saved = await client().post('/api/flows', reference);
      expect(saved.status).toBe(201);
      expect(saved.json.document).toEqual(reference);
      expect(saved.text).not.toContain(envSecret);
    } finally {
      delete process.env.VAULT_TOKEN;
    }
  });

  it('are redacted like stored ones when they come from an env reference', async () => {
    const envSecret = `env-s3cr3t-${randomUUID()}`;
    process.env.VAULT_TOKEN = envSecret;
    try {
      const api = client();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
      const flow = vaultFlow('vault-env-run', { config: { token: '${env:VAULT_TOKEN}', failAfter: 3 } });
      const { runId } = (await api.post('/api/runs', { flow })).json;
      await api.runEvents(runId);
      const run = await api.get(`/api/runs/${runId}`);
      expect(run.json.status).toBe('failed');
      expect(run.json.error.message).toBe('node "vault" failed: auth expired for token [redacted]');
      const logs = await api.get(`/api/runs/${runId}/logs`);
      expect(logs.json.map((line: { message: string }) => line.message)).toContain(
        'the vault refused token [redacted]',
      );
      expect(occurrences(api.bodies.join('\n'), envSecret)).toEqual(noOccurrences(envSecret));
    } finally {
      delete process.env.VAULT_TOKEN;
    }
  });

  it('are redacted in a failed preview when they come from an env reference', async () => {
    const envSecret = `env-s3cr3t-${randomUUID()}`;
    process.env.VAULT_PREVIEW_TOKEN = envSecret;
    try {
      const api = client();
      // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
      const flow = vaultFlow('vault-env-preview', { config: { token: '${env:VAULT_PREVIEW_TOKEN}', failAfter: 1 } });
      const { id } = (await api.post('/api/flows', flow)).json;
      const preview = await api.post(`/api/flows/${id}/preview`, { nodeId: 'vault', limit: 10 });
      expect(preview.status).toBe(422);
      expect(preview.json.error.message).toBe('preview failed: node "vault" failed: auth expired for token [redacted]');
      expect(occurrences(api.bodies.join('\n'), envSecret)).toEqual(noOccurrences(envSecret));
    } finally {
      delete process.env.VAULT_PREVIEW_TOKEN;
    }
  });

  // A draft may be unfinished but must not put a literal token in the store's versions.
  it('never reach the store through a draft', async () => {
    const literal = `literal-${randomUUID()}`;
    const api = client();
    await api.post('/api/flows?draft=true', vaultFlow('vault-draft', { config: { token: literal } }));
    await api.get('/api/flows');
    expect(api.bodies.join('\n')).not.toContain(literal);
  });
});
