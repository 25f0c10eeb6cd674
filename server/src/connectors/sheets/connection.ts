/**
 * The Sheets API client of a node: reads and writes in budgets of their own (Google counts them
 * apart, 60 a minute per user each), shared per credential by every run in the process
 * (node-kit/http's limiter), and Google's error answers read into messages a user can act on.
 */
import { type BackflowError, ConfigError, type ErrorContext } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import { createHttpApi, type HttpApi, HttpApiError, type HttpRequest } from '../../node-kit/http/index.ts';
import { accessTokens } from './access-token.ts';
import { defaultBaseUrl, defaultRequestsPerMinute, type SheetsDestinationConfig } from './config.ts';

export interface SheetsApi {
  read<T>(request: HttpRequest): Promise<T>;
  /** A write retried on 429, 5xx and dropped connections: for writes whose repeat does no harm. */
  write<T>(request: HttpRequest): Promise<T>;
  /** A write sent once (in the same budget): for writes whose repeat would do harm (see writer.ts). */
  writeOnce<T>(request: HttpRequest): Promise<T>;
}

export function sheetsApi(
  config: SheetsDestinationConfig,
  ctx: NodeContext,
  options: { retries?: number } = {},
): SheetsApi {
  const tokens = accessTokens(config, ctx);
  const perMinute = config.requestsPerMinute ?? defaultRequestsPerMinute;
  const clients = new Map<string, { read: HttpApi; write: HttpApi; writeOnce: HttpApi }>();

  /** The clients for the current token: a renewed token gets new ones, in the same budgets. */
  async function clientsFor(): Promise<{ read: HttpApi; write: HttpApi; writeOnce: HttpApi }> {
    const token = await tokens.current();
    let found = clients.get(token);
    if (!found) {
      const common = {
        baseUrl: `${(config.baseUrl ?? defaultBaseUrl).replace(/\/+$/, '')}/v4`,
        auth: { bearer: token },
        limiterCredential: tokens.credential,
        signal: ctx.signal,
        ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
        onRetry: (retry: object) => ctx.log.warn('retrying a Google Sheets request', { ...retry }),
      };
      const limits = { requestsPerInterval: perMinute, intervalMs: 60_000, concurrency: 1 };
      found = {
        read: createHttpApi({ ...common, limiterScope: 'read', limits }),
        write: createHttpApi({ ...common, limiterScope: 'write', limits }),
        writeOnce: createHttpApi({ ...common, limiterScope: 'write', limits, retry: { retries: 0 } }),
      };
      clients.clear();
      clients.set(token, found);
    }
    return found;
  }

  return {
    read: async (request) => (await clientsFor()).read.request(request),
    write: async (request) => (await clientsFor()).write.request(request),
    writeOnce: async (request) => (await clientsFor()).writeOnce.request(request),
  };
}

/**
 * A failed request as an error a user can act on: what was being done and Google's answer (its
 * `error.message`, never a credential). 401 and 403 say which side to fix.
 */
export function sheetsFailure(
  error: unknown,
  doing: string,
  context: ErrorContext,
  make: (message: string, context: ErrorContext) => BackflowError = (message, ctx) => new ConfigError(message, ctx),
): unknown {
  if (!(error instanceof HttpApiError)) return error;
  const hint =
    error.status === 401
      ? ': Google refused the credentials (check the service account key or access token)'
      : error.status === 403
        ? ': the credentials may not edit this spreadsheet (share it with the service account as Editor)'
        : error.status === 404
          ? ': there is no spreadsheet with this id'
          : '';
  return make(`${doing} failed${hint}: ${googleMessage(error) ?? error.message}`, { ...context, cause: error });
}

/** Google's `error.message` with the status, read from the error's body excerpt. */
export function googleMessage(error: HttpApiError): string | undefined {
  const excerpt = error.bodyExcerpt;
  if (!excerpt) return undefined;
  try {
    const body = JSON.parse(excerpt) as { error?: { message?: unknown; status?: unknown } };
    if (typeof body.error?.message === 'string') {
      return `${error.status ?? ''} ${typeof body.error.status === 'string' ? `${body.error.status}: ` : ''}${body.error.message}`.trim();
    }
  } catch {
    // cut off at the excerpt's length: the message is read from the text below
  }
  const message = /"message"\s*:\s*"((?:[^"\\]|\\.)*)/.exec(excerpt)?.[1];
  return message === undefined ? `${error.status ?? ''} ${excerpt}`.trim() : `${error.status ?? ''} ${message}`.trim();
}
