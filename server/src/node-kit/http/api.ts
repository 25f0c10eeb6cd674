import { createHash } from 'node:crypto';
import pRetry, { AbortError } from 'p-retry';
import { CancelledError, errorMessage } from '../../errors.ts';
import { HttpApiError } from './http-api-error.ts';
import { type HttpLimits, sharedLimiter } from './limiter.ts';
import { retryDelayScale } from './retry-delay-scale.ts';
import { serverWaitMs } from './server-wait.ts';

/** The credential. It is sent, never shown: messages, errors and retry events leave it out. */
export type HttpAuth =
  | { bearer: string }
  | { basic: { username: string; password: string } }
  | { header: string; value: string }
  | { queryParam: string; value: string };

export interface HttpRetryPolicy {
  /** Attempts after the first, on 429, 5xx and network errors. */
  retries: number;
  /** First backoff; each next one doubles, times a random factor in [1, 2), capped at `maxTimeoutMs`. */
  minTimeoutMs: number;
  maxTimeoutMs: number;
  /** The longest server-requested wait (`Retry-After`, rate-limit reset) honoured; a longer one fails the request. */
  maxWaitMs: number;
}

export interface HttpApiOptions {
  /** Where request paths resolve, e.g. `https://api.hubapi.com` or `https://sheets.googleapis.com/v4`. */
  baseUrl: string;
  /** Sent with every request, besides `Accept` and `Content-Type: application/json`. */
  headers?: Record<string, string>;
  auth?: HttpAuth;
  /**
   * What the shared limiter is keyed by instead of `auth`, when the budget belongs to a credential
   * that outlives the one sent: an OAuth client whose access tokens are replaced as they expire.
   * Kept as a digest, like `auth`.
   */
  limiterCredential?: string;
  /** Shared by every client of the same base URL, credential and `limiterScope`. */
  limits?: Partial<HttpLimits>;
  /**
   * A budget of its own beside the API's main one, for endpoints the API limits apart (HubSpot's
   * search endpoints: 4 requests a second per token): clients naming the same scope share it.
   */
  limiterScope?: string;
  /**
   * The wait a 429 or 5xx answer asks for, when the API says it its own way (HubSpot's `policyName`
   * in the body); `undefined` falls back to the backoff. Default: `serverWaitMs(headers)`.
   */
  serverWait?: (answer: HttpFailedAnswer) => number | undefined;
  retry?: Partial<HttpRetryPolicy>;
  /** One attempt's limit, answer body included. */
  timeoutMs?: number;
  /** The run's signal: once aborted, requests and waits reject at once with `CancelledError`. */
  signal?: AbortSignal;
  /** Called before each wait for a retry, e.g. to log it. */
  onRetry?: (retry: HttpRetry) => void;
}

/** A 429 or 5xx answer, as `serverWait` reads it. */
export interface HttpFailedAnswer {
  status: number;
  headers: Headers;
  /** The body as text (it may hold anything the API echoed; never log it). */
  body: string;
}

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export type QueryValue = string | number | boolean | null | undefined;

