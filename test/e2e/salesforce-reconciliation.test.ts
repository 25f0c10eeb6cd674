import { describe, expect, it } from 'vitest';
import { openSalesforceWriter } from '../../server/src/connectors/salesforce/destination.ts';
import type { SalesforceDestinationConfig } from '../../server/src/connectors/salesforce/destination-config.ts';
import type { DestinationWriter, IdMap, Rec } from '../../server/src/node-kit/contract.ts';
import { dryRunIdMap, memoryIdMap } from '../../server/src/node-kit/id-map.ts';
import { type TestContext, testContext } from '../../server/src/testing/node-context.ts';
import { nastyName, queryAll, sandboxConnection, sandboxForFile } from './salesforce-support.ts';

const org = sandboxForFile();

const polling = { intervalMs: 5, maxIntervalMs: 20 };

type Config = Omit<SalesforceDestinationConfig, 'loginUrl' | 'clientId' | 'clientSecret'>;

/** A writer on the sandbox with its own context. */
async function open(
  config: Config,
  idMap: IdMap,
  options: { dryRun?: boolean; resumeState?: unknown } = {},
): Promise<{ writer: DestinationWriter; ctx: TestContext }> {
  const ctx = testContext('/tmp', { idMap, ...options });
  const writer = await openSalesforceWriter({ ...sandboxConnection(org.sandbox), ...config }, ctx, polling);
  return { writer, ctx };
}

/** Writes `records` as one batch and prepares: what a real run does. */
async function run(config: Config, idMap: IdMap, stream: string, records: Rec[]) {
  const { writer, ctx } = await open(config, idMap);
  await writer.write({ kind: 'records', stream, records }, 1);
  await writer.prepare();
  await writer.commit();
  return { report: writer.verification?.(), ctx };
}

/** Writes `records` as one batch in a dry run and reads the plan (prepare and commit are not called). */
async function plan(config: Config, idMap: IdMap, stream: string, records: Rec[]) {
  const { writer } = await open(config, idMap, { dryRun: true });
  await writer.write({ kind: 'records', stream, records }, 1);
  return writer.plan!();
}

async function count(object: string): Promise<number> {
  return (await org.jsforce.query(`SELECT COUNT() FROM ${object}`)).totalSize;
}

const notInMap = (id: string, object = 'companies') =>
  `AccountId: ${object} ${id} is not in this flow's ID map (not migrated, or rejected there)`;

