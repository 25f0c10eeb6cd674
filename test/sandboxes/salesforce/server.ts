import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen } from '../http-kit.ts';
import { type ClientCredential, LoginService, type LoginUser, Sessions, type UserCredential } from './auth.ts';
import { bulkIngestRoutes } from './bulk-ingest.ts';
import { bulkQueryRoutes } from './bulk-query.ts';
import { collectionRoutes } from './collections.ts';
import { describeRoutes } from './describe.ts';
import { createDiskStore } from './disk-store.ts';
import { notFound, SalesforceError } from './errors.ts';
import { FaultInjector, type SalesforceFaults } from './faults.ts';
import { matchRoute, type Route, readJsonObject, sendJson } from './http.ts';
import { recordId } from './ids.ts';
import { DailyLimit } from './limits.ts';
import { createOrg, type Org } from './org.ts';
import { queryRoutes } from './query.ts';
import { Schema } from './schema.ts';
import { demoCounts, type SeedCounts, seedOrg } from './seed.ts';
import { sobjectRoutes } from './sobjects.ts';
import { createMemoryStore } from './store.ts';

export type { SalesforceFaults } from './faults.ts';

export interface SalesforceSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Keep the org's records in this folder (they survive a restart); in memory when absent. */
  dir?: string;
  /** Connected apps; default `sandbox-client-id` / `sandbox-client-secret`. */
  clients?: ClientCredential[];
  /** Login users (also User records); default `admin@sandbox.example` / `sandbox-password`. */
  users?: UserCredential[];
  limits?: { dailyApiRequests?: number };
  faults?: SalesforceFaults;
  seed?: 'demo' | SeedCounts;
}

export interface SalesforceSandbox {
  /** `http://127.0.0.1:<port>`: the login URL and the instance URL. */
  url: string;
  close(): Promise<void>;
  /** REST requests received (`/services/data/...`) and the daily allocation used. */
  stats(): { requests: number; dailyUsed: number };
  seed(counts: { accounts?: number; contacts?: number; opportunities?: number; leads?: number }): Promise<void>;
}

const host = '127.0.0.1';
const versions = ['52.0', '55.0', '58.0', '59.0', '60.0', '61.0', '62.0'];

/** Creates the login users' User records on first start (a disk org keeps them). */
function loginUsers(org: Org, credentials: UserCredential[]): LoginUser[] {
  const userType = org.schema.type('User');
  if (!userType) throw new Error('no User object in the schema');
  if (credentials.length === 0) throw new Error('salesforce sandbox: at least one login user is needed');
  return credentials.map((credential, index) => {
    const existing = org.store.table('User').findByExternalId('Username', credential.username)[0];
    if (existing) return { ...credential, userId: existing.Id };
    const alias = credential.username.split('@')[0] ?? `user${index}`;
    // Login users are created by the org itself (the "Automated Process" user, id number 0).
    const automatedProcess = recordId('005', 0);
    const record = org.dml.insert(
      userType,
      {
        Username: credential.username,
        LastName: alias,
        Email: credential.username.includes('@') ? credential.username : `${alias}@sandbox.example`,
        Alias: alias.slice(0, 8),
      },
      { userId: automatedProcess, source: 'json' },
    );
    return { ...credential, userId: record.Id };
  });
}

/**
 * Starts a local server speaking Salesforce's REST API as jsforce and our connector use it: OAuth
 * (password and client credentials) and SOAP login, SOQL query/queryAll with query locators,
 * describe, sObject rows and upsert by external id, sObject Collections and Bulk API 2.0 ingest and
 * query jobs, with Salesforce's error bodies, `Sforce-Limit-Info` and the daily request allocation.
 */