export interface HttpRequest {
  method?: HttpMethod;
  /** Appended to the base URL: `/crm/v3/objects/contacts`; `''` is the base URL itself. */
  path: string;
  /** Encoded into the URL; `null` and `undefined` are left out, an array repeats the name. */
  query?: Record<string, QueryValue | readonly QueryValue[]>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as it is instead of `body` (CSV, a form); its `content-type` goes in `headers`. */
  rawBody?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** One retry about to happen, with what failed; no URL, query or header in it. */
export interface HttpRetry {
  method: string;
  path: string;
  /** The attempt that failed (1 is the first request). */
  attempt: number;
  /** Its status; absent after a network error. */
  status?: number;
  code: 'http_status' | 'http_network';
  /**
   * The wait before the next attempt: the backoff, or longer when the server asked for it, times
   * `BACKFLOW_RETRY_DELAY_SCALE` when a test suite set it (see `retryDelayScale`).
   */
  waitMs: number;
}

/** A successful answer as it came: for bodies that are not JSON (CSV) or headers that matter (paging). */
export interface HttpTextAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface HttpApi {
  /** The answer's JSON (`undefined` for an empty body); rejects with `HttpApiError` or `CancelledError`. */
  request<T = unknown>(request: HttpRequest): Promise<T>;
  /** The answer's status, headers and body text, with the same retries and errors as `request`. */
  requestText(request: HttpRequest): Promise<HttpTextAnswer>;
}

// Ten retries ride out a storm (three requests in ten failing, 429 bursts, cut connections: a
// request fails for good once in thousands) while a dead service still fails within minutes.
const defaultRetry: HttpRetryPolicy = { retries: 10, minTimeoutMs: 500, maxTimeoutMs: 30_000, maxWaitMs: 120_000 };
const defaultConcurrency = 4;
const defaultTimeoutMs = 60_000;
const excerptLength = 300;
/** Names of headers and query parameters whose values are treated as secrets. */
const secretName = /auth|token|key|secret|passw|cookie|session|signature|credential/i;

/**
 * A JSON client of one HTTP API over Node's `fetch`: requests go through the API's shared limiter,
 * and 408, 429, 5xx and network failures are retried (p-retry) with exponential backoff and jitter, never
 * sooner than the server's `Retry-After` or rate-limit reset. Other 4xx fail at once.
 */
export function createHttpApi(options: HttpApiOptions): HttpApi {
  const base = new URL(options.baseUrl);
  const host = base.host;
  const retry = { ...defaultRetry, ...options.retry };
  const limiter = sharedLimiter(limiterKey(base, options.limiterCredential ?? options.auth, options.limiterScope), {
    ...options.limits,
    concurrency: options.limits?.concurrency ?? defaultConcurrency,
  });
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const authSecrets = secretsOf(options.auth);
  const authHeaders = headersOf(options.auth);

  /** Sends `spec` (retried as above) and turns a successful answer into `T` with `read`. */
  async function send<T>(spec: HttpRequest, read: (answer: HttpTextAnswer, where: ReadContext) => T): Promise<T> {
    const method = spec.method ?? 'GET';
    const path = `/${(spec.path.split('?')[0] ?? '').replace(/^\/+/, '')}`;
    const cancel = linkedController([options.signal, spec.signal]);
    const signal = cancel.signal;
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...(spec.body === undefined || spec.rawBody !== undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
      ...spec.headers,
      ...authHeaders,
    };
    const url = requestUrl(base, spec, options.auth);
    const secrets = [...authSecrets, ...secretValues(Object.entries(headers)), ...secretValues([...url.searchParams])];
    const body = spec.rawBody ?? (spec.body === undefined ? undefined : JSON.stringify(spec.body));
    const where = `${host}: ${method} ${path}`;
    let attempts = 0;

    const attempt = async (): Promise<T> => {
      const stop = linkedController([signal]);
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        stop.abort();
      }, timeoutMs);
      let text: string;
      let response: Response;
      try {
        response = await fetch(url, { method, headers, body, signal: stop.signal });
        text = await response.text();
      } catch (error) {
        if (signal.aborted) throw new CancelledError();
        if (!timedOut && !isNetworkError(error)) {
          // e.g. a header value fetch refuses; its message may quote a secret, so it is not kept as cause
          throw new HttpApiError(
            'http_invalid_request',
            `${where} could not be sent: ${redact(errorMessage(error), secrets)}`,
            {
              method,
              path,
              attempts,
            },
          );
        }
        const reason = timedOut ? `no answer within ${timeoutMs} ms` : networkReason(error);
        throw new HttpApiError(
          'http_network',
          `${where} failed: ${redact(reason, secrets)}`,
          { method, path, attempts },
          { cause: error },
        );
      } finally {
        clearTimeout(timer);
        stop.dispose();
      }
      if (!response.ok) {
        const excerpt = redact(text, secrets).replace(/\s+/g, ' ').trim().slice(0, excerptLength);
        const status = response.status;
        const retryAfterMs =
          status === 408 || status === 429 || status >= 500
            ? (options.serverWait ?? defaultServerWait)({ status, headers: response.headers, body: text })
            : undefined;
        throw new HttpApiError(
          'http_status',
          `${where} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}${excerpt ? `: ${excerpt}` : ''}`,
          { method, path, status, bodyExcerpt: excerpt, attempts, retryAfterMs },
        );
      }
      return read(
        { status: response.status, headers: response.headers, text },
        { where, method, path, attempts, secrets },
      );
    };

