import { Type } from '@sinclair/typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineSource } from '../node-kit/contract.ts';
import { createCatalog, nodeTypes } from '../nodes/registry.ts';
import { ApiClient, startTestServer, type TestServer } from '../testing/api-server.ts';

/** A source whose system refuses the connection, quoting its URL with the password in its message. */
const refusingSource = defineSource({
  type: 'refusing.source',
  title: 'Refusing source',
  description: 'discover fails with the URL in its message',
  config: Type.Object({ url: Type.String({ writeOnly: true }), table: Type.String() }, { required: ['url', 'table'] }),
  connectionFields: ['url'],
  outputs: [{ name: 'records', kind: 'records' }],
  async discover(config) {
    throw new Error(`connection to ${config.url} refused`);
  },
  async *read() {},
});

let server: TestServer;
let client: ApiClient;
const secretUrl = 'postgres://app:S3cr3t-pw@db.internal:5432/shop';

beforeAll(async () => {
  process.env.BACKFLOW_TEST_WAREHOUSE = 'demo/warehouse.duckdb';
  process.env.BACKFLOW_TEST_PG_URL = secretUrl;
  server = await startTestServer({ catalog: createCatalog([...nodeTypes, refusingSource]) });
  client = new ApiClient(server.url);
});

afterAll(async () => {
  delete process.env.BACKFLOW_TEST_WAREHOUSE;
  delete process.env.BACKFLOW_TEST_PG_URL;
  await server?.close();
});

const discover = (body: Record<string, unknown>) => client.post('/api/discover', body);

describe('POST /api/discover', () => {
  it("lists a DuckDB file's tables with typed columns and primary keys, from a config still being edited", async () => {
    const response = await discover({ type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb' } });
    expect(response.status).toBe(200);
    expect(response.json.map((s: { name: string }) => s.name)).toEqual([
      'customers',
      'events',
      'orders',
      'support_tickets',
    ]);
    const orders = response.json.find((s: { name: string }) => s.name === 'orders');
    expect(orders).toMatchObject({
      name: 'orders',
      key: ['order_id'],
      columns: [
        { name: 'order_id', type: 'BIGINT' },
        { name: 'customer_id', type: 'BIGINT' },
        { name: 'ordered_at', type: 'TIMESTAMP WITH TIME ZONE' },
        { name: 'status', type: 'VARCHAR' },
        { name: 'amount', type: 'DECIMAL(12,2)' },
        { name: 'currency', type: 'VARCHAR' },
        { name: 'items', type: 'INTEGER' },
      ],
    });
  });

  it('resolves env references and stored connections as a run does', async () => {
    const viaEnv = await discover({
      type: 'duckdb.source',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an env reference as a flow writes it.
      config: { path: '${env:BACKFLOW_TEST_WAREHOUSE}', table: 'orders' },
    });
    expect(viaEnv.status).toBe(200);
    expect(viaEnv.json).toHaveLength(4);
    const created = await client.post('/api/connections', {
      name: 'discover-warehouse',
      type: 'duckdb',
      config: { path: 'demo/warehouse.duckdb' },
    });
    expect(created.status).toBe(201);
    const viaConnection = await discover({ type: 'duckdb.source', connection: 'discover-warehouse', config: {} });
    expect(viaConnection.status).toBe(200);
    expect(viaConnection.json).toEqual(viaEnv.json);
  });

  it('says which field is wrong, at the node, without listing anything', async () => {
    const missingEnv = await discover({
      type: 'duckdb.source',
      nodeId: 'orders',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an env reference as a flow writes it.
      config: { path: '${env:BACKFLOW_TEST_NOT_SET}' },
    });
    expect(missingEnv.status).toBe(400);
    expect(missingEnv.json.error).toMatchObject({
      code: 'config_invalid',
      nodeId: 'orders',
      details: [{ path: 'config.path', message: expect.stringContaining('BACKFLOW_TEST_NOT_SET') }],
    });
    const wrongType = await discover({ type: 'duckdb.source', nodeId: 'orders', config: { path: 42 } });
    expect(wrongType.json.error).toMatchObject({ code: 'config_invalid', details: [{ path: 'config.path' }] });
    const outside = await discover({ type: 'duckdb.source', config: { path: '/etc/passwd.duckdb' } });
    expect(outside.status).toBe(400);
    expect(outside.json.error.details[0]).toMatchObject({ path: 'config.path' });
    const noConnection = await discover({ type: 'duckdb.source', connection: 'nope', config: {} });
    expect(noConnection.json.error.details).toEqual([
      { path: 'connection', message: 'no stored connection is named "nope"', nodeId: 'duckdb.source' },
    ]);
  });

  it('fails with discover_failed naming the node when the system cannot be listed, and for types without discover', async () => {
    const missing = await discover({ type: 'duckdb.source', nodeId: 'warehouse', config: { path: 'nowhere.duckdb' } });
    expect(missing.status).toBe(422);
    expect(missing.json.error).toMatchObject({ code: 'discover_failed', nodeId: 'warehouse' });
    expect(missing.json.error.message).toMatch(/^cannot list the tables of "warehouse": .*nowhere\.duckdb/);
    const format = await discover({ type: 'csv.format', config: {} });
    expect(format.status).toBe(400);
    expect(format.json.error.code).toBe('not_discoverable');
    const unknown = await discover({ type: 'nope.source', config: {} });
    expect(unknown.status).toBe(404);
  });

  it('never returns a password: a URL in an error is redacted', async () => {
    const response = await discover({
      type: 'refusing.source',
      nodeId: 'shop',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an env reference as a flow writes it.
      config: { url: '${env:BACKFLOW_TEST_PG_URL}' },
    });
    expect(response.status).toBe(422);
    expect(response.text).not.toContain('S3cr3t-pw');
    expect(response.json.error.message).toContain('cannot list the tables of "shop"');
  });

  it('refuses a password written into the config (only env references or connections hold secrets)', async () => {
    const response = await discover({ type: 'refusing.source', config: { url: secretUrl } });
    expect(response.status).toBe(400);
    expect(response.json.error.details[0]).toMatchObject({
      path: 'config.url',
      message: expect.stringContaining('is a secret'),
    });
    expect(response.text).not.toContain('S3cr3t-pw');
  });
});

describe('GET /api/node-types', () => {
  it('says which node types can discover', async () => {
    const types = (await client.get('/api/node-types')).json as { type: string; discover?: boolean }[];
    expect(types.find((t) => t.type === 'duckdb.source')?.discover).toBe(true);
    expect(types.find((t) => t.type === 'csv.format')?.discover).toBeUndefined();
  });
});
