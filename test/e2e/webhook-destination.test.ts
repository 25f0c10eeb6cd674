/** webhook.destination against the webhook sandbox: what the receiver keeps, resumes, faults and refusals. */
import { createHmac } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import type { WebhookDestinationConfig } from '../../server/src/connectors/webhook/config.ts';
import { webhookDestination } from '../../server/src/connectors/webhook/destination.ts';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { temporaryDirectory, testContext } from '../../server/src/testing/node-context.ts';
import type { WebhookSandbox } from '../sandboxes/webhook/server.ts';
import { chainFlow, runInProcess } from './gcs-support.ts';
import { shortenRetryWaits } from './support.ts';
import { hooksSandbox, people, peopleWarehouse, receivedRecords, signingSecret } from './webhook-support.ts';

/** A flow names its secret through the environment, as a user's would. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: the literal syntax of an env reference.
const secretRef = '${env:WEBHOOK_TEST_SECRET}';

const byId = (records: Rec[]) => [...records].sort((a, b) => Number(a.id) - Number(b.id));

/** Warehouse people → webhook, one batch of `batchSize` rows checkpointed after each. */
function peopleFlow(name: string, warehouse: string, webhook: Record<string, unknown>, batchSize = 50) {
  const flow = chainFlow(name, [
    { id: 'people', type: 'duckdb.source', config: { path: warehouse, table: 'people', key: 'id' } },
    { id: 'hook', type: 'webhook.destination', config: webhook },
  ]);
  return { ...flow, settings: { batchSize, checkpointIntervalMs: 0 } };
}

function keys(hooks: WebhookSandbox): string[] {
  return hooks.received().map((receipt) => receipt.idempotencyKey ?? 'none');
}

