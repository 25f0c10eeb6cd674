import { describeNodeType } from '../nodes/registry.ts';
import type { ApiContext } from './api-context.ts';
import type { ApiRoutes } from './api-routes.ts';
import { buildOpenApi } from './openapi.ts';

export function catalogRoutes(routes: ApiRoutes, api: ApiContext): void {
  routes.add({
    method: 'get',
    path: '/api/health',
    summary: 'Whether the server is up',
    tag: 'server',
    responses: {
      200: {
        description: 'It is',
        schema: { type: 'object', properties: { status: { const: 'ok' }, version: { type: 'string' } } },
      },
    },
    handler: (c) => c.json({ status: 'ok', version: api.version }),
  });

  routes.add({
    method: 'get',
    path: '/api/node-types',
    summary: 'Every node type: role, title, config JSON Schema, typed inputs and outputs',
    tag: 'server',
    responses: { 200: { description: 'The node types', schema: { type: 'array', items: { type: 'object' } } } },
    handler: (c) => c.json(api.catalog.types.map(describeNodeType)),
  });

  routes.add({
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document',
    tag: 'server',
    responses: { 200: { description: 'The document', schema: { type: 'object' } } },
    handler: (c) => c.json(buildOpenApi(routes.specs, api.version)),
  });
}
