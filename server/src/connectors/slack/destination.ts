/**
 * `slack.destination`: one Slack message per record, from a text template and optional Block Kit
 * blocks, through an incoming webhook (one channel) or chat.postMessage with a bot token (routed per
 * record to a channel or a user). It is `at-least-once`: a replayed batch is checked against the
 * channel's history by the key in each message's metadata (Web API); a webhook cannot read history
 * and may repeat the batch in flight on resume.
 */
import { ConfigError } from '../../errors.ts';
import { defineDestination, type NodeContext } from '../../node-kit/contract.ts';
import { HttpApiError } from '../../node-kit/http/index.ts';
import { channelResolver } from './channels.ts';
import {
  checkSlackConfig,
  connectionFields,
  defaultBaseUrl,
  type SlackDestinationConfig,
  slackDestinationConfig,
  slackModes,
} from './config.ts';
import { SlackRefusal, slackWebApi } from './web-api.ts';
import { slackWebhook } from './webhook.ts';
import { openSlackWriter } from './writer.ts';

export const slackDestination = defineDestination({
  type: 'slack.destination',
  title: 'Slack destination',
  description:
    "Posts a message per record to Slack: an incoming webhook's channel, or with a bot token each record's channel or user (e.g. a ticket to its agent's channel), from a text template and Block Kit blocks.",
  config: slackDestinationConfig,
  publishes: 'at-least-once',
  duplicateGuard:
    "each message's metadata carries (flow, node, run, batch, record); before posting to a channel a run reads its recent history for those of this run and skips them (bot token only: a webhook may repeat the batch in flight)",
  modes: slackModes,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  checkConfig: checkSlackConfig,
  async check(config, ctx) {
    configured(config, ctx);
    if (config.webhookUrl !== undefined) {
      // An empty message is refused with no_text by a live webhook (nothing is posted); a dead one answers no_service.
      await slackWebhook(config.webhookUrl, ctx, { retries: 1 })
        .post({})
        .then(
          () => undefined,
          (error: unknown) => {
            if (error instanceof SlackRefusal && error.error === 'no_text') return;
            throw refused(error, 'reaching the incoming webhook', ctx);
          },
        );
      return;
    }
    const api = slackWebApi({ ...config, token: config.token!, retries: 1 }, ctx);
    await api.read('auth.test').catch((error: unknown) => {
      throw refused(error, 'checking the bot token', ctx);
    });
    if (config.channel !== undefined) {
      await channelResolver(api)(config.channel).catch((error: unknown) => {
        throw refused(error, `finding the channel "${config.channel}"`, ctx);
      });
    }
  },
  location(config) {
    if (config.webhookUrl !== undefined) return `Slack incoming webhook on ${new URL(config.webhookUrl).host}`;
    const host = new URL(config.baseUrl ?? defaultBaseUrl).host;
    return config.channel !== undefined
      ? `Slack ${host}: ${config.channel}`
      : `Slack ${host}: the channel or user in each record's "${config.channelField}"`;
  },
  async open(config, ctx) {
    configured(config, ctx);
    if (config.webhookUrl !== undefined) {
      return openSlackWriter(config, ctx, {
        kind: 'webhook',
        webhook: slackWebhook(config.webhookUrl, ctx, { messagesPerSecond: config.messagesPerSecond }),
      });
    }
    const api = slackWebApi({ ...config, token: config.token! }, ctx);
    return openSlackWriter(config, ctx, { kind: 'web-api', api, resolve: channelResolver(api) });
  },
});

function configured(config: SlackDestinationConfig, ctx: NodeContext): void {
  const issue = checkSlackConfig(config)[0];
  if (issue) throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, { nodeId: ctx.nodeId, details: [issue] });
}

/** A refused check as a config error naming the node and Slack's answer (never the token or the webhook URL). */
function refused(error: unknown, doing: string, ctx: NodeContext): unknown {
  if (!(error instanceof SlackRefusal) && !(error instanceof HttpApiError)) return error;
  return new ConfigError(`node "${ctx.nodeId}": ${doing} failed: ${error.message}`, {
    nodeId: ctx.nodeId,
    cause: error,
  });
}
