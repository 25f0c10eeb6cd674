/**
 * The HubSpot → Salesforce migration's proof, shared by the kill test and the fault-storm test:
 * HubSpot's records read before the run (some spoiled so Salesforce refuses them), then Salesforce
 * read back with jsforce after it: one record per HubSpot record that could be migrated, every
 * association the right lookup, owners matched by email, stages mapped, every refused record listed
 * with its reason, and a reconciliation report that adds up.
 */
import type { Connection } from 'jsforce';
import { expect } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import type { HubspotSandbox } from '../sandboxes/hubspot/server.ts';
import { hubspotAssociations, hubspotCall, hubspotRecords, type PortalObject } from './crm-migration-support.ts';
import { queryAll } from './salesforce-support.ts';
import { runCli } from './support.ts';

export interface PortalBefore {
  companies: string[];
  contacts: PortalObject[];
  deals: PortalObject[];
  contactCompany: Map<string, string[]>;
  dealCompany: Map<string, string[]>;
  spoiledCompanies: Set<string>;
  spoiledContacts: Set<string>;
}

/**
 * Reads the portal and spoils some of it: names too long for Account.Name (every 200th company)
 * and contacts without a last name (every 500th), which HubSpot allows and Salesforce refuses.
 */
export async function readAndSpoilPortal(hubspot: HubspotSandbox): Promise<PortalBefore> {
  const companies = (await hubspotRecords(hubspot, 'companies', ['name'])).map((record) => record.id);
  const contacts = await hubspotRecords(hubspot, 'contacts', ['lastname']);
  const deals = await hubspotRecords(hubspot, 'deals', ['hubspot_owner_id', 'dealstage']);
  const spoiledCompanies = companies.filter((_, index) => index % 200 === 7);
  const spoiledContacts = contacts.map((contact) => contact.id).filter((_, index) => index % 500 === 3);
  for (let start = 0; start < spoiledCompanies.length; start += 100) {
    await hubspotCall(hubspot, '/crm/v3/objects/companies/batch/update', {
      method: 'POST',
      body: {
        inputs: spoiledCompanies
          .slice(start, start + 100)
          .map((id) => ({ id, properties: { name: `${'N'.repeat(300)} ${id}` } })),
      },
    });
  }
  await hubspotCall(hubspot, '/crm/v3/objects/contacts/batch/update', {
    method: 'POST',
    body: { inputs: spoiledContacts.map((id) => ({ id, properties: { lastname: '' } })) },
  });
  const ids = (records: PortalObject[]) => records.map((record) => record.id);
  return {
    companies,
    contacts,
    deals,
    contactCompany: await hubspotAssociations(hubspot, 'contacts', 'companies', ids(contacts)),
    dealCompany: await hubspotAssociations(hubspot, 'deals', 'companies', ids(deals)),
    spoiledCompanies: new Set(spoiledCompanies),
    spoiledContacts: new Set(spoiledContacts),
  };
}

const migratedStages = new Set([
  'Prospecting',
  'Qualification',
  'Proposal/Price Quote',
  'Id. Decision Makers',
  'Negotiation/Review',
  'Closed Won',
  'Closed Lost',
]);

