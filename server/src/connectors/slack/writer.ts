/**
 * `slack.destination`'s writer: one message per record, in record order per channel (channels in
 * parallel, each at its own pace). A record Slack refuses (its channel, its message) is rejected
 * with Slack's error; anything else fails the run. Before its first post to a channel, a run reads
 * the channel's recent history for messages of this run (their metadata key: a dead attempt's) and
 * skips those: from its checkpoint's start time when resumed from one, else the latest page
 * (an attempt killed before its first checkpoint, a second or so of posting, is resumed from the start).
 */
import { DestinationError } from '../../errors.ts';
import type { DestinationContext, DestinationWriter, Rec, RecordLocation } from '../../node-kit/contract.ts';
import { HttpApiError } from '../../node-kit/http/index.ts';
import { valueAt } from '../../node-kit/id-lookups.ts';
import type { SlackDestinationConfig } from './config.ts';
import { eventType, messageKey, postedKeys } from './message-key.ts';
import { renderBlocks, renderText } from './template.ts';
import { refusesRecord, SlackRefusal, type SlackWebApi } from './web-api.ts';
import type { SlackWebhook } from './webhook.ts';

/** How messages leave: the Web API (routed, with history) or an incoming webhook (one channel, no history). */
export type SlackSender =
  | { kind: 'web-api'; api: SlackWebApi; resolve: (reference: string) => Promise<string> }
  | { kind: 'webhook'; webhook: SlackWebhook };

interface WriterState {
  /** Slack timestamp before the run's first message: where a resume starts reading history. */
  since: string;
}

/** Webhook errors that mean the webhook itself is unusable: every record would fail, so the run does. */
const webhookGone = new Set([
  'no_service',
  'invalid_token',
  'action_prohibited',
  'channel_not_found',
  'channel_is_archived',
  'posting_to_general_channel_denied',
]);
/** Messages read when no checkpoint says since when: one page of conversations.history. */
const firstPage = 200;
/** Clocks differ: history is read from a little before the run started. */
const clockMarginMs = 5 * 60_000;

export function openSlackWriter(
  config: SlackDestinationConfig,
  ctx: DestinationContext,
  sender: SlackSender,
): DestinationWriter {
  const historyLimit = config.historyLimit ?? 1000;
  // Resumed from a checkpoint: the history since the run started; otherwise the latest page, which
  // holds what an attempt that died before its first checkpoint (about a second) could have posted.
  const historyWindow =
    ctx.resumeState === undefined
      ? { limit: Math.min(historyLimit, firstPage) }
      : { oldest: (ctx.resumeState as WriterState).since, limit: historyLimit };
  const state: WriterState = (ctx.resumeState as WriterState | undefined) ?? {
    since: ((Date.now() - clockMarginMs) / 1000).toFixed(6),
  };
  const posted = new Map<string, Promise<Set<string>>>();
  const historyOf = (api: SlackWebApi, channelId: string) => {
    let keys = posted.get(channelId);
    if (!keys) {
      // A channel whose history is refused (the bot is not in it) took no message: its posts are refused too, one by one.
      keys = postedKeys(api, channelId, ctx, historyWindow).catch((error: unknown) => {
        if (refusesRecord(error)) return new Set<string>();
        throw error;
      });
      posted.set(channelId, keys);
    }
    return keys;
  };
  let skipped = 0;

  return {
    async write(payload, seq) {
      if (payload.kind !== 'records' || payload.records.length === 0 || ctx.dryRun) return;
      const refusals = new Map<number, string>();
      const messages = payload.records.map((record, index) => ({
        index,
        record,
        message: messageOf(record, seq, index),
      }));
      if (sender.kind === 'webhook') {
        for (const { index, message } of messages) {
          await sender.webhook.post(message).catch((error: unknown) => {
            if (!refusesRecord(error) || webhookGone.has(error.error))
              throw failure(error, 'posting to the incoming webhook', payload.stream);
            refusals.set(index, `Slack refused the message: ${error.message}`);
          });
        }
      } else {
        const byChannel = new Map<string, typeof messages>();
        for (const item of messages) {
          const reference = config.channel ?? valueAt(item.record, config.channelField!);
          if (typeof reference !== 'string' && typeof reference !== 'number') {
            refusals.set(item.index, `field "${config.channelField}" names no channel or user to post to`);
            continue;
          }
          const channelId = await sender.resolve(String(reference)).catch((error: unknown) => {
            if (!refusesRecord(error)) throw failure(error, `finding the channel "${reference}"`, payload.stream);
            refusals.set(item.index, `Slack refused the channel "${reference}": ${error.message}`);
            return undefined;
          });
          if (channelId === undefined) continue;
          byChannel.set(channelId, [...(byChannel.get(channelId) ?? []), item]);
        }
        await Promise.all(
          [...byChannel].map(async ([channelId, items]) => {
            const done =
              historyLimit > 0
                ? await historyOf(sender.api, channelId).catch((error: unknown) => {
                    throw failure(
                      error,
                      `reading the history of ${channelId} for messages already posted`,
                      payload.stream,
                    );
                  })
                : undefined;
            for (const { index, message } of items) {
              if (done?.has(`${seq}:${index}`)) {
                skipped++;
                continue;
              }
              await sender.api.post(channelId, message).catch((error: unknown) => {
                if (!refusesRecord(error)) throw failure(error, `posting to ${channelId}`, payload.stream);
                refusals.set(index, `Slack refused the message to ${channelId}: ${error.message}`);
              });
            }
          }),
        );
      }
      reject(payload.records, refusals, payload.locations);
    },
    state: () => state,
    async prepare() {
      if (skipped > 0)
        ctx.log.info('messages its dead attempt had posted were found in the history and not posted again', {
          skipped,
        });
    },
    async commit() {},
  };

  function messageOf(record: Rec, seq: number, index: number): Record<string, unknown> {
    return {
      text: renderText(config.text, record),
      ...(config.blocks ? { blocks: renderBlocks(config.blocks, record) } : {}),
      // An incoming webhook keeps no metadata and cannot read history: its messages go without.
      ...(sender.kind === 'web-api'
        ? { metadata: { event_type: eventType, event_payload: messageKey(ctx, seq, index) } }
        : {}),
    };
  }

  function failure(error: unknown, doing: string, stream: string): unknown {
    if (!(error instanceof SlackRefusal) && !(error instanceof HttpApiError)) return error;
    const hint =
      error instanceof SlackRefusal &&
      ['invalid_auth', 'token_revoked', 'not_authed', 'account_inactive', 'token_expired'].includes(error.error)
        ? ' (Slack refused the bot token)'
        : '';
    return new DestinationError(`node "${ctx.nodeId}": ${doing} failed${hint}: ${error.message}`, {
      nodeId: ctx.nodeId,
      stream,
      cause: error,
    });
  }

  function reject(records: Rec[], refusals: Map<number, string>, locations: RecordLocation[] | undefined) {
    if (refusals.size === 0) return;
    const indexes = [...refusals.keys()].sort((a, b) => a - b);
    ctx.reject(
      indexes.map((index) => records[index]!),
      indexes.map((index) => refusals.get(index)!),
      locations ? indexes.map((index) => locations[index] ?? {}) : undefined,
    );
  }
}