    try {
      return await pRetry(
        async (attemptNumber) => {
          attempts = attemptNumber;
          try {
            return await limiter.schedule(attempt, signal);
          } catch (error) {
            if (signal.aborted) throw new AbortError(new CancelledError());
            if (error instanceof HttpApiError && error.retryable) throw error;
            throw new AbortError(error as Error);
          }
        },
        {
          retries: retry.retries,
          minTimeout: 0, // the wait happens in onFailedAttempt, where it is known before it starts
          signal,
          async onFailedAttempt({ error, attemptNumber, retriesLeft }) {
            if (retriesLeft <= 0 || !(error instanceof HttpApiError)) return;
            const serverWait = error.retryAfterMs;
            if (serverWait !== undefined && serverWait > retry.maxWaitMs) {
              throw new HttpApiError(
                'http_rate_limited',
                `${where}: the API asks to wait ${Math.ceil(serverWait / 1000)} s before the next request, ` +
                  `longer than this client waits (${Math.ceil(retry.maxWaitMs / 1000)} s); try again later`,
                {
                  method,
                  path,
                  status: error.status,
                  bodyExcerpt: error.bodyExcerpt,
                  attempts,
                  retryAfterMs: serverWait,
                },
                { cause: error },
              );
            }
            const waitMs = Math.round(Math.max(backoffMs(attemptNumber, retry), serverWait ?? 0) * retryDelayScale());
            if (error.status === 429) limiter.pauseFor(waitMs);
            options.onRetry?.({
              method,
              path,
              attempt: attemptNumber,
              ...(error.status === undefined ? {} : { status: error.status }),
              code: error.code === 'http_network' ? 'http_network' : 'http_status',
              waitMs,
            });
            await sleep(waitMs, signal);
          },
        },
      );
    } catch (error) {
      if (signal.aborted) throw new CancelledError();
      if (error instanceof HttpApiError && error.retryable) {
        throw new HttpApiError(
          'http_retries_exhausted',
          `${where} still failing after ${attempts} attempt${attempts === 1 ? '' : 's'}; the last ${error.message.slice(where.length + 1)}`,
          {
            method,
            path,
            status: error.status,
            bodyExcerpt: error.bodyExcerpt,
            attempts,
            retryAfterMs: error.retryAfterMs,
          },
          { cause: error },
        );
      }
      throw error;
    } finally {
      cancel.dispose();
    }
  }

  return {
    request: <T>(spec: HttpRequest) => send(spec, readJson<T>),
    requestText: (spec: HttpRequest) => send(spec, (answer) => answer),
  };
}

/** What a reader of an answer needs to name it in an error. */
interface ReadContext {
  where: string;
  method: string;
  path: string;
  attempts: number;
  secrets: string[];
}

/** The answer's JSON, `undefined` for an empty body; a body that is not JSON is an `http_invalid_response`. */
function readJson<T>({ status, text }: HttpTextAnswer, { where, method, path, attempts, secrets }: ReadContext): T {
  if (!text.trim()) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    const excerpt = redact(text, secrets).replace(/\s+/g, ' ').trim().slice(0, excerptLength);
    throw new HttpApiError(
      'http_invalid_response',
      `${where} answered ${status} with a body that is not JSON: ${excerpt}`,
      { method, path, status, bodyExcerpt: excerpt, attempts },
      { cause: error },
    );
  }
}

