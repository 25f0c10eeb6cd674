/**
 * The HubSpot → Salesforce migration as shipped (examples/hubspot-to-salesforce.json), through the
 * CLI, between the two sandboxes: 5,000 companies, 20,000 contacts (nine in ten at a company) and
 * 5,000 deals, with records HubSpot allows and Salesforce refuses (company names past 255
 * characters, contacts without a last name). The run is killed with SIGKILL twice, mid-contacts and
 * mid-deals, and resumed each time. Checked against both systems read back through their APIs
 * (jsforce for Salesforce): one Salesforce record per HubSpot record that could be migrated, every
 * association the right lookup, owners matched by email, every refused record listed with its
 * reason, and a reconciliation report that adds up.
 */
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import { type HubspotSandbox, startHubspotSandbox } from '../sandboxes/hubspot/server.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import {
  exampleFlow,
  hubspotAssociations,
  hubspotCall,
  hubspotRecords,
  migrationEnv,
  migrationToken,
  readerToken,
  runKilledAt,
} from './crm-migration-support.ts';
import { oracle, queryAll, sandboxUser } from './salesforce-support.ts';
import { runCli, spawnCliWithEnv, workDir } from './support.ts';

let hubspot: HubspotSandbox;
let salesforce: SalesforceSandbox;
let jsforce: Connection;

/** Owners whose email has a Salesforce user; the other five stay unmatched. */
const matchedOwners = 15;

beforeAll(async () => {
  hubspot = await startHubspotSandbox({
    port: 0,
    tokens: [migrationToken, readerToken],
    seed: { owners: 20, companies: 5_000, contacts: 20_000, deals: 5_000 },
  });
  const owners = await hubspotCall<{ results: { email: string }[] }>(hubspot, '/crm/v3/owners?limit=100');
  salesforce = await startSalesforceSandbox({
    port: 0,
    users: [
      sandboxUser,
      ...owners.results.slice(0, matchedOwners).map((owner) => ({ username: owner.email, password: 'owner-pw' })),
    ],
  });
  jsforce = await oracle(salesforce);
}, 120_000);
afterAll(async () => {
  await hubspot?.close();
  await salesforce?.close();
});

/** Data HubSpot holds and Salesforce refuses: 25 company names too long for Account.Name, 40 contacts without a last name. */
async function spoilSomeRecords(companies: string[], contacts: string[]) {
  const longName = 'N'.repeat(300);
  const spoiledCompanies = companies.filter((_, index) => index % 200 === 7);
  const spoiledContacts = contacts.filter((_, index) => index % 500 === 3);
  await hubspotCall(hubspot, '/crm/v3/objects/companies/batch/update', {
    method: 'POST',
    body: { inputs: spoiledCompanies.map((id) => ({ id, properties: { name: `${longName} ${id}` } })) },
  });
  await hubspotCall(hubspot, '/crm/v3/objects/contacts/batch/update', {
    method: 'POST',
    body: { inputs: spoiledContacts.map((id) => ({ id, properties: { lastname: '' } })) },
  });
  return { spoiledCompanies: new Set(spoiledCompanies), spoiledContacts: new Set(spoiledContacts) };
}

