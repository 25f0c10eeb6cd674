/** What the HubSpot connector's tests share: a sandbox per test, contexts, and the portal read back. */
import { afterEach } from 'vitest';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { type TestContext, temporaryDirectory, testContext } from '../../server/src/testing/node-context.ts';
import { type HubspotSandbox, type HubspotSandboxOptions, startHubspotSandbox } from '../sandboxes/hubspot/server.ts';

export const token = 'pat-sandbox-token';
/** The tests read the portal back with a token of their own, unlimited, so they never spend the connector's budget nor wait. */
const readerToken = 'pat-test-reader';

const sandboxes: HubspotSandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
});

/** A sandbox of its own (port 0), closed after the test: its URL gives the connector a limiter of its own too. */
export async function sandbox(options: HubspotSandboxOptions = {}): Promise<HubspotSandbox> {
  const started = await startHubspotSandbox({
    port: 0,
    tokens: [token, readerToken],
    ...options,
    limits: { ...options.limits, unlimitedTokens: [readerToken] },
  });
  sandboxes.push(started);
  return started;
}

export async function context(overrides: Partial<TestContext> = {}): Promise<TestContext> {
  const lines: string[] = [];
  const line = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return testContext(await temporaryDirectory(), {
    log: { info: line('info'), warn: line('warn'), error: line('error') },
    ...overrides,
  });
}

export interface PortalRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
}

interface Listed {
  results: PortalRecord[];
  paging?: { next?: { after: string } };
}

/** Injects no more faults from now on. */
export async function stopFaults(sandbox: HubspotSandbox): Promise<void> {
  const cleared = { errorRate: null, tooManyEvery: null, dropEvery: null };
  const answer = await fetch(new URL('/__sandbox/faults', sandbox.url), {
    method: 'POST',
    body: JSON.stringify(cleared),
  });
  if (!answer.ok) throw new Error(`clearing the faults: ${answer.status}`);
}

/** Every live record of `object` with `properties`, as the list endpoint gives them, in id order. */
export async function portalRecords(
  sandbox: HubspotSandbox,
  object: string,
  properties: readonly string[],
): Promise<PortalRecord[]> {
  const records: Listed['results'] = [];
  let after: string | undefined;
  do {
    const url = new URL(`/crm/v3/objects/${object}`, sandbox.url);
    url.searchParams.set('limit', '100');
    url.searchParams.set('properties', properties.join(','));
    if (after) url.searchParams.set('after', after);
    const answer = await fetch(url, { headers: { authorization: `Bearer ${readerToken}` } });
    if (!answer.ok) throw new Error(`listing ${object}: ${answer.status} ${await answer.text()}`);
    const page = (await answer.json()) as Listed;
    records.push(...page.results);
    after = page.paging?.next?.after;
  } while (after);
  return records;
}

/** `properties` of each record, keyed by `key`'s value. */
export function byKey(records: { properties: Record<string, string | null> }[], key: string, properties: string[]) {
  return Object.fromEntries(
    records.map((record) => [
      record.properties[key],
      Object.fromEntries(properties.map((name) => [name, record.properties[name] ?? null])),
    ]),
  ) as Record<string, Rec>;
}

/** Creates records straight through the batch API (100 a request), as another app would. */
export async function createRecords(sandbox: HubspotSandbox, object: string, records: Rec[]): Promise<void> {
  for (let start = 0; start < records.length; start += 100) {
    const inputs = records.slice(start, start + 100).map((properties) => ({ properties }));
    const answer = await fetch(new URL(`/crm/v3/objects/${object}/batch/create`, sandbox.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${readerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    if (!answer.ok) throw new Error(`creating ${object}: ${answer.status} ${await answer.text()}`);
  }
}

/** Links each `[fromId, toId]` pair with the default association type (v4 `associate/default`). */
export async function associate(
  sandbox: HubspotSandbox,
  from: string,
  to: string,
  pairs: readonly [string, string][],
): Promise<void> {
  for (let start = 0; start < pairs.length; start += 100) {
    const inputs = pairs
      .slice(start, start + 100)
      .map(([fromId, toId]) => ({ from: { id: fromId }, to: { id: toId } }));
    const answer = await fetch(new URL(`/crm/v4/associations/${from}/${to}/batch/associate/default`, sandbox.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${readerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ inputs }),
    });
    if (!answer.ok) throw new Error(`associating ${from} with ${to}: ${answer.status} ${await answer.text()}`);
  }
}

/** Sets `properties` of records by id (batch update), as another app would. */
export async function updateRecords(
  sandbox: HubspotSandbox,
  object: string,
  updates: readonly { id: string; properties: Rec }[],
): Promise<void> {
  const answer = await fetch(new URL(`/crm/v3/objects/${object}/batch/update`, sandbox.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${readerToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ inputs: updates }),
  });
  if (!answer.ok) throw new Error(`updating ${object}: ${answer.status} ${await answer.text()}`);
}
