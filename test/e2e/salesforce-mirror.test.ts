// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the flows write env references, ${env:NAME}, literally.
/**
 * salesforce.destination as a mirror of a DuckDB table, through runFlow and a store: what vanished
 * from the table is deleted (only what this flow synced, unless mirrorScope all), a re-run sends
 * nothing, a dry run counts what the real run then does and shows the org's records before, a run
 * that fails after its deletes resumes to the exact table, and update mode rejects unknown Ids.
 * jsforce reads the org back.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '../../server/src/connectors/duckdb/test-context.ts';
import { salesforceDestination } from '../../server/src/connectors/salesforce/destination.ts';
import type { DestinationType, Rec } from '../../server/src/node-kit/contract.ts';
import { createCatalog, nodeTypes } from '../../server/src/nodes/registry.ts';
import { runFlow } from '../../server/src/service/flow-runner.ts';
import { temporaryDirectory } from '../../server/src/testing/node-context.ts';
import { closeTempStores, openTempStore } from '../../server/src/testing/temp-store.ts';
import { crashingAfterDeletes } from './crm-mirror-support.ts';
import { queryAll, sandboxClient, sandboxForFile, sandboxUser } from './salesforce-support.ts';

afterEach(closeTempStores);
// The flows name the secrets by reference, as a saved flow must.
process.env.SF_MIRROR_CLIENT_SECRET = sandboxClient.clientSecret;
process.env.SF_MIRROR_PASSWORD = sandboxUser.password;

const org = sandboxForFile();
const fields = ['External_Id__c', 'Name', 'Description'];

/** The DuckDB source table: accounts with the nasty cases in their names. */
async function seedSource(file: string, prefix: string, count: number): Promise<void> {
  await sql(
    file,
    `create or replace table accounts as
       select '${prefix}-' || lpad(i::varchar, 3, '0') as External_Id__c,
              ['Zoë ' || i, '"Quoted", Inc. ' || i, 'Two' || chr(10) || 'lines ' || i, 'Back\\slash ''single'' ' || i][i % 4 + 1] as Name,
              'v1-' || i as Description
       from range(0, ${count}) t(i)`,
  );
}

async function sourceRows(file: string): Promise<Record<string, Rec>> {
  const rows = (await sql(file, 'select External_Id__c, Name, Description from accounts')) as string[][];
  return Object.fromEntries(
    rows.map(([External_Id__c, Name, Description]) => [External_Id__c, { External_Id__c, Name, Description }]),
  );
}

/** The org's Accounts whose external id starts with `prefix`, keyed by it. */
async function orgRows(prefix: string): Promise<Record<string, Rec>> {
  const records = await queryAll(
    org.jsforce,
    `SELECT ${fields.join(', ')} FROM Account WHERE External_Id__c LIKE '${prefix}-%'`,
  );
  return Object.fromEntries(records.map((record) => [record.External_Id__c, pick(record, fields)] as [string, Rec]));
}

function flow(dir: string, config: Rec) {
  return {
    name: 'accounts-mirror',
    settings: { batchSize: 50 },
    nodes: [
      { id: 'warehouse', type: 'duckdb.source', config: { path: path.join(dir, 'source.duckdb'), table: 'accounts' } },
      {
        id: 'crm',
        type: 'salesforce.destination',
        config: {
          loginUrl: org.sandbox.url,
          clientId: sandboxClient.clientId,
          clientSecret: '${env:SF_MIRROR_CLIENT_SECRET}',
          username: sandboxUser.username,
          password: '${env:SF_MIRROR_PASSWORD}',
          object: 'Account',
          mode: 'mirror',
          externalIdField: 'External_Id__c',
          ...config,
        },
      },
    ],
    edges: [{ from: 'warehouse', to: 'crm' }],
  };
}

