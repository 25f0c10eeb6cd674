/** The webhook sandbox as a receiver: signatures, idempotency keys, size limit, faults, delay, and what it shows. */
import { afterEach, describe, expect, it } from 'vitest';
import { webhookSignatureHeaders } from '../../../server/src/node-kit/http/index.ts';
import { startWebhookSandbox, type WebhookSandbox, type WebhookSandboxOptions } from './server.ts';

const secret = 'whsec-sandbox-test-0001';
const running: WebhookSandbox[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((hooks) => hooks.close()));
});

async function sandbox(options: WebhookSandboxOptions = {}): Promise<WebhookSandbox> {
  const hooks = await startWebhookSandbox(options);
  running.push(hooks);
  return hooks;
}

function post(url: string, body: string, headers: Record<string, string> = {}) {
  return fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
}

const batch = (n: number) =>
  JSON.stringify({
    flow: 'f',
    node: 'n',
    run: 'r',
    batch: { seq: n, part: 0 },
    records: [{ id: n, name: 'Zoë "q"\n🙂' }],
  });

describe('webhook sandbox', () => {
  it('keeps a signed delivery and refuses a tampered or unsigned one with 401', async () => {
    const hooks = await sandbox({ secret });
    const body = batch(1);
    const good = await post(`${hooks.url}/hooks/orders`, body, webhookSignatureHeaders(body, { secret }));
    expect(good.status).toBe(200);
    expect(await good.json()).toEqual({ ok: true, records: 1 });
    const tampered = await post(`${hooks.url}/hooks/orders`, batch(2), webhookSignatureHeaders(body, { secret }));
    expect(tampered.status).toBe(401);
    const wrongKey = await post(`${hooks.url}/hooks/orders`, body, webhookSignatureHeaders(body, { secret: 'other' }));
    expect(wrongKey.status).toBe(401);
    expect((await post(`${hooks.url}/hooks/orders`, body)).status).toBe(401);
    const received = hooks.received();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ path: '/hooks/orders', verified: true, body: JSON.parse(body) });
    expect(hooks.stats()).toMatchObject({ requests: 4, received: 1, refused: 3 });
  });

  it('answers a repeated Idempotency-Key with the stored answer and keeps the delivery once', async () => {
    const hooks = await sandbox();
    for (let i = 0; i < 3; i++) {
      const answer = await post(hooks.url, batch(1), { 'Idempotency-Key': 'key-1' });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('idempotent-replayed')).toBe(i === 0 ? null : 'true');
    }
    await post(hooks.url, batch(2), { 'Idempotency-Key': 'key-2' });
    const listed = (await (await fetch(`${hooks.url}/__sandbox/received`)).json()) as {
      received: { idempotencyKey: string }[];
    };
    expect(listed.received.map((receipt) => receipt.idempotencyKey)).toEqual(['key-1', 'key-2']);
    expect(hooks.stats()).toMatchObject({ requests: 4, received: 2, repeated: 2 });
  });

  it('refuses a body over maxBodyBytes with 413 and one that is not JSON with 400', async () => {
    const hooks = await sandbox({ maxBodyBytes: 100 });
    const big = await post(hooks.url, JSON.stringify({ records: ['x'.repeat(200)] }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: string }).error).toMatch(/bytes/);
    expect((await post(hooks.url, '{not json')).status).toBe(400);
    expect(hooks.received()).toEqual([]);
  });

  it('injects 5xx, 429 bursts with Retry-After and dropped answers deterministically, live through /__sandbox/faults', async () => {
    const hooks = await sandbox({ faults: { tooManyEvery: 3, tooManyBurst: 2, retryAfterSeconds: 2 } });
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++)
      statuses.push((await post(hooks.url, batch(i), { 'Idempotency-Key': `k${i}` })).status);
    expect(statuses).toEqual([200, 200, 429, 429, 200]);
    const patched = await fetch(`${hooks.url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ tooManyEvery: null, dropEvery: 1 }),
    });
    expect(await patched.json()).toEqual({ tooManyBurst: 2, retryAfterSeconds: 2, dropEvery: 1 });
    await expect(post(hooks.url, batch(6), { 'Idempotency-Key': 'k6' })).rejects.toThrow();
    // the answer was lost, the delivery kept: a retry with the key is answered from the store
    hooks.faults.dropEvery = undefined;
    const retried = await post(hooks.url, batch(6), { 'Idempotency-Key': 'k6' });
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(hooks.received().map((receipt) => receipt.idempotencyKey)).toEqual(['k1', 'k2', 'k5', 'k6']);

    const errors = await sandbox({ faults: { errorRate: 0.5, seed: 7 } });
    const pattern = async () => {
      const out: number[] = [];
      for (let i = 0; i < 12; i++) out.push((await post(errors.url, batch(i))).status);
      return out;
    };
    const first = await pattern();
    expect(first).toContain(503);
    expect(first).toContain(200);
    await fetch(`${errors.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ seed: 7 }) });
    expect(await pattern()).toEqual(first);
  });

  it('answers after delayMs', async () => {
    const hooks = await sandbox({ faults: { delayMs: 120 } });
    const started = performance.now();
    expect((await post(hooks.url, batch(1))).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(110);
  });

  it('refuses an unknown fault option', async () => {
    const hooks = await sandbox();
    const answer = await fetch(`${hooks.url}/__sandbox/faults`, { method: 'POST', body: '{"explode":1}' });
    expect(answer.status).toBe(400);
  });
});
