/** slack.destination against the Slack sandbox: routing, templates, refusals, pace, faults and resume, read back from the channels. */
import { describe, expect, it } from 'vitest';
import type { SlackDestinationConfig } from '../../server/src/connectors/slack/config.ts';
import { slackDestination } from '../../server/src/connectors/slack/destination.ts';
import { CancelledError } from '../../server/src/errors.ts';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { type TestContext, temporaryDirectory, testContext } from '../../server/src/testing/node-context.ts';
import { idFor } from '../sandboxes/slack/server.ts';
import { fastPace, postedRecords, sandbox, subject, token, unescaped } from './slack-support.ts';
import { shortenRetryWaits } from './support.ts';

const channels = ['support-tier1', 'support-tier2', 'support-billing'];

async function context(overrides: Partial<TestContext> = {}): Promise<TestContext & { lines: string[] }> {
  const lines: string[] = [];
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const ctx = testContext(await temporaryDirectory(), {
    log: { info: line('info'), warn: line('warn'), error: line('error') },
    ...overrides,
  });
  return Object.assign(ctx, { lines });
}

async function write(config: SlackDestinationConfig, batches: Rec[][], ctx?: TestContext) {
  const used = ctx ?? (await context());
  const writer = await slackDestination.open(config, used);
  for (const [index, records] of batches.entries())
    await writer.write({ kind: 'records', stream: 'tickets', records }, index + 1);
  await writer.prepare();
  await writer.commit();
  return used;
}

const tickets = (count: number, from = 0): Rec[] =>
  Array.from({ length: count }, (_, n) => ({
    channel: channels[(from + n) % 3]!,
    id: from + n,
    subject: subject(from + n),
  }));

const sorted = (records: Rec[]) => [...records].sort((a, b) => Number(a.id) - Number(b.id));

