import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, describeNodeType } from '../nodes/registry.ts';
import { ApiClient, repoRoot, startTestServer, type TestServer } from '../testing/api-server.ts';
import { connectionInputSchema, flowDocumentSchema } from './schemas.ts';

let server: TestServer;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  client = new ApiClient(server.url);
});

afterAll(async () => {
  await server?.close();
});

/** Every operation the API has, as OpenAPI paths. */
const operations: Record<string, string[]> = {
  '/api/health': ['get'],
  '/api/node-types': ['get'],
  '/api/node-types/{type}/check-syntax': ['post'],
  '/api/openapi.json': ['get'],
  '/api/templates': ['get'],
  '/api/flows': ['get', 'post'],
  '/api/flows/validate': ['post'],
  '/api/flows/{id}': ['get', 'put', 'delete'],
  '/api/flows/{id}/versions': ['get'],
  '/api/flows/{id}/export': ['get'],
  '/api/flows/{id}/runs': ['post'],
  '/api/flows/{id}/preview': ['post'],
  '/api/runs': ['get', 'post'],
  '/api/runs/{id}': ['get'],
  '/api/runs/{id}/events': ['get'],
  '/api/runs/{id}/cancel': ['post'],
  '/api/runs/{id}/resume': ['post'],
  '/api/runs/{id}/rejected': ['get'],
  '/api/runs/{id}/logs': ['get'],
  '/api/connection-types': ['get'],
  '/api/connections': ['get', 'post'],
  '/api/connections/{id}': ['get', 'put', 'delete'],
  '/api/connections/{id}/test': ['post'],
  '/api/discover': ['post'],
};

describe('GET /api/health', () => {
  it('says ok with the server package version', async () => {
    const { version } = JSON.parse(await readFile(path.join(repoRoot, 'server/package.json'), 'utf8'));
    const response = await client.get('/api/health');
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok', version });
  });
});

describe('GET /api/node-types', () => {
  it('lists every registry type with its config schema and typed ports', async () => {
    const response = await client.get('/api/node-types');
    expect(response.status).toBe(200);
    const types = response.json as ReturnType<typeof describeNodeType>[];
    expect(types.map((t) => t.type)).toEqual(catalog.types.map((t) => t.type));
    expect(types).toEqual(JSON.parse(JSON.stringify(catalog.types.map(describeNodeType))));
    for (const type of types) {
      expect(type.config.type, type.type).toBe('object');
      expect(['source', 'transform', 'destination']).toContain(type.role);
      for (const port of [...type.inputs, ...type.outputs]) expect(['records', 'files']).toContain(port.kind);
      if (type.role === 'source') expect(type.inputs).toEqual([]);
      if (type.role === 'destination') expect(type.outputs).toEqual([]);
    }
    const csvFormat = types.find((t) => t.type === 'csv.format')!;
    expect(csvFormat.inputs).toEqual([{ name: 'records', kind: 'records' }]);
    expect(csvFormat.outputs).toEqual([
      { name: 'files', kind: 'files' },
      { name: 'rejected', kind: 'records' },
    ]);
    expect(types.find((t) => t.type === 'duckdb.source')!.connectionFields).toEqual(['path']);
  });
});

