/** `slack.destination`'s config: one TypeBox declaration, the schema and the type. */
import { type Static, Type } from '@sinclair/typebox';
import type { ConfigIssue } from '../../node-kit/contract.ts';
import { baseUrlProperty, modeProperty } from '../../node-kit/schema.ts';

export const defaultBaseUrl = 'https://slack.com/api';
export const slackModes = ['append'] as const;

/** A Block Kit block: its `type`, and whatever that type holds (Slack checks the rest). */
const block = Type.Unsafe<{ type: string; [field: string]: unknown }>(
  Type.Object({ type: Type.String({ minLength: 1 }) }, { additionalProperties: true }),
);

export const slackDestinationConfig = Type.Object(
  {
    webhookUrl: Type.Optional(
      Type.String({
        minLength: 1,
        pattern: '^https?://',
        writeOnly: true,
        title: 'Incoming webhook URL',
        description:
          "An incoming webhook's URL (a secret): every message goes to its one channel. Use this or a bot token, not both.",
      }),
    ),
    token: Type.Optional(
      Type.String({
        minLength: 1,
        writeOnly: true,
        title: 'Bot token',
        description:
          'A bot token (xoxb-…) with chat:write, channels:read, groups:read, im:write and channels:history (groups:history, im:history for private channels and DMs), for chat.postMessage.',
      }),
    ),
    baseUrl: baseUrlProperty(defaultBaseUrl, "Slack's Web API (a sandbox's ends in /api)", 'Web API base URL'),
    channel: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Channel',
        description:
          'Where every message goes (bot token): a channel name (#support), a channel id (C…), or a user id (U…) for a direct message.',
      }),
    ),
    channelField: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Channel field',
        description:
          "The record field naming each record's channel or user (the same forms as Channel), e.g. agent_channel: tickets go to their agent.",
      }),
    ),
    text: Type.String({
      minLength: 1,
      title: 'Message text',
      description:
        "The message per record: {field} (or {field.inner}) is replaced by the record's value, escaped for Slack (&, <, >). Also the notification text when blocks are set.",
    }),
    blocks: Type.Optional(
      Type.Array(block, {
        minItems: 1,
        maxItems: 50,
        title: 'Block Kit blocks',
        description:
          'Block Kit layout per record (JSON, as Block Kit Builder makes it); {field} placeholders in its strings are filled like the text.',
      }),
    ),
    mode: Type.Optional(
      modeProperty(slackModes, { default: 'append', description: 'append: one new message per record.' }),
    ),
    messagesPerSecond: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 100,
        default: 1,
        title: 'Messages per second per channel',
        description:
          "Slack allows about one message a second per channel (and per incoming webhook); a 429's Retry-After is honoured too.",
      }),
    ),
    historyLimit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100_000,
        default: 1000,
        title: 'History read for repeats',
        description:
          "How many of a channel's latest messages a run reads, before its first post there, for messages a dead attempt of it posted, so they are not posted again (bot token only; one page of 200 unless resumed from a checkpoint). 0 reads none: a resume may repeat the batch in flight.",
      }),
    ),
  },
  { additionalProperties: false },
);

export type SlackDestinationConfig = Static<typeof slackDestinationConfig>;

export const connectionFields = ['webhookUrl', 'token', 'baseUrl'] as const;

/** What the schema cannot say: one way to send (a webhook or a bot token), and for a token one way to pick the channel. */
export function checkSlackConfig(config: SlackDestinationConfig): ConfigIssue[] {
  if (config.webhookUrl !== undefined && config.token !== undefined)
    return [{ path: 'token', message: 'give an incoming webhook URL or a bot token, not both' }];
  if (config.webhookUrl === undefined && config.token === undefined)
    return [{ path: 'token', message: 'give a bot token (chat.postMessage) or an incoming webhook URL' }];
  if (config.webhookUrl !== undefined) {
    const routed =
      config.channel !== undefined ? 'channel' : config.channelField !== undefined ? 'channelField' : undefined;
    return routed
      ? [{ path: routed, message: 'an incoming webhook posts to its own channel only: routing needs a bot token' }]
      : [];
  }
  if ((config.channel === undefined) === (config.channelField === undefined))
    return [
      {
        path: 'channel',
        message: 'name the channel, or the record field naming each record’s channel (channelField), one of them',
      },
    ];
  return [];
}
