/**
 * A HubSpot connection: the config fields both node types share, and the clients built from them.
 * Every client of one base URL and token shares one budget in the process (node-kit/http's limiter):
 * the 10-second limit for all endpoints, and the search endpoints' per-second limit beside it.
 */
import { Type } from '@sinclair/typebox';
import { type BackflowError, ConfigError, type ErrorContext } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import { createHttpApi, type HttpApi, HttpApiError } from '../../node-kit/http/index.ts';
import { baseUrlProperty } from '../../node-kit/schema.ts';
import { hubspotServerWait } from './rate-limit.ts';

export const defaultBaseUrl = 'https://api.hubapi.com';
const defaultRequestsPer10Seconds = 190;
/** HubSpot's search endpoints allow 4 requests a second per token. */
const searchRequestsPerSecond = 4;

/** The connection's fields, spread into each node type's config schema. */
export const connectionProperties = {
  baseUrl: baseUrlProperty(defaultBaseUrl, "HubSpot's API"),
  token: Type.String({
    minLength: 1,
    writeOnly: true,
    title: 'Private app token',
    description: 'The access token of a HubSpot private app with the CRM scopes the flow needs.',
  }),
  requestsPer10Seconds: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: defaultRequestsPer10Seconds,
      title: 'Requests per 10 seconds',
      description:
        "The token's budget, shared by every run in this process that uses it (HubSpot allows 190 for a private app on Professional and Enterprise, 100 on Free and Starter).",
    }),
  ),
};

export const connectionFields = ['baseUrl', 'token'] as const;

export interface HubspotConnection {
  baseUrl?: string | undefined;
  token: string;
  requestsPer10Seconds?: number | undefined;
}

export interface HubspotClient {
  /** Every endpoint but search. */
  api: HttpApi;
  /** The search endpoints, within their own per-second budget. */
  search: HttpApi;
}

/** `retries`: attempts after the first on 429, 5xx and network failures (default 10; `check` asks for fewer). */
export function hubspotClient(
  connection: HubspotConnection,
  ctx: NodeContext,
  options: { retries?: number } = {},
): HubspotClient {
  const common = {
    baseUrl: connection.baseUrl ?? defaultBaseUrl,
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    auth: { bearer: connection.token },
    signal: ctx.signal,
    serverWait: hubspotServerWait,
    onRetry: (retry: object) => ctx.log.warn('retrying a HubSpot request', { ...retry }),
  };
  return {
    api: createHttpApi({
      ...common,
      limits: {
        requestsPerInterval: connection.requestsPer10Seconds ?? defaultRequestsPer10Seconds,
        intervalMs: 10_000,
      },
    }),
    search: createHttpApi({
      ...common,
      limiterScope: 'search',
      limits: { requestsPerInterval: searchRequestsPerSecond, intervalMs: 1000, concurrency: 1 },
    }),
  };
}

/**
 * A failed request as an error a user can act on: what was being done, and HubSpot's answer (its
 * message, never the token). Authentication and scope refusals say so.
 */
export function hubspotFailure(
  error: unknown,
  doing: string,
  context: ErrorContext,
  make: (message: string, context: ErrorContext) => BackflowError = (message, ctx) => new ConfigError(message, ctx),
): unknown {
  if (!(error instanceof HttpApiError)) return error;
  const answer = hubspotMessage(error);
  const hint =
    error.status === 401
      ? ': HubSpot refused the token (check the private app token)'
      : error.status === 403
        ? ': the token lacks a scope this needs'
        : '';
  return make(`${doing} failed${hint}: ${answer ?? error.message}`, { ...context, cause: error });
}

/** HubSpot's `message` (with its `category`) from an error answer, read from the error's body excerpt. */
export function hubspotMessage(error: HttpApiError): string | undefined {
  const excerpt = error.bodyExcerpt;
  if (!excerpt) return undefined;
  try {
    const body = JSON.parse(excerpt) as { message?: unknown; category?: unknown };
    if (typeof body.message === 'string') {
      return `${error.status ?? ''} ${typeof body.category === 'string' ? `${body.category}: ` : ''}${body.message}`.trim();
    }
  } catch {
    // cut off at the excerpt's length: the message is read from the text below
  }
  const message = /"message"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(excerpt)?.[1];
  return message === undefined
    ? `${error.status ?? ''} ${excerpt}`.trim()
    : `${error.status ?? ''} ${jsonUnescaped(message)}`.trim();
}

function jsonUnescaped(text: string): string {
  try {
    return JSON.parse(`"${text.replace(/\\$/, '')}"`) as string;
  } catch {
    return text;
  }
}