describe('salesforce.destination reconciliation report', () => {
  const companies = Array.from({ length: 12 }, (_, i) => ({ id: `r${i}`, name: nastyName(i) }));
  const contacts = [
    ...Array.from({ length: 24 }, (_, i) => ({
      id: `rc${i}`,
      email: `person${i}@recon.example`,
      lastname: `Person ${i}`,
      company_id: i % 6 === 5 ? null : companies[i % 12]!.id,
    })),
    { id: 'rc-orphan', email: 'orphan@recon.example', lastname: 'Orphan', company_id: 'r404' },
  ];
  const toAccounts: Config = { object: 'Account', mode: 'insert', idMap: { sourceId: 'id', object: 'companies' } };
  const toContacts: Config = {
    object: 'Contact',
    mode: 'insert',
    idMap: { sourceId: 'id', object: 'contacts' },
    lookups: { AccountId: { from: 'company_id', object: 'companies' } },
  };

  it('reports created, rejected and relations on a first run, and on its replay only updates, read back from Salesforce', async () => {
    const idMap = memoryIdMap();
    const accounts = await run(toAccounts, idMap, 'companies', companies);
    expect(accounts.report).toEqual([
      {
        stream: 'companies',
        target: 'Salesforce Account',
        source: 12,
        loaded: 12,
        rejected: 0,
        missing: 0,
        created: 12,
        updated: 0,
        ok: true,
      },
    ]);
    const first = await run(toContacts, idMap, 'contacts', contacts);
    const contactReport = {
      stream: 'contacts',
      target: 'Salesforce Contact',
      source: 25,
      loaded: 24,
      rejected: 1,
      missing: 0,
      reasons: [{ reason: notInMap('r404'), count: 1 }],
      relations: [{ name: 'AccountId', expected: 20, present: 20 }],
      ok: true,
    };
    expect(first.report).toEqual([{ ...contactReport, created: 24, updated: 0 }]);
    const stored = await queryAll(org.jsforce, "SELECT Id, AccountId FROM Contact WHERE Email LIKE '%@recon.example'");
    expect(stored).toHaveLength(24);
    expect(stored.filter((contact) => contact.AccountId !== null)).toHaveLength(20);

    const accountsBefore = await count('Account');
    const contactsBefore = await count('Contact');
    const replayedAccounts = await run(toAccounts, idMap, 'companies', companies);
    expect(replayedAccounts.report?.[0]).toMatchObject({ created: 0, updated: 12, loaded: 12, missing: 0, ok: true });
    const replay = await run(toContacts, idMap, 'contacts', contacts);
    expect(replay.report).toEqual([{ ...contactReport, created: 0, updated: 24 }]);
    expect(await count('Account')).toBe(accountsBefore);
    expect(await count('Contact')).toBe(contactsBefore);
  });

  it('counts upserts through Bulk API ingest as created or updated by sf__Created', async () => {
    const config: Config = {
      object: 'Account',
      mode: 'upsert',
      externalIdField: 'External_Id__c',
      bulkThreshold: 0,
      idMap: { sourceId: 'key', object: 'bulk-accounts' },
    };
    const accounts = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        key: `bk${from + i}`,
        External_Id__c: `recon-bulk-${from + i}`,
        Name: nastyName(from + i),
      }));
    const first = await run(config, memoryIdMap(), 'accounts', accounts(0, 6));
    expect(first.report?.[0]).toMatchObject({ source: 6, created: 6, updated: 0, loaded: 6, missing: 0, ok: true });
    // A fresh ID map stands for the next run's: its read-back covers what that run recorded.
    const second = await run(config, memoryIdMap(), 'accounts', accounts(3, 9));
    expect(second.report?.[0]).toMatchObject({ source: 6, created: 3, updated: 3, loaded: 6, missing: 0, ok: true });
    const stored = await queryAll(org.jsforce, "SELECT Id FROM Account WHERE External_Id__c LIKE 'recon-bulk-%'");
    expect(stored).toHaveLength(9);
  });

  it('shows a record deleted in Salesforce behind the run as missing, with its lookup, and is not ok', async () => {
    const idMap = memoryIdMap();
    const parents = Array.from({ length: 3 }, (_, i) => ({ id: `del-p${i}`, name: `Deleted case ${i}` }));
    await run(toAccounts, idMap, 'companies', parents);
    const children = Array.from({ length: 6 }, (_, i) => ({
      id: `del-c${i}`,
      email: `child${i}@recon-deleted.example`,
      lastname: `Child ${i}`,
      company_id: i === 5 ? null : parents[i % 3]!.id,
    }));
    const { writer } = await open(toContacts, idMap);
    await writer.write({ kind: 'records', stream: 'contacts', records: children }, 1);
    const [victim] = await queryAll(
      org.jsforce,
      "SELECT Id FROM Contact WHERE Email = 'child0@recon-deleted.example' AND AccountId != null",
    );
    await org.jsforce.sobject('Contact').destroy(String(victim!.Id));
    await writer.prepare();
    expect(writer.verification?.()).toEqual([
      {
        stream: 'contacts',
        target: 'Salesforce Contact',
        source: 6,
        loaded: 5,
        rejected: 0,
        missing: 1,
        created: 6,
        updated: 0,
        relations: [{ name: 'AccountId', expected: 5, present: 4 }],
        ok: false,
      },
    ]);
  });

  it('has no report without an ID map to read the run back by', async () => {
    const { report } = await run({ object: 'Account', mode: 'insert' }, memoryIdMap(), 'accounts', [
      { Name: 'No map' },
    ]);
    expect(report).toBeUndefined();
  });

  it('keeps its books across a resume: a batch replayed after the checkpoint counts once, as updated, and Bulk API results count too', async () => {
    const config: Config = {
      object: 'Contact',
      mode: 'upsert',
      externalIdField: 'External_Id__c',
      bulkThreshold: 3,
      idMap: { sourceId: 'External_Id__c', object: 'resumed-contacts' },
    };
    const people = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, i) => ({
        External_Id__c: `recon-resume-${from + i}`,
        LastName: `Resumed ${from + i}`,
      }));
    const batch = (seq: number, records: Rec[]) => ({ kind: 'records' as const, stream: 'people', records, seq });
    const idMap = memoryIdMap();
    const dead = await open(config, idMap);
    const first = batch(1, [...people(0, 2), { External_Id__c: 'recon-resume-x' }]);
    await dead.writer.write(first, first.seq);
    const checkpoint = JSON.parse(JSON.stringify(dead.writer.state!()));
    // Batch 2 is written (through Bulk API) but the run dies before its checkpoint: the resume replays it.
    const second = batch(2, people(2, 5));
    await dead.writer.write(second, second.seq);
    const resumed = await open(config, idMap, { resumeState: checkpoint });
    await resumed.writer.write(second, second.seq);
    const third = batch(3, people(5, 8));
    await resumed.writer.write(third, third.seq);
    await resumed.writer.prepare();
    expect(resumed.writer.verification?.()).toEqual([
      {
        stream: 'people',
        target: 'Salesforce Contact',
        source: 9,
        loaded: 8,
        rejected: 1,
        missing: 0,
        created: 5,
        updated: 3,
        reasons: [{ reason: expect.stringMatching(/^REQUIRED_FIELD_MISSING: /), count: 1 }],
        ok: true,
      },
    ]);
    expect(
      await queryAll(org.jsforce, "SELECT Id FROM Contact WHERE External_Id__c LIKE 'recon-resume-%'"),
    ).toHaveLength(8);
  });
});

