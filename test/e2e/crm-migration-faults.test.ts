/**
 * The HubSpot → Salesforce migration (examples/hubspot-to-salesforce.json) under a fault storm on
 * both sides: three in ten requests answered 5xx, bursts of 429s, connections cut without an
 * answer. Every fault is retried or re-sent by the connectors, and the run still ends exact (the
 * checks of hubspot-to-salesforce-check.ts). The faults are seeded, so the storm is the same each run.
 */
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import { type HubspotSandbox, startHubspotSandbox } from '../sandboxes/hubspot/server.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import { exampleFlow, hubspotCall, migrationEnv, migrationToken, readerToken } from './crm-migration-support.ts';
import { expectMigrated, readAndSpoilPortal } from './hubspot-to-salesforce-check.ts';
import { oracle, sandboxUser } from './salesforce-support.ts';
import { spawnCliWithEnv, workDir } from './support.ts';

let hubspot: HubspotSandbox;
let salesforce: SalesforceSandbox;
let jsforce: Connection;
let matchedEmails: Set<string>;

beforeAll(async () => {
  hubspot = await startHubspotSandbox({
    port: 0,
    tokens: [migrationToken, readerToken],
    seed: { owners: 10, companies: 150, contacts: 600, deals: 150 },
  });
  const owners = await hubspotCall<{ results: { email: string }[] }>(hubspot, '/crm/v3/owners?limit=100');
  matchedEmails = new Set(owners.results.map((owner) => owner.email));
  salesforce = await startSalesforceSandbox({
    port: 0,
    users: [sandboxUser, ...[...matchedEmails].map((email) => ({ username: email, password: 'owner-pw' }))],
  });
  jsforce = await oracle(salesforce);
}, 120_000);
afterAll(async () => {
  await hubspot?.close();
  await salesforce?.close();
});

/** Sets a sandbox's faults; it answers with the faults in force, which must be those asked for. */
async function storm(url: string, faults: Record<string, unknown>): Promise<void> {
  const answer = await fetch(new URL('/__sandbox/faults', url), { method: 'POST', body: JSON.stringify(faults) });
  expect(answer.status).toBe(200);
  const inForce = (await answer.json()) as Record<string, unknown>;
  for (const [name, value] of Object.entries(faults)) expect(inForce[name]).toEqual(value ?? undefined);
}

describe('a migration under a fault storm', () => {
  it('ends exact with 30% 5xx, 429 bursts and cut connections on both CRMs', async () => {
    const before = await readAndSpoilPortal(hubspot);
    const cwd = await workDir('crm-fault-storm-');
    await exampleFlow('hubspot-to-salesforce', cwd);
    await storm(hubspot.url, { errorRate: 0.3, seed: 7, tooManyEvery: 25, tooManyBurst: 3, dropEvery: 13 });
    await storm(salesforce.url, {
      errorRate: 0.3,
      seed: 11,
      rateLimitBurst: { afterRequests: 15, count: 4, retryAfterSeconds: 1 },
      dropEvery: 11,
    });
    const run = await spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, migrationEnv(hubspot, salesforce)).done;
    await storm(hubspot.url, { errorRate: null, tooManyEvery: null, tooManyBurst: null, dropEvery: null });
    await storm(salesforce.url, { errorRate: null, rateLimitBurst: null, dropEvery: null });
    expect(run.code, `${run.stderr}\n${run.stdout.slice(0, 3000)}`).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.status).toBe('succeeded');
    await expectMigrated({ before, hubspot, jsforce, summary, cwd, matchedEmails });
  }, 600_000);
});