describe('HubSpot → Salesforce migration (examples/hubspot-to-salesforce.json)', () => {
  it('killed twice and resumed, ends with one Salesforce record per HubSpot record, every association a lookup, and a report that reconciles', async () => {
    const companies = (await hubspotRecords(hubspot, 'companies', ['name'])).map((record) => record.id);
    const contacts = await hubspotRecords(hubspot, 'contacts', ['lastname']);
    const deals = await hubspotRecords(hubspot, 'deals', ['hubspot_owner_id', 'dealstage']);
    expect([companies.length, contacts.length, deals.length]).toEqual([5_000, 20_000, 5_000]);
    const { spoiledCompanies, spoiledContacts } = await spoilSomeRecords(
      companies,
      contacts.map((contact) => contact.id),
    );
    const contactCompany = await hubspotAssociations(
      hubspot,
      'contacts',
      'companies',
      contacts.map((contact) => contact.id),
    );
    const dealCompany = await hubspotAssociations(
      hubspot,
      'deals',
      'companies',
      deals.map((deal) => deal.id),
    );

    const cwd = await workDir('hubspot-to-salesforce-');
    await exampleFlow('hubspot-to-salesforce', cwd);
    const env = migrationEnv(hubspot, salesforce);
    const count = (object: string) => async () => (await jsforce.query(`SELECT COUNT() FROM ${object}`)).totalSize;
    await runKilledAt(cwd, env, false, count('Contact'), 6_000);
    await runKilledAt(cwd, env, true, count('Opportunity'), 1_500);
    const finished = await spawnCliWithEnv(['run', 'flow.json', '--resume', '--json'], cwd, env).done;
    expect(finished.code, finished.stderr).toBe(0);
    const summary = JSON.parse(finished.stdout) as RunSummary;
    expect(summary).toMatchObject({ status: 'succeeded', resumed: true });

    // What Salesforce should hold: every record but the refused, and those whose company was refused.
    const firstCompany = (associated: Map<string, string[]>, id: string) => associated.get(id)?.[0];
    const expectedContacts = contacts.filter(
      (contact) =>
        !spoiledContacts.has(contact.id) && !spoiledCompanies.has(firstCompany(contactCompany, contact.id) ?? ''),
    );
    const expectedDeals = deals.filter((deal) => !spoiledCompanies.has(firstCompany(dealCompany, deal.id) ?? ''));

    const accounts = await queryAll(jsforce, 'SELECT Id, External_Id__c, Name FROM Account');
    const sfContacts = await queryAll(jsforce, 'SELECT Id, External_Id__c, AccountId, LastName FROM Contact');
    const opportunities = await queryAll(
      jsforce,
      'SELECT Id, External_Id__c, AccountId, StageName, Owner.Email FROM Opportunity',
    );
    const externalIds = (records: Record<string, unknown>[]) => records.map((record) => String(record.External_Id__c));
    const sorted = (ids: string[]) => [...ids].sort();
    // Exactly one record per HubSpot record: the external ids are those expected, each once.
    expect(sorted(externalIds(accounts))).toEqual(sorted(companies.filter((id) => !spoiledCompanies.has(id))));
    expect(sorted(externalIds(sfContacts))).toEqual(sorted(expectedContacts.map((contact) => contact.id)));
    expect(sorted(externalIds(opportunities))).toEqual(sorted(expectedDeals.map((deal) => deal.id)));

    // Every association became the right lookup.
    const accountByCompany = new Map(accounts.map((account) => [String(account.External_Id__c), account.Id]));
    const wrongContacts = sfContacts.filter(
      (contact) =>
        contact.AccountId !==
        (accountByCompany.get(firstCompany(contactCompany, String(contact.External_Id__c)) ?? '') ?? null),
    );
    expect(wrongContacts.slice(0, 3)).toEqual([]);
    expect(sfContacts.filter((contact) => contact.AccountId !== null).length).toBeGreaterThan(17_000);
    const wrongDeals = opportunities.filter(
      (deal) => deal.AccountId !== accountByCompany.get(firstCompany(dealCompany, String(deal.External_Id__c)) ?? ''),
    );
    expect(wrongDeals.slice(0, 3)).toEqual([]);

    // Owners matched by email where Salesforce has the user; stages mapped.
    const owners = await hubspotCall<{ results: { id: string; email: string }[] }>(hubspot, '/crm/v3/owners?limit=100');
    const ownerEmail = new Map(owners.results.map((owner) => [owner.id, owner.email]));
    const matchedEmails = new Set(owners.results.slice(0, matchedOwners).map((owner) => owner.email));
    const dealById = new Map(deals.map((deal) => [deal.id, deal]));
    let ownersMatched = 0;
    for (const opportunity of opportunities) {
      const deal = dealById.get(String(opportunity.External_Id__c))!;
      const email = ownerEmail.get(deal.properties.hubspot_owner_id ?? '');
      if (email && matchedEmails.has(email)) {
        expect((opportunity.Owner as { Email: string }).Email).toBe(email);
        ownersMatched++;
      }
    }
    expect(ownersMatched).toBeGreaterThan(3_000);
    expect(new Set(opportunities.map((opportunity) => opportunity.StageName))).toEqual(
      new Set([
        'Prospecting',
        'Qualification',
        'Proposal/Price Quote',
        'Id. Decision Makers',
        'Negotiation/Review',
        'Closed Won',
        'Closed Lost',
      ]),
    );

    // The reconciliation report adds up, per object, over all three attempts.
    const report = Object.fromEntries((summary.verification?.salesforce ?? []).map((stream) => [stream.stream, stream]));
    const refused = {
      companies: spoiledCompanies.size,
      contacts: contacts.length - expectedContacts.length,
      deals: deals.length - expectedDeals.length,
    };
    for (const [stream, source, loaded] of [
      ['companies', 5_000, accounts.length],
      ['contacts', 20_000, sfContacts.length],
      ['deals', 5_000, opportunities.length],
    ] as const) {
      expect(report[stream], stream).toMatchObject({ source, loaded, rejected: refused[stream], missing: 0, ok: true });
      expect(report[stream]!.created! + report[stream]!.updated!, stream).toBe(loaded);
    }
    expect(report.contacts?.relations).toEqual([
      {
        name: 'AccountId',
        expected: sfContacts.filter((contact) => contact.AccountId !== null).length,
        present: sfContacts.filter((contact) => contact.AccountId !== null).length,
      },
    ]);
    expect(summary.nodes.salesforce?.rejected).toBe(refused.companies + refused.contacts + refused.deals);

    // Every refused record is listed with its reason.
    const listed = await runCli(['rejected', summary.runId], cwd);
    const reasons = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { reasons: string[] });
    expect(reasons.length).toBe(refused.companies + refused.contacts + refused.deals);
    const text = reasons.map((row) => row.reasons.join('; '));
    expect(text.filter((reason) => reason.includes('STRING_TOO_LONG')).length).toBe(refused.companies);
    expect(text.filter((reason) => reason.includes('REQUIRED_FIELD_MISSING')).length).toBeGreaterThan(0);
    const ofSpoiledCompany = (associated: Map<string, string[]>, ids: string[]) =>
      ids.filter((id) => spoiledCompanies.has(firstCompany(associated, id) ?? '')).length;
    expect(text.filter((reason) => reason.includes("is not in this flow's ID map")).length).toBe(
      ofSpoiledCompany(
        contactCompany,
        contacts.map((contact) => contact.id),
      ) +
        ofSpoiledCompany(
          dealCompany,
          deals.map((deal) => deal.id),
        ),
    );
  }, 600_000);
});
