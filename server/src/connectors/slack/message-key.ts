/**
 * The batch key each message carries in its metadata (Slack's `event_type` / `event_payload`):
 * flow, node, run, batch sequence and record index. A resumed run reads a channel's recent history
 * for the keys of its run and does not post those messages again.
 */
import type { NodeContext } from '../../node-kit/contract.ts';
import type { SlackWebApi } from './web-api.ts';

export const eventType = 'backflow_record';

export interface MessageKey {
  flow: string;
  node: string;
  run: string;
  seq: number;
  index: number;
}

export function messageKey(ctx: NodeContext, seq: number, index: number): MessageKey {
  return { flow: ctx.flowName, node: ctx.nodeId, run: ctx.runId, seq, index };
}

interface HistoryPage {
  messages: { metadata?: { event_type?: string; event_payload?: Partial<MessageKey> } }[];
  has_more?: boolean;
  response_metadata?: { next_cursor?: string };
}

/**
 * The `seq:index` of this run's messages among the channel's latest `limit` messages (since
 * `oldest`, a Slack timestamp, when known).
 */
export async function postedKeys(
  api: SlackWebApi,
  channelId: string,
  ctx: NodeContext,
  window: { oldest?: string | undefined; limit: number },
): Promise<Set<string>> {
  const keys = new Set<string>();
  let cursor: string | undefined;
  let read = 0;
  while (read < window.limit) {
    const page = await api.read<HistoryPage>('conversations.history', {
      channel: channelId,
      include_all_metadata: true,
      limit: Math.min(200, window.limit - read),
      oldest: window.oldest,
      cursor,
    });
    read += page.messages.length;
    for (const { metadata } of page.messages) {
      const key = metadata?.event_type === eventType ? metadata.event_payload : undefined;
      if (key && key.flow === ctx.flowName && key.node === ctx.nodeId && key.run === ctx.runId)
        keys.add(`${key.seq}:${key.index}`);
    }
    cursor = page.response_metadata?.next_cursor || undefined;
    if (!page.has_more || !cursor || page.messages.length === 0) break;
  }
  return keys;
}