describe('slack.destination', () => {
  it('routes each ticket by its field to a channel name, a channel id or a user (DM), with the text and Block Kit filled and escaped', async () => {
    const slack = await sandbox();
    const alice = idFor('U', 'alice');
    const records: Rec[] = [
      { ticket_id: 1, subject: 'Refund <@U999> & more', priority: 'high', agent: '#support-tier1' },
      { ticket_id: 2, subject: 'Zoë "quoted"\nsecond line', priority: 'low', agent: idFor('C', 'support-billing') },
      { ticket_id: 3, subject: '名前 🙂', priority: 'urgent', agent: alice },
      { ticket_id: 4, subject: 'Second for tier1', priority: null, agent: 'support-tier1' },
    ];
    const ctx = await write(
      {
        token,
        baseUrl: `${slack.url}/api`,
        channelField: 'agent',
        text: 'Ticket {ticket_id}: {subject}',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Ticket {ticket_id}' } },
          { type: 'section', text: { type: 'mrkdwn', text: '*{subject}*\nPriority: {priority}' } },
        ],
        messagesPerSecond: fastPace,
      },
      [records.slice(0, 2), records.slice(2)],
    );
    expect(ctx.rejected).toEqual([]);
    expect(slack.messages('support-tier1').map((message) => message.text)).toEqual([
      'Ticket 1: Refund &lt;@U999&gt; &amp; more',
      'Ticket 4: Second for tier1',
    ]);
    expect(slack.messages('support-billing')).toMatchObject([
      {
        text: 'Ticket 2: Zoë "quoted"\nsecond line',
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: 'Ticket 2' } },
          { type: 'section', text: { type: 'mrkdwn', text: '*Zoë "quoted"\nsecond line*\nPriority: low' } },
        ],
        metadata: {
          event_type: 'backflow_record',
          event_payload: { flow: 'test-flow', node: 'node-1', run: 'run-1', seq: 1, index: 1 },
        },
      },
    ]);
    expect(slack.messages(alice).map((message) => message.text)).toEqual(['Ticket 3: 名前 🙂']);
    expect(slack.messages(alice)[0]!.metadata?.event_payload).toEqual({
      flow: 'test-flow',
      node: 'node-1',
      run: 'run-1',
      seq: 2,
      index: 0,
    });
    expect(slack.messages('support-tier1')[1]!.blocks![1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '*Second for tier1*\nPriority: ' },
    });
  });

  it("rejects the records Slack refuses with Slack's error, posting the rest in order", async () => {
    const slack = await sandbox();
    const records: Rec[] = [
      { id: 1, to: 'support-tier1', subject: 'fine' },
      { id: 2, to: 'board', subject: 'bot not invited' },
      { id: 3, to: 'old-announcements', subject: 'archived' },
      { id: 4, to: 'nowhere', subject: 'no channel' },
      { id: 5, to: null, subject: 'no field' },
      { id: 6, to: 'support-tier1', subject: 'x'.repeat(40_001) },
      { id: 7, to: 'support-tier1', subject: '' },
      { id: 8, to: 'support-tier1', subject: 'fine too' },
    ];
    const ctx = await write(
      {
        token,
        baseUrl: `${slack.url}/api`,
        channelField: 'to',
        text: '{id} {subject}',
        // An empty subject makes an empty section text: Slack's invalid_blocks.
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '{subject}' } }],
        messagesPerSecond: fastPace,
      },
      [records],
    );
    expect(
      ctx.rejected.map(({ record, reason }) => [record.id, reason.replace(/ to [CGD][A-Z0-9]+:/, ' to <id>:')]),
    ).toEqual([
      [2, 'Slack refused the message to <id>: Slack answered not_in_channel'],
      [3, 'Slack refused the message to <id>: Slack answered is_archived'],
      [4, 'Slack refused the channel "nowhere": Slack has no channel named #nowhere that the bot can see'],
      [5, 'field "to" names no channel or user to post to'],
      [
        6,
        'Slack refused the message to <id>: Slack answered invalid_blocks ([ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text])',
      ],
      [
        7,
        'Slack refused the message to <id>: Slack answered invalid_blocks ([ERROR] must be more than 0 characters [json-pointer:/blocks/0/text/text])',
      ],
    ]);
    expect(slack.messages('support-tier1').map((message) => message.text)).toEqual(['1 fine', '8 fine too']);
  });

  it('fails the run, naming the node and never the token, when Slack answers invalid_auth or token_revoked', async () => {
    const slack = await sandbox();
    for (const [bad, error] of [
      ['xoxb-not-a-real-token', 'invalid_auth'],
      ['xoxb-revoked-token', 'token_revoked'],
    ] as const) {
      const failed = await write({ token: bad, baseUrl: `${slack.url}/api`, channelField: 'channel', text: '{id}' }, [
        tickets(2),
      ]).catch((caught: unknown) => caught as Error);
      expect(failed).toMatchObject({ code: 'destination_failed', context: { nodeId: 'node-1' } });
      expect((failed as Error).message).toContain('node "node-1"');
      expect((failed as Error).message).toContain(error);
      expect((failed as Error).message).not.toContain(bad);
    }
    expect(slack.stats().posted).toBe(0);
  });

  it("keeps Slack's pace of 1 message a second per channel, channels side by side, without a 429", async () => {
    const slack = await sandbox({ limits: { postsPerChannelPerSecond: 1 } });
    const started = Date.now();
    await write({ token, baseUrl: `${slack.url}/api`, channelField: 'channel', text: '{id}\t{subject}' }, [tickets(6)]);
    const elapsed = Date.now() - started;
    // Two messages per channel, three channels in parallel: one second, not five.
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(3500);
    expect(slack.stats()).toMatchObject({ posted: 6, rejected429: 0, maxPostsPerChannelPerSecond: 1 });
    expect(sorted(postedRecords(slack, channels))).toEqual(tickets(6));
  });

  it('ends exact through 5xx, 429 bursts with Retry-After and dropped connections', async () => {
    shortenRetryWaits(); // the waits a hundredth as long; the faults and their retries the same
    const slack = await sandbox({
      faults: { errorRate: 0.1, seed: 3, tooManyEvery: 9, retryAfterSeconds: 1, dropEvery: 13 },
    });
    const records = tickets(36);
    const ctx = await context();
    await write(
      {
        token,
        baseUrl: `${slack.url}/api`,
        channelField: 'channel',
        text: '{id}\t{subject}',
        messagesPerSecond: fastPace,
      },
      [records.slice(0, 12), records.slice(12, 24), records.slice(24)],
      ctx,
    );
    expect(ctx.rejected).toEqual([]);
    expect(sorted(postedRecords(slack, channels))).toEqual(records);
    for (const channel of channels) {
      const ids = postedRecords(slack, [channel]).map((record) => record.id);
      expect(ids, `${channel} in record order`).toEqual([...ids].sort((a, b) => Number(a) - Number(b)));
    }
    const stats = slack.stats();
    expect(stats.rejected429).toBeGreaterThan(0);
    expect(stats.requests).toBeGreaterThan(36 + 3);
    expect(ctx.lines.some((line) => line.includes('retrying a Slack request'))).toBe(true);
  }, 60_000);

  it('killed in the middle of a batch and resumed from the checkpoint before it: every ticket posted exactly once', async () => {
    const slack = await sandbox();
    const config: SlackDestinationConfig = {
      token,
      baseUrl: `${slack.url}/api`,
      channelField: 'channel',
      text: '{id}\t{subject}',
      messagesPerSecond: 20,
    };
    const batches = [tickets(9, 0), tickets(9, 9), tickets(9, 18), tickets(9, 27)];
    const killed = new AbortController();
    const first = await slackDestination.open(config, await context({ signal: killed.signal }));
    await first.write({ kind: 'records', stream: 'tickets', records: batches[0]! }, 1);
    const checkpoint = first.state?.();
    await first.write({ kind: 'records', stream: 'tickets', records: batches[1]! }, 2);
    // Batch 3 is cut off after a few of its messages were posted.
    const writing = first.write({ kind: 'records', stream: 'tickets', records: batches[2]! }, 3);
    while (slack.stats().posted < 22) await new Promise((resolve) => setTimeout(resolve, 2));
    killed.abort();
    await expect(writing).rejects.toBeInstanceOf(CancelledError);
    const postedBefore = slack.stats().posted;
    expect(postedBefore).toBeGreaterThan(18);
    expect(postedBefore).toBeLessThan(27);

    // The engine resumes from the checkpoint of batch 1: batches 2, 3 and 4 come again.
    const ctx = await context({ resumeState: checkpoint, resumeSeq: 1 });
    const resumed = await slackDestination.open(config, ctx);
    for (const [offset, records] of batches.slice(1).entries())
      await resumed.write({ kind: 'records', stream: 'tickets', records }, offset + 2);
    await resumed.prepare();
    await resumed.commit();
    expect(sorted(postedRecords(slack, channels))).toEqual(batches.flat());
    expect(slack.stats().posted).toBe(36);
    // Found in the history: batch 2 whole and the part of batch 3 the dead attempt had posted.
    const skipped = Number(/"skipped":(\d+)/.exec(ctx.lines.join('\n'))?.[1]);
    expect(skipped).toBeGreaterThan(9);
    expect(skipped).toBeLessThan(18);
  });

  it('through an incoming webhook: one channel, refusals rejected, and a replayed batch posted again (no history to check)', async () => {
    const slack = await sandbox();
    const config: SlackDestinationConfig = {
      webhookUrl: slack.webhookUrl('support-escalations'),
      text: '{id}\t{subject}',
      messagesPerSecond: fastPace,
    };
    const records = Array.from({ length: 6 }, (_, id) => ({ id, subject: subject(id) }));
    const ctx = await write(config, [
      records.slice(0, 3),
      [...records.slice(3), { id: 99, subject: 'z'.repeat(40_001) }],
    ]);
    expect(ctx.rejected.map(({ record, reason }) => [record.id, reason])).toEqual([
      [99, "Slack refused the message: Slack's incoming webhook answered 400 msg_too_long"],
    ]);
    expect(postedRecords(slack, ['support-escalations'], false)).toEqual(records);
    expect(slack.messages('support-escalations')[0]!.metadata).toBeUndefined();

    // A resume replays batch 2: a webhook cannot read history, so its messages come twice (documented).
    await write(config, [records.slice(3)], await context({ resumeSeq: 1 }));
    expect(postedRecords(slack, ['support-escalations'], false).map((record) => record.id)).toEqual([
      0, 1, 2, 3, 4, 5, 3, 4, 5,
    ]);
    expect(unescaped(slack.messages('support-escalations')[3]!.text)).toBe(`3\t${subject(3)}`);
  });

  it('fails the run when the incoming webhook is gone, without showing its URL', async () => {
    const slack = await sandbox();
    const secretPath = '/services/T0SANDBOX/B0GONE/removed-webhook-secret';
    const failed = (await write({ webhookUrl: `${slack.url}${secretPath}`, text: '{id}' }, [tickets(1)]).then(
      () => undefined,
      (caught: unknown) => caught,
    )) as Error | undefined;
    expect(failed).toMatchObject({ code: 'destination_failed' });
    expect(failed?.message).toContain('no_service');
    expect(failed?.message).not.toContain('removed-webhook-secret');
    const config = { webhookUrl: `${slack.url}${secretPath}`, text: '{id}' };
    expect(slackDestination.location!(config, await context())).toBe(
      `Slack incoming webhook on ${new URL(slack.url).host}`,
    );
  });
});
