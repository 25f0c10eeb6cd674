// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the flows write an env reference, ${env:NAME}, literally.
/**
 * hubspot.destination as a mirror of a DuckDB table, through runFlow and a store: what vanished from
 * the table is archived (only what this flow synced, unless mirrorScope all), a re-run sends nothing,
 * a dry run counts what the real run then does and shows the portal's records before, a run that
 * fails after archiving resumes to the exact table, and update mode rejects the keys HubSpot lacks.
 */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '../../server/src/connectors/duckdb/test-context.ts';
import { hubspotDestination } from '../../server/src/connectors/hubspot/destination.ts';
import type { DestinationType, Rec } from '../../server/src/node-kit/contract.ts';
import { createCatalog, nodeTypes } from '../../server/src/nodes/registry.ts';
import { runFlow } from '../../server/src/service/flow-runner.ts';
import { temporaryDirectory } from '../../server/src/testing/node-context.ts';
import { closeTempStores, openTempStore } from '../../server/src/testing/temp-store.ts';
import type { HubspotSandbox } from '../sandboxes/hubspot/server.ts';
import { crashingAfterDeletes } from './crm-mirror-support.ts';
import { byKey, createRecords, portalRecords, sandbox, token } from './hubspot-support.ts';

afterEach(closeTempStores);
// The flows name the token by reference, as a saved flow must.
process.env.HUBSPOT_MIRROR_TOKEN = token;

const fields = ['email', 'firstname', 'lastname'];

/** The DuckDB source table: contacts with the nasty cases in their names. */
async function seedSource(file: string, count: number): Promise<void> {
  await sql(
    file,
    `create or replace table contacts as
       select 'person-' || i || '@example.com' as email,
              ['Zoë ' || i, '"Quoted", ' || i, 'two' || chr(10) || 'lines ' || i, '名前 ' || i || ' ✓'][i % 4 + 1] as firstname,
              'v1-' || i as lastname
       from range(0, ${count}) t(i)`,
  );
}

async function sourceRows(file: string): Promise<Record<string, Rec>> {
  const rows = (await sql(file, 'select email, firstname, lastname from contacts order by email')) as string[][];
  return Object.fromEntries(rows.map(([email, firstname, lastname]) => [email, { email, firstname, lastname }]));
}

function mirrorFlow(dir: string, portal: HubspotSandbox, config: Rec = {}) {
  return {
    name: 'contacts-mirror',
    settings: { batchSize: 50 },
    nodes: [
      { id: 'warehouse', type: 'duckdb.source', config: { path: path.join(dir, 'source.duckdb'), table: 'contacts' } },
      {
        id: 'crm',
        type: 'hubspot.destination',
        config: {
          baseUrl: portal.url,
          token: '${env:HUBSPOT_MIRROR_TOKEN}',
          object: 'contacts',
          mode: 'mirror',
          idProperty: 'email',
          ...config,
        },
      },
    ],
    edges: [{ from: 'warehouse', to: 'crm' }],
  };
}