describe('salesforce.destination mirror', () => {
  it('deletes what vanished (this flow’s only, or all with mirrorScope all), sends nothing again, plans exactly, and resumes exact', async () => {
    const dir = await temporaryDirectory();
    const source = path.join(dir, 'source.duckdb');
    await seedSource(source, 'mir', 40);
    // In the org before the flow existed, with an external id.
    await org.jsforce
      .sobject('Account')
      .create({ External_Id__c: 'mir-before', Name: 'Before the flow', Description: 'kept' });
    const crash = crashingAfterDeletes(salesforceDestination as unknown as DestinationType);
    const catalog = createCatalog([...nodeTypes.filter((t) => t.type !== 'salesforce.destination'), crash.type]);
    const { store, dataDir } = await openTempStore();
    const run = (config: Rec = {}, options: { dryRun?: boolean; resume?: boolean } = {}) =>
      runFlow({ store, document: flow(dir, config), catalog, baseDir: dir, dataDir, ...options });
    const withBefore = async () => ({
      ...(await sourceRows(source)),
      'mir-before': { External_Id__c: 'mir-before', Name: 'Before the flow', Description: 'kept' },
    });

    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.crm).toMatchObject({ read: 40, written: 40, inserted: 40, deleted: 0 });
    expect(await orgRows('mir')).toEqual(await withBefore());

    // A re-run sends nothing: no request reaches the org's API (the sandbox does not count the login).
    const requests = org.sandbox.stats().requests;
    const again = await run();
    expect(org.sandbox.stats().requests).toBe(requests);
    expect(again.nodes.crm).toMatchObject({ read: 40, written: 0, unchanged: 40, deleted: 0 });
    expect(await orgRows('mir')).toEqual(await withBefore());

    // 5 rows vanish, 3 change: the dry run counts it all, writes nothing, and shows the org's records before.
    const gone = [0, 1, 2, 3, 4].map((i) => `mir-00${i}`);
    await sql(
      source,
      `delete from accounts where External_Id__c in (${gone.map((key) => `'${key}'`).join(', ')});
       update accounts set Description = 'v2 ' || Description where External_Id__c in ('mir-010', 'mir-011', 'mir-012')`,
    );
    const beforeDry = await orgRows('mir');
    const dry = await run({}, { dryRun: true });
    expect(dry.status).toBe('succeeded');
    expect(await orgRows('mir')).toEqual(beforeDry);
    const [planned] = dry.plan!.crm!;
    expect(planned).toMatchObject({ update: 3, create: 0, delete: 5, unchanged: 32 });
    const wanted = await sourceRows(source);
    const updates = planned!.changes!.filter((change) => change.action === 'update');
    expect(updates.map((change) => change.key.External_Id__c).sort()).toEqual(['mir-010', 'mir-011', 'mir-012']);
    for (const change of updates) {
      const key = change.key.External_Id__c as string;
      expect(pick(change.before!, fields)).toEqual(beforeDry[key]);
      expect(change.after).toEqual(wanted[key]);
    }
    const deletes = planned!.changes!.filter((change) => change.action === 'delete');
    expect(deletes.map((change) => change.key.External_Id__c).sort()).toEqual(gone);
    for (const change of deletes) {
      expect(pick(change.before!, fields)).toEqual(beforeDry[change.key.External_Id__c as string]);
    }

    const real = await run();
    expect(real.nodes.crm).toMatchObject({ read: 35, written: 3, updated: 3, inserted: 0, unchanged: 32, deleted: 5 });
    expect(dry.nodes.crm).toMatchObject({ read: 35, written: 0, updated: 3, inserted: 0, unchanged: 32, deleted: 5 });
    expect(await orgRows('mir')).toEqual(await withBefore());
    const deleted = await org.jsforce.query<Rec>(
      `SELECT Id FROM Account WHERE External_Id__c IN (${gone.map((key) => `'${key}'`).join(', ')})`,
    );
    expect(deleted.records).toEqual([]);

    // Scope all: the Account that was there before the flow goes too; nothing else changes.
    const all = await run({ mirrorScope: 'all' });
    expect(all.nodes.crm).toMatchObject({ read: 35, written: 0, deleted: 1 });
    expect(await orgRows('mir')).toEqual(await sourceRows(source));

    // Killed after the deletes landed, before the snapshot forgot them: the resumed run deletes the
    // same keys again (ENTITY_IS_DELETED or not found is no error) and ends exactly at the table.
    await sql(source, `delete from accounts where External_Id__c like 'mir-02_'`);
    crash.armed.now = true;
    const killed = await run();
    expect(killed.status).toBe('failed');
    expect(await orgRows('mir')).toEqual(await sourceRows(source));
    const resumed = await run({}, { resume: true });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.resumed).toBe(true);
    expect(resumed.nodes.crm).toMatchObject({ deleted: 10 });
    expect(await orgRows('mir')).toEqual(await sourceRows(source));
    const quiet = await run();
    expect(quiet.nodes.crm).toMatchObject({ read: 25, written: 0, deleted: 0, unchanged: 25 });
  });

  it('update mode updates the Accounts the org holds by Id and rejects unknown Ids naming object and Id; read = written + rejected + filtered', async () => {
    const dir = await temporaryDirectory();
    const source = path.join(dir, 'source.duckdb');
    const created = await org.jsforce
      .sobject('Account')
      .create([0, 1, 2, 3].map((i) => ({ External_Id__c: `upd-${i}`, Name: `Old ${i}`, Description: 'old' })));
    const ids = created.map((result) => result.id as string);
    const unknown = ['001000000000000AAA', '001000000000001AAA'];
    await sql(
      source,
      `create table accounts as select * from (values ${[...ids, ...unknown]
        .map((id, i) => `('${id}', 'New ''${i}''', 'new ${i}')`)
        .join(', ')}) t(Id, Name, Description)`,
    );
    const { store, dataDir } = await openTempStore();
    const run = (options: { dryRun?: boolean } = {}) =>
      runFlow({
        store,
        document: flow(dir, { mode: 'update', externalIdField: undefined }),
        baseDir: dir,
        dataDir,
        ...options,
      });
    // A dry run looks the Ids up: it plans the updates and the refusals the real run then has.
    const dry = await run({ dryRun: true });
    expect(dry.nodes.crm).toMatchObject({ read: 6, written: 0, rejected: 2 });
    expect(dry.plan!.crm![0]).toMatchObject({ update: 4, create: 0, reject: 2 });
    const result = await run();
    expect(result.status).toBe('succeeded');
    const counts = result.nodes.crm!;
    expect(counts).toMatchObject({ read: 6, written: 4, rejected: 2 });
    expect(counts.read).toBe(counts.written + counts.rejected + counts.filtered);
    const reasons: string[] = [];
    for await (const row of store.rejected(result.runId)) reasons.push(...row.reasons);
    expect(reasons.sort()).toEqual(
      unknown.map((id) => expect.stringContaining(`no Account record with Id ${id} to update`)),
    );
    const records = await queryAll(
      org.jsforce,
      `SELECT Id, Name, Description FROM Account WHERE External_Id__c LIKE 'upd-%'`,
    );
    expect(Object.fromEntries(records.map((record) => [record.Id, [record.Name, record.Description]]))).toEqual(
      Object.fromEntries(ids.map((id, i) => [id, [`New '${i}'`, `new ${i}`]])),
    );

    // Diffed by Id: a re-run sends only the rejected ones again, and they are rejected again.
    const second = await run();
    expect(second.nodes.crm).toMatchObject({ read: 6, written: 0, rejected: 2, unchanged: 4 });
  });
});

function pick(record: Rec, names: readonly string[]): Rec {
  return Object.fromEntries(names.map((name) => [name, record[name] ?? null]));
}
