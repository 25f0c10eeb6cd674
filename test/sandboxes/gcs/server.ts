import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from '../http-kit.ts';
import { bucketRoutes } from './buckets.ts';
import { createDiskStore } from './disk-store.ts';
import { GcsError } from './errors.ts';
import { FaultInjector, type FaultOptions, type FaultStats } from './faults.ts';
import { matchRoute, type Route, readJson, sendError, sendJson } from './http.ts';
import { createMemoryStore } from './memory-store.ts';
import { objectRoutes } from './objects.ts';
import { uploadRoutes } from './uploads.ts';

export type { FaultOptions, FaultStats } from './faults.ts';

export interface GcsSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  /** Keep buckets and objects in this folder (they survive a restart); in memory when absent. */
  dir?: string;
  faults?: FaultOptions;
}

export interface GcsSandbox {
  /** `http://127.0.0.1:<port>`: the `apiEndpoint` for `new Storage(...)`. */
  url: string;
  port: number;
  /** The faults in force; change them at any time (or POST JSON to `/_sandbox/faults`). */
  faults: FaultOptions;
  stats: FaultStats;
  close(): Promise<void>;
}

/**
 * Starts a local server speaking the GCS JSON API as `@google-cloud/storage` uses it: buckets,
 * objects, media / multipart / resumable uploads, ranged downloads with `x-goog-hash`, compose,
 * rewrite and preconditions. Any bearer token (or none) is accepted.
 */
export async function startGcsSandbox(options: GcsSandboxOptions = {}): Promise<GcsSandbox> {
  const host = options.host ?? '127.0.0.1';
  const store = options.dir ? await createDiskStore(options.dir) : createMemoryStore();
  const faults = new FaultInjector({ ...options.faults });
  const routes: Route[] = [...bucketRoutes(store), ...objectRoutes(store), ...uploadRoutes(store, faults)];

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/_sandbox/faults' && req.method === 'GET') return sendJson(res, 200, faults.options);
    if (url.pathname === '/_sandbox/faults' && req.method === 'POST') {
      return sendJson(res, 200, faults.update(await readJson(req)));
    }
    if (url.pathname === '/_sandbox/stats' && req.method === 'GET') return sendJson(res, 200, faults.stats);
    throw new GcsError(404, 'notFound', `No sandbox endpoint ${req.method} ${url.pathname}`);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    try {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname.startsWith('/_sandbox/')) return await admin(req, res, url);
      const injected = faults.errorFor();
      if (injected) throw injected;
      if (url.pathname.startsWith('/upload/') && faults.holds(url.searchParams.get('name'))) {
        // Never answered: the request ends when the client (or `close`) drops the connection.
        await new Promise((resolve) => res.once('close', resolve));
        return;
      }
      // With STORAGE_EMULATOR_HOST the client sends JSON API calls without the /storage/v1 prefix.
      const pathname = /^\/b(\/|$)/.test(url.pathname) ? `/storage/v1${url.pathname}` : url.pathname;
      const match = matchRoute(routes, req.method ?? 'GET', pathname);
      if (!match) throw new GcsError(404, 'notFound', `Not Found: ${req.method} ${url.pathname}`);
      await match.route.handle({ req, res, url, params: match.params, origin });
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof GcsError) return sendError(res, error);
      console.error('gcs sandbox:', error);
      sendError(res, new GcsError(500, 'internalError', error instanceof Error ? error.message : String(error)));
    }
  }

  const { url, port, close } = await listen(serve, host, options.port);

  return {
    url,
    port,
    faults: faults.options,
    stats: faults.stats,
    async close() {
      await close();
      await store.close();
    },
  };
}