/** Exponential backoff with jitter, as p-retry's `randomize`: min · 2^(attempt-1) · [1, 2), capped. */
function backoffMs(attempt: number, retry: HttpRetryPolicy): number {
  return Math.round(Math.min(retry.maxTimeoutMs, retry.minTimeoutMs * 2 ** (attempt - 1) * (1 + Math.random())));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A controller aborted when any of `parents` is, until `dispose` unhooks it. Not `AbortSignal.any`:
 * on Node 20 a long-lived run signal keeps every signal composed from it.
 */
function linkedController(parents: (AbortSignal | undefined)[]): AbortController & { dispose(): void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  const hooked = parents.filter((parent): parent is AbortSignal => parent !== undefined);
  for (const parent of hooked) {
    if (parent.aborted) controller.abort();
    else parent.addEventListener('abort', abort, { once: true });
  }
  return Object.assign(controller, {
    dispose: () => {
      for (const parent of hooked) parent.removeEventListener('abort', abort);
    },
  });
}

function requestUrl(base: URL, spec: HttpRequest, auth: HttpAuth | undefined): URL {
  const url = new URL(base);
  const path = spec.path.replace(/^\/+/, '');
  if (path) url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.split('?')[0]}`;
  const [, inlineQuery] = spec.path.split('?');
  if (inlineQuery) for (const [k, v] of new URLSearchParams(inlineQuery)) url.searchParams.append(k, v);
  for (const [name, value] of Object.entries(spec.query ?? {})) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== null && item !== undefined) url.searchParams.append(name, String(item));
    }
  }
  if (auth && 'queryParam' in auth) url.searchParams.set(auth.queryParam, auth.value);
  return url;
}

function headersOf(auth: HttpAuth | undefined): Record<string, string> {
  if (!auth) return {};
  if ('bearer' in auth) return { authorization: `Bearer ${auth.bearer}` };
  if ('basic' in auth) return { authorization: `Basic ${basicToken(auth.basic)}` };
  if ('header' in auth) return { [auth.header]: auth.value };
  return {};
}

function secretsOf(auth: HttpAuth | undefined): string[] {
  if (!auth) return [];
  if ('bearer' in auth) return [auth.bearer];
  if ('basic' in auth) return [basicToken(auth.basic), auth.basic.password];
  return [auth.value];
}

function basicToken({ username, password }: { username: string; password: string }): string {
  return Buffer.from(`${username}:${password}`).toString('base64');
}

function secretValues(values: [string, string][]): string[] {
  return values
    .filter(([name]) => secretName.test(name))
    .map(([, value]) => value.replace(/^(bearer|basic|token)\s+/i, ''));
}

/** `text` with every secret (as is and URL-encoded) replaced by `[redacted]`. */
function redact(text: string, secrets: string[]): string {
  const forms = secrets
    .filter((secret) => secret.length >= 4)
    .flatMap((secret) => [secret, encodeURIComponent(secret), new URLSearchParams({ s: secret }).toString().slice(2)])
    .sort((a, b) => b.length - a.length);
  return forms.reduce((out, form) => out.replaceAll(form, '[redacted]'), text);
}

/** Node's fetch rejects with `fetch failed` when it gets no answer and `terminated` when the body breaks off. */
function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError && (error.message === 'fetch failed' || error.message === 'terminated');
}

function networkReason(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined;
  return cause ? `${errorMessage(error)} (${errorMessage(cause)})` : errorMessage(error);
}

const defaultServerWait = (answer: HttpFailedAnswer) => serverWaitMs(answer.headers);

/** Base URL, a digest of the credential and the scope: clients of one API with one credential share a budget. */
function limiterKey(base: URL, auth: HttpAuth | string | undefined, scope: string | undefined): string {
  const credential = auth ? createHash('sha256').update(JSON.stringify(auth)).digest('hex') : '';
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}#${credential}${scope === undefined ? '' : `#${scope}`}`;
}