describe('salesforce.destination dry run', () => {
  it('writes nothing and plans the creates, updates, rejects and lookups the real run then makes', async () => {
    const existing = await org.jsforce.sobject('Account').create([
      { Name: 'Dry existing 0', External_Id__c: 'dry-a0' },
      { Name: 'Dry existing 1', External_Id__c: 'DRY-A1' },
    ]);
    const existingIds = existing.map((result) => (result.success ? result.id : ''));
    const accounts = Array.from({ length: 5 }, (_, i) => ({
      id: `d${i}`,
      External_Id__c: `dry-a${i}`,
      Name: `Dry ${i}`,
    }));
    const contacts = [
      ...Array.from({ length: 6 }, (_, i) => ({
        id: `dc${i}`,
        LastName: `Dry contact ${i}`,
        Email: `dry${i}@recon-dry.example`,
        company_id: i === 0 ? null : `d${i % 5}`,
      })),
      { id: 'dc-orphan', LastName: 'Dry orphan', company_id: 'd404' },
    ];
    const toAccounts: Config = {
      object: 'Account',
      mode: 'upsert',
      externalIdField: 'External_Id__c',
      idMap: { sourceId: 'id', object: 'dry-companies' },
    };
    const toContacts: Config = {
      object: 'Contact',
      mode: 'insert',
      idMap: { sourceId: 'id', object: 'dry-contacts' },
      lookups: { AccountId: { from: 'company_id', object: 'dry-companies' } },
    };
    const flowMap = memoryIdMap();
    const accountsBefore = await count('Account');
    const contactsBefore = await count('Contact');

    // One overlay for the whole dry run, so the contacts resolve the accounts it planned.
    const planned = dryRunIdMap(flowMap);
    const accountPlan = await plan(toAccounts, planned, 'companies', accounts);
    const contactPlan = await plan(toContacts, planned, 'contacts', contacts);
    expect(await count('Account')).toBe(accountsBefore);
    expect(await count('Contact')).toBe(contactsBefore);
    expect(await flowMap.recorded('dry-companies', { limit: 10 })).toEqual([]);

    expect(accountPlan).toMatchObject([
      { stream: 'companies', target: 'Salesforce Account', create: 3, update: 2, reject: 0, relations: [] },
    ]);
    expect(accountPlan[0]!.samples.filter((sample) => sample.action === 'update')).toEqual([
      {
        action: 'update',
        sourceId: 'd0',
        destinationId: existingIds[0],
        fields: { External_Id__c: 'dry-a0', Name: 'Dry 0' },
      },
      {
        action: 'update',
        sourceId: 'd1',
        destinationId: existingIds[1],
        fields: { External_Id__c: 'dry-a1', Name: 'Dry 1' },
      },
    ]);
    expect(contactPlan).toMatchObject([
      {
        stream: 'contacts',
        target: 'Salesforce Contact',
        create: 6,
        update: 0,
        reject: 1,
        relations: [{ name: 'AccountId', count: 5 }],
      },
    ]);
    const samples = contactPlan[0]!.samples;
    expect(samples.find((sample) => sample.sourceId === 'dc1')?.relations).toEqual({ AccountId: existingIds[1] });
    expect(samples.find((sample) => sample.sourceId === 'dc2')?.relations).toEqual({ AccountId: 'new:d2' });
    expect(samples.find((sample) => sample.action === 'reject')).toMatchObject({
      sourceId: 'dc-orphan',
      reason: notInMap('d404', 'dry-companies'),
    });

    const realAccounts = await run(toAccounts, flowMap, 'companies', accounts);
    const realContacts = await run(toContacts, flowMap, 'contacts', contacts);
    expect(realAccounts.report?.[0]).toMatchObject({ created: 3, updated: 2, rejected: 0, ok: true });
    expect(realContacts.report?.[0]).toMatchObject({
      created: 6,
      updated: 0,
      rejected: 1,
      relations: [{ name: 'AccountId', expected: 5, present: 5 }],
      ok: true,
    });
    expect(await count('Account')).toBe(accountsBefore + 3);
    expect(await count('Contact')).toBe(contactsBefore + 6);
  });
});