describe('POST /api/node-types/:type/check-syntax', () => {
  const check = (type: string, config: Record<string, unknown>) =>
    client.post(`/api/node-types/${type}/check-syntax`, { config });

  it('names where a duckdb.source query stops parsing, as a line and column of the query', async () => {
    const cases: [string, string][] = [
      ['select * frm orders', 'syntax error at or near "orders" (line 1, column 14)'],
      // Columns count characters, not bytes or UTF-16 units.
      ["select 'é😀', x\nfrom orders\nwhere amount > > 3", 'syntax error at or near ">" (line 3, column 16)'],
      ['select * from orders where', 'syntax error at end of input (line 1, column 27)'],
      ["select 'open", `unterminated quoted string at or near "'open" (line 1, column 8)`],
      ['select 1; select 2', 'holds 2 statements; a read takes one SELECT'],
      ['-- nothing but a comment', 'holds no statement'],
      ['insert into orders values (1)', 'is not a SELECT statement: a read selects the rows of the query'],
    ];
    for (const [query, message] of cases) {
      const response = await check('duckdb.source', { path: 'demo/warehouse.duckdb', query });
      expect(response.status, query).toBe(200);
      expect(response.json, query).toEqual({ valid: false, issues: [{ path: 'query', message }] });
    }
  });

  it('passes a query that parses without binding or running it: unknown tables and files are not its business', async () => {
    for (const query of [
      'select * from orders',
      'select 1;\n-- the final semicolon and comment are dropped as a read drops them',
      "from no_such_table select count(*) where note = 'a;b'",
      "select * from read_csv('/no/such/file.csv')",
      // Not a plain SELECT, but one a read can select from.
      'pivot orders on status using sum(amount)',
    ]) {
      expect((await check('duckdb.source', { query })).json, query).toEqual({ valid: true, issues: [] });
    }
    expect(existsSync('/no/such/file.csv')).toBe(false);
  });

  it('checks only fields present, answers valid for types without a syntax, and refuses what it cannot check', async () => {
    expect((await check('duckdb.source', { table: 'orders' })).json).toEqual({ valid: true, issues: [] });
    expect((await check('duckdb.source', { query: 42 })).json).toEqual({ valid: true, issues: [] });
    expect((await check('csv.format', { gzip: true })).json).toEqual({ valid: true, issues: [] });
    const unknown = await check('no.such', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('not_found');
    const noConfig = await client.post('/api/node-types/duckdb.source/check-syntax', { query: 'select 1' });
    expect(noConfig.status).toBe(400);
    expect(noConfig.json.error.details).toEqual([
      { path: 'config', message: 'required' },
      { path: 'query', message: 'unknown field' },
    ]);
  });
});

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document with every route and method', async () => {
    // Other routes may join; these must all be there.
    const response = await client.get('/api/openapi.json');
    expect(response.status).toBe(200);
    const document = response.json;
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.version).toBe((await client.get('/api/health')).json.version);
    const paths = Object.fromEntries(
      Object.entries(document.paths as Record<string, object>).map(([route, methods]) => [
        route,
        Object.keys(methods).sort(),
      ]),
    );
    for (const [route, methods] of Object.entries(operations)) {
      expect(paths[route], route).toEqual(expect.arrayContaining(methods));
    }
    const operationIds = Object.values(document.paths as Record<string, Record<string, { operationId: string }>>)
      .flatMap((methods) => Object.values(methods))
      .map((operation) => operation.operationId);
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it('names the shared schemas once and refers to them, every reference resolving', async () => {
    const { json: document } = await client.get('/api/openapi.json');
    const saved = document.paths['/api/flows/{id}'].get.responses[200].content['application/json'].schema;
    expect(saved).toEqual({ $ref: '#/components/schemas/FlowView' });
    const { FlowView, RunView } = document.components.schemas;
    expect(FlowView.properties.document).toEqual({ $ref: '#/components/schemas/Flow' });
    expect(RunView.properties.edges).toEqual({ type: 'array', items: { $ref: '#/components/schemas/EdgeCounts' } });
    expect(RunView.properties.error).toEqual({ $ref: '#/components/schemas/ApiError' });
    const refs = JSON.stringify(document).match(/"#\/components\/schemas\/[A-Za-z]+"/g) ?? [];
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of new Set(refs)) {
      expect(document.components.schemas[JSON.parse(ref).split('/').at(-1)], ref).toBeDefined();
    }
  });

  it('documents the path parameters of each route', async () => {
    const { json: document } = await client.get('/api/openapi.json');
    const runs = document.paths['/api/flows/{id}/runs'].post;
    expect(runs.parameters).toEqual([{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }]);
    expect(Object.keys(runs.responses).sort()).toEqual(['202', '409', 'default']);
    const list = document.paths['/api/runs'].get;
    expect(list.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'query:flowId',
      'query:status',
      'query:limit',
    ]);
  });

  it('shows the request body schemas the routes validate with', async () => {
    const { json: document } = await client.get('/api/openapi.json');
    const bodyOf = (route: string, method: string) =>
      document.paths[route][method].requestBody.content['application/json'].schema;
    // A named schema is written once, under components, and referred to where it is used.
    const schemas = document.components.schemas;
    expect(bodyOf('/api/flows', 'post')).toEqual({ $ref: '#/components/schemas/Flow' });
    expect(schemas.Flow.required).toEqual(['name', 'nodes', 'edges']);
    expect(schemas.Flow).toEqual(flowDocumentSchema);
    expect(bodyOf('/api/flows/{id}', 'put')).toEqual({ $ref: '#/components/schemas/Flow' });
    expect(bodyOf('/api/connections', 'post')).toEqual({ $ref: '#/components/schemas/ConnectionInput' });
    expect(schemas.ConnectionInput).toEqual(connectionInputSchema);
    expect(bodyOf('/api/flows/{id}/runs', 'post')).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        dryRun: { type: 'boolean' },
        fullResync: {
          type: 'boolean',
          description: "Re-read every source in full instead of from where the flow's last succeeded run ended",
        },
        flow: {
          type: 'object',
          description: 'An unsaved version of the flow to run instead; the run is listed under the flow',
        },
      },
    });
    expect(bodyOf('/api/flows/{id}/preview', 'post').required).toEqual(['nodeId']);
    // The documented schema is the validated one: what it requires, the route refuses without.
    const refused = await client.post('/api/flows', { name: 'no-edges', nodes: [{ id: 'a', type: 'csv.parse' }] });
    expect(refused.status).toBe(400);
    expect(refused.json.error.details).toEqual([{ path: 'edges', message: 'required' }]);
  });
});

describe('GET /api/templates', () => {
  it('places connected nodes far enough apart for the count label of the edge between them', async () => {
    // The editor draws nodes 200 px wide; "4 files · 200,000 rows" needs about 140 px and the ports.
    const templates = (await client.get('/api/templates')).json as {
      name: string;
      nodes: { id: string; position?: { x: number; y: number } }[];
      edges: { from: string; to: string }[];
    }[];
    expect(templates.length).toBeGreaterThanOrEqual(5);
    for (const template of templates) {
      const at = new Map(template.nodes.map((node) => [node.id, node.position]));
      for (const edge of template.edges) {
        const from = at.get(edge.from.split(':')[0]!)!;
        const to = at.get(edge.to.split(':')[0]!)!;
        if (from.y !== to.y) continue;
        expect(to.x - from.x - 200, `${template.name}: ${edge.from} → ${edge.to}`).toBeGreaterThanOrEqual(180);
      }
    }
  });
});
