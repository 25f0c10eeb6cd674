import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../nodes/registry.ts';
import { connectionTypes } from '../service/connections.ts';
import { ApiClient, query, sqlString, startTestServer, type TestServer } from '../testing/api-server.ts';

let server: TestServer;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  client = new ApiClient(server.url);
});

afterAll(async () => {
  await server?.close();
});

/** customers of the demo warehouse, read through the named connection, written as CSV. */
const customersFlow = (connection: string): Flow => ({
  name: `customers-via-${connection}`,
  nodes: [
    { id: 'customers', type: 'duckdb.source', connection, config: { table: 'customers', key: 'customer_id' } },
    { id: 'as-csv', type: 'csv.format', config: { rowsPerFile: 5000 } },
    { id: 'out', type: 'files.destination', config: { dir: 'out/{flow}/{runId}' } },
  ],
  edges: [
    { from: 'customers', to: 'as-csv' },
    { from: 'as-csv', to: 'out' },
  ],
});

// The connections' life, step by step: each test builds on the one before, so they never run shuffled.
describe('connections', { shuffle: false }, () => {
  let warehouseId: string;

  it('come in the types the catalog implies, duckdb among them with its path field and no secrets', async () => {
    const response = await client.get('/api/connection-types');
    expect(response.status).toBe(200);
    expect(response.json).toEqual(JSON.parse(JSON.stringify(connectionTypes(catalog))));
    const duckdb = response.json.find((kind: { type: string }) => kind.type === 'duckdb');
    expect(duckdb).toMatchObject({ type: 'duckdb', secretFields: [] });
    expect(Object.keys(duckdb.config.properties)).toEqual(['path']);
    // As JSON: the catalog's schema is a TypeBox object, which also carries TypeBox's own symbol keys.
    expect(duckdb.config.properties.path).toEqual(
      JSON.parse(JSON.stringify(catalog.find('duckdb.source')!.config.properties.path)),
    );
  });

  it('are stored, listed and read back', async () => {
    const created = await client.post('/api/connections', {
      name: 'warehouse',
      type: 'duckdb',
      config: { path: 'demo/warehouse.duckdb' },
    });
    expect(created.status).toBe(201);
    warehouseId = created.json.id;
    expect(created.json).toMatchObject({
      name: 'warehouse',
      type: 'duckdb',
      config: { path: 'demo/warehouse.duckdb' },
      secretsSet: [],
    });
    expect(warehouseId).toMatch(/^cn_/);
    expect((await client.get(`/api/connections/${warehouseId}`)).json).toEqual(created.json);
    expect((await client.get('/api/connections')).json).toEqual([created.json]);
  });

  it('pass their test when the database opens', async () => {
    const response = await client.post(`/api/connections/${warehouseId}/test`);
    expect(response.status).toBe(200);
    expect(response.json.ok).toBe(true);
    expect(response.json.durationMs).toBeGreaterThanOrEqual(0);
  });

  it('fail their test with 422 connection_failed when the file is missing', async () => {
    const created = await client.post('/api/connections', {
      name: 'missing',
      type: 'duckdb',
      config: { path: 'nowhere/missing.duckdb' },
    });
    expect(created.status).toBe(201);
    const response = await client.post(`/api/connections/${created.json.id}/test`);
    expect(response.status).toBe(422);
    expect(response.json.error.code).toBe('connection_failed');
    expect(response.json.error.message).toContain('connection "missing" failed its test');
    expect(response.json.error.message).toContain('missing.duckdb does not exist');
    expect((await client.delete(`/api/connections/${created.json.id}`)).status).toBe(204);
  });

  it('supply the path of a flow that names them, which then reads every row', async () => {
    const flow = customersFlow('warehouse');
    const saved = await client.post('/api/flows', flow);
    expect(saved.status).toBe(201);
    expect(saved.json.issues).toEqual([]);
    // The stored document names the connection and holds no path.
    expect(saved.json.document.nodes[0]).toEqual(flow.nodes[0]);
    const started = await client.post(`/api/flows/${saved.json.id}/runs`, {});
    expect(started.status).toBe(202);
    const { summary } = (await client.runEvents(started.json.runId)).at(-1)!.data;
    const [expected] = await query(
      'select count(*)::integer as rows, count(distinct customer_id)::integer as ids from customers',
      path.join(server.baseDir, 'demo/warehouse.duckdb'),
    );
    expect(expected!.rows).toBe(20_000);
    expect(summary.status).toBe('succeeded');
    expect(summary.nodes.customers.read).toBe(expected!.rows);
    expect(summary.nodes.out).toMatchObject({ written: expected!.rows, files: 4 });
    const parts = path.join(server.baseDir, 'out', flow.name, started.json.runId, 'customers/*.csv');
    const [written] = await query(
      `select count(*)::integer as rows, count(distinct customer_id)::integer as ids from read_csv(${sqlString(parts)})`,
    );
    expect(written).toEqual(expected);
  });

  it('must exist when a flow names them: 400 at nodes[0].connection', async () => {
    const response = await client.post('/api/flows', customersFlow('nope'));
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('flow_invalid');
    expect(response.json.error.details).toEqual([
      { path: 'nodes[0].connection', message: 'no stored connection is named "nope"', nodeId: 'customers' },
    ]);
  });

  it('are replaced by PUT and gone after DELETE', async () => {
    const created = await client.post('/api/connections', {
      name: 'scratch',
      type: 'duckdb',
      config: { path: 'demo/warehouse.duckdb' },
    });
    const id = created.json.id;
    const updated = await client.put(`/api/connections/${id}`, {
      name: 'scratch-2',
      type: 'duckdb',
      config: { path: 'nowhere/else.duckdb' },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ id, name: 'scratch-2', config: { path: 'nowhere/else.duckdb' } });
    expect((await client.get(`/api/connections/${id}`)).json).toEqual(updated.json);
    expect((await client.post(`/api/connections/${id}/test`)).status).toBe(422);
    expect((await client.delete(`/api/connections/${id}`)).status).toBe(204);
    const gone = await client.get(`/api/connections/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.json.error.code).toBe('not_found');
    expect((await client.get('/api/connections')).json.map((c: { name: string }) => c.name)).toEqual(['warehouse']);
  });

  it('refuse an unknown type, a taken name and fields their type does not have', async () => {
    const unknownType = await client.post('/api/connections', { name: 'x', type: 'oracle', config: {} });
    expect(unknownType.status).toBe(400);
    expect(unknownType.json.error.code).toBe('config_invalid');
    expect(unknownType.json.error.details).toEqual([
      {
        path: 'type',
        message: `must be one of: ${connectionTypes(catalog)
          .map((kind) => kind.type)
          .join(', ')}`,
      },
    ]);
    const taken = await client.post('/api/connections', { name: 'warehouse', type: 'duckdb', config: { path: 'a' } });
    expect(taken.status).toBe(409);
    expect(taken.json.error.details).toEqual([{ path: 'name', message: 'is taken' }]);
    const extraField = await client.post('/api/connections', {
      name: 'y',
      type: 'duckdb',
      config: { path: 'a.duckdb', table: 'orders' },
    });
    expect(extraField.status).toBe(400);
    expect(extraField.json.error.details).toEqual([{ path: 'config.table', message: 'unknown field' }]);
    expect((await client.get('/api/connections')).json).toHaveLength(1);
  });
});
