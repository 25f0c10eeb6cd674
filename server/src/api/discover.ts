import { type DiscoverRequest, discoverStreams } from '../service/discover.ts';
import type { ApiContext } from './api-context.ts';
import type { ApiRoutes } from './api-routes.ts';
import { streamInfoSchema } from './schemas.ts';

export function discoverRoutes(routes: ApiRoutes, api: ApiContext): void {
  routes.add<DiscoverRequest>({
    method: 'post',
    path: '/api/discover',
    summary:
      "List the streams (tables) a node could read or write, with typed columns, keys and shape, from the node's config as edited (its connection and env references resolved as a run resolves them)",
    tag: 'server',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['type', 'config'],
      properties: {
        type: { type: 'string', minLength: 1, description: 'A node type with discover, e.g. duckdb.source' },
        config: { type: 'object', description: 'The node config; it may be half edited (nothing is required)' },
        connection: { type: 'string', description: 'The stored connection the node names' },
        nodeId: { type: 'string', description: 'The node asking, so an error names it' },
      },
    },
    responses: {
      200: {
        description: 'The streams, in the order the system lists them',
        schema: { type: 'array', items: streamInfoSchema },
      },
      400: { description: 'The config is invalid (details point at its fields), or the type has no discover' },
      422: { description: 'The system could not be listed (unreachable, refused); the message says why' },
    },
    handler: async (c, { body }) => {
      const streams = await discoverStreams(body, {
        catalog: api.catalog,
        connections: await api.connections.resolved(),
        baseDir: api.baseDir,
        fileRoots: api.fileRoots,
        redactor: api.redactor,
      });
      return c.json(api.redactor.redactDeep(streams));
    },
  });
}
