/**
 * Slack's Web API over node-kit/http: every call answers HTTP 200 with `{ ok, error? }`, so an
 * `ok: false` becomes a `SlackRefusal` here; 429 (with `Retry-After`), 5xx and dropped connections
 * are retried by the HTTP client. Posting goes through a limiter per channel (Slack's 1 message a
 * second per channel); the other methods share one budget within Slack's Tier 3 (50 a minute).
 */
import { BackflowError } from '../../errors.ts';
import type { NodeContext } from '../../node-kit/contract.ts';
import { createHttpApi, type HttpApi, type HttpAuth, type QueryValue } from '../../node-kit/http/index.ts';
import { defaultBaseUrl } from './config.ts';

/** Slack said no (`ok: false`): its error code, and the detail some answers carry (invalid_blocks). */
export class SlackRefusal extends BackflowError {
  constructor(
    readonly error: string,
    readonly detail: string[] = [],
    message = `Slack answered ${error}${detail.length > 0 ? ` (${detail.join('; ')})` : ''}`,
  ) {
    super('slack_refused', message);
  }
}

/**
 * Errors about one message or its channel: that record is rejected and the run goes on. Any other
 * error (invalid_auth, token_revoked, missing_scope, fatal_error…) fails the run.
 */
const recordRefusals = new Set([
  'channel_not_found',
  'not_in_channel',
  'is_archived',
  'channel_is_archived',
  'msg_too_long',
  'no_text',
  'invalid_blocks',
  'invalid_blocks_format',
  'invalid_metadata_format',
  'invalid_metadata_schema',
  'metadata_too_large',
  'invalid_payload',
  'too_many_attachments',
  'restricted_action',
  'restricted_action_read_only_channel',
  'restricted_action_thread_only_channel',
  'restricted_action_non_threadable_channel',
  'user_not_found',
  'user_not_visible',
  'user_disabled',
  'cannot_dm_bot',
  'messages_tab_disabled',
]);

export function refusesRecord(error: unknown): error is SlackRefusal {
  return error instanceof SlackRefusal && recordRefusals.has(error.error);
}

interface SlackAnswer {
  ok: boolean;
  error?: string;
  response_metadata?: { messages?: string[] };
}

export interface SlackWebApi {
  /** A read method (GET with the arguments in the query). */
  read<T>(method: string, args?: Record<string, QueryValue>): Promise<T>;
  /** chat.postMessage to a channel id, paced by that channel's limiter. */
  post<T>(channelId: string, message: Record<string, unknown>): Promise<T>;
}

export interface WebApiOptions {
  token: string;
  baseUrl?: string | undefined;
  messagesPerSecond?: number | undefined;
  /** Attempts after the first on 429, 5xx and network failures (default 10; `check` asks for fewer). */
  retries?: number;
}

export function slackWebApi(options: WebApiOptions, ctx: NodeContext): SlackWebApi {
  const auth: HttpAuth = { bearer: options.token };
  const common = {
    baseUrl: options.baseUrl ?? defaultBaseUrl,
    auth,
    signal: ctx.signal,
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    onRetry: (retry: object) => ctx.log.warn('retrying a Slack request', { ...retry }),
  };
  const methods = createHttpApi({ ...common, limits: { requestsPerInterval: 50, intervalMs: 60_000, concurrency: 4 } });
  const channels = new Map<string, HttpApi>();
  const intervalMs = Math.ceil(1000 / (options.messagesPerSecond ?? 1));
  const channelApi = (channelId: string) => {
    let api = channels.get(channelId);
    if (!api) {
      api = createHttpApi({
        ...common,
        limiterScope: `channel:${channelId}`,
        limits: { requestsPerInterval: 1, intervalMs, concurrency: 1 },
      });
      channels.set(channelId, api);
    }
    return api;
  };
  return {
    read: async <T>(method: string, args: Record<string, QueryValue> = {}) =>
      answered<T>(await methods.request<SlackAnswer>({ path: `/${method}`, query: args })),
    post: async <T>(channelId: string, message: Record<string, unknown>) =>
      answered<T>(
        await channelApi(channelId).request<SlackAnswer>({
          method: 'POST',
          path: '/chat.postMessage',
          body: { ...message, channel: channelId },
        }),
      ),
  };
}

function answered<T>(answer: SlackAnswer | undefined): T {
  if (answer?.ok === true) return answer as T;
  throw new SlackRefusal(answer?.error ?? 'no_answer', answer?.response_metadata?.messages ?? []);
}
