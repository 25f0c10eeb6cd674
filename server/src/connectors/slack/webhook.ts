/**
 * An incoming webhook: POST the message as JSON, Slack answers `ok` as text, or an error code as
 * text with a 4xx (`no_text`, `invalid_blocks`, `channel_is_archived`, `no_service`…). The URL is
 * the secret: it is the client's base URL, which node-kit/http never shows.
 */
import type { NodeContext } from '../../node-kit/contract.ts';
import { createHttpApi, HttpApiError } from '../../node-kit/http/index.ts';
import { SlackRefusal } from './web-api.ts';

export interface SlackWebhook {
  /** Posts one message; a refusal throws `SlackRefusal` with Slack's code. */
  post(message: Record<string, unknown>): Promise<void>;
}

export function slackWebhook(
  url: string,
  ctx: NodeContext,
  options: { messagesPerSecond?: number | undefined; retries?: number } = {},
): SlackWebhook {
  const api = createHttpApi({
    baseUrl: url,
    signal: ctx.signal,
    limits: { requestsPerInterval: 1, intervalMs: Math.ceil(1000 / (options.messagesPerSecond ?? 1)), concurrency: 1 },
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    onRetry: (retry) => ctx.log.warn('retrying a Slack webhook post', { ...retry }),
  });
  return {
    async post(message) {
      try {
        await api.requestText({ method: 'POST', path: '', body: message });
      } catch (error) {
        if (error instanceof HttpApiError && error.code === 'http_status') {
          const code = (error.bodyExcerpt ?? '').trim() || `status_${error.status}`;
          throw new SlackRefusal(code, [], `Slack's incoming webhook answered ${error.status} ${code}`);
        }
        throw error;
      }
    },
  };
}
