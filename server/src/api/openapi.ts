import type { JSONSchema } from '@backflow/flow-model';
import type { RouteSpec } from './api-routes.ts';
import { apiComponents, errorResponseSchema } from './schemas.ts';

/**
 * The OpenAPI 3.1 document of every registered route, built from the schemas the routes validate
 * with. A schema named in `components` (by identity) is written once under `#/components/schemas`
 * and referred to wherever it is used, so generated clients get one named type for it.
 */
export function buildOpenApi(
  specs: readonly RouteSpec[],
  version: string,
  components: Readonly<Record<string, JSONSchema>> = apiComponents,
) {
  const names = new Map<unknown, string>(Object.entries(components).map(([name, schema]) => [schema, name]));
  const named = (schema: unknown) => withRefs(schema, names);
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
        schema: named(schema),
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, response] of Object.entries(spec.responses)) {
      responses[status] = {
        description: response.description,
        ...(response.schema || response.contentType
          ? { content: { [response.contentType ?? 'application/json']: { schema: named(response.schema ?? {}) } } }
          : {}),
      };
    }
    responses.default = {
      description: 'An error: `{ error: { code, message, details: [{ path, message }] } }`',
      content: { 'application/json': { schema: named(errorResponseSchema) } },
    };
    paths[path] ??= {};
    paths[path][spec.method] = {
      summary: spec.summary,
      tags: [spec.tag],
      operationId: operationId(spec),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(spec.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: named(spec.body) } } } }
        : {}),
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
      schemas: Object.fromEntries(
        Object.entries(components).map(([name, schema]) => [name, withRefs(schema, names, schema)]),
      ),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

/** A copy of `value` with every named schema in it (but `own`, the one being written out) as a `$ref`. */
function withRefs(value: unknown, names: ReadonlyMap<unknown, string>, own?: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  const name = value === own ? undefined : names.get(value);
  if (name) return { $ref: `#/components/schemas/${name}` };
  if (Array.isArray(value)) return value.map((item) => withRefs(item, names));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withRefs(item, names)]));
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
