import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from '../http-kit.ts';
import { associationRoutes } from './associations.ts';
import { batchRoutes } from './batch.ts';
import { objectTypes } from './catalog.ts';
import { openDiskStore } from './disk-store.ts';
import { HubspotError, unauthenticated } from './errors.ts';
import { faultError, type HubspotFaults, hubspotFaultScheduler } from './faults.ts';
import { matchRoute, type Route, readJson, sendError, sendJson, setCommonHeaders } from './http.ts';
import { objectRoutes } from './objects.ts';
import { ownerRoutes } from './owners.ts';
import { pipelineRoutes } from './pipelines.ts';
import { propertyRoutes } from './properties.ts';
import { RateLimiter, type RateLimits, type RateStats } from './rate-limit.ts';
import { searchRoutes } from './search.ts';
import { demoSeed, type SeedCounts, seedStore } from './seed.ts';
import { CrmStore } from './store.ts';

export type { HubspotFaults } from './faults.ts';

export interface HubspotSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep the portal in this folder (it survives a restart); in memory when absent. */
  dir?: string;
  /** Accepted private-app tokens; default `['pat-sandbox-token']`. */
  tokens?: string[];
  limits?: RateLimits;
  faults?: HubspotFaults;
  /** Demo data at start: `'demo'` (20 owners, 50 companies, 200 contacts, 50 deals, `salesforce_id`) or counts. Skipped when `dir` already holds data. */
  seed?: 'demo' | SeedCounts;
}

export interface HubspotSandbox {
  /** `http://127.0.0.1:<port>`: the SDK's `basePath`, a connector's `baseUrl`. */
  url: string;
  close(): Promise<void>;
  /** Requests answered, the most one token had admitted in any rolling 10 s window, and the 429s sent. */
  stats(): RateStats;
  /** Adds deterministic demo records (and associations, and `salesforce_id` when asked) to the portal. */
  seed(counts: SeedCounts): Promise<void>;
}

const host = '127.0.0.1';

/**
 * Starts a local server speaking HubSpot's CRM v3 APIs as `@hubspot/api-client` uses them: objects
 * (contacts, companies, deals) with batch and search, v4 associations, properties (custom ones too), pipelines and
 * owners, behind bearer tokens and HubSpot's rate limits.
 */
export async function startHubspotSandbox(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const store = options.dir ? await openDiskStore(options.dir) : new CrmStore();
  const empty = objectTypes.every((type) => store.count(type) === 0);
  if (options.seed && empty) {
    seedStore(store, options.seed === 'demo' ? demoSeed : options.seed);
    await store.flush();
  }
  const tokens = new Set(options.tokens ?? ['pat-sandbox-token']);
  const limiter = new RateLimiter(options.limits);
  const faults = hubspotFaultScheduler({ ...options.faults });
  const routes: Route[] = [
    ...batchRoutes(store),
    ...searchRoutes(store),
    ...objectRoutes(store),
    ...associationRoutes(store),
    ...propertyRoutes(store),
    ...pipelineRoutes(),
    ...ownerRoutes(store),
  ];

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/__sandbox/stats' && req.method === 'GET') return sendJson(res, 200, limiter.stats);
    if (url.pathname === '/__sandbox/faults' && req.method === 'GET') return sendJson(res, 200, faults.options);
    if (url.pathname === '/__sandbox/faults' && req.method === 'POST') {
      return sendJson(res, 200, faults.update(await readJson(req)));
    }
    throw new HubspotError(404, 'OBJECT_NOT_FOUND', `No sandbox endpoint ${req.method} ${url.pathname}`);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    try {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname.startsWith('/__sandbox/')) return await admin(req, res, url);
      limiter.stats.requests++;
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (!token || !tokens.has(token)) throw unauthenticated();
      const fault = faults.next();
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      setCommonHeaders(res, limiter.headersFor(token));
      // dropAnswerEvery is the Sheets sandbox's alone: HubSpot's requests are answered.
      if (fault && fault.kind !== 'dropAnswer') throw faultError(fault);
      const search = req.method === 'POST' && /\/search$/.test(url.pathname);
      setCommonHeaders(res, limiter.admit(token, search));
      const match = matchRoute(routes, req.method ?? 'GET', url.pathname);
      if (!match) throw new HubspotError(404, 'OBJECT_NOT_FOUND', `No route for ${req.method} ${url.pathname}`);
      await match.route.handle({ req, res, url, params: match.params, origin });
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!(error instanceof HubspotError)) console.error('hubspot sandbox:', error);
      const answer =
        error instanceof HubspotError
          ? error
          : new HubspotError(500, 'INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
      if (answer.status === 429) limiter.stats.rejected429++;
      sendError(res, answer);
    }
  }

  const { url, port, close } = await listen(serve, host, options.port);

  return {
    url,
    stats: () => ({ ...limiter.stats }),
    async seed(counts) {
      seedStore(store, counts);
      await store.flush();
    },
    async close() {
      await close();
      await store.flush();
    },
  };
}
