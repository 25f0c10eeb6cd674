/**
 * hubspot.destination with the flow's ID map against the HubSpot sandbox, checked with
 * @hubspot/api-client: Salesforce-like Accounts (as the Salesforce source reads them) become companies (Account Id → company id), Contacts
 * become contacts associated with their Account's company and owned by the owner with their
 * owner's email; a contact of an Account not in the map is rejected and nothing is written for it;
 * a replay updates, duplicating neither records nor associations; the reconciliation report, a dry
 * run's plan and a resumed writer's books are checked against what the portal holds. And
 * hubspot.source's `ownerEmails` adds each owner's email beside the owner id.
 */
import { Client } from '@hubspot/api-client';
import { describe, expect, it } from 'vitest';
import { hubspotDestination } from '../../server/src/connectors/hubspot/destination.ts';
import type { HubspotDestinationConfig } from '../../server/src/connectors/hubspot/destination-config.ts';
import { hubspotSource } from '../../server/src/connectors/hubspot/source.ts';
import type { DestinationWriter, IdMap, Rec } from '../../server/src/node-kit/contract.ts';
import { dryRunIdMap, memoryIdMap } from '../../server/src/node-kit/id-map.ts';
import type { TestContext } from '../../server/src/testing/node-context.ts';
import type { HubspotSandbox } from '../sandboxes/hubspot/server.ts';
import { context, createRecords, sandbox, token } from './hubspot-support.ts';

type Config = Omit<HubspotDestinationConfig, 'baseUrl' | 'token'>;

const sdk = (portal: HubspotSandbox) => new Client({ accessToken: token, basePath: portal.url });

const accounts: Rec[] = Array.from({ length: 6 }, (_, i) => ({
  Id: `001A0000000${i}`,
  name: [`Acme ${i}`, `"Quoted", ${i}`, `Zoë & Søn ${i}`, `名前 ${i}`][i % 4],
  domain: `account-${i}.example`,
}));

/** The owner's email of a contact, nested as a Salesforce source gives `Owner.Email`. */
const ownerEmailOf = (person: Rec) => String((person.Owner as { Email: string }).Email);

/** Owner emails are the seeded owners', in another case, or nobody's. */
function contacts(ownerEmails: string[]): Rec[] {
  return [
    ...Array.from({ length: 11 }, (_, i) => ({
      Id: `003B0000000${String(i).padStart(2, '0')}`,
      email: `contact-${i}@idmap.example`,
      firstname: `First ${i}`,
      lastname: i % 3 === 0 ? `O'Brien\n${i}` : `Last ${i}`,
      AccountId: i % 4 === 3 ? null : accounts[i % 6]!.Id,
      Owner: {
        Email:
          i % 5 === 4 ? 'nobody@idmap.example' : i % 2 === 0 ? ownerEmails[i % 3]! : ownerEmails[i % 3]!.toUpperCase(),
      },
    })),
    {
      Id: '003B0000000XX',
      email: 'orphan@idmap.example',
      firstname: 'Orphan',
      lastname: 'Unknown account',
      AccountId: '001UNKNOWN',
      Owner: { Email: ownerEmails[0]! },
    },
  ];
}

const companiesConfig: Config = { object: 'companies', mode: 'insert', idMap: { sourceId: 'Id', object: 'Account' } };
const contactsConfig: Config = {
  object: 'contacts',
  mode: 'insert',
  idMap: { sourceId: 'Id', object: 'Contact' },
  associations: { companies: { from: 'AccountId', object: 'Account' } },
  owners: { from: 'Owner.Email' },
};

async function open(portal: HubspotSandbox, config: Config, overrides: Partial<TestContext>) {
  const ctx = await context(overrides);
  const writer = await hubspotDestination.open({ baseUrl: portal.url, token, ...config }, ctx);
  return { ctx, writer };
}

/** One run of a stream: its batches written, prepared and committed; the report and rejections. */
async function run(portal: HubspotSandbox, config: Config, idMap: IdMap, stream: string, batches: Rec[][]) {
  const { ctx, writer } = await open(portal, config, { idMap });
  for (const [index, records] of batches.entries()) await writer.write({ kind: 'records', stream, records }, index + 1);
  await writer.prepare();
  await writer.commit();
  return { ctx, report: writer.verification?.() };
}

