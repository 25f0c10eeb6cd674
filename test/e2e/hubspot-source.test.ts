/** hubspot.source against the HubSpot sandbox: properties, associations, discover, incremental reads and resume. */
import { describe, expect, it } from 'vitest';
import type { HubspotCursor } from '../../server/src/connectors/hubspot/cursor.ts';
import { hubspotSource } from '../../server/src/connectors/hubspot/source.ts';
import type { HubspotSourceConfig } from '../../server/src/connectors/hubspot/source-config.ts';
import type { Rec, SourceBatch } from '../../server/src/node-kit/contract.ts';
import type { TestContext } from '../../server/src/testing/node-context.ts';
import { associate, context, createRecords, portalRecords, sandbox, token, updateRecords } from './hubspot-support.ts';

async function readAll(config: HubspotSourceConfig, overrides: Partial<TestContext> = {}) {
  const batches: SourceBatch[] = [];
  for await (const batch of hubspotSource.read(config, await context(overrides))) batches.push(batch);
  const records = batches.flatMap((batch) => (batch.kind === 'records' ? batch.records : []));
  return { batches, records, cursor: batches.at(-1)?.cursor as HubspotCursor | undefined };
}

const people = (count: number, tag = 'a'): Rec[] =>
  Array.from({ length: count }, (_, i) => ({ email: `${tag}-${i}@example.com`, firstname: `Name ${i}` }));

