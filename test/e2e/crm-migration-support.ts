/**
 * What the CRM-to-CRM migration tests share: the HubSpot portal read back through its public API
 * (with a token of the test's own, unlimited, so the migration's budget is untouched), the two sandboxes'
 * environment for the example flows, and a CLI run killed once a count passes a mark.
 */
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll } from 'vitest';
import type { SeedCounts as HubspotSeed } from '../sandboxes/hubspot/seed.ts';
import { type HubspotSandbox, startHubspotSandbox } from '../sandboxes/hubspot/server.ts';
import type { SeedCounts as SalesforceSeed } from '../sandboxes/salesforce/seed.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import { oracle, sandboxUser } from './salesforce-support.ts';
import { type CliProcess, type CliResult, repoRoot, spawnCliWithEnv } from './support.ts';

export const migrationToken = 'pat-sandbox-token';
export const readerToken = 'pat-test-reader';

export interface MigrationSandboxes {
  hubspot: HubspotSandbox;
  salesforce: SalesforceSandbox;
  /** jsforce on the org: the Salesforce side's oracle. */
  jsforce: Connection;
  /** The emails of the portal's owners that have a Salesforce user (the first `ownersWithUsers`). */
  matchedEmails: Set<string>;
}

/**
 * A HubSpot portal and a Salesforce org seeded as asked, whose first `ownersWithUsers` HubSpot
 * owners are Salesforce users with the same email (owners are matched by email both ways); closed
 * after the test file.
 */
export async function startMigrationSandboxes(options: {
  hubspot: HubspotSeed;
  salesforce?: SalesforceSeed;
  ownersWithUsers: number;
}): Promise<MigrationSandboxes> {
  // The test's reader is not rate limited: reading a portal of 30,000 records back would wait half a minute.
  const hubspot = await startHubspotSandbox({
    port: 0,
    tokens: [migrationToken, readerToken],
    limits: { unlimitedTokens: [readerToken] },
    seed: options.hubspot,
  });
  afterAll(() => hubspot.close());
  const owners = await hubspotCall<{ results: { email: string }[] }>(hubspot, '/crm/v3/owners?limit=100');
  const matchedEmails = new Set(owners.results.slice(0, options.ownersWithUsers).map((owner) => owner.email));
  const salesforce = await startSalesforceSandbox({
    port: 0,
    users: [sandboxUser, ...[...matchedEmails].map((email) => ({ username: email, password: 'owner-pw' }))],
    ...(options.salesforce ? { seed: options.salesforce } : {}),
  });
  afterAll(() => salesforce.close());
  return { hubspot, salesforce, jsforce: await oracle(salesforce), matchedEmails };
}

/** The environment the example migrations read. */
export function migrationEnv(hubspot: HubspotSandbox, salesforce: SalesforceSandbox): Record<string, string> {
  return {
    HUBSPOT_BASE_URL: hubspot.url,
    HUBSPOT_TOKEN: migrationToken,
    SALESFORCE_LOGIN_URL: salesforce.url,
    SALESFORCE_CLIENT_ID: 'sandbox-client-id',
    SALESFORCE_CLIENT_SECRET: 'sandbox-client-secret',
  };
}

/** Copies `examples/<name>.json` into `cwd` as flow.json: the tests run the templates as shipped. */
export async function exampleFlow(name: string, cwd: string): Promise<void> {
  await copyFile(path.join(repoRoot, 'examples', `${name}.json`), path.join(cwd, 'flow.json'));
}

/** A HubSpot API call as the test's reader, waiting out a 429 as HubSpot's Retry-After says. */
export async function hubspotCall<T>(
  sandbox: HubspotSandbox,
  pathname: string,
  init: { method?: string; body?: unknown } = {},
): Promise<T> {
  for (;;) {
    const answer = await fetch(new URL(pathname, sandbox.url), {
      method: init.method ?? 'GET',
      headers: { authorization: `Bearer ${readerToken}`, 'content-type': 'application/json' },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
    if (answer.status === 429) {
      await new Promise((resolve) => setTimeout(resolve, 1000 * Number(answer.headers.get('retry-after') ?? '1')));
      continue;
    }
    if (!answer.ok) throw new Error(`${init.method ?? 'GET'} ${pathname}: ${answer.status} ${await answer.text()}`);
    return (await answer.json()) as T;
  }
}

export interface PortalObject {
  id: string;
  properties: Record<string, string | null>;
}

/** Every live record of `object` with `properties`, in id order. */
export async function hubspotRecords(
  sandbox: HubspotSandbox,
  object: string,
  properties: readonly string[],
): Promise<PortalObject[]> {
  const records: PortalObject[] = [];
  let after: string | undefined;
  do {
    const query = new URLSearchParams({ limit: '100', properties: properties.join(',') });
    if (after) query.set('after', after);
    const page = await hubspotCall<{ results: PortalObject[]; paging?: { next?: { after: string } } }>(
      sandbox,
      `/crm/v3/objects/${object}?${query}`,
    );
    records.push(...page.results);
    after = page.paging?.next?.after;
  } while (after);
  return records;
}

/** Per record id of `from`, the ids of its associated `to` records (associations v4, 100 a request). */
export async function hubspotAssociations(
  sandbox: HubspotSandbox,
  from: string,
  to: string,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (let start = 0; start < ids.length; start += 100) {
    const answer = await hubspotCall<{ results: { from: { id: string }; to: { toObjectId: string | number }[] }[] }>(
      sandbox,
      `/crm/v4/associations/${from}/${to}/batch/read`,
      { method: 'POST', body: { inputs: ids.slice(start, start + 100).map((id) => ({ id })) } },
    );
    for (const result of answer.results) {
      found.set(
        String(result.from.id),
        result.to.map((target) => String(target.toObjectId)),
      );
    }
  }
  return found;
}

/**
 * Starts `backflow run flow.json` (resuming with `resume`) and kills it with SIGKILL once `count()`
 * passes `mark`; resolves when it died. Fails when the run ended before the mark was seen.
 */
export async function runKilledAt(
  cwd: string,
  env: Record<string, string>,
  resume: boolean,
  count: () => Promise<number>,
  mark: number,
): Promise<{ seen: number }> {
  const cli: CliProcess = spawnCliWithEnv(['run', 'flow.json', '--json', ...(resume ? ['--resume'] : [])], cwd, env);
  let ended: CliResult | undefined;
  void cli.done.then((result) => {
    ended = result;
  });
  for (;;) {
    if (ended) throw new Error(`the run ended before ${mark} was reached: ${ended.stdout}\n${ended.stderr}`);
    const seen = await count();
    if (seen > mark) {
      cli.child.kill('SIGKILL');
      await cli.done;
      return { seen };
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