async function seededOwnerEmails(portal: HubspotSandbox): Promise<string[]> {
  return (await sdk(portal).crm.owners.ownersApi.getPage()).results.map((owner) => owner.email!);
}

async function portalCount(portal: HubspotSandbox, object: 'companies' | 'contacts'): Promise<number> {
  return (await sdk(portal).crm[object].getAll(100)).length;
}

/** Contact id → the ids of its associated companies and the association types of each. */
async function companiesOf(portal: HubspotSandbox, contactIds: string[]) {
  const read = await sdk(portal).crm.associations.v4.batchApi.getPage('contacts', 'companies', {
    inputs: contactIds.map((id) => ({ id })),
  });
  return new Map(
    read.results.map((result) => [
      result._from.id,
      result.to.map((to) => ({ id: String(to.toObjectId), types: to.associationTypes.length })),
    ]),
  );
}

describe('hubspot.destination with the ID map', () => {
  it('migrates Accounts to companies and Contacts to associated, owned contacts; rejects an unknown Account; a replay duplicates nothing', async () => {
    const portal = await sandbox({ seed: { owners: 3 } });
    const owners = await seededOwnerEmails(portal);
    const ownerIdOf = new Map(
      (await sdk(portal).crm.owners.ownersApi.getPage()).results.map((owner) => [owner.email!, owner.id]),
    );
    const people = contacts(owners);
    const idMap = memoryIdMap();

    const first = await run(portal, companiesConfig, idMap, 'Account', [accounts]);
    expect(first.report).toEqual([
      expect.objectContaining({
        stream: 'Account',
        target: 'HubSpot companies',
        source: 6,
        loaded: 6,
        created: 6,
        updated: 0,
        rejected: 0,
        missing: 0,
        ok: true,
      }),
    ]);
    const companyIds = await idMap.lookup(
      'Account',
      accounts.map((account) => String(account.Id)),
    );
    const companies = await sdk(portal).crm.companies.getAll(100, undefined, ['name', 'domain']);
    expect(companies.map((company) => [company.id, company.properties.name]).sort()).toEqual(
      accounts.map((account) => [companyIds.get(String(account.Id)), account.name]).sort(),
    );

    const linked = people.filter((person) => person.AccountId !== null && person.AccountId !== '001UNKNOWN');
    const owned = people.filter(
      (person) => ownerEmailOf(person) !== 'nobody@idmap.example' && person.Id !== '003B0000000XX',
    );
    const second = await run(portal, contactsConfig, idMap, 'Contact', [people.slice(0, 5), people.slice(5)]);
    expect(second.ctx.rejected.map(({ record, reason }) => [record.Id, reason])).toEqual([
      [
        '003B0000000XX',
        "associations.companies: Account 001UNKNOWN is not in this flow's ID map (not migrated, or rejected there)",
      ],
    ]);
    expect(second.report).toEqual([
      {
        stream: 'Contact',
        target: 'HubSpot contacts',
        source: 12,
        loaded: 11,
        rejected: 1,
        missing: 0,
        created: 11,
        updated: 0,
        reasons: [{ reason: expect.stringContaining('001UNKNOWN'), count: 1 }],
        relations: [
          { name: 'owner', expected: owned.length, present: owned.length },
          { name: 'associations.companies', expected: linked.length, present: linked.length },
        ],
        ok: true,
      },
    ]);
    // Nothing was written for the orphan; every other contact holds its values, its owner and its company.
    const contactIds = await idMap.lookup(
      'Contact',
      people.map((person) => String(person.Id)),
    );
    expect(contactIds.has('003B0000000XX')).toBe(false);
    const stored = await sdk(portal).crm.contacts.getAll(100, undefined, [
      'email',
      'firstname',
      'lastname',
      'hubspot_owner_id',
    ]);
    expect(stored.map((contact) => contact.properties.email)).not.toContain('orphan@idmap.example');
    const expected = people
      .filter((person) => person.Id !== '003B0000000XX')
      .map((person) => ({
        id: contactIds.get(String(person.Id)),
        email: person.email,
        firstname: person.firstname,
        lastname: person.lastname,
        hubspot_owner_id: ownerIdOf.get(ownerEmailOf(person).toLowerCase()) ?? null,
      }));
    const byEmail = (a: Rec, b: Rec) => String(a.email).localeCompare(String(b.email));
    const asStored = () =>
      stored.map((contact) => ({
        id: contact.id,
        email: contact.properties.email,
        firstname: contact.properties.firstname,
        lastname: contact.properties.lastname,
        hubspot_owner_id: contact.properties.hubspot_owner_id ?? null,
      }));
    expect(asStored().sort(byEmail)).toEqual(expected.sort(byEmail));
    const associations = await companiesOf(portal, [...contactIds.values()]);
    expect(associations.size).toBe(linked.length);
    for (const person of linked) {
      expect(associations.get(contactIds.get(String(person.Id))!)).toEqual([
        { id: companyIds.get(String(person.AccountId)), types: 1 },
      ]);
    }

    // The same runs again: everything updated by the ids the map holds, no record and no association twice.
    const renamed = accounts.map((account) => ({ ...account, name: `${account.name} (again)` }));
    const again = await run(portal, companiesConfig, idMap, 'Account', [renamed]);
    expect(again.report?.[0]).toMatchObject({ source: 6, loaded: 6, created: 0, updated: 6, missing: 0, ok: true });
    const replay = await run(portal, contactsConfig, idMap, 'Contact', [people]);
    expect(replay.report?.[0]).toMatchObject({
      source: 12,
      loaded: 11,
      created: 0,
      updated: 11,
      rejected: 1,
      missing: 0,
      relations: [
        { name: 'owner', expected: owned.length, present: owned.length },
        { name: 'associations.companies', expected: linked.length, present: linked.length },
      ],
      ok: true,
    });
    expect(await portalCount(portal, 'companies')).toBe(6);
    expect(await portalCount(portal, 'contacts')).toBe(11);
    expect(await idMap.lookup('Account', [...companyIds.keys()])).toEqual(companyIds);
    expect(await idMap.lookup('Contact', [...contactIds.keys()])).toEqual(contactIds);
    expect(await companiesOf(portal, [...contactIds.values()])).toEqual(associations);
    const renamedStored = await sdk(portal).crm.companies.getAll(100, undefined, ['name']);
    expect(renamedStored.map((company) => company.properties.name).sort()).toEqual(
      renamed.map((account) => account.name).sort(),
    );
  });

  it('sets a lookup property to the mapped HubSpot id, skipping an id the map lacks with missing: skip, and reports it', async () => {
    const portal = await sandbox();
    const idMap = memoryIdMap();
    await run(portal, companiesConfig, idMap, 'Account', [accounts]);
    const companyIds = await idMap.lookup(
      'Account',
      accounts.map((account) => String(account.Id)),
    );
    const people: Rec[] = [
      { Id: 'c1', email: 'lookup-1@idmap.example', AccountId: accounts[1]!.Id },
      { Id: 'c2', email: 'lookup-2@idmap.example', AccountId: '001UNKNOWN' },
      { Id: 'c3', email: 'lookup-3@idmap.example', AccountId: null },
    ];
    const { ctx, report } = await run(
      portal,
      {
        object: 'contacts',
        mode: 'upsert',
        idProperty: 'email',
        idMap: { sourceId: 'Id', object: 'Contact' },
        lookups: { company: { from: 'AccountId', object: 'Account', missing: 'skip' } },
      },
      idMap,
      'Contact',
      [people],
    );
    expect(ctx.rejected).toEqual([]);
    expect(report?.[0]).toMatchObject({
      created: 3,
      relations: [{ name: 'company', expected: 1, present: 1 }],
      ok: true,
    });
    const stored = await sdk(portal).crm.contacts.getAll(100, undefined, ['email', 'company']);
    expect(
      Object.fromEntries(stored.map((contact) => [contact.properties.email, contact.properties.company ?? null])),
    ).toEqual({
      'lookup-1@idmap.example': companyIds.get(String(accounts[1]!.Id)),
      'lookup-2@idmap.example': null,
      'lookup-3@idmap.example': null,
    });
  });

  it('reports a record deleted in HubSpot behind its back as missing, and the run as not reconciled', async () => {
    const portal = await sandbox();
    const { writer } = await open(portal, companiesConfig, { idMap: memoryIdMap() });
    await writer.write({ kind: 'records', stream: 'Account', records: accounts }, 1);
    const [victim] = (await sdk(portal).crm.companies.basicApi.getPage(1)).results;
    await sdk(portal).crm.companies.basicApi.archive(victim!.id);
    await writer.prepare();
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({ source: 6, loaded: 5, created: 6, rejected: 0, missing: 1, ok: false }),
    ]);
  });

  it('plans a dry run that writes nothing, whose counts the real run that follows matches', async () => {
    const portal = await sandbox({ seed: { owners: 3 } });
    const owners = await seededOwnerEmails(portal);
    const people = contacts(owners);
    // Half the Accounts were migrated by an earlier run; two contacts already exist in HubSpot by email.
    const flowMap = memoryIdMap();
    await run(portal, companiesConfig, flowMap, 'Account', [accounts.slice(0, 3)]);
    await createRecords(portal, 'contacts', [
      { email: 'contact-1@idmap.example', firstname: 'Before' },
      { email: 'contact-2@idmap.example', firstname: 'Before' },
    ]);
    const upsertContacts: Config = { ...contactsConfig, mode: 'upsert', idProperty: 'email' };
    const before = {
      companies: await portalCount(portal, 'companies'),
      contacts: await portalCount(portal, 'contacts'),
    };
    const requestsBefore = portal.stats().requests;

    const planMap = dryRunIdMap(flowMap);
    const plan = async (config: Config, stream: string, records: Rec[]) => {
      const { writer } = await open(portal, config, { idMap: planMap, dryRun: true });
      await writer.write({ kind: 'records', stream, records }, 1);
      return writer.plan!();
    };
    const [companiesPlan] = await plan(companiesConfig, 'Account', accounts);
    const [contactsPlan] = await plan(upsertContacts, 'Contact', people);
    expect(await portalCount(portal, 'companies')).toBe(before.companies);
    expect(await portalCount(portal, 'contacts')).toBe(before.contacts);
    expect(await flowMap.lookup('Account', [String(accounts[5]!.Id)])).toEqual(new Map());
    expect(portal.stats().requests).toBeGreaterThan(requestsBefore);

    const linked = people.filter((person) => person.AccountId !== null && person.AccountId !== '001UNKNOWN');
    const owned = people.filter(
      (person) => ownerEmailOf(person) !== 'nobody@idmap.example' && person.Id !== '003B0000000XX',
    );
    expect(companiesPlan).toMatchObject({
      stream: 'Account',
      target: 'HubSpot companies',
      create: 3,
      update: 3,
      reject: 0,
    });
    expect(contactsPlan).toMatchObject({
      stream: 'Contact',
      target: 'HubSpot contacts',
      create: 9,
      update: 2,
      reject: 1,
      relations: [
        { name: 'owner', count: owned.length },
        { name: 'associations.companies', count: linked.length },
      ],
    });
    // A contact of an Account the dry run would create resolves to that plan's `new:` id.
    const ofNewAccount = contactsPlan!.samples.find((sample) => sample.sourceId === people[4]!.Id);
    expect(ofNewAccount?.relations?.['associations.companies']).toBe(`new:${accounts[4]!.Id}`);
    expect(contactsPlan!.samples.find((sample) => sample.action === 'reject')).toMatchObject({
      sourceId: '003B0000000XX',
      reason: expect.stringContaining('001UNKNOWN'),
    });

    const companiesRun = await run(portal, companiesConfig, flowMap, 'Account', [accounts]);
    const contactsRun = await run(portal, upsertContacts, flowMap, 'Contact', [people]);
    expect(companiesRun.report?.[0]).toMatchObject({
      created: companiesPlan!.create,
      updated: companiesPlan!.update,
      rejected: companiesPlan!.reject,
      ok: true,
    });
    expect(contactsRun.report?.[0]).toMatchObject({
      created: contactsPlan!.create,
      updated: contactsPlan!.update,
      rejected: contactsPlan!.reject,
      relations: contactsPlan!.relations!.map(({ name, count }) => ({ name, expected: count, present: count })),
      ok: true,
    });
  });

  it('plans an update of a record deleted in HubSpot since as refused, as the real run then refuses it', async () => {
    const portal = await sandbox();
    const flowMap = memoryIdMap();
    await run(portal, companiesConfig, flowMap, 'Account', [accounts]);
    const deletedId = (await flowMap.lookup('Account', [String(accounts[2]!.Id)])).get(String(accounts[2]!.Id))!;
    await sdk(portal).crm.companies.basicApi.archive(deletedId);

    const { ctx, writer } = await open(portal, companiesConfig, { idMap: dryRunIdMap(flowMap), dryRun: true });
    await writer.write({ kind: 'records', stream: 'Account', records: accounts }, 1);
    const [plan] = writer.plan!();
    expect(plan).toMatchObject({ create: 0, update: 5, reject: 1 });
    expect(ctx.rejected.map(({ record, reason }) => [record.Id, reason])).toEqual([
      [accounts[2]!.Id, `no companies record with id ${deletedId} to update`],
    ]);
    expect(await portalCount(portal, 'companies')).toBe(5);

    const real = await run(portal, companiesConfig, flowMap, 'Account', [accounts]);
    expect(real.ctx.rejected.map(({ record }) => record.Id)).toEqual([accounts[2]!.Id]);
    expect(real.report?.[0]).toMatchObject({ created: 0, updated: 5, rejected: 1 });
  });

  it('keeps the books across a resume: the writer reopened with the state it checkpointed', async () => {
    const portal = await sandbox();
    const idMap = memoryIdMap();
    const first: DestinationWriter = (await open(portal, companiesConfig, { idMap })).writer;
    await first.write({ kind: 'records', stream: 'Account', records: accounts.slice(0, 4) }, 1);
    const state = first.state!();
    // The dead attempt also wrote batch 2, after the checkpoint: the resumed run replays it.
    await first.write({ kind: 'records', stream: 'Account', records: accounts.slice(4) }, 2);
    const { writer } = await open(portal, companiesConfig, { idMap, resumeState: state, resumeSeq: 1 });
    await writer.write({ kind: 'records', stream: 'Account', records: accounts.slice(4) }, 2);
    await writer.prepare();
    expect(writer.verification?.()).toEqual([
      expect.objectContaining({ source: 6, loaded: 6, created: 4, updated: 2, rejected: 0, missing: 0, ok: true }),
    ]);
    expect(await portalCount(portal, 'companies')).toBe(6);
  });

  it('gives no report without an ID map (nothing to read the records back by)', async () => {
    const portal = await sandbox();
    const { writer } = await open(portal, { object: 'companies', mode: 'insert' }, {});
    await writer.write(
      { kind: 'records', stream: 'Account', records: accounts.map(({ Id: _id, ...rest }) => rest) },
      1,
    );
    await writer.prepare();
    expect(writer.verification?.()).toBeUndefined();
    expect(await portalCount(portal, 'companies')).toBe(6);
  });
});

