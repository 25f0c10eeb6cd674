/**
 * The HubSpot → Salesforce migration as shipped (examples/hubspot-to-salesforce.json), through the
 * CLI, between the two sandboxes: 5,000 companies, 20,000 contacts (nine in ten at a company) and
 * 5,000 deals, some spoiled so Salesforce refuses them. The run is killed with SIGKILL twice,
 * mid-contacts and mid-deals, and resumed each time; hubspot-to-salesforce-check.ts says what must
 * hold after.
 */
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import { type HubspotSandbox, startHubspotSandbox } from '../sandboxes/hubspot/server.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import {
  exampleFlow,
  hubspotCall,
  migrationEnv,
  migrationToken,
  readerToken,
  runKilledAt,
} from './crm-migration-support.ts';
import { expectMigrated, readAndSpoilPortal } from './hubspot-to-salesforce-check.ts';
import { oracle, sandboxUser } from './salesforce-support.ts';
import { spawnCliWithEnv, workDir } from './support.ts';

let hubspot: HubspotSandbox;
let salesforce: SalesforceSandbox;
let jsforce: Connection;
/** Owner emails Salesforce has users for: 15 of the 20; the other five stay unmatched. */
let matchedEmails: Set<string>;

beforeAll(async () => {
  hubspot = await startHubspotSandbox({
    port: 0,
    tokens: [migrationToken, readerToken],
    seed: { owners: 20, companies: 5_000, contacts: 20_000, deals: 5_000 },
  });
  const owners = await hubspotCall<{ results: { email: string }[] }>(hubspot, '/crm/v3/owners?limit=100');
  matchedEmails = new Set(owners.results.slice(0, 15).map((owner) => owner.email));
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

describe('HubSpot → Salesforce migration (examples/hubspot-to-salesforce.json)', () => {
  it('killed twice and resumed, ends with one Salesforce record per HubSpot record, every association a lookup, and a report that reconciles', async () => {
    const before = await readAndSpoilPortal(hubspot);
    expect([before.companies.length, before.contacts.length, before.deals.length]).toEqual([5_000, 20_000, 5_000]);
    const cwd = await workDir('hubspot-to-salesforce-');
    await exampleFlow('hubspot-to-salesforce', cwd);
    const env = migrationEnv(hubspot, salesforce);
    const count = (object: string) => async () => (await jsforce.query(`SELECT COUNT() FROM ${object}`)).totalSize;
    await runKilledAt(cwd, env, false, count('Contact'), 6_000);
    await runKilledAt(cwd, env, true, count('Opportunity'), 1_500);
    const finished = await spawnCliWithEnv(['run', 'flow.json', '--resume', '--json'], cwd, env).done;
    expect(finished.code, `${finished.stderr}\n${finished.stdout.slice(0, 3000)}`).toBe(0);
    const summary = JSON.parse(finished.stdout) as RunSummary;
    expect(summary).toMatchObject({ status: 'succeeded', resumed: true });
    await expectMigrated({ before, hubspot, jsforce, summary, cwd, matchedEmails });
  }, 600_000);
});
