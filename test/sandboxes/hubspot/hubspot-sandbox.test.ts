import { spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HubspotSandbox, type HubspotSandboxOptions, startHubspotSandbox } from './server.ts';

const token = 'pat-sandbox-token';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** The SDK as a user points it at the sandbox; no retries unless a test asks for them. */
const client = (sandbox: HubspotSandbox, numberOfApiCallRetries?: number) =>
  new Client({
    accessToken: token,
    basePath: sandbox.url,
    ...(numberOfApiCallRetries ? { numberOfApiCallRetries } : {}),
  });

/** The SDK's `ApiException`: status in `code`, HubSpot's JSON in `body`. */
interface ApiError {
  code: number;
  body: Record<string, unknown> & { message: string; category?: string };
  headers: Record<string, string>;
}

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    return error as ApiError;
  }
  throw new Error('expected the call to fail');
}

/** A raw call, for what the SDK hides (headers, statuses of faults). */
async function call(sandbox: HubspotSandbox, method: string, pathname: string, body?: unknown, auth = token) {
  const response = await fetch(`${sandbox.url}${pathname}`, {
    method,
    headers: { authorization: `Bearer ${auth}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
  };
}

async function withSandbox<T>(
  options: HubspotSandboxOptions,
  use: (sandbox: HubspotSandbox) => Promise<T>,
): Promise<T> {
  const sandbox = await startHubspotSandbox(options);
  try {
    return await use(sandbox);
  } finally {
    await sandbox.close();
  }
}

describe('HubSpot sandbox driven by @hubspot/api-client', () => {
  let sandbox: HubspotSandbox;
  let hubspot: Client;

  beforeAll(async () => {
    // Search's 4-a-second limit has its own test; here it would only slow the suite down.
    sandbox = await startHubspotSandbox({ seed: 'demo', limits: { searchPerSecond: 1000 } });
    hubspot = client(sandbox);
  });
  afterAll(() => sandbox.close());

  describe('objects', () => {
    it('pages through every seeded contact with getPage/getAll, ids ascending, asked properties only', async () => {
      const first = await hubspot.crm.contacts.basicApi.getPage(100, undefined, ['email', 'city']);
      expect(first.results).toHaveLength(100);
      expect(first.paging?.next?.after).toBeDefined();
      const all = await hubspot.crm.contacts.getAll(100, undefined, ['email', 'city']);
      const ids = all.map((contact) => Number(contact.id));
      expect(ids).toHaveLength(200);
      expect(new Set(ids).size).toBe(200);
      expect([...ids].sort((a, b) => a - b)).toEqual(ids);
      const sample = all[0];
      expect(Object.keys(sample?.properties ?? {}).sort()).toEqual([
        'city',
        'createdate',
        'email',
        'hs_object_id',
        'lastmodifieddate',
      ]);
      expect(sample?.properties.hs_object_id).toBe(sample?.id);
      expect(sample?.createdAt).toBeInstanceOf(Date);
      const withCompanies = await hubspot.crm.contacts.basicApi.getPage(2, undefined, undefined, undefined, [
        'companies',
      ]);
      expect(withCompanies.results[0]?.associations?.companies?.results.map((link) => link.type).sort()).toEqual([
        'contact_to_company',
        'contact_to_company_unlabeled',
      ]);
      // Deterministic demo data: the same seed gives the same records.
      await withSandbox({ seed: 'demo' }, async (twin) => {
        const again = await client(twin).crm.contacts.getAll(100, undefined, ['email', 'city']);
        expect(again.map((contact) => contact.properties)).toEqual(all.map((contact) => contact.properties));
      });
    });

    it('refuses a list page over 100', async () => {
      const error = await failure(hubspot.crm.companies.basicApi.getPage(101));
      expect(error.code).toBe(400);
      expect(error.body.category).toBe('VALIDATION_ERROR');
    });

    it('creates, reads (by id and by email), updates and archives a contact, maintaining its dates', async () => {
      const created = await hubspot.crm.contacts.basicApi.create({
        properties: { email: "zoë.o'neil@example.org", firstname: 'Zoë', lastname: "O'Neil", lifecyclestage: 'lead' },
        associations: [],
      });
      expect(created.properties.hs_object_id).toBe(created.id);
      expect(created.properties.createdate).toBe(created.createdAt.toISOString());
      const byEmail = await hubspot.crm.contacts.basicApi.getById(
        "ZOË.O'NEIL@example.org",
        ['firstname'],
        undefined,
        undefined,
        false,
        'email',
      );
      expect(byEmail.id).toBe(created.id);
      expect(byEmail.properties.firstname).toBe('Zoë');
      const updated = await hubspot.crm.contacts.basicApi.update(created.id, {
        properties: { lifecyclestage: 'customer', lastname: '' },
      });
      expect(updated.properties.lifecyclestage).toBe('customer');
      expect(updated.properties.lastname).toBeUndefined();
      expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());
      const read = await hubspot.crm.contacts.basicApi.getById(created.id, ['lastname', 'lifecyclestage']);
      expect(read.properties).toMatchObject({ lastname: null, lifecyclestage: 'customer' });
      expect(read.properties.lastmodifieddate).toBe(updated.updatedAt.toISOString());

      await hubspot.crm.contacts.basicApi.archive(created.id);
      expect((await failure(hubspot.crm.contacts.basicApi.getById(created.id))).code).toBe(404);
      const archived = await hubspot.crm.contacts.basicApi.getById(created.id, undefined, undefined, undefined, true);
      expect(archived.archived).toBe(true);
      // An archived contact frees its email.
      const again = await hubspot.crm.contacts.basicApi.create({
        properties: { email: "zoë.o'neil@example.org" },
        associations: [],
      });
      expect(again.id).not.toBe(created.id);
    });

    it('answers bad property values with VALIDATION_ERROR naming each property', async () => {
      const error = await failure(
        hubspot.crm.companies.basicApi.create({
          properties: { name: 'Bad Co', numberofemployees: 'abc', colour: 'red', industry: 'MINING' },
          associations: [],
        }),
      );
      expect(error.code).toBe(400);
      expect(error.body.category).toBe('VALIDATION_ERROR');
      expect(error.body.message).toMatch(/^Property values were not valid: /);
      const problems = JSON.parse(error.body.message.replace('Property values were not valid: ', '')) as {
        name: string;
        error: string;
      }[];
      expect(problems.map((problem) => [problem.name, problem.error])).toEqual([
        ['numberofemployees', 'INVALID_DECIMAL'],
        ['colour', 'PROPERTY_DOESNT_EXIST'],
        ['industry', 'INVALID_OPTION'],
      ]);
      const email = await failure(
        hubspot.crm.contacts.basicApi.create({ properties: { email: 'not-an-email' }, associations: [] }),
      );
      expect(email.body.message).toContain('"name":"email"');
      expect(email.body.message).toContain('INVALID_EMAIL');
      const readOnly = await failure(
        hubspot.crm.deals.basicApi.create({ properties: { hs_lastmodifieddate: '0' }, associations: [] }),
      );
      expect(readOnly.body.message).toContain('READ_ONLY_VALUE');
      const stage = await failure(
        hubspot.crm.deals.basicApi.create({ properties: { dealname: 'x', dealstage: 'nope' }, associations: [] }),
      );
      expect(stage.body.message).toContain('"name":"dealstage"');
    });

    it('answers a taken email or domain with 409 naming the existing record', async () => {
      const [existing] = (await hubspot.crm.contacts.basicApi.getPage(1, undefined, ['email'])).results;
      const email = existing?.properties.email as string;
      const create = await failure(
        hubspot.crm.contacts.basicApi.create({ properties: { email: email.toUpperCase() }, associations: [] }),
      );
      expect(create.code).toBe(409);
      expect(create.body).toMatchObject({
        category: 'CONFLICT',
        message: `Contact already exists. Existing ID: ${existing?.id}`,
      });
      const other = await hubspot.crm.contacts.basicApi.create({
        properties: { email: 'someone.else@example.org' },
        associations: [],
      });
      const update = await failure(hubspot.crm.contacts.basicApi.update(other.id, { properties: { email } }));
      expect(update.code).toBe(409);
      const [company] = (await hubspot.crm.companies.basicApi.getPage(1, undefined, ['domain'])).results;
      const domain = await failure(
        hubspot.crm.companies.basicApi.create({
          properties: { name: 'Copy', domain: company?.properties.domain as string },
          associations: [],
        }),
      );
      expect(domain.code).toBe(409);
      expect(domain.body.message).toContain(`Existing ID: ${company?.id}`);
    });

    it('refuses a wrong token with 401 INVALID_AUTHENTICATION', async () => {
      const wrong = new Client({ accessToken: 'pat-wrong', basePath: sandbox.url });
      const error = await failure(wrong.crm.contacts.basicApi.getPage(1));
      expect(error.code).toBe(401);
      expect(error.body.category).toBe('INVALID_AUTHENTICATION');
    });
  });

  describe('batch', () => {
    it('creates 100 contacts, reads them back with a 207 for missing ids, and updates them', async () => {
      const inputs = Array.from({ length: 100 }, (_, index) => ({
        properties: {
          email: `batch.${index}@example.net`,
          firstname: `Batch ${index}`,
          city: index % 2 ? 'Zürich' : 'Oslo',
        },
        associations: [],
      }));
      const created = await hubspot.crm.contacts.batchApi.create({ inputs });
      expect(created.status).toBe('COMPLETE');
      expect(created.results).toHaveLength(100);
      const ids = created.results.map((record) => record.id);
      const read = await hubspot.crm.contacts.batchApi.read({
        inputs: [...ids.slice(0, 3), '999999999'].map((id) => ({ id })),
        properties: ['email'],
        propertiesWithHistory: [],
      });
      expect(read.results.map((record) => record.properties.email).sort()).toEqual([
        'batch.0@example.net',
        'batch.1@example.net',
        'batch.2@example.net',
      ]);
      expect('errors' in read && read.errors).toEqual([
        expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['999999999'] } }),
      ]);
      const byEmail = await hubspot.crm.contacts.batchApi.read({
        inputs: [{ id: 'batch.7@example.net' }],
        idProperty: 'email',
        properties: ['firstname'],
        propertiesWithHistory: [],
      });
      expect(byEmail.results[0]?.properties.firstname).toBe('Batch 7');
      const updated = await hubspot.crm.contacts.batchApi.update({
        inputs: ids.slice(0, 10).map((id) => ({ id, properties: { jobtitle: 'Tester' } })),
      });
      expect(updated.results.every((record) => record.properties.jobtitle === 'Tester')).toBe(true);
    });

    it('upserts by email: existing contacts updated, new ones created, each flagged', async () => {
      const existing = await hubspot.crm.contacts.basicApi.create({
        properties: { email: 'upsert.a@example.net', firstname: 'Old' },
        associations: [],
      });
      const answer = await hubspot.crm.contacts.batchApi.upsert({
        inputs: [
          { id: 'upsert.a@example.net', idProperty: 'email', properties: { firstname: 'New' } },
          { id: 'upsert.b@example.net', idProperty: 'email', properties: { firstname: 'Fresh' } },
        ],
      });
      const byEmail = new Map(answer.results.map((record) => [record.properties.email, record]));
      expect(byEmail.get('upsert.a@example.net')).toMatchObject({ id: existing.id, _new: false });
      expect(byEmail.get('upsert.a@example.net')?.properties.firstname).toBe('New');
      expect(byEmail.get('upsert.b@example.net')?._new).toBe(true);
      // Replaying the same batch is idempotent: nothing new.
      const replay = await hubspot.crm.contacts.batchApi.upsert({
        inputs: [
          { id: 'upsert.a@example.net', idProperty: 'email', properties: { firstname: 'New' } },
          { id: 'upsert.b@example.net', idProperty: 'email', properties: { firstname: 'Fresh' } },
        ],
      });
      expect(replay.results.map((record) => record._new)).toEqual([false, false]);
      const companies = await hubspot.crm.companies.batchApi.upsert({
        inputs: [{ id: 'upsert-co.example.com', idProperty: 'domain', properties: { name: 'Upsert Co' } }],
      });
      expect(companies.results[0]?.properties).toMatchObject({ domain: 'upsert-co.example.com', name: 'Upsert Co' });
      // The idProperty value becomes the new record's email, checked like any other value.
      const invalid = await failure(
        hubspot.crm.contacts.batchApi.upsert({ inputs: [{ id: 'not-an-email', idProperty: 'email', properties: {} }] }),
      );
      expect(invalid.code).toBe(400);
      expect(invalid.body.message).toContain('INVALID_EMAIL');
    });

    it('refuses a whole batch for one bad value or a taken email, writing nothing', async () => {
      const before = (await hubspot.crm.contacts.getAll(100, undefined, ['email'])).length;
      const invalid = await failure(
        hubspot.crm.contacts.batchApi.create({
          inputs: [
            { properties: { email: 'whole.1@example.net' }, associations: [] },
            { properties: { email: 'whole.2@example.net', date_of_birth: 'yesterday' }, associations: [] },
          ],
        }),
      );
      expect(invalid.code).toBe(400);
      expect(invalid.body.message).toContain('"name":"date_of_birth"');
      const [taken] = (await hubspot.crm.contacts.basicApi.getPage(1, undefined, ['email'])).results;
      const conflict = await failure(
        hubspot.crm.contacts.batchApi.create({
          inputs: [
            { properties: { email: 'whole.3@example.net' }, associations: [] },
            { properties: { email: taken?.properties.email as string }, associations: [] },
          ],
        }),
      );
      expect(conflict.code).toBe(409);
      expect(conflict.body.message).toBe(`Contact already exists. Existing ID: ${taken?.id}`);
      const inBatch = await failure(
        hubspot.crm.contacts.batchApi.create({
          inputs: [
            { properties: { email: 'twice@example.net' }, associations: [] },
            { properties: { email: 'TWICE@example.net' }, associations: [] },
          ],
        }),
      );
      expect(inBatch.code).toBe(409);
      expect((await hubspot.crm.contacts.getAll(100, undefined, ['email'])).length).toBe(before);
    });

    it('answers 207 per record when every input carries an objectWriteTraceId', async () => {
      const answer = await hubspot.crm.contacts.batchApi.create({
        inputs: [
          { properties: { email: 'traced.ok@example.net' }, associations: [], objectWriteTraceId: 'row-1' },
          { properties: { email: 'traced.bad' }, associations: [], objectWriteTraceId: 'row-2' },
        ],
      });
      expect(answer.results.map((record) => record.properties.email)).toEqual(['traced.ok@example.net']);
      expect(answer.results.map((record) => record.objectWriteTraceId)).toEqual(['row-1']);
      expect('errors' in answer && answer.errors).toEqual([
        expect.objectContaining({ category: 'VALIDATION_ERROR', context: { objectWriteTraceId: ['row-2'] } }),
      ]);
    });

    it('refuses more than 100 inputs and duplicate ids, and archives in batch', async () => {
      const tooMany = await failure(
        hubspot.crm.deals.batchApi.create({
          inputs: Array.from({ length: 101 }, () => ({ properties: { dealname: 'x' }, associations: [] })),
        }),
      );
      expect(tooMany.code).toBe(400);
      const deals = await hubspot.crm.deals.batchApi.create({
        inputs: [1, 2, 3].map((n) => ({
          properties: { dealname: `Archive me ${n}`, dealstage: 'qualifiedtobuy' },
          associations: [],
        })),
      });
      expect(deals.results[0]?.properties.pipeline).toBe('default');
      const ids = deals.results.map((deal) => deal.id);
      const duplicate = await failure(
        hubspot.crm.deals.batchApi.update({
          inputs: [ids[0], ids[0]].map((id) => ({ id: id as string, properties: {} })),
        }),
      );
      expect(duplicate.code).toBe(400);
      expect(duplicate.body.message).toContain('Duplicate IDs');
      await hubspot.crm.deals.batchApi.archive({ inputs: ids.map((id) => ({ id })) });
      const read = await hubspot.crm.deals.batchApi.read({
        inputs: ids.map((id) => ({ id })),
        properties: [],
        propertiesWithHistory: [],
      });
      expect(read.results).toHaveLength(0);
    });

    it('reads contacts by email in batch and archives them by id as a mirror deletes: missing or archived keys are 207 errors, archiving again is no error', async () => {
      const created = await hubspot.crm.contacts.batchApi.create({
        inputs: [1, 2, 3].map((n) => ({ properties: { email: `mirror.${n}@example.net` }, associations: [] })),
      });
      const ids = created.results.map((record) => record.id).sort();
      const emails = ['mirror.1@example.net', 'MIRROR.2@example.net', 'mirror.3@example.net', 'never@example.net'];
      const found = await hubspot.crm.contacts.batchApi.read({
        inputs: emails.map((id) => ({ id })),
        idProperty: 'email',
        properties: ['email'],
        propertiesWithHistory: [],
      });
      // Unique values match case-insensitively; a key no record holds is an error of the 207, not a result.
      expect(found.results.map((record) => record.id).sort()).toEqual(ids);
      expect('errors' in found && found.errors).toEqual([
        expect.objectContaining({ category: 'OBJECT_NOT_FOUND', context: { ids: ['never@example.net'] } }),
      ]);
      await hubspot.crm.contacts.batchApi.archive({ inputs: ids.map((id) => ({ id })) });
      // Again, as a resumed run would: HubSpot answers 204 whether or not the records are still live.
      await hubspot.crm.contacts.batchApi.archive({ inputs: [...ids, '999999999'].map((id) => ({ id })) });
      const after = await hubspot.crm.contacts.batchApi.read({
        inputs: emails.map((id) => ({ id })),
        idProperty: 'email',
        properties: ['email'],
        propertiesWithHistory: [],
      });
      expect(after.results).toHaveLength(0);
      const tooMany = await failure(
        hubspot.crm.contacts.batchApi.archive({
          inputs: Array.from({ length: 101 }, (_, n) => ({ id: String(n + 1) })),
        }),
      );
      expect(tooMany.code).toBe(400);
    });
  });

  describe('search', () => {
    const search = (request: Record<string, unknown>) =>
      hubspot.crm.contacts.searchApi.doSearch({
        filterGroups: [],
        sorts: [],
        properties: [],
        limit: 100,
        after: '0',
        ...request,
      } as never);

    it('filters with every operator, ORs groups, sorts and pages with after', async () => {
      const all = await hubspot.crm.contacts.getAll(100, undefined, [
        'city',
        'lifecyclestage',
        'email',
        'phone',
        'createdate',
      ]);
      const live = all.filter((contact) => contact.properties.email?.endsWith('@example.com'));
      const count = (predicate: (p: Record<string, string | null>) => boolean) =>
        live.filter((contact) => predicate(contact.properties)).length;
      const emailFilter = { propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@example.com' };
      const total = async (...filters: Record<string, unknown>[]) =>
        (await search({ filterGroups: [{ filters: [emailFilter, ...filters] }], limit: 1 })).total;

      expect(await total({ propertyName: 'city', operator: 'EQ', value: 'berlin' })).toBe(
        count((p) => p.city === 'Berlin'),
      );
      expect(await total({ propertyName: 'city', operator: 'NEQ', value: 'Berlin' })).toBe(
        count((p) => p.city !== 'Berlin'),
      );
      expect(await total({ propertyName: 'lifecyclestage', operator: 'IN', values: ['lead', 'customer'] })).toBe(
        count((p) => p.lifecyclestage === 'lead' || p.lifecyclestage === 'customer'),
      );
      expect(await total({ propertyName: 'lifecyclestage', operator: 'NOT_IN', values: ['lead'] })).toBe(
        count((p) => p.lifecyclestage !== 'lead'),
      );
      const middle = live[100]?.properties.createdate as string;
      const time = Date.parse(middle);
      expect(await total({ propertyName: 'createdate', operator: 'LT', value: String(time) })).toBe(
        count((p) => Date.parse(p.createdate as string) < time),
      );
      expect(await total({ propertyName: 'createdate', operator: 'LTE', value: middle })).toBe(
        count((p) => Date.parse(p.createdate as string) <= time),
      );
      expect(await total({ propertyName: 'createdate', operator: 'GT', value: String(time) })).toBe(
        count((p) => Date.parse(p.createdate as string) > time),
      );
      expect(await total({ propertyName: 'createdate', operator: 'GTE', value: String(time) })).toBe(
        count((p) => Date.parse(p.createdate as string) >= time),
      );
      expect(
        await total({
          propertyName: 'createdate',
          operator: 'BETWEEN',
          value: String(time),
          highValue: String(time + 9 * 60_000),
        }),
      ).toBe(10);
      expect(await total({ propertyName: 'phone', operator: 'HAS_PROPERTY' })).toBe(live.length);
      expect(await total({ propertyName: 'date_of_birth', operator: 'NOT_HAS_PROPERTY' })).toBe(live.length);

      const either = await search({
        filterGroups: [
          { filters: [emailFilter, { propertyName: 'city', operator: 'EQ', value: 'Oslo' }] },
          { filters: [emailFilter, { propertyName: 'city', operator: 'EQ', value: 'Lagos' }] },
        ],
        limit: 1,
      });
      expect(either.total).toBe(count((p) => p.city === 'Oslo' || p.city === 'Lagos'));

      const pages: string[] = [];
      let after: string | undefined = '0';
      while (after !== undefined) {
        const page = await search({
          filterGroups: [{ filters: [emailFilter] }],
          sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' }],
          properties: ['createdate'],
          limit: 30,
          after,
        });
        pages.push(...page.results.map((contact) => contact.id));
        after = page.paging?.next?.after;
      }
      expect(pages).toEqual(live.map((contact) => contact.id).reverse());
    });

    it('refuses a page past the 10,000th result with a 400 while total counts them all', async () => {
      await withSandbox({ limits: { searchPerSecond: 1000 } }, async (big) => {
        await big.seed({ contacts: 10_050 });
        const sdk = client(big);
        const request = { filterGroups: [], sorts: [], properties: ['email'], limit: 200 };
        const last = await sdk.crm.contacts.searchApi.doSearch({ ...request, after: '9800' });
        expect(last.total).toBe(10_050);
        expect(last.results).toHaveLength(200);
        expect(last.paging?.next?.after).toBe('10000');
        const beyond = await failure(sdk.crm.contacts.searchApi.doSearch({ ...request, after: '10000' }));
        expect(beyond.code).toBe(400);
        expect(beyond.body.category).toBe('VALIDATION_ERROR');
        const tooBig = await failure(sdk.crm.contacts.searchApi.doSearch({ ...request, limit: 201, after: '0' }));
        expect(tooBig.code).toBe(400);
        const twoSorts = await failure(
          sdk.crm.contacts.searchApi.doSearch({ ...request, sorts: ['createdate', 'hs_object_id'], after: '0' }),
        );
        expect(twoSorts.code).toBe(400);
      });
    });
  });

  describe('associations, properties, pipelines, owners', () => {
    it('reads seeded contact→company associations in batch (207 for a contact without one) and writes new ones', async () => {
      const contacts = (await hubspot.crm.contacts.basicApi.getPage(10)).results;
      const ids = contacts.map((contact) => contact.id);
      const read = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
        inputs: ids.map((id) => ({ id })),
      });
      expect(read.results).toHaveLength(9);
      expect(read.results[0]?.to[0]?.associationTypes.map((type) => type.typeId).sort((a, b) => a - b)).toEqual([
        1, 279,
      ]);
      expect('errors' in read && read.errors?.map((error) => error.context)).toEqual([{ fromObjectId: [ids[9]] }]);

      const lonely = ids[9] as string;
      const company = (await hubspot.crm.companies.basicApi.getPage(1)).results[0]?.id as string;
      const created = await hubspot.crm.associations.v4.batchApi.create('contacts', 'companies', {
        inputs: [
          {
            _from: { id: lonely },
            to: { id: company },
            types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }],
          },
        ],
      });
      expect(created.results[0]).toMatchObject({ fromObjectId: Number(lonely), toObjectId: Number(company) });
      const back = await hubspot.crm.associations.v4.batchApi.getPage('companies', 'contacts', {
        inputs: [{ id: company }],
      });
      expect(back.results[0]?.to.map((target) => String(target.toObjectId))).toContain(lonely);

      const deal = (await hubspot.crm.deals.basicApi.getPage(1)).results[0]?.id as string;
      const defaults = await hubspot.crm.associations.v4.batchApi.createDefault('deals', 'contacts', {
        inputs: [{ _from: { id: deal }, to: { id: lonely } }],
      });
      expect(defaults.results[0]?.associationSpec.associationTypeId).toBe(3);
      await hubspot.crm.associations.v4.batchApi.archive('contacts', 'companies', {
        inputs: [{ _from: { id: lonely }, to: [{ id: company }] }],
      });
      const after = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
        inputs: [{ id: lonely }],
      });
      expect(after.results).toHaveLength(0);
    });

    it('creates a contact with an association in one call', async () => {
      const company = (await hubspot.crm.companies.basicApi.getPage(1)).results[0]?.id as string;
      const contact = await hubspot.crm.contacts.basicApi.create({
        properties: { email: 'linked@example.net' },
        associations: [
          { to: { id: company }, types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 279 }] },
        ],
      });
      const read = await hubspot.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
        inputs: [{ id: contact.id }],
      });
      expect(read.results[0]?.to.map((target) => String(target.toObjectId))).toEqual([company]);
    });

    it('lists properties with types, options and unique flags', async () => {
      const contacts = await hubspot.crm.properties.coreApi.getAll('contacts');
      const byName = new Map(contacts.results.map((property) => [property.name, property]));
      expect(byName.get('email')).toMatchObject({ type: 'string', hasUniqueValue: true });
      expect(byName.get('lastmodifieddate')).toMatchObject({
        type: 'datetime',
        modificationMetadata: expect.objectContaining({ readOnlyValue: true }),
      });
      expect(byName.get('lifecyclestage')?.options.map((option) => option.value)).toContain('customer');
      expect(byName.get('hubspot_owner_id')?.options).toHaveLength(20);
      const amount = await hubspot.crm.properties.coreApi.getByName('deals', 'amount');
      expect(amount.type).toBe('number');
      expect((await failure(hubspot.crm.properties.coreApi.getByName('deals', 'nope'))).code).toBe(404);
    });

    it('serves the default deal pipeline, whose stages every seeded deal is in', async () => {
      const pipelines = await hubspot.crm.pipelines.pipelinesApi.getAll('deals');
      const stages = new Set(pipelines.results[0]?.stages.map((stage) => stage.id));
      expect(pipelines.results.map((pipeline) => pipeline.id)).toEqual(['default']);
      expect(stages.has('closedwon')).toBe(true);
      const deals = await hubspot.crm.deals.getAll(100, undefined, ['dealstage', 'pipeline']);
      expect(deals.length).toBeGreaterThanOrEqual(50);
      expect(deals.every((deal) => stages.has(deal.properties.dealstage as string))).toBe(true);
    });

    it('pages through the 20 seeded owners', async () => {
      const ids: string[] = [];
      let after: string | undefined;
      do {
        const page = await hubspot.crm.owners.ownersApi.getPage(undefined, after, 7);
        ids.push(...page.results.map((owner) => owner.id));
        after = page.paging?.next?.after;
      } while (after);
      expect(new Set(ids).size).toBe(20);
      const owner = await hubspot.crm.owners.ownersApi.getById(Number(ids[0]));
      expect(owner.email).toMatch(/@example\.com$/);
    });
  });

  describe('rate limits', () => {
    it('sends X-HubSpot-RateLimit-* headers and a TEN_SECONDLY_ROLLING 429 past the window', async () => {
      await withSandbox({ limits: { perTenSeconds: 3 } }, async (limited) => {
        const answers = [];
        for (let index = 0; index < 4; index++)
          answers.push(await call(limited, 'GET', '/crm/v3/objects/contacts?limit=1'));
        expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
        expect(answers.map((answer) => answer.headers.get('x-hubspot-ratelimit-remaining'))).toEqual([
          '2',
          '1',
          '0',
          '0',
        ]);
        expect(answers[0]?.headers.get('x-hubspot-ratelimit-max')).toBe('3');
        expect(answers[0]?.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
        expect(answers[3]?.body).toMatchObject({
          status: 'error',
          errorType: 'RATE_LIMIT',
          policyName: 'TEN_SECONDLY_ROLLING',
          message: 'You have reached your ten_secondly_rolling limit.',
        });
        expect(answers[3]?.body.correlationId).toEqual(expect.any(String));
        expect(limited.stats()).toEqual({ requests: 4, maxInTenSeconds: 3, rejected429: 1 });
        const remote = await fetch(`${limited.url}/__sandbox/stats`);
        expect(await remote.json()).toEqual(limited.stats());
      });
    });

    it('leaves unlimitedTokens out of the limits and the window stats; the other tokens stay limited', async () => {
      const reader = 'pat-reader';
      await withSandbox(
        { tokens: [token, reader], limits: { perTenSeconds: 2, unlimitedTokens: [reader] } },
        async (limited) => {
          const read = [];
          for (let index = 0; index < 5; index++)
            read.push((await call(limited, 'GET', '/crm/v3/objects/contacts?limit=1', undefined, reader)).status);
          expect(read).toEqual([200, 200, 200, 200, 200]);
          const limitedToken = [];
          for (let index = 0; index < 3; index++)
            limitedToken.push((await call(limited, 'GET', '/crm/v3/objects/contacts?limit=1')).status);
          expect(limitedToken).toEqual([200, 200, 429]);
          expect(limited.stats()).toEqual({ requests: 8, maxInTenSeconds: 2, rejected429: 1 });
        },
      );
    });

    it('refuses past the daily allowance with policyName DAILY', async () => {
      await withSandbox({ limits: { daily: 2 } }, async (limited) => {
        const sdk = client(limited);
        await sdk.crm.contacts.basicApi.getPage(1);
        await sdk.crm.contacts.basicApi.getPage(1);
        const error = await failure(sdk.crm.contacts.basicApi.getPage(1));
        expect(error.code).toBe(429);
        expect(error.body).toMatchObject({ policyName: 'DAILY', errorType: 'RATE_LIMIT' });
        expect(error.headers['x-hubspot-ratelimit-daily-remaining']).toBe('0');
      });
    });

    it("limits search per second; the SDK's retries on the secondly limit get every search through", async () => {
      await withSandbox({ seed: { contacts: 20 }, limits: { searchPerSecond: 0 } }, async (limited) => {
        const refused = await call(limited, 'POST', '/crm/v3/objects/contacts/search', { limit: 1 });
        expect(refused.status).toBe(429);
        expect(refused.body).toMatchObject({
          policyName: 'SECONDLY',
          message: 'You have reached your secondly limit.',
        });
      });
      await withSandbox({ seed: { contacts: 20 }, limits: { searchPerSecond: 1 } }, async (limited) => {
        const sdk = client(limited, 6);
        const results = await Promise.all(
          [0, 5, 10].map((after) =>
            sdk.crm.contacts.searchApi.doSearch({
              filterGroups: [],
              sorts: [],
              properties: [],
              limit: 5,
              after: String(after),
            }),
          ),
        );
        expect(results.map((result) => result.results.length)).toEqual([5, 5, 5]);
        expect(new Set(results.flatMap((result) => result.results.map((contact) => contact.id))).size).toBe(15);
      });
    });
  });

  describe('faults', () => {
    it('injects 429 bursts with Retry-After every Nth request and drops every Mth connection', async () => {
      await withSandbox(
        { faults: { tooManyEvery: 3, tooManyBurst: 2, retryAfterSeconds: 0, dropEvery: 7 } },
        async (faulty) => {
          const statuses: (number | 'dropped')[] = [];
          const retryAfter: (string | null)[] = [];
          for (let index = 0; index < 8; index++) {
            try {
              const answer = await call(faulty, 'GET', '/crm/v3/objects/contacts?limit=1');
              statuses.push(answer.status);
              retryAfter.push(answer.headers.get('retry-after'));
            } catch {
              statuses.push('dropped');
            }
          }
          // Bursts start at requests 3 and 6; the drop at 7 comes first, so the burst's second 429 is the 8th.
          expect(statuses).toEqual([200, 200, 429, 429, 200, 429, 'dropped', 429]);
          expect(retryAfter.filter((value) => value !== null)).toEqual(['0', '0', '0', '0']);
          expect(faulty.stats().rejected429).toBe(4);
        },
      );
    });

    it('injects seeded 5xx answers that the SDK retries through', async () => {
      await withSandbox({ seed: { contacts: 250 }, faults: { errorRate: 0.3, seed: 7 } }, async (faulty) => {
        const contacts = await client(faulty, 6).crm.contacts.getAll(100);
        expect(contacts).toHaveLength(250);
        expect(new Set(contacts.map((contact) => contact.id)).size).toBe(250);
      });
    });
  });

  describe('custom properties', () => {
    /** A unique text property, as an integration makes one for the ids of another system. */
    const erpId = {
      name: 'erp_id',
      label: 'ERP-Nummer (Zürich) "primär"',
      type: 'string' as never,
      fieldType: 'text' as never,
      groupName: 'companyinformation',
      hasUniqueValue: true,
      description: 'Id im ERP',
    };

    it('creates a unique custom property (201, hubspotDefined false), 409 for a taken name, 400 for bad definitions', async () => {
      await withSandbox({}, async (sandbox) => {
        const sdk = client(sandbox);
        const created = await sdk.crm.properties.coreApi.create('companies', erpId);
        expect(created).toMatchObject({
          name: 'erp_id',
          label: erpId.label,
          type: 'string',
          fieldType: 'text',
          groupName: 'companyinformation',
          description: 'Id im ERP',
          hasUniqueValue: true,
          hubspotDefined: false,
          archived: false,
          modificationMetadata: expect.objectContaining({ archivable: true, readOnlyDefinition: false }),
        });
        const raw = await call(sandbox, 'POST', '/crm/v3/properties/companies', { ...erpId, name: 'erp_id_2' });
        expect(raw.status).toBe(201);
        for (const name of ['erp_id', 'domain']) {
          const taken = await failure(sdk.crm.properties.coreApi.create('companies', { ...erpId, name }));
          expect(taken.code).toBe(409);
          expect(taken.body).toMatchObject({
            status: 'error',
            category: 'OBJECT_ALREADY_EXISTS',
            message: `Property named '${name}' already exists.`,
          });
        }
        const bad: [Record<string, unknown>, string][] = [
          [{ ...erpId, name: 'x1', label: undefined }, 'some of required attributes are not set [label]'],
          [{ ...erpId, name: 'Bad Name' }, 'Property name Bad Name is not valid'],
          [{ ...erpId, name: 'x2', type: 'money' }, 'type money is not one of'],
          [{ ...erpId, name: 'x3', type: 'bool', hasUniqueValue: false }, 'fieldType text is not valid'],
          [{ ...erpId, name: 'x4', type: 'date', fieldType: 'date' }, 'cannot have unique values'],
          [{ ...erpId, name: 'x5', groupName: 'dealinformation' }, 'Property group dealinformation does not exist'],
          [
            { ...erpId, name: 'x6', type: 'enumeration', fieldType: 'select', hasUniqueValue: false },
            'needs at least one option',
          ],
        ];
        for (const [body, message] of bad) {
          const answer = await call(sandbox, 'POST', '/crm/v3/properties/companies', body);
          expect(answer.status).toBe(400);
          expect(answer.body).toMatchObject({
            category: 'VALIDATION_ERROR',
            message: expect.stringContaining(message),
          });
        }
        const listed = await sdk.crm.properties.coreApi.getAll('companies');
        const custom = listed.results.filter((property) => !property.hubspotDefined).map((property) => property.name);
        expect(custom).toEqual(['erp_id', 'erp_id_2']);
        expect((await sdk.crm.properties.coreApi.getByName('company', 'erp_id')).label).toBe(erpId.label);
      });
    });

    it('writes, upserts, batch-reads and searches by a custom unique property; a taken value is refused', async () => {
      await withSandbox({}, async (sandbox) => {
        const sdk = client(sandbox);
        await sdk.crm.properties.coreApi.create('companies', erpId);
        await sdk.crm.properties.coreApi.create('companies', {
          name: 'tier',
          label: 'Tier',
          type: 'enumeration' as never,
          fieldType: 'select' as never,
          groupName: 'companyinformation',
          options: [
            { label: 'Gold', value: 'gold', displayOrder: 0, hidden: false },
            { label: 'Silber', value: 'silver', displayOrder: 1, hidden: false },
          ],
        });
        const first = await sdk.crm.companies.basicApi.create({
          properties: { name: 'Acme "Quoted"\nLine', erp_id: 'ERP-001', tier: 'gold' },
          associations: [],
        });
        expect(first.properties).toMatchObject({ erp_id: 'ERP-001', tier: 'gold' });
        const taken = await failure(
          sdk.crm.companies.basicApi.create({ properties: { erp_id: 'erp-001' }, associations: [] }),
        );
        expect(taken.code).toBe(409);
        expect(taken.body.message).toBe(`Company already exists. Existing ID: ${first.id}`);
        const badOption = await failure(
          sdk.crm.companies.basicApi.update(first.id, { properties: { tier: 'platinum' } }),
        );
        expect(badOption.code).toBe(400);
        expect(badOption.body.message).toContain('"error":"INVALID_OPTION","name":"tier"');

        const upserted = await sdk.crm.companies.batchApi.upsert({
          inputs: [
            { id: 'ERP-001', idProperty: 'erp_id', properties: { name: 'Acme renamed' } },
            { id: 'ERP-002', idProperty: 'erp_id', properties: { name: 'Zürich AG', tier: 'silver' } },
          ],
        });
        const byErpId = new Map(upserted.results.map((record) => [record.properties.erp_id, record]));
        expect(byErpId.get('ERP-001')).toMatchObject({ id: first.id, _new: false });
        expect(byErpId.get('ERP-001')?.properties).toMatchObject({ name: 'Acme renamed', tier: 'gold' });
        expect(byErpId.get('ERP-002')?._new).toBe(true);
        expect(byErpId.get('ERP-002')?.properties).toMatchObject({ name: 'Zürich AG', tier: 'silver' });
        const replay = await sdk.crm.companies.batchApi.upsert({
          inputs: [{ id: 'ERP-002', idProperty: 'erp_id', properties: { name: 'Zürich AG' } }],
        });
        expect(replay.results.map((record) => record._new)).toEqual([false]);

        // A value another record holds refuses the whole batch, writing nothing.
        const duplicate = await failure(
          sdk.crm.companies.batchApi.create({
            inputs: [
              { properties: { name: 'Fresh', erp_id: 'ERP-003' }, associations: [] },
              { properties: { name: 'Clash', erp_id: 'ERP-002' }, associations: [] },
            ],
          }),
        );
        expect(duplicate.code).toBe(409);
        expect(duplicate.body.message).toBe(`Company already exists. Existing ID: ${byErpId.get('ERP-002')?.id}`);
        const all = await sdk.crm.companies.getAll(100, undefined, ['erp_id']);
        expect(all.map((record) => record.properties.erp_id).sort()).toEqual(['ERP-001', 'ERP-002']);

        const read = await sdk.crm.companies.batchApi.read({
          inputs: [{ id: 'ERP-002' }, { id: 'erp-001' }, { id: 'ERP-404' }],
          idProperty: 'erp_id',
          properties: ['erp_id', 'tier'],
          propertiesWithHistory: [],
        });
        expect(read.results.map((record) => [record.properties.erp_id, record.properties.tier])).toEqual([
          ['ERP-002', 'silver'],
          ['ERP-001', 'gold'],
        ]);
        expect('errors' in read && read.errors).toEqual([expect.objectContaining({ context: { ids: ['ERP-404'] } })]);
        const one = await sdk.crm.companies.basicApi.getById('ERP-001', ['erp_id', 'tier'], [], [], false, 'erp_id');
        expect(one.id).toBe(first.id);

        const found = await sdk.crm.companies.searchApi.doSearch({
          filterGroups: [
            { filters: [{ propertyName: 'tier', operator: 'EQ', value: 'silver' }] },
            { filters: [{ propertyName: 'erp_id', operator: 'EQ', value: 'erp-001' }] },
          ],
          properties: ['erp_id'],
          sorts: ['-erp_id'],
          limit: 10,
          after: '0',
        } as never);
        expect(found.results.map((record) => record.properties.erp_id)).toEqual(['ERP-002', 'ERP-001']);

        // Renamed, then archived: the property leaves reads, writes and the list; its unique values are freed.
        const renamed = await sdk.crm.properties.coreApi.update('companies', 'tier', { label: 'Stufe' });
        expect(renamed.label).toBe('Stufe');
        await sdk.crm.properties.coreApi.archive('companies', 'tier');
        expect((await failure(sdk.crm.properties.coreApi.getByName('companies', 'tier'))).code).toBe(404);
        const archived = await sdk.crm.properties.coreApi.getAll('companies', true);
        expect(archived.results.map((property) => [property.name, property.label, property.archived])).toEqual([
          ['tier', 'Stufe', true],
        ]);
        const gone = await failure(sdk.crm.companies.basicApi.update(first.id, { properties: { tier: 'gold' } }));
        expect(gone.body.message).toContain('PROPERTY_DOESNT_EXIST');
        expect((await sdk.crm.companies.basicApi.getById(first.id, ['tier'])).properties).not.toHaveProperty('tier');
        const builtIn = await call(sandbox, 'DELETE', '/crm/v3/properties/companies/domain');
        expect(builtIn.status).toBe(400);
      });
    });

    it('keeps custom properties and their unique values across disk-store restarts (journal, then snapshot)', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'hubspot-sandbox-'));
      try {
        const contactId = await withSandbox({ dir }, async (first) => {
          const sdk = client(first);
          await sdk.crm.properties.coreApi.create('contacts', {
            ...erpId,
            name: 'legacy_id',
            groupName: 'contactinformation',
          });
          await sdk.crm.properties.coreApi.update('contacts', 'legacy_id', { label: 'Legacy ID' });
          const contact = await sdk.crm.contacts.basicApi.create({
            properties: { email: 'legacy@example.org', legacy_id: 'L-1' },
            associations: [],
          });
          return contact.id;
        });
        // The second start replays the journal; the third reads the snapshot the second wrote.
        for (const round of [1, 2]) {
          await withSandbox({ dir }, async (restarted) => {
            const sdk = client(restarted);
            const property = await sdk.crm.properties.coreApi.getByName('contacts', 'legacy_id');
            expect(property).toMatchObject({ label: 'Legacy ID', hasUniqueValue: true, hubspotDefined: false });
            const taken = await failure(
              sdk.crm.contacts.basicApi.create({ properties: { legacy_id: 'l-1' }, associations: [] }),
            );
            expect(taken.body.message).toBe(`Contact already exists. Existing ID: ${contactId}`);
            const upserted = await sdk.crm.contacts.batchApi.upsert({
              inputs: [{ id: 'L-1', idProperty: 'legacy_id', properties: { firstname: `Round ${round}` } }],
            });
            expect(upserted.results[0]).toMatchObject({ id: contactId, _new: false });
            expect(upserted.results[0]?.properties).toMatchObject({ legacy_id: 'L-1', firstname: `Round ${round}` });
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('the demo seed defines salesforce_id, unique text, on companies, contacts and deals, the same every run', async () => {
      const groups = { companies: 'companyinformation', contacts: 'contactinformation', deals: 'dealinformation' };
      for (const [type, groupName] of Object.entries(groups)) {
        const property = await hubspot.crm.properties.coreApi.getByName(type, 'salesforce_id');
        expect(property).toMatchObject({
          label: 'Salesforce ID',
          type: 'string',
          fieldType: 'text',
          groupName,
          hasUniqueValue: true,
          hubspotDefined: false,
        });
        expect(property.createdAt?.toISOString()).toBe('2024-01-01T00:00:00.000Z');
      }
      const set = await hubspot.crm.deals.searchApi.doSearch({
        filterGroups: [{ filters: [{ propertyName: 'salesforce_id', operator: 'HAS_PROPERTY' }] }],
        limit: 1,
      } as never);
      expect(set.total).toBe(0);
      await withSandbox({ seed: { companies: 2, salesforceIds: true } }, async (sandbox) => {
        const sdk = client(sandbox);
        await sandbox.seed({ salesforceIds: true }); // already there: left as it is
        const deal = { id: '006Dn000004ABCDIA4', idProperty: 'salesforce_id', properties: { dealname: 'Migrated' } };
        const first = await sdk.crm.deals.batchApi.upsert({ inputs: [deal] });
        const again = await sdk.crm.deals.batchApi.upsert({ inputs: [deal] });
        expect(first.results[0]?._new).toBe(true);
        expect(again.results[0]).toMatchObject({ id: first.results[0]?.id, _new: false });
        const companies = await sdk.crm.properties.coreApi.getAll('companies');
        expect(companies.results.filter((property) => property.name === 'salesforce_id')).toHaveLength(1);
      });
    });
  });

  it('keeps the portal in --dir across a restart (journal replayed, a torn last line ignored), unique emails included', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hubspot-sandbox-'));
    try {
      const written = await withSandbox({ dir, seed: 'demo' }, async (first) => {
        const sdk = client(first);
        const contact = await sdk.crm.contacts.basicApi.create({
          properties: { email: 'kept@example.org', firstname: 'Kept' },
          associations: [],
        });
        await sdk.crm.contacts.basicApi.archive((await sdk.crm.contacts.basicApi.getPage(1)).results[0]?.id as string);
        return {
          id: contact.id,
          all: (await sdk.crm.contacts.getAll(100, undefined, ['email'])).map((record) => record.properties.email),
        };
      });
      // A crash mid-write leaves a last journal line cut short: it is left out, the rest replayed.
      await appendFile(path.join(dir, 'journal.jsonl'), '{"kind":"record","type":"contacts","rec');
      await withSandbox({ dir, seed: 'demo' }, async (second) => {
        const sdk = client(second);
        const all = (await sdk.crm.contacts.getAll(100, undefined, ['email'])).map((record) => record.properties.email);
        expect(all).toEqual(written.all);
        const conflict = await failure(
          sdk.crm.contacts.basicApi.create({ properties: { email: 'kept@example.org' }, associations: [] }),
        );
        expect(conflict.body.message).toBe(`Contact already exists. Existing ID: ${written.id}`);
        const next = await sdk.crm.contacts.basicApi.create({
          properties: { email: 'after.restart@example.org' },
          associations: [],
        });
        expect(Number(next.id)).toBeGreaterThan(Number(written.id));
        const links = await sdk.crm.associations.v4.batchApi.getPage('contacts', 'companies', {
          inputs: [{ id: (await sdk.crm.contacts.basicApi.getPage(1)).results[0]?.id as string }],
        });
        expect(links.results).toHaveLength(1);
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('starts from the sandbox CLI with --seed demo and serves the SDK', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'test/sandboxes/cli.ts', 'hubspot', '--port', '0', '--seed', 'demo'],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk) => {
          output += chunk;
          const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
          if (match) resolve(match[1] as string);
        });
        child.on('close', () => reject(new Error(`the CLI exited before listening: ${output}`)));
      });
      const sdk = new Client({ accessToken: token, basePath: url });
      expect(await sdk.crm.contacts.getAll(100)).toHaveLength(200);
      expect(await sdk.crm.companies.getAll(100)).toHaveLength(50);
      const stats = (await (await fetch(`${url}/__sandbox/stats`)).json()) as { requests: number };
      expect(stats.requests).toBe(3);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