describe('hubspot.source with ownerEmails', () => {
  it("adds each record's owner email beside hubspot_owner_id, and null where there is no owner", async () => {
    const portal = await sandbox({ seed: { owners: 3, companies: 2, contacts: 7 } });
    await createRecords(portal, 'contacts', [{ email: 'ownerless@idmap.example' }]);
    const emailOf = new Map(
      (await sdk(portal).crm.owners.ownersApi.getPage()).results.map((owner) => [owner.id, owner.email]),
    );
    const config = {
      baseUrl: portal.url,
      token,
      objects: ['contacts'],
      properties: { contacts: ['email', 'hubspot_owner_id'] },
      ownerEmails: true,
    };
    const records: Rec[] = [];
    for await (const batch of hubspotSource.read(config, await context()))
      if (batch.kind === 'records') records.push(...batch.records);
    expect(records).toHaveLength(8);
    const owned = records.filter((record) => record.hubspot_owner_id !== null);
    expect(owned.length).toBe(7);
    for (const record of records) {
      expect(record.hubspot_owner_email).toBe(
        record.hubspot_owner_id === null ? null : emailOf.get(String(record.hubspot_owner_id)),
      );
    }
    const [stream] = await hubspotSource.discover!(config, await context());
    expect(stream!.columns.map((column) => column.name)).toContain('hubspot_owner_email');
    const { records: withoutOption } = { records: [] as Rec[] };
    for await (const batch of hubspotSource.read({ ...config, ownerEmails: false }, await context()))
      if (batch.kind === 'records') withoutOption.push(...batch.records);
    expect(withoutOption.every((record) => !('hubspot_owner_email' in record))).toBe(true);
  });
});