describe('hubspot.destination mirror', () => {
  it('archives what vanished (this flow’s only, or all with mirrorScope all), sends nothing again, plans exactly, and resumes exact', async () => {
    const portal = await sandbox();
    const dir = await temporaryDirectory();
    const source = path.join(dir, 'source.duckdb');
    await seedSource(source, 40);
    // In the portal before the flow existed, with a key value.
    await createRecords(portal, 'contacts', [{ email: 'before@example.com', firstname: 'Before', lastname: 'Flow' }]);
    const crash = crashingAfterDeletes(hubspotDestination as unknown as DestinationType);
    const catalog = createCatalog([...nodeTypes.filter((t) => t.type !== 'hubspot.destination'), crash.type]);
    const { store, dataDir } = await openTempStore();
    const run = (config: Rec = {}, options: { dryRun?: boolean; resume?: boolean } = {}) =>
      runFlow({ store, document: mirrorFlow(dir, portal, config), catalog, baseDir: dir, dataDir, ...options });
    const portalRows = async () => byKey(await portalRecords(portal, 'contacts', fields), 'email', fields);
    const withBefore = async () => ({
      ...(await sourceRows(source)),
      'before@example.com': { email: 'before@example.com', firstname: 'Before', lastname: 'Flow' },
    });

    const first = await run();
    expect(first.status).toBe('succeeded');
    expect(first.nodes.crm).toMatchObject({ read: 40, written: 40, inserted: 40, deleted: 0 });
    expect(await portalRows()).toEqual(await withBefore());

    // A re-run sends nothing: no request reaches HubSpot.
    const requests = portal.stats().requests;
    const again = await run();
    expect(again.nodes.crm).toMatchObject({ read: 40, written: 0, unchanged: 40, deleted: 0 });
    expect(portal.stats().requests).toBe(requests);

    // 5 rows vanish, 3 change: the dry run counts it all, writes nothing, and shows the portal's records before.
    await sql(
      source,
      `delete from contacts where email in (${[0, 1, 2, 3, 4].map((i) => `'person-${i}@example.com'`).join(', ')});
       update contacts set lastname = 'v2-' || lastname where email in ('person-10@example.com', 'person-11@example.com', 'person-12@example.com')`,
    );
    const beforeDry = await portalRows();
    const dry = await run({}, { dryRun: true });
    expect(dry.status).toBe('succeeded');
    expect(await portalRows()).toEqual(beforeDry);
    const [planned] = dry.plan!.crm!;
    expect(planned).toMatchObject({ update: 3, create: 0, delete: 5, unchanged: 32 });
    const updates = planned!.changes!.filter((change) => change.action === 'update');
    expect(updates.map((change) => change.key.email).sort()).toEqual([
      'person-10@example.com',
      'person-11@example.com',
      'person-12@example.com',
    ]);
    const wanted = await sourceRows(source);
    for (const change of updates) {
      const email = change.key.email as string;
      expect(pick(change.before!, fields)).toEqual(beforeDry[email]);
      expect(change.after).toEqual(wanted[email]);
    }
    const deletes = planned!.changes!.filter((change) => change.action === 'delete');
    expect(deletes.map((change) => change.key.email).sort()).toEqual(
      [0, 1, 2, 3, 4].map((i) => `person-${i}@example.com`),
    );
    for (const change of deletes) expect(pick(change.before!, fields)).toEqual(beforeDry[change.key.email as string]);

    const real = await run();
    expect(real.nodes.crm).toMatchObject({ read: 35, written: 3, updated: 3, inserted: 0, unchanged: 32, deleted: 5 });
    expect(dry.nodes.crm).toMatchObject({ read: 35, updated: 3, inserted: 0, unchanged: 32, deleted: 5, written: 0 });
    expect(await portalRows()).toEqual(await withBefore());
    const archived = await portalRecords(portal, 'contacts', fields);
    expect(archived.some((record) => record.properties.email === 'person-0@example.com')).toBe(false);

    // Scope all: the contact that was there before the flow goes too; nothing else changes.
    const all = await run({ mirrorScope: 'all' });
    expect(all.nodes.crm).toMatchObject({ read: 35, written: 0, deleted: 1 });
    expect(await portalRows()).toEqual(await sourceRows(source));

    // Killed after the archives landed, before the snapshot forgot them: the resumed run archives
    // the same keys again (no error) and ends exactly at the table.
    await sql(source, `delete from contacts where email like 'person-2_@example.com'`);
    crash.armed.now = true;
    const killed = await run();
    expect(killed.status).toBe('failed');
    expect(await portalRows()).toEqual(await sourceRows(source));
    const resumed = await run({}, { resume: true });
    expect(resumed.status).toBe('succeeded');
    expect(resumed.resumed).toBe(true);
    expect(resumed.nodes.crm).toMatchObject({ deleted: 10 });
    expect(await portalRows()).toEqual(await sourceRows(source));
    const quiet = await run();
    expect(quiet.nodes.crm).toMatchObject({ read: 25, written: 0, deleted: 0, unchanged: 25 });
  });

  it('update mode updates the contacts HubSpot holds and rejects the others naming object and key; read = written + rejected + filtered', async () => {
    const portal = await sandbox();
    const dir = await temporaryDirectory();
    const source = path.join(dir, 'source.duckdb');
    await seedSource(source, 10);
    await createRecords(
      portal,
      'contacts',
      [0, 1, 2, 3, 4, 5].map((i) => ({ email: `person-${i}@example.com`, firstname: 'Old', lastname: 'Old' })),
    );
    const { store, dataDir } = await openTempStore();
    const run = (options: { dryRun?: boolean } = {}) =>
      runFlow({ store, document: mirrorFlow(dir, portal, { mode: 'update' }), baseDir: dir, dataDir, ...options });
    // A dry run looks the keys up: it plans the updates and the refusals the real run then has.
    const dry = await run({ dryRun: true });
    expect(dry.nodes.crm).toMatchObject({ read: 10, written: 0, rejected: 4 });
    expect(dry.plan!.crm![0]).toMatchObject({ update: 6, create: 0, reject: 4 });
    const result = await run();
    expect(result.status).toBe('succeeded');
    const counts = result.nodes.crm!;
    expect(counts).toMatchObject({ read: 10, written: 6, rejected: 4 });
    expect(counts.read).toBe(counts.written + counts.rejected + counts.filtered);
    const reasons: string[] = [];
    for await (const row of store.rejected(result.runId)) reasons.push(...row.reasons);
    expect(reasons.sort()).toEqual(
      [6, 7, 8, 9].map((i) =>
        expect.stringContaining(`no contacts record with email person-${i}@example.com to update`),
      ),
    );
    const rows = byKey(await portalRecords(portal, 'contacts', fields), 'email', fields);
    const wanted = await sourceRows(source);
    expect(rows).toEqual(
      Object.fromEntries([0, 1, 2, 3, 4, 5].map((i) => [`person-${i}@example.com`, wanted[`person-${i}@example.com`]])),
    );

    // Diffed by email: a re-run sends only the rejected ones again, and they are rejected again.
    const second = await run();
    expect(second.nodes.crm).toMatchObject({ read: 10, written: 0, rejected: 4, unchanged: 6 });
  });
});

function pick(record: Rec, names: readonly string[]): Rec {
  return Object.fromEntries(names.map((name) => [name, record[name] ?? null]));
}
