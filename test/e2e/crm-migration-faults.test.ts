import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import {
  exampleFlow,
  type MigrationSandboxes,
  migrationEnv,
  startMigrationSandboxes,
} from './crm-migration-support.ts';
import { expectMigrated, readAndSpoilPortal } from './hubspot-to-salesforce-check.ts';
import { shortRetryWaits, spawnCliWithEnv, workDir } from './support.ts';

let sandboxes: MigrationSandboxes;
beforeAll(async () => {
  sandboxes = await startMigrationSandboxes({
    hubspot: { owners: 10, companies: 150, contacts: 600, deals: 150 },
    ownersWithUsers: 10,
  });
}, 120_000);

/** Sets a sandbox's faults; it answers with the faults in force, which must be those asked for. */
async function storm(url: string, faults: Record<string, unknown>): Promise<void> {
  const answer = await fetch(new URL('/__sandbox/faults', url), { method: 'POST', body: JSON.stringify(faults) });
  expect(answer.status).toBe(200);
  const inForce = (await answer.json()) as Record<string, unknown>;
  for (const [name, value] of Object.entries(faults)) expect(inForce[name]).toEqual(value ?? undefined);
}

describe('a migration under a fault storm', () => {
  it('ends exact with 30% 5xx, 429 bursts and cut connections on both CRMs', async () => {
    const { hubspot, salesforce, jsforce, matchedEmails } = sandboxes;
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
    // The storm's retries wait a hundredth of what they would (the sandboxes' Retry-After included):
    // what is retried stays the same, the waits cost no real seconds.
    const env = { ...migrationEnv(hubspot, salesforce), ...shortRetryWaits };
    const run = await spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, env).done;
    await storm(hubspot.url, { errorRate: null, tooManyEvery: null, tooManyBurst: null, dropEvery: null });
    await storm(salesforce.url, { errorRate: null, rateLimitBurst: null, dropEvery: null });
    expect(run.code, `${run.stderr}\n${run.stdout.slice(0, 3000)}`).toBe(0);
    const summary = JSON.parse(run.stdout) as RunSummary;
    expect(summary.status).toBe('succeeded');
    await expectMigrated({ before, hubspot, jsforce, summary, cwd, matchedEmails });
  }, 600_000);
});