describe('salesforce.destination owners by email', () => {
  it('sets OwnerId to the active User with the email (any case), leaves the rest to Salesforce, rejects none, and reads the owners back', async () => {
    const users = await org.jsforce.sobject('User').create([
      { Username: 'ana@owners.test', LastName: 'Owner', Alias: 'ana', Email: 'Ana.Owner@Recon-Owners.example' },
      {
        Username: 'bob@owners.test',
        LastName: 'Gone',
        Alias: 'bob',
        Email: 'bob@recon-owners.example',
        IsActive: false,
      },
    ]);
    const [ana] = users.map((result) => (result.success ? result.id : ''));
    const [admin] = await queryAll(org.jsforce, "SELECT Id FROM User WHERE Username = 'admin@sandbox.example'");
    // As salesforce.source reads `Owner.Email`: nested under the relationship's name.
    const people = [
      { LastName: 'Owned lower', Email: 'o1@recon-owners.example', Owner: { Email: 'ana.owner@recon-owners.example' } },
      { LastName: 'Owned upper', Email: 'o2@recon-owners.example', Owner: { Email: 'ANA.OWNER@RECON-OWNERS.EXAMPLE' } },
      { LastName: 'Inactive owner', Email: 'o3@recon-owners.example', Owner: { Email: 'bob@recon-owners.example' } },
      { LastName: 'Unknown owner', Email: 'o4@recon-owners.example', Owner: { Email: 'nobody@recon-owners.example' } },
      { LastName: 'No owner', Email: 'o5@recon-owners.example', Owner: null },
    ].map((person, i) => ({ ...person, source_id: `own${i}` }));
    const config: Config = {
      object: 'Contact',
      mode: 'insert',
      idMap: { sourceId: 'source_id', object: 'owned-contacts' },
      owners: { from: 'Owner.Email' },
    };
    const idMap = memoryIdMap();
    const planned = await plan(config, dryRunIdMap(idMap), 'people', people);
    expect(planned[0]).toMatchObject({ create: 5, reject: 0, relations: [{ name: 'owner', count: 2 }] });
    expect(planned[0]!.samples[0]).toMatchObject({ fields: { OwnerId: ana }, relations: { owner: ana } });

    const { report, ctx } = await run(config, idMap, 'people', people);
    expect(ctx.rejected).toEqual([]);
    expect(report?.[0]).toMatchObject({
      created: 5,
      loaded: 5,
      missing: 0,
      relations: [{ name: 'owner', expected: 2, present: 2 }],
      ok: true,
    });
    const stored = await queryAll(
      org.jsforce,
      "SELECT LastName, OwnerId FROM Contact WHERE Email LIKE '%@recon-owners.example' ORDER BY Email",
    );
    expect(stored).toEqual([
      { LastName: 'Owned lower', OwnerId: ana },
      { LastName: 'Owned upper', OwnerId: ana },
      { LastName: 'Inactive owner', OwnerId: admin!.Id },
      { LastName: 'Unknown owner', OwnerId: admin!.Id },
      { LastName: 'No owner', OwnerId: admin!.Id },
    ]);
  });
});
