import { describe, expect, it } from 'vitest';
import { openSalesforceWriter } from '../../server/src/connectors/salesforce/destination.ts';
import type { SalesforceDestinationConfig } from '../../server/src/connectors/salesforce/destination-config.ts';
import type { IdMap, Rec } from '../../server/src/node-kit/contract.ts';
import { memoryIdMap } from '../../server/src/node-kit/id-map.ts';
import { testContext } from '../../server/src/testing/node-context.ts';
import { nastyName, queryAll, sandboxConnection, sandboxForFile } from './salesforce-support.ts';

const org = sandboxForFile();

const polling = { intervalMs: 5, maxIntervalMs: 20 };

async function write(
  config: Omit<SalesforceDestinationConfig, 'loginUrl' | 'clientId' | 'clientSecret'>,
  idMap: IdMap,
  stream: string,
  records: Rec[],
) {
  const ctx = testContext('/tmp', { idMap });
  const writer = await openSalesforceWriter({ ...sandboxConnection(org.sandbox), ...config }, ctx, polling);
  await writer.write({ kind: 'records', stream, records }, 1);
  await writer.prepare();
  await writer.commit();
  return ctx;
}

const companies = Array.from({ length: 12 }, (_, i) => ({ id: String(9_000_000_000 + i), name: nastyName(i) }));
const contacts = [
  ...Array.from({ length: 24 }, (_, i) => ({
    id: `70${i}`,
    email: `person${i}@idmap.example`,
    lastname: `Person ${i}`,
    company_id: i % 6 === 5 ? null : companies[i % 12]!.id,
  })),
  { id: '799', email: 'orphan@idmap.example', lastname: 'Orphan', company_id: '123' },
];
const companiesToAccounts = {
  object: 'Account',
  mode: 'insert',
  idMap: { sourceId: 'id', object: 'companies' },
} as const;
const contactsToContacts = {
  object: 'Contact',
  mode: 'insert',
  idMap: { sourceId: 'id', object: 'contacts' },
  lookups: { AccountId: { from: 'company_id', object: 'companies' } },
} as const;

async function mapOf(idMap: IdMap, object: string, records: { id: string }[]) {
  return idMap.lookup(
    object,
    records.map((record) => record.id),
  );
}