describe('webhook.destination', () => {
  it('delivers every row once, signed, in batches of batchSize, with the Idempotency-Key in header and body', async () => {
    const dir = await temporaryDirectory();
    const warehouse = await peopleWarehouse(dir, 230);
    const hooks = await hooksSandbox({ secret: signingSecret });
    vi.stubEnv('WEBHOOK_TEST_SECRET', signingSecret);
    const summary = await runInProcess(
      dir,
      peopleFlow('people-to-hook', warehouse, { url: `${hooks.url}/in`, secret: secretRef, batchSize: 20 }, 100),
    );
    expect(summary.status).toBe('succeeded');
    expect(summary.nodes.hook).toMatchObject({ read: 230, written: 230, rejected: 0 });
    expect(summary.outputs.hook).toBe(`webhook ${hooks.url}`);
    // 3 source batches (100, 100, 30) cut into requests of 20: 5 + 5 + 2
    const received = hooks.received();
    expect(received).toHaveLength(12);
    expect(received.every((receipt) => receipt.verified && receipt.path === '/in')).toBe(true);
    expect(byId(receivedRecords(hooks))).toEqual(people(230));
    const bodies = received.map(
      (receipt) => receipt.body as { flow: string; run: string; batch: { seq: number; part: number; key: string } },
    );
    expect(bodies.map((body) => body.batch.key)).toEqual(keys(hooks));
    expect(new Set(keys(hooks)).size).toBe(12);
    expect(bodies.map(({ batch }) => `${batch.seq}.${batch.part}`).sort()).toEqual(
      ['1.0', '1.1', '1.2', '1.3', '1.4', '2.0', '2.1', '2.2', '2.3', '2.4', '3.0', '3.1'].sort(),
    );
    expect(new Set(bodies.map((body) => `${body.flow} ${body.run}`))).toEqual(
      new Set([`people-to-hook ${summary.runId}`]),
    );
  });

  it('a run that fails mid-way and resumes re-sends the same keys for the replayed batches: the receiver keeps every row once', async () => {
    const dir = await temporaryDirectory();
    const warehouse = await peopleWarehouse(dir, 400);
    const hooks = await hooksSandbox();
    // no retries: the 9th request's 429 fails the run with batches 1..k checkpointed
    hooks.faults.tooManyEvery = 9;
    hooks.faults.retryAfterSeconds = 0;
    const flow = peopleFlow('resume-to-hook', warehouse, { url: hooks.url, batchSize: 10, retries: 0 });
    const failed = await runInProcess(dir, flow);
    expect(failed.status).toBe('failed');
    expect(failed.error?.code).toBe('destination_failed');
    expect(failed.error?.message).toMatch(/node "hook": delivering batch \d+ failed: .*429/);
    const keptBefore = hooks.received().length;
    expect(keptBefore).toBeGreaterThan(0);
    expect(keptBefore).toBeLessThan(40);

    hooks.faults.tooManyEvery = undefined;
    const resumed = await runInProcess(dir, flow, { resume: true });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.runId).toBe(failed.runId);
    // every row kept exactly once, though the batch in flight was sent again
    expect(byId(receivedRecords(hooks))).toEqual(people(400));
    expect(new Set(keys(hooks)).size).toBe(40);
    expect(hooks.stats().repeated).toBeGreaterThan(0);
  });

  it('rides out 5xx, 429 bursts with Retry-After and dropped answers and ends exact', async () => {
    shortenRetryWaits(); // the waits a hundredth as long; the faults and their retries the same
    const dir = await temporaryDirectory();
    const warehouse = await peopleWarehouse(dir, 300);
    const hooks = await hooksSandbox({
      secret: signingSecret,
      faults: { errorRate: 0.1, seed: 3, tooManyEvery: 7, tooManyBurst: 2, retryAfterSeconds: 1, dropEvery: 6 },
    });
    vi.stubEnv('WEBHOOK_TEST_SECRET', signingSecret);
    const summary = await runInProcess(
      dir,
      peopleFlow('faults-to-hook', warehouse, { url: hooks.url, secret: secretRef, batchSize: 25 }, 150),
    );
    expect(summary.status).toBe('succeeded');
    expect(summary.nodes.hook).toMatchObject({ read: 300, written: 300, rejected: 0 });
    const stats = hooks.stats();
    expect(stats.errors5xx).toBeGreaterThan(0);
    expect(stats.rejected429).toBeGreaterThan(0);
    expect(stats.dropped).toBeGreaterThan(0);
    // a dropped answer's delivery was kept: its retry came back with the same key and was not kept twice
    expect(stats.repeated).toBeGreaterThan(0);
    expect(byId(receivedRecords(hooks))).toEqual(people(300));
  }, 60_000);

  it('rejects the records of a request the receiver refuses (4xx) with its status and answer, and delivers the rest', async () => {
    const hooks = await hooksSandbox({ maxBodyBytes: 1500 });
    const records: Rec[] = [...people(6), { id: 100, note: 'x'.repeat(3000) }, ...people(3, 6)];
    const ctx = testContext(await temporaryDirectory());
    const writer = await webhookDestination.open({ url: hooks.url, batchSize: 3 }, ctx);
    await writer.write(
      { kind: 'records', stream: 'people', records, locations: records.map((_, index) => ({ index })) },
      1,
    );
    await writer.prepare();
    await writer.commit();
    // requests: [0..2] [3..5] [6: too large, 7, 8] [9]
    expect(ctx.rejected.map(({ record }) => record.id)).toEqual([100, 7, 8]);
    expect(ctx.rejected.map(({ location }) => location?.index)).toEqual([6, 7, 8]);
    expect(ctx.rejected[0]!.reason).toMatch(/^the webhook answered 413: .*bytes/);
    expect(byId(receivedRecords(hooks)).map((record) => record.id)).toEqual([1, 2, 3, 4, 5, 6, 9]);
  });

  it('fails the run naming the node when the receiver keeps failing, and shows neither the URL token nor a header value', async () => {
    const hooks = await hooksSandbox({ faults: { errorRate: 1 } });
    const ctx = testContext(await temporaryDirectory(), { nodeId: 'alerts-hook' });
    const config: WebhookDestinationConfig = {
      url: `${hooks.url}/hooks/T000/B000/tok-in-path-91ab?sig=query-secret-55`,
      headers: { 'X-Team': 'header-value-secret-31' },
      retries: 1,
    };
    const writer = await webhookDestination.open(config, ctx);
    const error = await writer.write({ kind: 'records', stream: 'people', records: people(2) }, 1).then(
      () => expect.fail('the write succeeded'),
      (failure: unknown) => failure as Error & { code: string; nodeId: string },
    );
    expect(error.code).toBe('destination_failed');
    expect(error.message).toMatch(/^node "alerts-hook": delivering batch 1 failed: .*still failing after 2 attempts/);
    for (const secret of ['tok-in-path-91ab', 'query-secret-55', 'header-value-secret-31'])
      expect(JSON.stringify({ message: error.message, warnings: ctx.warnings })).not.toContain(secret);
    expect(webhookDestination.location?.(config, ctx)).toBe(`webhook ${hooks.url}`);
  });

  it('check sends one signed empty batch and refuses a wrong secret with the answer', async () => {
    const hooks = await hooksSandbox({ secret: signingSecret });
    const ctx = testContext(await temporaryDirectory());
    await webhookDestination.check!({ url: hooks.url, secret: signingSecret }, ctx);
    const [checked] = hooks.received();
    expect(checked?.body).toEqual({ flow: ctx.flowName, node: ctx.nodeId, check: true, records: [] });
    const timestamp = checked!.timestamp!;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(60);
    expect(
      createHmac('sha256', signingSecret)
        .update(`${timestamp}.${JSON.stringify(checked!.body)}`)
        .digest('hex'),
    ).toHaveLength(64);
    await expect(webhookDestination.check!({ url: hooks.url, secret: 'not-the-secret' }, ctx)).rejects.toThrow(
      /refused a test delivery: the webhook answered 401/,
    );
  });

  it('refuses headers Backflow sets itself', () => {
    const issues = webhookDestination.checkConfig!({
      url: 'https://example.com',
      headers: { 'Idempotency-Key': 'x', 'x-backflow-signature': 'y', 'X-Fine': 'z' },
    });
    expect(issues.map((issue) => issue.path)).toEqual(['headers.Idempotency-Key', 'headers.x-backflow-signature']);
  });
});
