import type { ConnectionInput } from '../service/connections.ts';
import type { ApiContext } from './api-context.ts';
import type { ApiRoutes } from './api-routes.ts';
import { connectionInputSchema, connectionTypeSchema, connectionViewSchema } from './schemas.ts';

export function connectionRoutes(routes: ApiRoutes, api: ApiContext): void {
  routes.add({
    method: 'get',
    path: '/api/connection-types',
    summary: 'Kinds of stored connection, with the config schema of each (secret fields are writeOnly)',
    tag: 'connections',
    responses: { 200: { description: 'The connection types', schema: { type: 'array', items: connectionTypeSchema } } },
    handler: (c) => c.json(api.connections.types()),
  });

  routes.add({
    method: 'get',
    path: '/api/connections',
    summary: 'List stored connections (secrets only say that they are set)',
    tag: 'connections',
    responses: { 200: { description: 'The connections', schema: { type: 'array', items: connectionViewSchema } } },
    handler: async (c) => c.json(await api.connections.list()),
  });

  routes.add<ConnectionInput>({
    method: 'post',
    path: '/api/connections',
    summary: 'Store a connection; secret fields are encrypted (AES-256-GCM) and never returned',
    tag: 'connections',
    body: connectionInputSchema,
    responses: { 201: { description: 'The stored connection', schema: connectionViewSchema } },
    handler: async (c, { body }) => c.json(await api.connections.create(body), 201),
  });

  routes.add({
    method: 'get',
    path: '/api/connections/:id',
    summary: 'Get a connection',
    tag: 'connections',
    responses: { 200: { description: 'The connection', schema: connectionViewSchema } },
    handler: async (c) => c.json(await api.connections.get(c.req.param('id')!)),
  });

  routes.add<ConnectionInput>({
    method: 'put',
    path: '/api/connections/:id',
    summary: 'Replace a connection (a secret field left out keeps its value; null clears it)',
    tag: 'connections',
    body: connectionInputSchema,
    responses: { 200: { description: 'The stored connection', schema: connectionViewSchema } },
    handler: async (c, { body }) => c.json(await api.connections.update(c.req.param('id')!, body)),
  });

  routes.add({
    method: 'delete',
    path: '/api/connections/:id',
    summary: 'Delete a connection',
    tag: 'connections',
    responses: { 204: { description: 'Deleted' } },
    handler: async (c) => {
      await api.connections.delete(c.req.param('id')!);
      return c.body(null, 204);
    },
  });

  routes.add({
    method: 'post',
    path: '/api/connections/:id/test',
    summary: "Test a connection with its connector's check (moves no data)",
    tag: 'connections',
    responses: {
      200: {
        description: 'The connection works',
        schema: { type: 'object', properties: { ok: { const: true }, durationMs: { type: 'integer' } } },
      },
      422: { description: 'The check failed; the error says why' },
    },
    handler: async (c) => c.json(await api.connections.test(c.req.param('id')!)),
  });
}
