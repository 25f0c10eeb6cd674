/**
 * `webhook.destination`: record batches POSTed as JSON to a URL, signed (HMAC-SHA256), retried
 * with backoff, each request with an `Idempotency-Key` a resumed run sends again for the same
 * batch (`publishes: 'at-least-once'`: the key is the duplicate guard; the receiver dedupes).
 * A 4xx answer (not 408/429) rejects that request's records with the answer; anything else that
 * fails fails the run.
 */
import { ConfigError } from '../../errors.ts';
import { defineDestination } from '../../node-kit/contract.ts';
import { shownUrl, webhookClient } from './client.ts';
import { checkWebhookConfig, webhookDestinationConfig, webhookModes } from './config.ts';
import { openWebhookWriter } from './writer.ts';

export const webhookDestination = defineDestination({
  type: 'webhook.destination',
  title: 'Webhook',
  description:
    'POSTs records as signed JSON batches ({ flow, node, run, stream, batch, records }) to a URL, with an Idempotency-Key per batch so a resumed run resends the same key.',
  config: webhookDestinationConfig,
  publishes: 'at-least-once',
  duplicateGuard: 'Idempotency-Key',
  modes: webhookModes,
  inputs: [{ name: 'records', kind: 'records' }],
  // Not `headers`: a connection returns its fields but its writeOnly ones, and a header may hold a token.
  connectionFields: ['url', 'secret'],
  checkConfig: checkWebhookConfig,
  /** Sends one signed empty batch (`records: []`, `check: true`) that a receiver should accept. */
  async check(config, ctx) {
    const client = webhookClient(config, ctx, { retries: 1 });
    const where = `node "${ctx.nodeId}": the webhook at ${shownUrl(config.url)}`;
    let outcome: Awaited<ReturnType<typeof client.deliver>>;
    try {
      outcome = await client.deliver({ flow: ctx.flowName, node: ctx.nodeId, check: true, records: [] });
    } catch (error) {
      const message = client.redact(error instanceof Error ? error.message : String(error));
      throw new ConfigError(`${where} cannot be reached: ${message}`, { nodeId: ctx.nodeId, cause: error });
    }
    if (outcome.refused !== undefined)
      throw new ConfigError(`${where} refused a test delivery: ${outcome.refused}`, { nodeId: ctx.nodeId });
  },
  location: (config) => `webhook ${shownUrl(config.url)}`,
  async open(config, ctx) {
    const issue = checkWebhookConfig(config)[0];
    if (issue)
      throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, { nodeId: ctx.nodeId, details: [issue] });
    return openWebhookWriter(config, ctx, webhookClient(config, ctx));
  },
});
