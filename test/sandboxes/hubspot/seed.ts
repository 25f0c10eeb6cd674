import { mulberry32, picker } from '../random.ts';
import { link } from './associations.ts';
import { type ObjectType, objectTypes } from './catalog.ts';
import { dealPipelines } from './pipelines.ts';
import { createCustomProperty } from './property-definitions.ts';
import { createRecord } from './records.ts';
import type { CrmStore, Owner } from './store.ts';

export interface SeedCounts {
  companies?: number;
  contacts?: number;
  deals?: number;
  owners?: number;
  /**
   * Creates the unique text property `salesforce_id` ("Salesforce ID") on companies, contacts and
   * deals when missing, so a Salesforce → HubSpot migration can upsert by it. Seeded records leave
   * it empty: they did not come from Salesforce.
   */
  salesforceIds?: boolean;
}

/** The demo portal: 20 owners, 50 companies, 200 contacts (nine in ten at a company), 50 deals and `salesforce_id`. */
export const demoSeed: Required<SeedCounts> = {
  owners: 20,
  companies: 50,
  contacts: 200,
  deals: 50,
  salesforceIds: true,
};

/** The group `salesforce_id` goes in, per object. */
const informationGroups: Record<ObjectType, string> = {
  companies: 'companyinformation',
  contacts: 'contactinformation',
  deals: 'dealinformation',
};

const firstNames = [
  'Ada',
  'Björn',
  'Chloé',
  'Dmitri',
  'Eun-ji',
  'Fatima',
  'Gianluca',
  'Hana',
  'Ibrahim',
  'Jolene',
  'Kai',
  'Léa',
  'Mateo',
  'Nnamdi',
  'Olga',
  'Priya',
];
const lastNames = [
  'Okafor',
  "O'Brien",
  'Müller',
  'Nakamura',
  'García',
  'Kowalski',
  'Smith',
  'Dubois',
  'Rossi',
  'Andersson',
  'Singh',
  'Chen',
];
const companyWords = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Tyrell',
  'Cyberdyne',
];
const industries = ['COMPUTER_SOFTWARE', 'FINANCIAL_SERVICES', 'HOSPITAL_HEALTH_CARE', 'RETAIL', 'MANUFACTURING'];
const lifecycleStages = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
];
const cities = ['Berlin', 'São Paulo', 'Lagos', 'Tōkyō', 'Montréal', 'Kraków'];

/** Demo records are dated from here, one minute apart in id order, so the data is the same every run. */
const epoch = Date.parse('2024-01-01T00:00:00.000Z');
const minute = 60_000;

/**
 * Adds `counts` records to the store, deterministic for a given store state: names and values come
 * from a generator seeded by the first new id, dates from the ids. Contacts are associated to the
 * companies present (nine in ten of them), deals to a company and two contacts.
 */
export function seedStore(store: CrmStore, counts: SeedCounts): void {
  if (counts.salesforceIds) addSalesforceIds(store);
  const owners = seedOwners(store, counts.owners ?? 0);
  const ownerIds = owners.length > 0 ? owners : [...store.owners()].map((owner) => owner.id);
  const companies = addRecords(store, 'companies', counts.companies ?? 0, (id, pick) => ({
    name: `${pick(companyWords)} ${pick(['Labs', 'GmbH', 'Ltd', 'Inc.', 'S.A.'])} ${id}`,
    domain: `${pick(companyWords).toLowerCase()}-${id}.example.com`,
    industry: pick(industries),
    city: pick(cities),
    numberofemployees: String(1 + Math.floor(pick.random() * 5000)),
    annualrevenue: String(Math.floor(pick.random() * 1e8)),
    is_public: String(pick.random() < 0.3),
    ...owner(ownerIds, id),
  }));
  const companyIds = companies.length > 0 ? companies : live(store, 'companies');
  const contacts = addRecords(store, 'contacts', counts.contacts ?? 0, (id, pick) => {
    const first = pick(firstNames);
    const last = pick(lastNames);
    return {
      firstname: first,
      lastname: last,
      email: `${ascii(first)}.${ascii(last)}.${id}@example.com`,
      phone: `+1 555 ${String(Number(id) % 10_000).padStart(4, '0')}`,
      jobtitle: pick(['Engineer', 'Buyer', 'CFO', 'Head of "Growth"', 'Analyst']),
      city: pick(cities),
      lifecyclestage: pick(lifecycleStages),
      ...owner(ownerIds, id),
    };
  });
  contacts.forEach((contactId, index) => {
    if (index % 10 === 9 || companyIds.length === 0) return;
    link(store, 'contacts', contactId, 'companies', companyIds[index % companyIds.length] as string, [279, 1]);
  });
  const contactIds = contacts.length > 0 ? contacts : live(store, 'contacts');
  const stages = (dealPipelines[0] as (typeof dealPipelines)[number]).stages;
  const deals = addRecords(store, 'deals', counts.deals ?? 0, (id, pick) => ({
    dealname: `${pick(companyWords)} renewal ${id}`,
    amount: (Math.floor(pick.random() * 10_000_000) / 100).toFixed(2),
    pipeline: 'default',
    dealstage: (stages[Number(id) % stages.length] as (typeof stages)[number]).id,
    closedate: new Date(epoch + 90 * 86_400_000 + Number(id) * minute).toISOString(),
    ...owner(ownerIds, id),
  }));
  deals.forEach((dealId, index) => {
    if (companyIds.length > 0)
      link(store, 'deals', dealId, 'companies', companyIds[index % companyIds.length] as string, [341, 5]);
    for (const offset of [0, 1]) {
      const contactId = contactIds[(index * 2 + offset) % Math.max(1, contactIds.length)];
      if (contactId) link(store, 'deals', dealId, 'contacts', contactId, [3]);
    }
  });
}

