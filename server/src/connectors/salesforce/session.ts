/**
 * A logged-in Salesforce session: the OAuth token from `/services/oauth2/token` (the `password` grant
 * when the connection names a user, else `client_credentials`), requests to the org's instance with
 * it, and a new login when the org answers 401 `INVALID_SESSION_ID` (the session expired or was
 * revoked). Every session of one OAuth client shares one limiter, whatever its access token.
 */
import { ConfigError } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import {
  createHttpApi,
  type HttpApi,
  HttpApiError,
  type HttpRequest,
  type HttpTextAnswer,
} from '../../node-kit/http/index.ts';
import { defaultApiVersion, defaultLoginUrl, type SalesforceConnection } from './connection.ts';

export interface SalesforceSession {
  /** The API version requests are made in, e.g. `59.0`. */
  readonly apiVersion: string;
  /** `/services/data/vXX.X` followed by `path`: where the REST resources are. */
  dataPath(path: string): string;
  /** A request to the instance (a path from its root, such as a `nextRecordsUrl`), answered as JSON. */
  request<T>(request: HttpRequest): Promise<T>;
  /** The same, answered as text with its headers (Bulk API CSV). */
  requestText(request: HttpRequest): Promise<HttpTextAnswer>;
}

/** What the token endpoint answers (Salesforce also sends `id`, `issued_at`, `signature`). */
interface TokenAnswer {
  access_token: string;
  instance_url: string;
  token_type?: string;
}

/** Requests in flight at once per OAuth client: well under the org's 25 concurrent long-running calls. */
const concurrency = 4;

/** Logs in and returns the session; a refused login is a `ConfigError` saying what the org answered. */
export async function openSession(connection: SalesforceConnection, ctx: NodeContext): Promise<SalesforceSession> {
  const apiVersion = connection.apiVersion ?? defaultApiVersion;
  const loginUrl = connection.loginUrl ?? defaultLoginUrl;
  let api = await login(connection, ctx);
  let relogin: Promise<HttpApi> | undefined;

  /** Runs `send` with the session's client; on 401 INVALID_SESSION_ID logs in again (once for all callers) and retries. */
  async function withSession<T>(send: (client: HttpApi) => Promise<T>): Promise<T> {
    const client = api;
    try {
      return await send(client);
    } catch (error) {
      if (!isExpiredSession(error)) throw error;
      if (api === client) {
        relogin ??= login(connection, ctx).finally(() => {
          relogin = undefined;
        });
        const renewed = await relogin;
        if (api === client) api = renewed;
        ctx.log.info('logged in to Salesforce again: the session had expired', { loginUrl });
      }
      return send(api);
    }
  }

  return {
    apiVersion,
    dataPath: (path) => `/services/data/v${apiVersion}${path.startsWith('/') ? path : `/${path}`}`,
    request: <T>(request: HttpRequest) => withSession((client) => client.request<T>(request)),
    requestText: (request) => withSession((client) => client.requestText(request)),
  };
}

function isExpiredSession(error: unknown): boolean {
  return error instanceof HttpApiError && error.status === 401 && /INVALID_SESSION_ID/.test(error.bodyExcerpt ?? '');
}

/** Asks the token endpoint for a session; the client for the instance it names. */
async function login(connection: SalesforceConnection, ctx: NodeContext): Promise<HttpApi> {
  const loginUrl = connection.loginUrl ?? defaultLoginUrl;
  const grant: Record<string, string> =
    connection.username !== undefined && connection.password !== undefined
      ? { grant_type: 'password', username: connection.username, password: connection.password }
      : { grant_type: 'client_credentials' };
  const form = new URLSearchParams({
    ...grant,
    client_id: connection.clientId,
    client_secret: connection.clientSecret,
  });
  const tokenEndpoint = createHttpApi({ baseUrl: loginUrl, retry: { retries: 2 }, signal: ctx.signal });
  let token: TokenAnswer;
  try {
    token = await tokenEndpoint.request<TokenAnswer>({
      method: 'POST',
      path: '/services/oauth2/token',
      rawBody: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  } catch (error) {
    throw loginRefused(connection, loginUrl, error, ctx);
  }
  if (typeof token?.access_token !== 'string' || typeof token.instance_url !== 'string') {
    throw new ConfigError(
      `node "${ctx.nodeId}": ${loginUrl} answered the login without an access token and instance URL`,
      {
        nodeId: ctx.nodeId,
      },
    );
  }
  return createHttpApi({
    baseUrl: token.instance_url,
    auth: { bearer: token.access_token },
    limiterCredential: `salesforce ${loginUrl} ${connection.clientId}`,
    limits: { concurrency },
    signal: ctx.signal,
    onRetry: (retry) => ctx.log.warn('retrying a Salesforce request', { ...retry }),
  });
}

/** A refused login as a user reads it: who logged in where, and the OAuth error the org gave. */
function loginRefused(connection: SalesforceConnection, loginUrl: string, error: unknown, ctx: NodeContext) {
  const who = connection.username !== undefined ? `user ${connection.username}` : `client ${connection.clientId}`;
  let reason = error instanceof Error ? error.message : String(error);
  if (error instanceof HttpApiError && error.status !== undefined && error.bodyExcerpt) {
    try {
      const body = JSON.parse(error.bodyExcerpt) as { error?: string; error_description?: string };
      if (body.error) reason = `${body.error}${body.error_description ? ` (${body.error_description})` : ''}`;
    } catch {
      // not the OAuth JSON error: the HTTP error's own message says what happened
    }
  }
  return new ConfigError(`node "${ctx.nodeId}": Salesforce refused the login of ${who} at ${loginUrl}: ${reason}`, {
    nodeId: ctx.nodeId,
    details: [{ path: connection.username !== undefined ? 'config.password' : 'config.clientSecret', message: reason }],
    cause: error,
  });
}
