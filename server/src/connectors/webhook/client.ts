/**
 * One webhook endpoint as node-kit/http reaches it: every POST signed, retried on 408, 429, 5xx
 * and network failures, and a refusal (any other 4xx) told apart from a failure, with no secret in
 * either. The whole URL is the client's base URL, so its path and query (a token) are never shown.
 */
import { CancelledError } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import { createHttpApi, HttpApiError, webhookSignatureHeaders } from '../../node-kit/http/index.ts';
import type { WebhookDestinationConfig } from './config.ts';

/** What a receiver said to one delivery: taken, or refused with its status and answer. */
export type DeliveryOutcome = { refused?: undefined } | { refused: string };

export interface WebhookClient {
  /** Resolves once the receiver answered 2xx or refused (4xx); rejects when it never did (retries ran out). */
  deliver(body: unknown, idempotencyKey?: string): Promise<DeliveryOutcome>;
  /** `text` with every configured header value replaced by `[redacted]`. */
  redact(text: string): string;
}

export function webhookClient(
  config: WebhookDestinationConfig,
  ctx: NodeContext,
  options: { retries?: number } = {},
): WebhookClient {
  const api = createHttpApi({
    baseUrl: config.url,
    headers: { ...config.headers },
    limits: { concurrency: config.concurrency ?? 4 },
    retry: { retries: options.retries ?? config.retries ?? 10 },
    timeoutMs: config.timeoutMs ?? 30_000,
    signal: ctx.signal,
    onRetry: (retry) => ctx.log.warn('retrying a webhook delivery', { ...retry }),
  });
  // node-kit hides the values of headers named like secrets; any header here may hold one.
  const secrets = Object.values(config.headers ?? {})
    .filter((value) => value.length >= 4)
    .sort((a, b) => b.length - a.length);
  const redact = (text: string) => secrets.reduce((out, secret) => out.replaceAll(secret, '[redacted]'), text);

  return {
    redact,
    async deliver(body, idempotencyKey) {
      const text = JSON.stringify(body);
      try {
        await api.requestText({
          method: 'POST',
          path: '',
          rawBody: text,
          headers: {
            'content-type': 'application/json',
            ...webhookSignatureHeaders(text, config),
            ...(idempotencyKey === undefined ? {} : { 'Idempotency-Key': idempotencyKey }),
          },
        });
        return {};
      } catch (error) {
        if (error instanceof CancelledError) throw error;
        if (error instanceof HttpApiError && error.code === 'http_status' && error.status !== undefined) {
          const excerpt = error.bodyExcerpt ? `: ${redact(error.bodyExcerpt)}` : '';
          return { refused: `the webhook answered ${error.status}${excerpt}` };
        }
        throw error;
      }
    },
  };
}

/** The URL as it may be shown: scheme and host, never the path or query. */
export function shownUrl(url: string): string {
  return new URL(url).origin;
}
