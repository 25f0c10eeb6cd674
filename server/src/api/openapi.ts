import type { JSONSchema } from '@backflow/flow-model';
import type { RouteSpec } from './api-routes.ts';
import { errorResponseSchema } from './schemas.ts';

/** The OpenAPI 3.1 document of every registered route, built from the schemas the routes validate with. */
export function buildOpenApi(specs: readonly RouteSpec[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const spec of specs) {
    const path = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const parameters = [
      ...[...spec.path.matchAll(/:([A-Za-z]+)/g)].map((match) => ({
        name: match[1],
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...Object.entries((spec.query?.properties ?? {}) as Record<string, JSONSchema>).map(([name, schema]) => ({
        name,
        in: 'query',
        required: (spec.query?.required ?? []).includes(name),
        schema,
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema || response.contentType
          ? { content: { [response.contentType ?? 'application/json']: { schema: response.schema ?? {} } } }
          : {}),
      };
    }
    responses.default = {
      description: 'An error: `{ error: { code, message, details: [{ path, message }] } }`',
      content: { 'application/json': { schema: errorResponseSchema } },
    };
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: operationId(spec),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(spec.body ? { requestBody: { required: true, content: { 'application/json': { schema: spec.body } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Backflow API',
      version,
      description: 'Flows, runs, connections and node types of a Backflow server.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

function operationId(spec: RouteSpec): string {
  const words = spec.path
    .replace(/^\/api\//, '')
    .split('/')
    .map((part) => (part.startsWith(':') ? `by-${part.slice(1)}` : part));
  return [spec.method, ...words]
    .join('-')
    .replace(/-([a-z])/g, (_m, letter: string) => letter.toUpperCase())
    .replace(/[^A-Za-z0-9]/g, '');
}