describe('salesforce.destination with the ID map', () => {
  it('records companies as Accounts, links each contact to its Account, rejects a contact of an unknown company, and a replay creates nothing twice', async () => {
    const idMap = memoryIdMap();
    await write(companiesToAccounts, idMap, 'companies', companies);
    const accountIds = await mapOf(idMap, 'companies', companies);
    expect(accountIds.size).toBe(companies.length);
    const accounts = await queryAll(org.jsforce, 'SELECT Id, Name FROM Account');
    const nameById = new Map(accounts.map((account) => [account.Id, account.Name]));
    for (const company of companies) expect(nameById.get(accountIds.get(company.id))).toBe(company.name);

    const ctx = await write(contactsToContacts, idMap, 'contacts', contacts);
    expect(ctx.rejected.map((r) => [r.record.id, r.reason])).toEqual([
      ['799', "AccountId: companies 123 is not in this flow's ID map (not migrated, or rejected there)"],
    ]);
    const contactIds = await mapOf(idMap, 'contacts', contacts);
    expect(contactIds.size).toBe(contacts.length - 1);
    const stored = await queryAll(
      org.jsforce,
      "SELECT Id, Email, LastName, AccountId FROM Contact WHERE Email LIKE '%@idmap.example'",
    );
    const expected = contacts
      .filter((contact) => contact.id !== '799')
      .map((contact) => ({
        Id: contactIds.get(contact.id),
        Email: contact.email,
        LastName: contact.lastname,
        AccountId: contact.company_id === null ? null : accountIds.get(contact.company_id)!,
      }));
    const byEmail = (a: Rec, b: Rec) => String(a.Email).localeCompare(String(b.Email));
    expect(stored.sort(byEmail)).toEqual(expected.sort(byEmail));
    expect(stored.filter((contact) => contact.AccountId !== null)).toHaveLength(20);

    // The same two batches again: updated by the Ids the map holds, nothing inserted, the same pairs.
    const renamed = companies.map((company) => ({ ...company, name: `${company.name} (again)` }));
    await write(companiesToAccounts, idMap, 'companies', renamed);
    const again = await write(contactsToContacts, idMap, 'contacts', contacts);
    expect(again.rejected.map((r) => r.record.id)).toEqual(['799']);
    expect(await mapOf(idMap, 'companies', companies)).toEqual(accountIds);
    expect(await mapOf(idMap, 'contacts', contacts)).toEqual(contactIds);
    const accountsAfter = await queryAll(org.jsforce, 'SELECT Id, Name FROM Account');
    expect(accountsAfter).toHaveLength(accounts.length);
    for (const company of renamed) {
      expect(accountsAfter.find((account) => account.Id === accountIds.get(company.id))?.Name).toBe(company.name);
    }
    const storedAfter = await queryAll(
      org.jsforce,
      "SELECT Id, Email, LastName, AccountId FROM Contact WHERE Email LIKE '%@idmap.example'",
    );
    expect(storedAfter.sort(byEmail)).toEqual(expected);
  });

  it('records the Ids of upsert answers and of Bulk API ingest results (sf__Id), and looks up through both', async () => {
    const idMap = memoryIdMap();
    const parents = Array.from({ length: 8 }, (_, i) => ({
      id: `p${i}`,
      External_Id__c: `idmap-p${i}`,
      Name: nastyName(i),
    }));
    const upsert = { object: 'Account', mode: 'upsert', externalIdField: 'External_Id__c' } as const;
    await write({ ...upsert, idMap: { sourceId: 'id', object: 'companies' } }, idMap, 'accounts', parents.slice(0, 4));
    await write(
      { ...upsert, bulkThreshold: 0, idMap: { sourceId: 'id', object: 'companies' } },
      idMap,
      'accounts',
      parents.slice(2),
    );
    const accountIds = await mapOf(idMap, 'companies', parents);
    const accounts = await queryAll(
      org.jsforce,
      "SELECT Id, External_Id__c FROM Account WHERE External_Id__c LIKE 'idmap-p%' ORDER BY External_Id__c",
    );
    expect(accounts).toHaveLength(8);
    expect(accounts.map((account) => [account.External_Id__c, account.Id])).toEqual(
      parents.map((parent) => [parent.External_Id__c, accountIds.get(parent.id)]),
    );
    const people = parents.map((parent, i) => ({
      id: `b${i}`,
      Email: `bulk${i}@idmap-bulk.example`,
      LastName: `Bulk ${i}`,
      companies: i === 7 ? ['nope', parent.id] : [parent.id, 'p0'],
    }));
    const ctx = await write(
      {
        object: 'Contact',
        mode: 'insert',
        bulkThreshold: 0,
        idMap: { sourceId: 'id', object: 'contacts' },
        lookups: { AccountId: { from: 'companies', object: 'companies' } },
      },
      idMap,
      'people',
      people,
    );
    expect(ctx.rejected.map((r) => r.reason)).toEqual([
      "AccountId: companies nope is not in this flow's ID map (not migrated, or rejected there)",
    ]);
    const contactIds = await mapOf(idMap, 'contacts', people);
    const stored = await queryAll(
      org.jsforce,
      "SELECT Id, Email, AccountId FROM Contact WHERE Email LIKE '%@idmap-bulk.example' ORDER BY Email",
    );
    expect(stored).toEqual(
      people.slice(0, 7).map((person, i) => ({
        Id: contactIds.get(person.id),
        Email: person.Email,
        AccountId: accountIds.get(`p${i}`),
      })),
    );
  });
});
