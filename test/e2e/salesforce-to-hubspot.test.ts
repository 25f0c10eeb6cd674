import { beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import {
  exampleFlow,
  hubspotAssociations,
  hubspotCall,
  hubspotRecords,
  type MigrationSandboxes,
  migrationEnv,
  runKilledAt,
  startMigrationSandboxes,
} from './crm-migration-support.ts';
import { queryAll } from './salesforce-support.ts';
import { spawnCliWithEnv, workDir } from './support.ts';

let sandboxes: MigrationSandboxes;
beforeAll(async () => {
  // Salesforce users with the HubSpot owners' emails own the records the org's seed creates.
  sandboxes = await startMigrationSandboxes({
    hubspot: { owners: 10, salesforceIds: true },
    salesforce: { accounts: 1_000, contacts: 4_000, opportunities: 1_000 },
    ownersWithUsers: 10,
  });
}, 120_000);

const stages: Record<string, string> = {
  Prospecting: 'appointmentscheduled',
  Qualification: 'qualifiedtobuy',
  'Needs Analysis': 'qualifiedtobuy',
  'Value Proposition': 'presentationscheduled',
  'Id. Decision Makers': 'decisionmakerboughtin',
  'Perception Analysis': 'decisionmakerboughtin',
  'Proposal/Price Quote': 'presentationscheduled',
  'Negotiation/Review': 'contractsent',
  'Closed Won': 'closedwon',
  'Closed Lost': 'closedlost',
};

async function contactsInHubspot(): Promise<number> {
  const answer = await hubspotCall<{ total: number }>(sandboxes.hubspot, '/crm/v3/objects/contacts/search', {
    method: 'POST',
    body: { limit: 1, filterGroups: [] },
  });
  return answer.total;
}

describe('Salesforce → HubSpot migration (examples/salesforce-to-hubspot.json)', () => {
  it('killed and resumed, rebuilds every association in HubSpot; a second run creates nothing', async () => {
    const { hubspot, salesforce, jsforce } = sandboxes;
    const accounts = await queryAll(jsforce, 'SELECT Id FROM Account');
    const contacts = await queryAll(jsforce, 'SELECT Id, AccountId, Email FROM Contact');
    const opportunities = await queryAll(jsforce, 'SELECT Id, AccountId, StageName, Owner.Email FROM Opportunity');
    const cwd = await workDir('salesforce-to-hubspot-');
    await exampleFlow('salesforce-to-hubspot', cwd);
    const env = migrationEnv(hubspot, salesforce);
    await runKilledAt(cwd, env, false, contactsInHubspot, 1_200);
    const resumed = await spawnCliWithEnv(['run', 'flow.json', '--resume', '--json'], cwd, env).done;
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as RunSummary;
    expect(summary).toMatchObject({ status: 'succeeded', resumed: true });

    const companies = await hubspotRecords(hubspot, 'companies', ['salesforce_id']);
    const hsContacts = await hubspotRecords(hubspot, 'contacts', ['salesforce_id', 'email']);
    const deals = await hubspotRecords(hubspot, 'deals', ['salesforce_id', 'dealstage', 'hubspot_owner_id']);
    const sfIds = (records: { properties: Record<string, string | null> }[]) =>
      records.map((record) => String(record.properties.salesforce_id)).sort();
    const ids = (records: Record<string, unknown>[]) => records.map((record) => String(record.Id)).sort();
    // One HubSpot record per Salesforce record.
    expect(sfIds(companies)).toEqual(ids(accounts));
    expect(sfIds(hsContacts)).toEqual(ids(contacts));
    expect(sfIds(deals)).toEqual(ids(opportunities));

    // Every AccountId became the association to the right company.
    const companyOf = new Map(companies.map((company) => [company.properties.salesforce_id, company.id]));
    const contactBySf = new Map(hsContacts.map((contact) => [contact.properties.salesforce_id, contact.id]));
    const dealBySf = new Map(deals.map((deal) => [deal.properties.salesforce_id, deal]));
    const contactCompanies = await hubspotAssociations(
      hubspot,
      'contacts',
      'companies',
      hsContacts.map((contact) => contact.id),
    );
    const dealCompanies = await hubspotAssociations(
      hubspot,
      'deals',
      'companies',
      deals.map((deal) => deal.id),
    );
    const expectedOf = (accountId: unknown) => (accountId ? [companyOf.get(String(accountId))!] : []);
    const wrongContacts = contacts.filter(
      (contact) =>
        JSON.stringify(contactCompanies.get(contactBySf.get(String(contact.Id))!) ?? []) !==
        JSON.stringify(expectedOf(contact.AccountId)),
    );
    expect(wrongContacts.slice(0, 3)).toEqual([]);
    const wrongDeals = opportunities.filter(
      (opportunity) =>
        JSON.stringify(dealCompanies.get(dealBySf.get(String(opportunity.Id))!.id) ?? []) !==
        JSON.stringify(expectedOf(opportunity.AccountId)),
    );
    expect(wrongDeals.slice(0, 3)).toEqual([]);

    // Stages mapped, owners matched by email.
    const owners = await hubspotCall<{ results: { id: string; email: string }[] }>(hubspot, '/crm/v3/owners?limit=100');
    const ownerByEmail = new Map(owners.results.map((owner) => [owner.email.toLowerCase(), owner.id]));
    let ownersMatched = 0;
    for (const opportunity of opportunities) {
      const deal = dealBySf.get(String(opportunity.Id))!;
      expect(deal.properties.dealstage).toBe(stages[String(opportunity.StageName)]);
      const email = (opportunity.Owner as { Email?: string } | null)?.Email?.toLowerCase();
      const owner = email ? ownerByEmail.get(email) : undefined;
      if (owner) {
        expect(deal.properties.hubspot_owner_id).toBe(owner);
        ownersMatched++;
      }
    }
    expect(ownersMatched).toBeGreaterThan(500);

    // The report: every record accounted for, associations expected = present.
    const report = Object.fromEntries((summary.verification?.hubspot ?? []).map((stream) => [stream.stream, stream]));
    for (const [stream, source] of [
      ['Account', accounts.length],
      ['Contact', contacts.length],
      ['Opportunity', opportunities.length],
    ] as const) {
      expect(report[stream], stream).toMatchObject({ source, loaded: source, rejected: 0, missing: 0, ok: true });
    }
    const withAccount = contacts.filter((contact) => contact.AccountId).length;
    expect(report.Contact?.relations?.find((relation) => relation.name === 'associations.companies')).toEqual({
      name: 'associations.companies',
      expected: withAccount,
      present: withAccount,
    });

    // A second run updates what the first created and creates nothing.
    const again = await spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, env).done;
    expect(again.code, again.stderr).toBe(0);
    const second = JSON.parse(again.stdout) as RunSummary;
    for (const stream of second.verification?.hubspot ?? []) {
      expect(stream, stream.stream).toMatchObject({ created: 0, updated: stream.source, missing: 0, ok: true });
    }
    expect(await contactsInHubspot()).toBe(contacts.length);
  }, 600_000);
});