export async function startSalesforceSandbox(options: SalesforceSandboxOptions = {}): Promise<SalesforceSandbox> {
  const schema = new Schema();
  const store = options.dir ? await createDiskStore(options.dir, schema) : createMemoryStore(schema);
  const faults = new FaultInjector({ ...options.faults });
  const org = createOrg(store, (body) => faults.checkRecord(body), schema);
  const sessions = new Sessions(recordId('00D', 1));
  const users = loginUsers(org, options.users ?? [{ username: 'admin@sandbox.example', password: 'sandbox-password' }]);
  const login = new LoginService(
    sessions,
    options.clients ?? [{ clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' }],
    users,
  );
  const limit = new DailyLimit(options.limits?.dailyApiRequests ?? 100_000);
  const adminId = (users[0] as LoginUser).userId;
  // A disk org seeded on an earlier start keeps its data rather than growing on every restart.
  const empty = ['Account', 'Contact', 'Lead', 'Opportunity'].every((object) => store.table(object).records.size === 0);
  if (options.seed && empty) seedOrg(org, options.seed === 'demo' ? demoCounts : options.seed, adminId);
  await store.flush();
  let requests = 0;

  const routes: Route[] = [
    ...describeRoutes(org),
    ...sobjectRoutes(org),
    ...queryRoutes(org),
    ...collectionRoutes(org),
    ...bulkIngestRoutes(org),
    ...bulkQueryRoutes(org),
    {
      method: 'GET',
      path: /^\/limits\/?$/,
      async handle({ res }) {
        sendJson(res, 200, { DailyApiRequests: limit.describe() });
      },
    },
  ];

  async function api(req: IncomingMessage, res: ServerResponse, url: URL, version: string, rest: string) {
    requests++;
    const session = sessions.authenticate(req);
    limit.spend(org.now());
    for (const [name, value] of Object.entries(limit.headers())) res.setHeader(name, value);
    const decision = faults.decide();
    if (decision?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (decision?.kind === 'error') throw decision.error;
    if (rest === '' || rest === '/') {
      const base = `/services/data/v${version}`;
      return sendJson(res, 200, {
        sobjects: `${base}/sobjects`,
        query: `${base}/query`,
        queryAll: `${base}/queryAll`,
        limits: `${base}/limits`,
        composite: `${base}/composite`,
        jobs: `${base}/jobs`,
      });
    }
    const match = matchRoute(routes, req.method ?? 'GET', rest);
    if (!match) throw notFound();
    await match.route.handle({ req, res, url, params: match.params, version, session });
  }

  async function admin(req: IncomingMessage, res: ServerResponse, path: string) {
    if (path === '/__sandbox/stats' && req.method === 'GET') return sendJson(res, 200, stats());
    if (path === '/__sandbox/faults' && req.method === 'GET') return sendJson(res, 200, faults.options);
    if (path === '/__sandbox/faults' && req.method === 'POST') {
      return sendJson(res, 200, faults.update(await readJsonObject(req)));
    }
    if (path === '/__sandbox/expire-sessions' && req.method === 'POST') {
      return sendJson(res, 200, { expired: sessions.expireAll() });
    }
    throw notFound();
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    try {
      const url = new URL(req.url ?? '/', origin);
      const path = url.pathname;
      if (path.startsWith('/__sandbox/')) return await admin(req, res, path);
      if (path === '/services/oauth2/token' && req.method === 'POST') return await login.token(req, res, origin);
      const soap = /^\/services\/Soap\/u\/(\d+\.\d)\/?$/.exec(path);
      if (soap && req.method === 'POST') return await login.soapLogin(req, res, origin, soap[1] as string);
      if (/^\/services\/data\/?$/.test(path)) {
        return sendJson(
          res,
          200,
          versions.map((version) => ({ label: `v${version}`, url: `/services/data/v${version}`, version })),
        );
      }
      const data = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
      if (data) {
        try {
          return await api(req, res, url, data[1] as string, data[2] ?? '');
        } finally {
          await store.flush();
        }
      }
      const identity = /^\/id\/([^/]+)\/([^/]+)$/.exec(path);
      if (identity && req.method === 'GET') {
        const session = sessions.authenticate(req);
        const user = org.store.table('User').get(session.userId);
        return sendJson(res, 200, {
          id: `${origin}${path}`,
          user_id: session.userId,
          organization_id: sessions.orgId,
          username: user?.Username ?? null,
          display_name: user?.LastName ?? null,
          email: user?.Email ?? null,
          urls: { rest: `${origin}/services/data/v{version}/`, query: `${origin}/services/data/v{version}/query/` },
        });
      }
      throw notFound();
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof SalesforceError) return sendJson(res, error.status, error.body, error.headers);
      console.error('salesforce sandbox:', error);
      const message = error instanceof Error ? error.message : String(error);
      sendJson(res, 500, [{ message, errorCode: 'UNKNOWN_EXCEPTION' }]);
    }
  }

  const stats = () => ({ requests, dailyUsed: limit.used });
  const { url, port, close } = await listen(serve, host, options.port);

  return {
    url,
    stats,
    async seed(counts) {
      seedOrg(org, counts, adminId);
      await store.flush();
    },
    async close() {
      await close();
      await store.close();
    },
  };
}
