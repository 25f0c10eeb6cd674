import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import {
  exampleFlow,
  type MigrationSandboxes,
  migrationEnv,
  runKilledAt,
  startMigrationSandboxes,
} from './crm-migration-support.ts';
import { expectMigrated, readAndSpoilPortal } from './hubspot-to-salesforce-check.ts';
import { spawnCliWithEnv, workDir } from './support.ts';

let sandboxes: MigrationSandboxes;
beforeAll(async () => {
  // 15 of the 20 owners have a Salesforce user; the other five stay unmatched.
  sandboxes = await startMigrationSandboxes({
    hubspot: { owners: 20, companies: 5_000, contacts: 20_000, deals: 5_000 },
    ownersWithUsers: 15,
  });
}, 120_000);

describe('HubSpot → Salesforce migration (examples/hubspot-to-salesforce.json)', () => {
  it('killed twice and resumed, ends with one Salesforce record per HubSpot record, every association a lookup, and a report that reconciles', async () => {
    const { hubspot, salesforce, jsforce, matchedEmails } = sandboxes;
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
