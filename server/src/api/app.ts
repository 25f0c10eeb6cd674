import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { BackflowError, errorMessage } from '../errors.ts';
import type { ApiContext } from './api-context.ts';
import { ApiRoutes } from './api-routes.ts';
import { catalogRoutes } from './catalog.ts';
import { connectionRoutes } from './connections.ts';
import { discoverRoutes } from './discover.ts';
import { flowRoutes } from './flows.ts';
import { buildOpenApi } from './openapi.ts';
import { hostGuard, jsonBodyGuard, originGuard } from './request-guards.ts';
import { runRoutes } from './runs.ts';
import { authGuard, csrfHeader, Sessions, sessionRoutes } from './sessions.ts';

export interface HttpOptions {
  /** When set, every `/api` request needs `Authorization: Bearer <token>` or an editor session. */
  token?: string;
  /** The address the server is bound to: bound to loopback, it answers only requests for a loopback name. */
  bindHost?: string;
  /** More names the server answers to (`Host` header), e.g. behind a reverse proxy. */
  allowedHosts?: string[];
  /** Request bodies larger than this are refused with 413. */
  maxBodyBytes?: number;
  /** Origins allowed to call the API from a browser; none (no CORS headers) by default. */
  corsOrigins?: string[];
  /** Where the built editor lives. */
  webDir?: string;
}

const defaultWebDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/** HTTP status of each error code; anything else is a 500. */
const statusOf: Record<string, ContentfulStatusCode> = {
  request_invalid: 400,
  flow_invalid: 400,
  config_invalid: 400,
  unauthorized: 401,
  not_found: 404,
  outside_roots: 403,
  conflict: 409,
  run_active: 409,
  flow_changed: 409,
  payload_too_large: 413,
  connection_failed: 422,
  preview_failed: 422,
  not_discoverable: 400,
  discover_failed: 422,
};

/** Every route of the API. Registering reads nothing of `api`: only the handlers do. */
function addRoutes(routes: ApiRoutes, api: ApiContext, sessions: Sessions): void {
  sessionRoutes(routes, sessions);
  catalogRoutes(routes, api);
  flowRoutes(routes, api);
  runRoutes(routes, api);
  connectionRoutes(routes, api);
  discoverRoutes(routes, api);
}

/**
 * The OpenAPI document `GET /api/openapi.json` serves, without a server: the routes are registered
 * on an app that never answers, so no handler runs and the context is never read. The editor's
 * response types are generated from it (`npm run -w web gen:api`).
 */
export function openApiDocument(version: string): ReturnType<typeof buildOpenApi> {
  const routes = new ApiRoutes(new Hono());
  addRoutes(routes, { version } as ApiContext, new Sessions(undefined));
  return buildOpenApi(routes.specs, version);
}

/** The HTTP API under `/api` and the editor at `/`. */
export function createApp(api: ApiContext, options: HttpOptions = {}): Hono {
  const app = new Hono();
  const errorBody = (error: unknown) => {
    const known = error instanceof BackflowError;
    const body = known
      ? error.toJSON()
      : { code: 'internal', message: `internal error: ${errorMessage(error)}`, details: [] };
    return { status: known ? (statusOf[error.code] ?? 500) : 500, body: api.redactor.redactDeep({ error: body }) };
  };
  app.onError((error, c) => {
    const { status, body } = errorBody(error);
    if (status >= 500)
      console.error(api.redactor.redact(`backflow: ${c.req.method} ${c.req.path}: ${errorMessage(error)}`));
    return c.json(body, status);
  });

  const sessions = new Sessions(options.token);
  app.use('*', hostGuard({ bindHost: options.bindHost ?? '127.0.0.1', allowedHosts: options.allowedHosts ?? [] }));
  if (options.corsOrigins?.length) {
    app.use(
      '/api/*',
      cors({ origin: options.corsOrigins, allowHeaders: ['Authorization', 'Content-Type', csrfHeader] }),
    );
  }
  app.use('/api/*', originGuard({ corsOrigins: options.corsOrigins ?? [] }));
  app.use('/api/*', jsonBodyGuard());
  app.use('/api/*', authGuard(sessions));
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 2 * 1024 * 1024,
      onError: (c) => {
        const error = new BackflowError(
          'payload_too_large',
          `request body is larger than ${options.maxBodyBytes ?? 2 * 1024 * 1024} bytes`,
        );
        return c.json({ error: error.toJSON() }, 413);
      },
    }),
  );

  addRoutes(new ApiRoutes(app), api, sessions);

  app.all('/api/*', (c) =>
    c.json({ error: { code: 'not_found', message: `no route ${c.req.method} ${c.req.path}`, details: [] } }, 404),
  );
  const webDir = options.webDir ?? defaultWebDir;
  // Created on first use: the editor may be built after the server started.
  let staticFiles: ReturnType<typeof serveStatic> | undefined;
  app.use('/*', async (c, next) => {
    if (!existsSync(webDir)) return next();
    staticFiles ??= serveStatic({ root: webDir });
    return staticFiles(c, next);
  });
  // The editor routes in the browser: any other page gets its index.
  app.get('/*', async (c) => {
    const page = await readFile(path.join(webDir, 'index.html'), 'utf8').catch(() => undefined);
    return page ? c.html(page) : c.text('the editor is not built: run npm start', 503);
  });
  return app;
}