function addSalesforceIds(store: CrmStore): void {
  for (const type of objectTypes) {
    if (store.customProperty(type, 'salesforce_id')) continue;
    createCustomProperty(
      store,
      type,
      {
        name: 'salesforce_id',
        label: 'Salesforce ID',
        type: 'string',
        fieldType: 'text',
        groupName: informationGroups[type],
        hasUniqueValue: true,
        description: 'The id of the record in Salesforce, for upserts by a migration.',
      },
      new Date(epoch).toISOString(),
    );
  }
}

type Pick = (<T>(values: readonly T[]) => T) & { random: () => number };

function addRecords(
  store: CrmStore,
  type: ObjectType,
  count: number,
  values: (id: string, pick: Pick) => Record<string, string>,
): string[] {
  const schema = store.schema(type);
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const id = store.newId();
    const random = mulberry32(Number(id));
    const pick = Object.assign(picker(random), { random });
    const createdAt = new Date(epoch + Number(id) * minute).toISOString();
    const record = createRecord(store, schema, { ...values(id, pick), createdate: createdAt }, createdAt, id);
    // Dated like an old record, not like one written now: the last change an hour after creation.
    const modified = new Date(Date.parse(createdAt) + 60 * minute).toISOString();
    store.put(type, {
      ...record,
      updatedAt: modified,
      properties: { ...record.properties, [schema.lastModifiedProperty]: modified },
    });
    ids.push(id);
  }
  return ids;
}

/**
 * The demo portal's `index`-th owner (from 0). The Salesforce sandbox's demo users are the same
 * people with the same emails, so a migration between the two demo sandboxes matches owners by email.
 */
export function demoOwner(index: number): { firstName: string; lastName: string; email: string } {
  const firstName = firstNames[index % firstNames.length] as string;
  const lastName = lastNames[index % lastNames.length] as string;
  return { firstName, lastName, email: `${ascii(firstName)}.${ascii(lastName)}.owner${index + 1}@example.com` };
}

function seedOwners(store: CrmStore, count: number): string[] {
  const ids: string[] = [];
  const existing = [...store.owners()].length;
  for (let index = existing; index < existing + count; index++) {
    const { firstName: first, lastName: last, email } = demoOwner(index);
    const created = new Date(epoch + index * minute).toISOString();
    const owner: Owner = {
      id: String(70_000_001 + index),
      email,
      firstName: first,
      lastName: last,
      userId: 9_000_001 + index,
      createdAt: created,
      updatedAt: created,
      archived: false,
    };
    store.putOwner(owner);
    ids.push(owner.id);
  }
  return ids;
}

const owner = (ownerIds: string[], id: string): Record<string, string> =>
  ownerIds.length > 0 ? { hubspot_owner_id: ownerIds[Number(id) % ownerIds.length] as string } : {};

const live = (store: CrmStore, type: ObjectType) =>
  [...store.all(type)].filter((record) => !record.archived).map((record) => record.id);

/** Names as email local parts: accents dropped, apostrophes and spaces gone. */
const ascii = (text: string) =>
  text
    .normalize('NFD')
    .replace(/[^A-Za-z-]/g, '')
    .toLowerCase();
