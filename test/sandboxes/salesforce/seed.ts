import { demoOwner } from '../hubspot/seed.ts';
import { mulberry32, picker } from '../random.ts';
import type { Org } from './org.ts';
import { industries, leadStatuses, type StoredRecord, stageNames } from './schema.ts';

export interface SeedCounts {
  accounts?: number;
  contacts?: number;
  leads?: number;
  opportunities?: number;
  users?: number;
}

/** What `--seed demo` loads: a small org with every relationship filled in. */
export const demoCounts: Required<SeedCounts> = {
  users: 10,
  accounts: 50,
  contacts: 200,
  leads: 100,
  opportunities: 80,
};

const firstNames = [
  'Ada',
  'Björn',
  'Chloé',
  'Dmitri',
  'Eun-ji',
  'Farah',
  'Gustavo',
  'Hana',
  'Ilse',
  'João',
  'Kwame',
  'Léa',
];
const lastNames = [
  "O'Brien",
  'Nakamura',
  'García',
  'Müller',
  'Okafor',
  'Smith',
  'Kowalski',
  'Nguyen',
  'Rossi',
  'Dubois',
];
const companyWords = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Hooli',
];
const cities: [string, string][] = [
  ['Berlin', 'Germany'],
  ['Lagos', 'Nigeria'],
  ['São Paulo', 'Brazil'],
  ['Osaka', 'Japan'],
  ['Toronto', 'Canada'],
  ['Lyon', 'France'],
];

/**
 * Adds records with the same content every time for the same org state: names, external ids
 * (`ACC-000001`…) and relationships come from a generator seeded by what the org already holds.
 * Users become record owners; contacts and opportunities mostly hang off accounts.
 */
export function seedOrg(org: Org, counts: SeedCounts, actingUserId: string): void {
  const live = (object: string) =>
    [...org.store.table(object).records.values()].filter((record: StoredRecord) => !record.IsDeleted);
  const random = mulberry32(live('Account').length * 7919 + live('Contact').length + 1);
  const pick = picker(random);
  const context = { userId: actingUserId, source: 'json' as const };
  const type = (name: string) => {
    const found = org.schema.type(name);
    if (!found) throw new Error(`no ${name} in the schema`);
    return found;
  };
  const number = (n: number) => String(n).padStart(6, '0');

  const userStart = live('User').length;
  const seededUsers = live('User').filter((user) => String(user.Username).startsWith('user')).length;
  for (let i = 1; i <= (counts.users ?? 0); i++) {
    const n = userStart + i;
    // The demo portal's owners, by email: a migration between the demo sandboxes matches them.
    const person = demoOwner(seededUsers + i - 1);
    org.dml.insert(
      type('User'),
      {
        Username: `user${n}@sandbox.example`,
        FirstName: person.firstName,
        LastName: person.lastName,
        Email: person.email,
        Alias: `u${n}`.slice(0, 8),
        External_Id__c: `USR-${number(n)}`,
      },
      context,
    );
  }
  const owners = live('User').map((user) => user.Id);

  const accountStart = live('Account').length;
  for (let i = 1; i <= (counts.accounts ?? 0); i++) {
    const n = accountStart + i;
    const [city, country] = pick(cities);
    org.dml.insert(
      type('Account'),
      {
        Name: `${pick(companyWords)} ${pick(['Holdings', 'Labs', 'GmbH', 'S.A.', '& Sons', 'Corp.'])} ${n}`,
        External_Id__c: `ACC-${number(n)}`,
        Industry: pick(industries),
        Type: pick(['Prospect', 'Customer - Direct', 'Customer - Channel', 'Other']),
        AnnualRevenue: Math.round(random() * 50_000_000),
        NumberOfEmployees: Math.floor(random() * 5000) + 1,
        BillingCity: city,
        BillingCountry: country,
        Phone: `+1 555 ${String(1000 + n).slice(-4)}`,
        OwnerId: pick(owners),
      },
      context,
    );
  }
  const accounts = live('Account').map((account) => account.Id);

  const contactStart = live('Contact').length;
  for (let i = 1; i <= (counts.contacts ?? 0); i++) {
    const n = contactStart + i;
    const first = pick(firstNames);
    const last = pick(lastNames);
    org.dml.insert(
      type('Contact'),
      {
        FirstName: first,
        LastName: last,
        Email: `contact${n}@example.com`,
        Title: pick(['CEO', 'CTO', 'Buyer', 'Engineer', 'Analyst', null]),
        External_Id__c: `CON-${number(n)}`,
        // One contact in ten belongs to no account.
        AccountId: accounts.length > 0 && random() > 0.1 ? pick(accounts) : null,
        OwnerId: pick(owners),
      },
      context,
    );
  }

  const leadStart = live('Lead').length;
  for (let i = 1; i <= (counts.leads ?? 0); i++) {
    const n = leadStart + i;
    org.dml.insert(
      type('Lead'),
      {
        FirstName: pick(firstNames),
        LastName: pick(lastNames),
        Company: `${pick(companyWords)} Prospect ${n}`,
        Email: `lead${n}@example.org`,
        Status: pick(leadStatuses),
        LeadSource: pick(['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other']),
        OwnerId: pick(owners),
      },
      context,
    );
  }

  const opportunityStart = live('Opportunity').length;
  const today = org.now();
  for (let i = 1; i <= (counts.opportunities ?? 0); i++) {
    const n = opportunityStart + i;
    const close = new Date(today.getTime() + Math.floor((random() - 0.5) * 180) * 86_400_000);
    org.dml.insert(
      type('Opportunity'),
      {
        Name: `Deal ${n}`,
        StageName: pick(stageNames),
        CloseDate: close.toISOString().slice(0, 10),
        Amount: Math.round(random() * 10_000_000) / 100,
        External_Id__c: `OPP-${number(n)}`,
        AccountId: accounts.length > 0 ? pick(accounts) : null,
        OwnerId: pick(owners),
      },
      context,
    );
  }
}
