/** slack.destination through the conformance suite against the Slack sandbox: the bot-token way and the webhook way. */
import { slackDestination } from '../../server/src/connectors/slack/destination.ts';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { recordItem } from '../../server/src/testing/conformance/checks.ts';
import { describeConformance } from '../../server/src/testing/conformance/describe-conformance.ts';
import type { SlackSandbox } from '../sandboxes/slack/server.ts';
import { fastPace, postedRecords, sandbox, subject, token } from './slack-support.ts';

const wrongToken = 'xoxb-wrong-token-0451';
const channels = ['support-tier1', 'support-tier2', 'support-billing'];

/** Tickets spread over three channels. */
const tickets = (count: number, from: number): Rec[] =>
  Array.from({ length: count }, (_, n) => ({
    channel: channels[(from + n) % 3]!,
    id: from + n,
    subject: subject(from + n),
  }));

/** The bot-token config that posts each ticket as `id<TAB>subject` to the channel it names. */
const ticketsConfig = (slack: SlackSandbox) => ({
  token,
  baseUrl: `${slack.url}/api`,
  channelField: 'channel',
  text: '{id}\t{subject}',
  messagesPerSecond: fastPace,
});

describeConformance({
  name: 'slack',
  destination: {
    type: slackDestination,
    async setUp() {
      const slack = await sandbox();
      return {
        config: ticketsConfig(slack),
        payloads: [0, 1, 2, 3, 4].map((batch) => ({
          kind: 'records' as const,
          stream: 'tickets',
          records: tickets(6, batch * 6),
        })),
        readBack: async () => postedRecords(slack, channels).map(recordItem),
      };
    },
    async refused() {
      const slack = await sandbox();
      return { token: wrongToken, baseUrl: `${slack.url}/api`, channel: 'general', text: '{id}' };
    },
    async refusable() {
      const slack = await sandbox();
      return {
        config: ticketsConfig(slack),
        payload: {
          kind: 'records',
          stream: 'tickets',
          records: [
            ...tickets(3, 0),
            { channel: 'board', id: 90, subject: 'the bot is not in #board' },
            { channel: 'nowhere', id: 91, subject: 'no such channel' },
            { channel: 'U0NOBODY00', id: 92, subject: 'no such user' },
            { channel: 'general', id: 93, subject: 'x'.repeat(40_001) },
          ],
        },
        refused: 4,
      };
    },
  },
  secrets: [token, wrongToken],
});

const goneWebhook = '/services/T0SANDBOX/B0GONE/no-longer-a-webhook';
/** The incoming webhooks' secret paths (filled as set-ups run; the leak check reads it after): none may show. */
const webhookSecrets: string[] = [goneWebhook];

describeConformance({
  name: 'slack-webhook',
  destination: {
    type: slackDestination,
    async setUp() {
      const slack = await sandbox();
      const webhookUrl = slack.webhookUrl('support-tier1');
      webhookSecrets.push(new URL(webhookUrl).pathname);
      return {
        config: { webhookUrl, text: '{id}\t{subject}', messagesPerSecond: fastPace },
        payloads: [0, 1, 2, 3].map((batch) => ({
          kind: 'records' as const,
          stream: 'tickets',
          records: Array.from({ length: 5 }, (_, n) => ({ id: batch * 5 + n, subject: subject(batch * 5 + n) })),
        })),
        readBack: async () => postedRecords(slack, ['support-tier1'], false).map(recordItem),
      };
    },
    async refused() {
      const slack = await sandbox();
      return { webhookUrl: `${slack.url}${goneWebhook}`, text: '{id}' };
    },
    async refusable() {
      const slack = await sandbox();
      return {
        config: { webhookUrl: slack.webhookUrl('general'), text: '{subject}', messagesPerSecond: fastPace },
        payload: {
          kind: 'records',
          stream: 'tickets',
          records: [{ subject: 'fine' }, { subject: '' }, { subject: 'y'.repeat(40_001) }, { subject: 'also fine' }],
        },
        refused: 2,
      };
    },
  },
  secrets: webhookSecrets,
});