/** Checks Salesforce, the run's report and its rejected records against the portal as it was. */
export async function expectMigrated(options: {
  before: PortalBefore;
  hubspot: HubspotSandbox;
  jsforce: Connection;
  summary: RunSummary;
  cwd: string;
  /** Owner emails Salesforce has users for. */
  matchedEmails: ReadonlySet<string>;
}): Promise<void> {
  const { before, jsforce, summary } = options;
  const { spoiledCompanies, spoiledContacts, contactCompany, dealCompany } = before;
  const firstCompany = (associated: Map<string, string[]>, id: string) => associated.get(id)?.[0];
  const ofSpoiledCompany = (associated: Map<string, string[]>, id: string) =>
    spoiledCompanies.has(firstCompany(associated, id) ?? '');
  // What Salesforce should hold: every record but the refused, and those whose company was refused.
  const expectedContacts = before.contacts.filter(
    (contact) => !spoiledContacts.has(contact.id) && !ofSpoiledCompany(contactCompany, contact.id),
  );
  const expectedDeals = before.deals.filter((deal) => !ofSpoiledCompany(dealCompany, deal.id));

  const accounts = await queryAll(jsforce, 'SELECT Id, External_Id__c FROM Account');
  const contacts = await queryAll(jsforce, 'SELECT Id, External_Id__c, AccountId FROM Contact');
  const opportunities = await queryAll(
    jsforce,
    'SELECT Id, External_Id__c, AccountId, StageName, Owner.Email FROM Opportunity',
  );
  const sorted = (ids: string[]) => [...ids].sort();
  const externalIds = (records: Record<string, unknown>[]) =>
    sorted(records.map((record) => String(record.External_Id__c)));
  // Exactly one record per HubSpot record: the external ids are those expected, each once.
  expect(externalIds(accounts)).toEqual(sorted(before.companies.filter((id) => !spoiledCompanies.has(id))));
  expect(externalIds(contacts)).toEqual(sorted(expectedContacts.map((contact) => contact.id)));
  expect(externalIds(opportunities)).toEqual(sorted(expectedDeals.map((deal) => deal.id)));

  // Every association became the right lookup.
  const accountByCompany = new Map(accounts.map((account) => [String(account.External_Id__c), account.Id]));
  const lookupOf = (associated: Map<string, string[]>, record: Record<string, unknown>) =>
    accountByCompany.get(firstCompany(associated, String(record.External_Id__c)) ?? '') ?? null;
  expect(contacts.filter((contact) => contact.AccountId !== lookupOf(contactCompany, contact)).slice(0, 3)).toEqual([]);
  expect(opportunities.filter((deal) => deal.AccountId !== lookupOf(dealCompany, deal)).slice(0, 3)).toEqual([]);
  const linkedContacts = contacts.filter((contact) => contact.AccountId !== null).length;
  expect(linkedContacts).toBeGreaterThan(contacts.length * 0.85);

  // Owners matched by email where Salesforce has the user; stages mapped.
  const owners = await hubspotCall<{ results: { id: string; email: string }[] }>(
    options.hubspot,
    '/crm/v3/owners?limit=100',
  );
  const ownerEmail = new Map(owners.results.map((owner) => [owner.id, owner.email]));
  const dealById = new Map(before.deals.map((deal) => [deal.id, deal]));
  let ownersMatched = 0;
  for (const opportunity of opportunities) {
    const email = ownerEmail.get(dealById.get(String(opportunity.External_Id__c))!.properties.hubspot_owner_id ?? '');
    if (email && options.matchedEmails.has(email)) {
      expect((opportunity.Owner as { Email: string }).Email).toBe(email);
      ownersMatched++;
    }
  }
  expect(ownersMatched).toBeGreaterThan(opportunities.length / 2);
  expect(new Set(opportunities.map((opportunity) => opportunity.StageName))).toEqual(migratedStages);

  // The reconciliation report adds up, per object, over every attempt.
  const report = Object.fromEntries((summary.verification?.salesforce ?? []).map((stream) => [stream.stream, stream]));
  const refused = {
    companies: spoiledCompanies.size,
    contacts: before.contacts.length - expectedContacts.length,
    deals: before.deals.length - expectedDeals.length,
  };
  for (const [stream, source, loaded] of [
    ['companies', before.companies.length, accounts.length],
    ['contacts', before.contacts.length, contacts.length],
    ['deals', before.deals.length, opportunities.length],
  ] as const) {
    expect(report[stream], stream).toMatchObject({ source, loaded, rejected: refused[stream], missing: 0, ok: true });
    expect(report[stream]!.created! + report[stream]!.updated!, stream).toBe(loaded);
  }
  expect(report.contacts?.relations?.find((relation) => relation.name === 'AccountId')).toEqual({
    name: 'AccountId',
    expected: linkedContacts,
    present: linkedContacts,
  });
  const totalRefused = refused.companies + refused.contacts + refused.deals;
  expect(summary.nodes.salesforce?.rejected).toBe(totalRefused);

  // Every refused record is listed with its reason.
  const listed = await runCli(['rejected', summary.runId], options.cwd);
  const reasons = listed.stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { reasons: string[] }).reasons.join('; '));
  expect(reasons.length).toBe(totalRefused);
  const count = (text: string) => reasons.filter((reason) => reason.includes(text)).length;
  expect(count('STRING_TOO_LONG')).toBe(refused.companies);
  expect(count('REQUIRED_FIELD_MISSING')).toBe(spoiledContacts.size);
  const children =
    before.contacts.filter((contact) => ofSpoiledCompany(contactCompany, contact.id)).length +
    before.deals.filter((deal) => ofSpoiledCompany(dealCompany, deal.id)).length;
  expect(count("is not in this flow's ID map")).toBe(children);
}