describe('hubspot.source', () => {
  it('reads every property the properties API lists by default, as HubSpot gives them', async () => {
    const portal = await sandbox();
    await createRecords(portal, 'companies', [
      {
        name: 'Acme',
        domain: 'acme.example',
        numberofemployees: '1200',
        annualrevenue: '1234567.5',
        is_public: 'true',
      },
      { name: 'Ünïcødé "Ltd"', domain: 'unicode.example' },
    ]);
    const { records, batches } = await readAll({ baseUrl: portal.url, token, objects: ['companies'] });
    expect(batches.map((batch) => batch.kind === 'records' && batch.stream)).toEqual(['companies']);
    const [acme, unicode] = records;
    expect(acme).toMatchObject({
      name: 'Acme',
      domain: 'acme.example',
      numberofemployees: '1200',
      annualrevenue: '1234567.5',
      is_public: 'true',
      archived: false,
    });
    expect(unicode).toMatchObject({ name: 'Ünïcødé "Ltd"', numberofemployees: null, industry: null });
    expect(acme!.hs_object_id).toBe(acme!.id);
    const { columns } = (
      await hubspotSource.discover!({ baseUrl: portal.url, token, objects: ['companies'] }, await context())
    )[0]!;
    expect(Object.keys(acme!)).toEqual(columns.map((column) => column.name));
    expect(columns.find((column) => column.name === 'numberofemployees')?.type).toBe('DOUBLE');
    expect(columns.find((column) => column.name === 'is_public')?.type).toBe('BOOLEAN');
  });

  it('adds the ids of associated objects, following a record with more than one page of them', async () => {
    const portal = await sandbox();
    await createRecords(portal, 'companies', [
      { name: 'Big', domain: 'big.example' },
      { name: 'Small', domain: 'small.example' },
      { name: 'Alone', domain: 'alone.example' },
    ]);
    await createRecords(portal, 'contacts', people(520));
    const [big, small, alone] = await portalRecords(portal, 'companies', ['domain']);
    const contacts = await portalRecords(portal, 'contacts', ['email']);
    await associate(
      portal,
      'companies',
      'contacts',
      contacts.map((contact) => [big!.id, contact.id]),
    );
    await associate(portal, 'companies', 'contacts', [
      [small!.id, contacts[0]!.id],
      [small!.id, contacts[519]!.id],
    ]);
    const { records } = await readAll({
      baseUrl: portal.url,
      token,
      objects: ['companies', 'contacts'],
      properties: { companies: ['domain'], contacts: ['email'] },
      associations: { companies: ['contacts'], contacts: ['companies'] },
    });
    const byId = new Map(records.map((record) => [record.id, record]));
    const ids = (id: string) => byId.get(id)!.associations as Record<string, string[]>;
    expect(ids(big!.id).contacts!.sort()).toEqual(contacts.map((contact) => contact.id).sort());
    expect(ids(small!.id).contacts!.sort()).toEqual([contacts[0]!.id, contacts[519]!.id].sort());
    expect(ids(alone!.id)).toEqual({ contacts: [] });
    expect(ids(contacts[0]!.id).companies!.sort()).toEqual([big!.id, small!.id].sort());
    expect(ids(contacts[5]!.id)).toEqual({ companies: [big!.id] });
  });

  it('incrementally reads what changed since the last run, skipping what it re-reads unchanged', async () => {
    const portal = await sandbox();
    await createRecords(portal, 'contacts', people(40));
    const config: HubspotSourceConfig = {
      baseUrl: portal.url,
      token,
      objects: ['contacts'],
      properties: { contacts: ['email', 'firstname'] },
      incremental: { lookbackSeconds: 600 },
    };
    const first = await readAll(config, { batchSize: 15 });
    expect(first.records).toHaveLength(40);

    const before = await portalRecords(portal, 'contacts', ['email']);
    await updateRecords(
      portal,
      'contacts',
      [3, 17, 38].map((i) => ({ id: before[i]!.id, properties: { firstname: `Changed ${i}` } })),
    );
    await createRecords(portal, 'contacts', people(2, 'new'));
    const second = await readAll(config, { batchSize: 15, lastRunCursor: first.cursor });
    expect(second.records.map((record) => record.firstname).sort()).toEqual(
      ['Changed 17', 'Changed 3', 'Changed 38', 'Name 0', 'Name 1'].sort(),
    );
    expect(second.records.filter((record) => String(record.email).startsWith('new-'))).toHaveLength(2);

    const third = await readAll(config, { batchSize: 15, lastRunCursor: second.cursor });
    expect(third.records).toEqual([]);
    expect(third.batches).toHaveLength(1);
  });

  it('reads a window of more than 10,000 modified records whole, each once, within the search limit', async () => {
    const portal = await sandbox();
    await portal.seed({ contacts: 10_050 }); // dated from 2024-01-01, a minute apart
    const since = { objects: { contacts: { until: Date.parse('2023-12-31T00:00:00Z'), done: true as const } } };
    const { records } = await readAll(
      {
        baseUrl: portal.url,
        token,
        objects: ['contacts'],
        properties: { contacts: ['email'] },
        incremental: { lookbackSeconds: 0 },
      },
      { batchSize: 200, lastRunCursor: since },
    );
    expect(records).toHaveLength(10_050);
    expect(new Set(records.map((record) => record.id)).size).toBe(10_050);
    expect(portal.stats().rejected429).toBe(0);
  }, 60_000);

  it('an incremental read killed after a batch resumes exactly from its cursor', async () => {
    const portal = await sandbox();
    await createRecords(portal, 'contacts', people(23));
    await createRecords(portal, 'companies', [{ name: 'One', domain: 'one.example' }]);
    const config: HubspotSourceConfig = {
      baseUrl: portal.url,
      token,
      objects: ['contacts', 'companies'],
      properties: { contacts: ['email'], companies: ['domain'] },
      incremental: {},
    };
    const lastRunCursor = {
      objects: { contacts: { until: Date.now() - 60_000 }, companies: { until: Date.now() - 60_000 } },
    };
    const full = await readAll(config, { batchSize: 5, lastRunCursor });
    expect(full.records).toHaveLength(24);
    const killed = new AbortController();
    const before: SourceBatch[] = [];
    for await (const batch of hubspotSource.read(
      config,
      await context({ batchSize: 5, lastRunCursor, signal: killed.signal }),
    )) {
      before.push(batch);
      if (before.length === 3) break;
    }
    killed.abort();
    const after = await readAll(config, { batchSize: 5, lastRunCursor, resumeCursor: before.at(-1)!.cursor });
    const ids = [...before.flatMap((batch) => (batch.kind === 'records' ? batch.records : [])), ...after.records].map(
      (record) => record.id,
    );
    expect(ids.sort()).toEqual(full.records.map((record) => record.id).sort());
  });

  it('check names a property the object lacks, and the refusal of a wrong token', async () => {
    const portal = await sandbox();
    const ctx = await context();
    await expect(
      hubspotSource.check!(
        { baseUrl: portal.url, token, objects: ['contacts'], properties: { contacts: ['emial'] } },
        ctx,
      ),
    ).rejects.toThrow(/"contacts" has no property emial/);
    await expect(
      hubspotSource.check!({ baseUrl: portal.url, token: 'pat-wrong', objects: ['contacts'] }, ctx),
    ).rejects.toThrow(/401.*refused the token|refused the token/);
  });
});
