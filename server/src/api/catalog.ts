import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackflowError } from '../errors.ts';
import { describeNodeType } from '../nodes/registry.ts';
import type { ApiContext } from './api-context.ts';
import type { ApiRoutes } from './api-routes.ts';
import { buildOpenApi } from './openapi.ts';
import { flowDocumentSchema, issuesSchema, nodeTypeSchema } from './schemas.ts';

/** The repository's example flows, offered as templates. */
const examplesDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

async function readTemplates(): Promise<unknown[]> {
  const files = (await readdir(examplesDir).catch(() => [])).filter((file) => file.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => JSON.parse(await readFile(path.join(examplesDir, file), 'utf8'))));
}

export function catalogRoutes(routes: ApiRoutes, api: ApiContext): void {
  routes.add({
    method: 'get',
    path: '/api/templates',
    summary: 'Example flows to start from (the documents of examples/*.json)',
    tag: 'flows',
    responses: { 200: { description: 'Flow documents', schema: { type: 'array', items: flowDocumentSchema } } },
    handler: async (c) => c.json(await readTemplates()),
  });

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
    responses: { 200: { description: 'The node types', schema: { type: 'array', items: nodeTypeSchema } } },
    handler: (c) => c.json(api.catalog.types.map(describeNodeType)),
  });

  routes.add<{ config: Record<string, unknown> }>({
    method: 'post',
    path: '/api/node-types/:type/check-syntax',
    summary:
      'Parse what a node config holds in a language (a SQL query) without running it; paths are relative to the config',
    tag: 'server',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['config'],
      properties: { config: { type: 'object' } },
    },
    responses: { 200: { description: 'Whether it parses, and where it does not', schema: issuesSchema } },
    handler: async (c, { body }) => {
      const type = api.catalog.find(c.req.param('type')!);
      if (!type) throw new BackflowError('not_found', `no node type "${c.req.param('type')}"`);
      const issues = (await type.checkSyntax?.(body.config)) ?? [];
      return c.json({ valid: issues.length === 0, issues });
    },
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
