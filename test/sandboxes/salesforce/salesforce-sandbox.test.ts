import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from './server.ts';

const username = 'admin@sandbox.example';
const password = 'sandbox-password';
const clientId = 'sandbox-client-id';
const clientSecret = 'sandbox-client-secret';
const version = '59.0';

/** A jsforce connection logged in through the OAuth password grant, as a user would configure it. */
async function connect(sandbox: SalesforceSandbox): Promise<Connection> {
  const conn = new Connection({
    loginUrl: sandbox.url,
    version,
    oauth2: { loginUrl: sandbox.url, clientId, clientSecret },
  });
  await conn.login(username, password);
  return conn;
}

const sha256 = (values: string[]) => createHash('sha256').update(values.join('\n')).digest('hex');

/** The error a jsforce call rejects with (its `name` is Salesforce's errorCode). */
async function failure(promise: PromiseLike<unknown>): Promise<Error & { errorCode?: string; data?: unknown }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { errorCode?: string; data?: unknown };
  }
  throw new Error('expected the call to fail');
}

describe('Salesforce sandbox driven by jsforce', () => {
  let sandbox: SalesforceSandbox;
  let conn: Connection;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0 });
    conn = await connect(sandbox);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  describe('authentication', () => {
    it('issues tokens for the password grant with the identity URL of the user and org', async () => {
      const userInfo = await conn.identity();
      expect(userInfo.username).toBe(username);
      expect(userInfo.user_id).toMatch(/^005[0-9A-Za-z]{15}$/);
      expect(userInfo.organization_id).toMatch(/^00D[0-9A-Za-z]{15}$/);
      expect(conn.instanceUrl).toBe(sandbox.url);
      expect(conn.accessToken).toMatch(/^00D[0-9A-Za-z]{12}!/);
    });

    it('issues tokens for the client credentials grant, running as the first user', async () => {
      const client = new Connection({
        loginUrl: sandbox.url,
        version,
        oauth2: { loginUrl: sandbox.url, clientId, clientSecret },
      });
      const userInfo = await client.authorize({ grant_type: 'client_credentials' });
      expect(userInfo.id).toMatch(/^005/);
      const result = await client.query("SELECT Id FROM User WHERE Username = 'admin@sandbox.example'");
      expect(result.records[0]?.Id).toBe(userInfo.id);
    });

    it('answers the OAuth errors Salesforce answers for a bad password, secret, client or grant', async () => {
      const post = (form: Record<string, string>) =>
        fetch(`${sandbox.url}/services/oauth2/token`, { method: 'POST', body: new URLSearchParams(form) });
      const badPassword = await post({
        grant_type: 'password',
        client_id: clientId,
        client_secret: clientSecret,
        username,
        password: 'nope',
      });
      expect(badPassword.status).toBe(400);
      expect(await badPassword.json()).toEqual({ error: 'invalid_grant', error_description: 'authentication failure' });
      const badSecret = await post({ grant_type: 'client_credentials', client_id: clientId, client_secret: 'nope' });
      expect(await badSecret.json()).toEqual({
        error: 'invalid_client',
        error_description: 'invalid client credentials',
      });
      const badClient = await post({ grant_type: 'client_credentials', client_id: 'nope', client_secret: 'nope' });
      expect(await badClient.json()).toMatchObject({ error: 'invalid_client_id' });
      const badGrant = await post({
        grant_type: 'authorization_code',
        client_id: clientId,
        client_secret: clientSecret,
      });
      expect(await badGrant.json()).toMatchObject({ error: 'unsupported_grant_type' });
      const refused = new Connection({
        loginUrl: sandbox.url,
        version,
        oauth2: { loginUrl: sandbox.url, clientId, clientSecret },
      });
      expect((await failure(refused.login(username, 'wrong'))).name).toBe('invalid_grant');
    });

    it('logs in through SOAP login() when no OAuth client is configured', async () => {
      const soap = new Connection({ loginUrl: sandbox.url, version });
      const userInfo = await soap.login(username, password);
      expect(userInfo.id).toMatch(/^005/);
      expect((await soap.query('SELECT COUNT() FROM User')).totalSize).toBeGreaterThanOrEqual(1);
      const refused = new Connection({ loginUrl: sandbox.url, version });
      expect((await failure(refused.login(username, 'wrong'))).message).toMatch(/^INVALID_LOGIN/);
    });

    it('answers 401 INVALID_SESSION_ID for an unknown token, and jsforce logs in again after sessions expire', async () => {
      const response = await fetch(`${sandbox.url}/services/data/v${version}/sobjects`, {
        headers: { Authorization: 'Bearer 00Dnot!a-token' },
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toEqual([
        { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' },
      ]);
      const own = await connect(sandbox);
      const before = own.accessToken;
      await fetch(`${sandbox.url}/__sandbox/expire-sessions`, { method: 'POST' });
      expect((await own.query('SELECT COUNT() FROM User')).totalSize).toBeGreaterThanOrEqual(1);
      expect(own.accessToken).not.toBe(before);
      conn = await connect(sandbox);
    });
  });

  describe('describe', () => {
    it('lists the org objects with their key prefixes', async () => {
      const global = await conn.describeGlobal();
      const prefixes = Object.fromEntries(global.sobjects.map((object) => [object.name, object.keyPrefix]));
      expect(prefixes).toEqual({ Account: '001', Contact: '003', Lead: '00Q', Opportunity: '006', User: '005' });
    });

    it('describes fields with types, picklists, references and external ids', async () => {
      const opportunity = await conn.sobject('Opportunity').describe();
      const field = (name: string) => opportunity.fields.find((candidate) => candidate.name === name);
      expect(field('StageName')).toMatchObject({
        type: 'picklist',
        nillable: false,
        createable: true,
        restrictedPicklist: true,
      });
      expect(field('StageName')?.picklistValues?.map((value) => value.value)).toContain('Id. Decision Makers');
      expect(field('CloseDate')).toMatchObject({ type: 'date', nillable: false });
      expect(field('AccountId')).toMatchObject({
        type: 'reference',
        referenceTo: ['Account'],
        relationshipName: 'Account',
      });
      expect(field('External_Id__c')).toMatchObject({
        type: 'string',
        externalId: true,
        unique: true,
        length: 255,
        custom: true,
      });
      expect(field('SystemModstamp')).toMatchObject({ type: 'datetime', createable: false, updateable: false });
      const account = await conn.sobject('Account').describe();
      expect(account.fields.find((candidate) => candidate.name === 'BillingCity')).toMatchObject({
        compoundFieldName: 'BillingAddress',
      });
      expect(account.childRelationships.map((relation) => relation.childSObject)).toEqual(
        expect.arrayContaining(['Contact', 'Opportunity']),
      );
      expect((await failure(conn.sobject('Nope__c').describe())).name).toBe('NOT_FOUND');
    });
  });

  describe('sObject rows', () => {
    it('creates, retrieves, updates and deletes a record, keeping the audit fields', async () => {
      const created = await conn
        .sobject('Account')
        .create({ Name: 'Crud "Quoted" Ünïcode', NumberOfEmployees: 12, BillingCity: 'Zürich' });
      expect(created).toMatchObject({ success: true, errors: [] });
      const id = created.id as string;
      expect(id).toMatch(/^001[0-9A-Za-z]{15}$/);
      const record = await conn.sobject('Account').retrieve(id);
      expect(record).toMatchObject({
        attributes: { type: 'Account', url: `/services/data/v${version}/sobjects/Account/${id}` },
        Id: id,
        Name: 'Crud "Quoted" Ünïcode',
        NumberOfEmployees: 12,
        IsDeleted: false,
        BillingAddress: expect.objectContaining({ city: 'Zürich' }),
      });
      expect(record.CreatedDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.000\+0000$/);
      expect(record.OwnerId).toBe(record.CreatedById);
      expect(await conn.sobject('Account').update({ Id: id, Name: 'Renamed', NumberOfEmployees: null })).toMatchObject({
        success: true,
      });
      const updated = await conn.sobject('Account').retrieve(id);
      expect(updated).toMatchObject({ Name: 'Renamed', NumberOfEmployees: null });
      expect(updated.SystemModstamp >= record.SystemModstamp).toBe(true);
      expect(await conn.sobject('Account').destroy(id)).toMatchObject({ id, success: true });
      expect((await failure(conn.sobject('Account').retrieve(id))).name).toBe('ENTITY_IS_DELETED');
      const bin = await conn.query(`SELECT Id, IsDeleted FROM Account WHERE Id = '${id.slice(0, 15)}'`, {
        scanAll: true,
      });
      expect(bin.records).toEqual([expect.objectContaining({ Id: id, IsDeleted: true })]);
      expect((await conn.query(`SELECT Id FROM Account WHERE Id = '${id}'`)).totalSize).toBe(0);
    });

    it('upserts by external id: 201 created, then updated, with relationships given by external id', async () => {
      const first = await conn
        .sobject('Account')
        .upsert({ Name: 'Upsert Co', External_Id__c: 'UPS-1' }, 'External_Id__c');
      expect(first).toMatchObject({ success: true, created: true });
      const again = await conn
        .sobject('Account')
        .upsert({ Name: 'Upsert Co 2', External_Id__c: 'ups-1' }, 'External_Id__c');
      expect(again).toMatchObject({ id: (first as { id: string }).id, success: true, created: false });
      const contact = await conn
        .sobject('Contact')
        .upsert(
          { LastName: 'Referenced', External_Id__c: 'UPS-C-1', Account: { External_Id__c: 'UPS-1' } },
          'External_Id__c',
        );
      const rows = await conn.query(
        "SELECT Name, Account.Name, Account.External_Id__c FROM Contact WHERE External_Id__c = 'UPS-C-1'",
      );
      expect(rows.records).toEqual([
        expect.objectContaining({
          Name: 'Referenced',
          Account: expect.objectContaining({ Name: 'Upsert Co 2', External_Id__c: 'UPS-1' }),
        }),
      ]);
      expect(contact).toMatchObject({ created: true });
      await conn.sobject('Contact').create({ LastName: 'Loner', External_Id__c: 'UPS-C-LONE' });
      const loner = await conn.query("SELECT Name, Account.Name FROM Contact WHERE External_Id__c = 'UPS-C-LONE'");
      expect(loner.records[0]).toEqual({ attributes: expect.any(Object), Name: 'Loner', Account: null });
      const missing = await failure(
        conn
          .sobject('Contact')
          .upsert(
            { LastName: 'Orphan', External_Id__c: 'UPS-C-2', Account: { External_Id__c: 'NOPE' } },
            'External_Id__c',
          ),
      );
      expect(missing.name).toBe('INVALID_FIELD');
      expect(missing.message).toBe(
        'Foreign key external ID: NOPE not found for field External_Id__c in entity Account',
      );
    });

    it('answers 300 with the matching records when a non-unique external id matches several', async () => {
      await conn.sobject('Account').create([
        { Name: 'Twin A', Legacy_Id__c: 'TWIN' },
        { Name: 'Twin B', Legacy_Id__c: 'TWIN' },
      ]);
      const response = await fetch(`${sandbox.url}/services/data/v${version}/sobjects/Account/Legacy_Id__c/TWIN`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${conn.accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ Name: 'Which one?' }),
      });
      expect(response.status).toBe(300);
      expect(await response.json()).toHaveLength(2);
      expect(
        (await failure(conn.sobject('Account').upsert({ Name: 'x', Legacy_Id__c: 'TWIN' }, 'Legacy_Id__c'))).name,
      ).toBe('MULTIPLE_CHOICES');
    });

    it('answers 204 to an upsert that updates under API versions before 46.0', async () => {
      await conn
        .sobject('Lead')
        .upsert({ LastName: 'Old', Company: 'Old API', External_Id__c: 'OLD-1' }, 'External_Id__c');
      const response = await fetch(`${sandbox.url}/services/data/v45.0/sobjects/Lead/External_Id__c/OLD-1`, {
        method: 'PATCH',
        headers: { Authorization: `Bearer ${conn.accessToken}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ Company: 'Older API' }),
      });
      expect(response.status).toBe(204);
    });

    it('refuses bad records with Salesforce error codes, messages and fields', async () => {
      const code = async (object: string, record: Record<string, unknown>) => {
        const error = await failure(conn.sobject(object).create(record));
        return { code: error.name, message: error.message, fields: (error.data as { fields?: string[] }).fields };
      };
      expect(await code('Opportunity', { Name: 'No stage' })).toEqual({
        code: 'REQUIRED_FIELD_MISSING',
        message: 'Required fields are missing: [StageName, CloseDate]',
        fields: ['StageName', 'CloseDate'],
      });
      expect(await code('Opportunity', { Name: 'Bad', StageName: 'Maybe', CloseDate: '2024-02-29' })).toEqual({
        code: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        message: 'Stage: bad value for restricted picklist field: Maybe',
        fields: ['StageName'],
      });
      expect(await code('Account', { Name: 'x'.repeat(256) })).toMatchObject({
        code: 'STRING_TOO_LONG',
        fields: ['Name'],
      });
      expect(await code('Account', { Name: 'x', Nope__c: 1 })).toMatchObject({
        code: 'INVALID_FIELD',
        message: "No such column 'Nope__c' on sobject of type Account",
      });
      expect(await code('Contact', { LastName: 'x', AccountId: 'not-an-id' })).toMatchObject({
        code: 'MALFORMED_ID',
        fields: ['AccountId'],
      });
      expect(await code('Contact', { LastName: 'x', AccountId: '001000000000000AAA' })).toMatchObject({
        code: 'INVALID_CROSS_REFERENCE_KEY',
      });
      expect(await code('Contact', { LastName: 'x', Email: 'not an email' })).toMatchObject({
        code: 'INVALID_EMAIL_ADDRESS',
        fields: ['Email'],
      });
      expect(await code('Account', { Name: 'x', NumberOfEmployees: 'many' })).toMatchObject({
        code: 'INVALID_TYPE_ON_FIELD_IN_RECORD',
      });
      expect(await code('Account', { Name: 'x', CreatedDate: '2020-01-01T00:00:00Z' })).toMatchObject({
        code: 'INVALID_FIELD_FOR_INSERT_UPDATE',
      });
      const { id } = (await conn.sobject('Account').create({ Name: 'Unique', External_Id__c: 'DUP-1' })) as {
        id: string;
      };
      expect(await code('Account', { Name: 'Copy', External_Id__c: 'dup-1' })).toEqual({
        code: 'DUPLICATE_VALUE',
        message: `duplicate value found: External_Id__c duplicates value on record with id: ${id}`,
        fields: [],
      });
      expect((await failure(conn.sobject('Account').retrieve('001nope'))).name).toBe('NOT_FOUND');
    });
  });

  describe('sObject Collections', () => {
    const contacts = (prefix: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({
        LastName: `${prefix} ${i}`,
        External_Id__c: `${prefix}-${i}`,
        Email: `${prefix.toLowerCase()}${i}@example.com`,
      }));

    it('creates 200 records in one call, refusing only the bad ones when allOrNone is false', async () => {
      const records: Record<string, unknown>[] = contacts('COLL', 200);
      records[7] = { LastName: null, External_Id__c: 'COLL-7' };
      records[150] = { ...records[150], Email: 'broken' };
      const results = await conn.sobject('Contact').create(records);
      expect(results).toHaveLength(200);
      expect(results.filter((result) => result.success)).toHaveLength(198);
      expect(results[7]).toEqual({
        success: false,
        errors: [
          {
            statusCode: 'REQUIRED_FIELD_MISSING',
            message: 'Required fields are missing: [LastName]',
            fields: ['LastName'],
          },
        ],
      });
      expect(results[150]).toMatchObject({
        success: false,
        errors: [{ statusCode: 'INVALID_EMAIL_ADDRESS', fields: ['Email'] }],
      });
      expect((await conn.query("SELECT COUNT() FROM Contact WHERE External_Id__c LIKE 'COLL-%'")).totalSize).toBe(198);
      expect((await failure(conn.sobject('Contact').create(contacts('TOO', 201)))).name).toBe('EXCEEDED_ID_LIMIT');
    });

    it('undoes the whole call under allOrNone, marking the good records rolled back', async () => {
      const records: Record<string, unknown>[] = contacts('ATOM', 5);
      records[3] = { ...records[3], AccountId: '001garbage' };
      const results = await conn.sobject('Contact').create(records, { allOrNone: true });
      // Collections name the code `statusCode` (jsforce's SaveError type says errorCode; the wire does not).
      const codes = results.map((result) =>
        result.success ? 'ok' : (result.errors[0] as unknown as { statusCode: string }).statusCode,
      );
      expect(codes).toEqual([
        'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        'ALL_OR_NONE_OPERATION_ROLLED_BACK',
        'MALFORMED_ID',
        'ALL_OR_NONE_OPERATION_ROLLED_BACK',
      ]);
      expect((await conn.query("SELECT COUNT() FROM Contact WHERE External_Id__c LIKE 'ATOM-%'")).totalSize).toBe(0);
      // The unique index was rolled back too: the same external ids are free again.
      const again = await conn.sobject('Contact').create(contacts('ATOM', 5), { allOrNone: true });
      expect(again.every((result) => result.success)).toBe(true);
    });

    it('updates, upserts (with created flags and relationships), retrieves and deletes many records', async () => {
      await conn.sobject('Account').create({ Name: 'Parent', External_Id__c: 'COLL-PARENT' });
      const created = await conn.sobject('Contact').create(contacts('MANY', 3));
      const ids = created.map((result) => (result as { id: string }).id) as [string, string, string];
      const updated = await conn.sobject('Contact').update([
        { Id: ids[0], Title: 'Updated' },
        { Id: '003000000000000AAA', Title: 'Ghost' },
      ]);
      expect(updated[0]).toEqual({ id: ids[0], success: true, errors: [] });
      expect(updated[1]).toMatchObject({ success: false, errors: [{ statusCode: 'INVALID_CROSS_REFERENCE_KEY' }] });
      const upserted = await conn.sobject('Contact').upsert(
        [
          { External_Id__c: 'MANY-1', Title: 'Upserted', Account: { External_Id__c: 'COLL-PARENT' } },
          { External_Id__c: 'MANY-NEW', LastName: 'New one' },
        ],
        'External_Id__c',
      );
      expect(upserted).toEqual([
        { id: ids[1], success: true, errors: [], created: false },
        { id: expect.stringMatching(/^003/), success: true, errors: [], created: true },
      ]);
      const retrieved = await conn
        .sobject('Contact')
        .retrieve([ids[0] as string, ids[1] as string], { fields: ['Title', 'AccountId'] });
      expect(retrieved.map((record) => record?.Title)).toEqual(['Updated', 'Upserted']);
      expect(retrieved[1]?.AccountId).toMatch(/^001/);
      const deleted = await conn.sobject('Contact').destroy([...ids, ids[0] as string]);
      expect(deleted.map((result) => result.success)).toEqual([true, true, true, false]);
      expect(deleted[3]).toMatchObject({ errors: [{ statusCode: 'ENTITY_IS_DELETED' }] });
    });

    it('finds records by external id and deletes them as a mirror does: a deleted record leaves queries, and deleting it again is ENTITY_IS_DELETED', async () => {
      await conn
        .sobject('Account')
        .create([
          { Name: 'Mirror 1', External_Id__c: 'MIR-1' },
          { Name: 'Mirror 2', External_Id__c: 'MIR-2' },
          { Name: 'Mirror without key' },
        ]);
      const keyed = await conn.query<{ Id: string; External_Id__c: string }>(
        "SELECT Id, External_Id__c FROM Account WHERE External_Id__c IN ('mir-1', 'MIR-2', 'MIR-NONE')",
      );
      // External ids compare case-insensitively; a key no record holds finds nothing.
      expect(keyed.records.map((record) => record.External_Id__c).sort()).toEqual(['MIR-1', 'MIR-2']);
      const ids = keyed.records.map((record) => record.Id);
      // jsforce deletes a list through DELETE /composite/sobjects?ids=…&allOrNone=false.
      const deleted = await conn.sobject('Account').destroy(ids, { allOrNone: false });
      expect(deleted.map((result) => result.success)).toEqual([true, true]);
      const again = await conn.sobject('Account').destroy(ids, { allOrNone: false });
      expect(
        again.map((result) => !result.success && (result.errors[0] as { statusCode?: string } | undefined)?.statusCode),
      ).toEqual(['ENTITY_IS_DELETED', 'ENTITY_IS_DELETED']);
      const left = await conn.query<{ Name: string }>(
        "SELECT Name FROM Account WHERE Name LIKE 'Mirror%' AND External_Id__c != null",
      );
      expect(left.records).toEqual([]);
      const unkeyed = await conn.query<{ Name: string }>("SELECT Name FROM Account WHERE Name LIKE 'Mirror%'");
      expect(unkeyed.records.map((record) => record.Name)).toEqual(['Mirror without key']);
    });
  });

  describe('SOQL', () => {
    it('filters with AND/OR/NOT, IN, LIKE, null, dates and datetimes, sorts with NULLS and pages with LIMIT/OFFSET', async () => {
      const rows = [
        { Name: 'Q Alpha', StageName: 'Prospecting', CloseDate: '2024-01-10', Amount: 100, External_Id__c: 'Q-1' },
        { Name: 'Q Beta', StageName: 'Closed Won', CloseDate: '2024-03-01', Amount: 250.5, External_Id__c: 'Q-2' },
        { Name: 'Q Gamma', StageName: 'Closed Lost', CloseDate: '2024-06-30', External_Id__c: 'Q-3' },
        { Name: 'Q delta_%', StageName: 'Qualification', CloseDate: '2025-01-01', Amount: -5, External_Id__c: 'Q-4' },
      ];
      await conn.sobject('Opportunity').create(rows);
      const names = async (where: string, order = 'Name') =>
        (
          await conn.query(`SELECT Name FROM Opportunity WHERE Name LIKE 'Q %' AND (${where}) ORDER BY ${order}`)
        ).records.map((record) => record.Name);
      expect(await names("StageName IN ('Closed Won', 'Closed Lost')")).toEqual(['Q Beta', 'Q Gamma']);
      expect(await names("NOT StageName LIKE 'closed%'")).toEqual(['Q Alpha', 'Q delta_%']);
      expect(await names('Amount = null OR Amount < 0')).toEqual(['Q delta_%', 'Q Gamma']);
      expect(await names('CloseDate >= 2024-03-01 AND CloseDate < 2025-01-01')).toEqual(['Q Beta', 'Q Gamma']);
      expect(await names("Name LIKE '%\\_\\%'")).toEqual(['Q delta_%']);
      expect(await names('CreatedDate > 2020-01-01T00:00:00Z AND CreatedDate <= LAST_N_DAYS:1')).toHaveLength(4);
      expect(await names('Amount != null', 'Amount DESC')).toEqual(['Q Beta', 'Q Alpha', 'Q delta_%']);
      expect(await names('Name != null', 'Amount ASC NULLS LAST, Name')).toEqual([
        'Q delta_%',
        'Q Alpha',
        'Q Beta',
        'Q Gamma',
      ]);
      const page = await conn.query(
        "SELECT Name FROM Opportunity WHERE Name LIKE 'Q %' ORDER BY Name LIMIT 2 OFFSET 1",
      );
      expect(page.records.map((record) => record.Name)).toEqual(['Q Beta', 'Q delta_%']);
      expect((await conn.query("SELECT COUNT() FROM Opportunity WHERE Name LIKE 'Q %'")).totalSize).toBe(4);
      const aggregate = await conn.query("SELECT COUNT(Amount) total FROM Opportunity WHERE Name LIKE 'Q %'");
      expect(aggregate.records[0]).toMatchObject({ total: 3 });
    });

    it('refuses malformed queries, unknown fields and objects, and literals of the wrong type', async () => {
      expect((await failure(conn.query('SELECT Id FRM Account'))).name).toBe('MALFORMED_QUERY');
      const unknownField = await failure(conn.query('SELECT Nope FROM Account'));
      expect(unknownField.name).toBe('INVALID_FIELD');
      expect(unknownField.message).toContain("No such column 'Nope' on entity 'Account'");
      expect((await failure(conn.query('SELECT Id FROM Nope'))).name).toBe('INVALID_TYPE');
      expect((await failure(conn.query("SELECT Id FROM Account WHERE NumberOfEmployees = '5'"))).name).toBe(
        'INVALID_QUERY_FILTER_OPERATOR',
      );
      expect((await failure(conn.query('SELECT Id FROM Account WHERE Name = 5'))).name).toBe(
        'INVALID_QUERY_FILTER_OPERATOR',
      );
    });
  });

  describe('query locators', () => {
    let paging: SalesforceSandbox;
    let pagingConn: Connection;

    beforeAll(async () => {
      paging = await startSalesforceSandbox({ seed: { users: 3, accounts: 20, contacts: 4_500 } });
      pagingConn = await connect(paging);
    });

    afterAll(async () => {
      await paging.close();
    });

    it('pages 2,000 records at a time through nextRecordsUrl and queryMore', async () => {
      const first = await pagingConn.query('SELECT Id, Email FROM Contact ORDER BY Id');
      expect(first).toMatchObject({ totalSize: 4_500, done: false });
      expect(first.records).toHaveLength(2_000);
      expect(first.nextRecordsUrl).toMatch(new RegExp(`/services/data/v${version}/query/01g[0-9a-f]+-2000$`));
      const second = await pagingConn.queryMore(first.nextRecordsUrl as string);
      expect(second).toMatchObject({ done: false });
      const third = await pagingConn.queryMore(second.nextRecordsUrl as string);
      expect(third).toMatchObject({ done: true, totalSize: 4_500 });
      expect(third.records).toHaveLength(500);
      expect(third.nextRecordsUrl).toBeUndefined();
      const ids = [...first.records, ...second.records, ...third.records].map((record) => record.Id as string);
      expect(new Set(ids).size).toBe(4_500);
      expect([...ids].sort()).toEqual(ids);
      const fetched = await pagingConn
        .query('SELECT Id FROM Contact ORDER BY Id')
        .run({ autoFetch: true, maxFetch: 10_000 });
      expect(sha256(fetched.records.map((record) => record.Id as string))).toBe(sha256(ids));
      expect((await failure(pagingConn.queryMore(`/services/data/v${version}/query/01gdeadbeef-2000`))).name).toBe(
        'INVALID_QUERY_LOCATOR',
      );
    });

    it('keyset-pages by Id with WHERE Id > :last, 15- or 18-character ids alike', async () => {
      const seen: string[] = [];
      let last = '';
      for (;;) {
        const where = last ? `WHERE Id > '${seen.length % 2 ? last.slice(0, 15) : last}' ` : '';
        const page = await pagingConn.query(`SELECT Id FROM Contact ${where}ORDER BY Id LIMIT 1000`);
        if (page.records.length === 0) break;
        for (const record of page.records) seen.push(record.Id as string);
        last = seen[seen.length - 1] as string;
      }
      expect(seen).toHaveLength(4_500);
      expect(new Set(seen).size).toBe(4_500);
    });

    it('honours Sforce-Query-Options batchSize', async () => {
      const response = await fetch(
        `${paging.url}/services/data/v${version}/query?q=${encodeURIComponent('SELECT Id FROM Contact')}`,
        {
          headers: { Authorization: `Bearer ${pagingConn.accessToken}`, 'Sforce-Query-Options': 'batchSize=500' },
        },
      );
      const body = (await response.json()) as { records: unknown[]; nextRecordsUrl: string };
      expect(body.records).toHaveLength(500);
      // Relative, as Salesforce sends it; jsforce makes it absolute.
      expect(body.nextRecordsUrl).toMatch(new RegExp(`^/services/data/v${version}/query/01g[0-9a-f]+-500$`));
    });
  });

  describe('Bulk API 2.0', () => {
    let bulk: SalesforceSandbox;
    let bulkConn: Connection;

    beforeAll(async () => {
      bulk = await startSalesforceSandbox({ seed: { users: 2, accounts: 5 } });
      bulkConn = await connect(bulk);
      bulkConn.bulk2.pollInterval = 20;
    });

    afterAll(async () => {
      await bulk.close();
    });

    it('inserts 10,000 records through an ingest job, reporting the refused ones with sf__Error', async () => {
      const input = Array.from({ length: 10_000 }, (_, i) => ({
        Name: i === 4321 ? '' : `Bulk, "quoted"\nline ${i}`,
        External_Id__c: `BULK-${i}`,
        NumberOfEmployees: i === 777 ? 'lots' : i,
        Industry: 'Energy',
      }));
      const results = await bulkConn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input });
      expect(results.successfulResults).toHaveLength(9_998);
      expect(results.failedResults).toHaveLength(2);
      expect(results.unprocessedRecords).toHaveLength(0);
      const failed = Object.fromEntries(
        results.failedResults.map((row) => [(row as Record<string, unknown>).External_Id__c, row.sf__Error]),
      );
      expect(failed).toEqual({
        'BULK-4321': 'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --',
        'BULK-777': 'INVALID_TYPE_ON_FIELD_IN_RECORD:Employees: value not of required type: lots:NumberOfEmployees --',
      });
      expect(results.successfulResults[0]).toMatchObject({
        sf__Created: 'true',
        sf__Id: expect.stringMatching(/^001/),
      });
      const loaded = await bulkConn
        .query("SELECT Id, Name FROM Account WHERE External_Id__c LIKE 'BULK-%' ORDER BY Id")
        .run({
          autoFetch: true,
          maxFetch: 20_000,
        });
      expect(loaded.records).toHaveLength(9_998);
      expect(sha256(loaded.records.map((record) => record.Id as string).sort())).toBe(
        sha256(results.successfulResults.map((row) => row.sf__Id as string).sort()),
      );
      expect(loaded.records[0]?.Name).toBe('Bulk, "quoted"\nline 0');
    });

    it('upserts by external id with relationship columns, then updates and deletes by Id', async () => {
      await bulkConn.sobject('Account').create({ Name: 'Bulk parent', External_Id__c: 'BULK-PARENT' });
      const csv = [
        'LastName,External_Id__c,Account.External_Id__c,Email',
        'One,BC-1,BULK-PARENT,one@example.com',
        'Two,BC-2,,#N/A',
        'Three,BC-3,NO-SUCH-PARENT,three@example.com',
      ].join('\n');
      const first = await bulkConn.bulk2.loadAndWaitForResults({
        object: 'Contact',
        operation: 'upsert',
        externalIdFieldName: 'External_Id__c',
        input: csv,
      });
      expect(
        first.successfulResults.map((row) => [(row as Record<string, unknown>).External_Id__c, row.sf__Created]),
      ).toEqual([
        ['BC-1', 'true'],
        ['BC-2', 'true'],
      ]);
      expect(first.failedResults[0]?.sf__Error).toBe(
        'INVALID_FIELD:Foreign key external ID: NO-SUCH-PARENT not found for field External_Id__c in entity Account: --',
      );
      const again = await bulkConn.bulk2.loadAndWaitForResults({
        object: 'Contact',
        operation: 'upsert',
        externalIdFieldName: 'External_Id__c',
        input: [{ External_Id__c: 'BC-1', Title: 'Upserted twice' }],
      });
      expect(again.successfulResults[0]).toMatchObject({
        sf__Created: 'false',
        sf__Id: first.successfulResults[0]?.sf__Id,
      });
      const rows = await bulkConn.query(
        "SELECT Title, Account.External_Id__c FROM Contact WHERE External_Id__c = 'BC-1'",
      );
      expect(rows.records[0]).toMatchObject({ Title: 'Upserted twice', Account: { External_Id__c: 'BULK-PARENT' } });
      const ids = first.successfulResults.map((row) => row.sf__Id as string);
      const updated = await bulkConn.bulk2.loadAndWaitForResults({
        object: 'Contact',
        operation: 'update',
        input: ids.map((Id) => ({ Id, Title: 'Bulk updated' })),
      });
      expect(updated.successfulResults).toHaveLength(2);
      const deleted = await bulkConn.bulk2.loadAndWaitForResults({
        object: 'Contact',
        operation: 'delete',
        input: ids.map((Id) => ({ Id })),
      });
      expect(deleted.successfulResults).toHaveLength(2);
      expect((await bulkConn.query("SELECT COUNT() FROM Contact WHERE External_Id__c LIKE 'BC-%'")).totalSize).toBe(0);
    });

    it('fails a job whose CSV names an unknown field, leaving its rows unprocessed', async () => {
      const error = await failure(
        bulkConn.bulk2.loadAndWaitForResults({
          object: 'Lead',
          operation: 'insert',
          input: 'LastName,Company,Nope__c\nA,B,C\n',
        }),
      );
      expect(error.message).toBe('Ingest job failed to complete due to: InvalidBatch : Field name not found : Nope__c');
    });

    it("hands back every uploaded row as unprocessed when a job is aborted, in the job's delimiter", async () => {
      const job = bulkConn.bulk2.createJob({
        object: 'Lead',
        operation: 'insert',
        columnDelimiter: 'TAB',
        lineEnding: 'CRLF',
      });
      await job.open();
      await job.uploadData('LastName\tCompany\r\nAbort\tOne Co\r\n"Tab\there"\tTwo Co\r\n');
      await job.abort();
      expect(await job.check()).toMatchObject({ state: 'Aborted', columnDelimiter: 'TAB', lineEnding: 'CRLF' });
      expect(await job.getUnprocessedRecords(true)).toBe(
        '"LastName"\t"Company"\r\n"Abort"\t"One Co"\r\n"Tab\there"\t"Two Co"\r\n',
      );
      expect((await bulkConn.query("SELECT COUNT() FROM Lead WHERE LastName = 'Abort'")).totalSize).toBe(0);
    });

    it('answers query jobs as CSV pages with Sforce-Locator and Sforce-NumberOfRecords', async () => {
      const stream = await bulkConn.bulk2.query(
        "SELECT Id, Name, Owner.Username, CreatedDate FROM Account WHERE External_Id__c LIKE 'BULK-%'",
      );
      const records: Record<string, unknown>[] = [];
      for await (const record of stream) records.push(record as Record<string, unknown>);
      // The 9,998 loaded above and the parent of the upsert test.
      expect(records).toHaveLength(9_999);
      expect(records[0]).toMatchObject({ 'Owner.Username': username, CreatedDate: expect.stringMatching(/\.000Z$/) });
      expect(records[0]?.Name).toBe('Bulk, "quoted"\nline 0');

      const headers = { Authorization: `Bearer ${bulkConn.accessToken}`, 'Content-Type': 'application/json' };
      const base = `${bulk.url}/services/data/v${version}/jobs/query`;
      const job = (await (
        await fetch(base, {
          method: 'POST',
          headers,
          body: JSON.stringify({ operation: 'query', query: 'SELECT Id FROM Account ORDER BY Id' }),
        })
      ).json()) as { id: string; state: string };
      expect(job.state).toBe('UploadComplete');
      expect(await (await fetch(`${base}/${job.id}`, { headers })).json()).toMatchObject({
        state: 'JobComplete',
        numberRecordsProcessed: 10_004,
      });
      const pages: number[] = [];
      const ids: string[] = [];
      let locator: string | null = '';
      while (locator !== 'null') {
        const response: Response = await fetch(
          `${base}/${job.id}/results?maxRecords=4000${locator ? `&locator=${locator}` : ''}`,
          { headers },
        );
        expect(response.headers.get('content-type')).toBe('text/csv');
        pages.push(Number(response.headers.get('sforce-numberofrecords')));
        const lines = (await response.text()).trim().split('\n');
        expect(lines[0]).toBe('"Id"');
        ids.push(...lines.slice(1).map((line) => line.replaceAll('"', '')));
        locator = response.headers.get('sforce-locator');
      }
      expect(pages).toEqual([4000, 4000, 2004]);
      expect(new Set(ids).size).toBe(10_004);
    });
  });

  describe('limits', () => {
    it('sends Sforce-Limit-Info on every answer and refuses calls past the daily allocation', async () => {
      const small = await startSalesforceSandbox({ limits: { dailyApiRequests: 3 } });
      try {
        const own = await connect(small);
        const headers = { Authorization: `Bearer ${own.accessToken}` };
        const usage: (string | null)[] = [];
        for (let i = 0; i < 3; i++) {
          const response = await fetch(`${small.url}/services/data/v${version}/limits`, { headers });
          expect(response.status).toBe(200);
          usage.push(response.headers.get('sforce-limit-info'));
        }
        expect(usage).toEqual(['api-usage=1/3', 'api-usage=2/3', 'api-usage=3/3']);
        const refused = await fetch(`${small.url}/services/data/v${version}/limits`, { headers });
        expect(refused.status).toBe(403);
        expect(await refused.json()).toEqual([
          { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
        ]);
        expect((await failure(own.query('SELECT Id FROM Account'))).name).toBe('REQUEST_LIMIT_EXCEEDED');
        expect(small.stats()).toEqual({ requests: 5, dailyUsed: 3 });
        expect(await (await fetch(`${small.url}/__sandbox/stats`)).json()).toEqual({ requests: 5, dailyUsed: 3 });
      } finally {
        await small.close();
      }
    });
  });

  describe('seed', () => {
    it('loads the same demo org every time, and seed() adds records with fresh external ids', async () => {
      const snapshot = async (target: SalesforceSandbox) => {
        const own = await connect(target);
        const rows = await own
          .query('SELECT Id, Name, Email, External_Id__c, AccountId, Account.Name, OwnerId FROM Contact ORDER BY Id')
          .run({ autoFetch: true, maxFetch: 10_000 });
        const counts: Record<string, number> = {};
        for (const object of ['User', 'Account', 'Contact', 'Lead', 'Opportunity']) {
          counts[object] = (await own.query(`SELECT COUNT() FROM ${object}`)).totalSize;
        }
        return { counts, checksum: sha256(rows.records.map((record) => JSON.stringify(record))) };
      };
      const [one, two] = await Promise.all([
        startSalesforceSandbox({ seed: 'demo' }),
        startSalesforceSandbox({ seed: 'demo' }),
      ]);
      try {
        const first = await snapshot(one);
        expect(first.counts).toEqual({ User: 11, Account: 50, Contact: 200, Lead: 100, Opportunity: 80 });
        expect((await snapshot(two)).checksum).toBe(first.checksum);
        await one.seed({ accounts: 2, contacts: 3 });
        const own = await connect(one);
        const added = await own.query(
          "SELECT External_Id__c FROM Account WHERE External_Id__c > 'ACC-000050' ORDER BY External_Id__c",
        );
        expect(added.records.map((record) => record.External_Id__c)).toEqual(['ACC-000051', 'ACC-000052']);
        expect((await snapshot(one)).counts).toMatchObject({ Account: 52, Contact: 203 });
      } finally {
        await Promise.all([one.close(), two.close()]);
      }
    });
  });

  describe('faults', () => {
    it('injects every-Nth errors, 429 bursts with Retry-After and dropped connections, the same on every run', async () => {
      const faulty = await startSalesforceSandbox({ faults: { errorEvery: 3 } });
      try {
        const own = await connect(faulty);
        const headers = { Authorization: `Bearer ${own.accessToken}` };
        const call = () => fetch(`${faulty.url}/services/data/v${version}/limits`, { headers });
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await call()).status);
        expect(statuses).toEqual([200, 200, 503, 200, 200, 503]);
        const injected = await call()
          .then(() => call())
          .then(() => call());
        expect(await injected.json()).toEqual([{ message: expect.any(String), errorCode: 'SERVER_UNAVAILABLE' }]);

        const update = (faults: unknown) =>
          fetch(`${faulty.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify(faults) }).then((r) =>
            r.json(),
          );
        expect(
          await update({ errorEvery: null, rateLimitBurst: { afterRequests: 1, count: 2, retryAfterSeconds: 1 } }),
        ).toEqual({
          rateLimitBurst: { afterRequests: 1, count: 2, retryAfterSeconds: 1 },
        });
        const burst = [await call(), await call(), await call(), await call()];
        expect(burst.map((response) => response.status)).toEqual([200, 429, 429, 200]);
        expect(burst[1]?.headers.get('retry-after')).toBe('1');

        await update({ rateLimitBurst: null, dropEvery: 2 });
        expect((await call()).status).toBe(200);
        await expect(call()).rejects.toThrow();
        expect((await call()).status).toBe(200);
        const badOption = await fetch(`${faulty.url}/__sandbox/faults`, { method: 'POST', body: '{"errorRate":2}' });
        expect(badOption.status).toBe(400);
      } finally {
        await faulty.close();
      }
    });

    it('refuses records carrying the marker in every write API, as a validation rule would', async () => {
      const strict = await startSalesforceSandbox({ faults: { rejectRecordsContaining: 'REJECT-ME' } });
      try {
        const own = await connect(strict);
        own.bulk2.pollInterval = 20;
        const single = await failure(own.sobject('Account').create({ Name: 'Please REJECT-ME' }));
        expect(single.name).toBe('FIELD_CUSTOM_VALIDATION_EXCEPTION');
        const many = await own.sobject('Account').create([{ Name: 'Fine' }, { Name: 'x REJECT-ME' }]);
        expect(many.map((result) => result.success)).toEqual([true, false]);
        const bulkResults = await own.bulk2.loadAndWaitForResults({
          object: 'Account',
          operation: 'insert',
          input: [{ Name: 'Fine too' }, { Name: 'REJECT-ME again' }],
        });
        expect(bulkResults.failedResults.map((row) => row.sf__Error)).toEqual([
          'FIELD_CUSTOM_VALIDATION_EXCEPTION:The sandbox refuses values containing REJECT-ME:Name --',
        ]);
      } finally {
        await strict.close();
      }
    });
  });

  describe('disk store', () => {
    it('keeps the org in a folder across restarts, ids going on where they stopped and the seed loaded once', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'salesforce-sandbox-'));
      try {
        const first = await startSalesforceSandbox({ dir, seed: { users: 1, accounts: 3 } });
        const before = await connect(first);
        const { id } = (await before.sobject('Account').create({ Name: 'Survivor', External_Id__c: 'DISK-1' })) as {
          id: string;
        };
        await first.close();

        const second = await startSalesforceSandbox({ dir, seed: { accounts: 3 } });
        try {
          const after = await connect(second);
          expect((await after.query('SELECT COUNT() FROM Account')).totalSize).toBe(4);
          expect(await after.sobject('Account').retrieve(id)).toMatchObject({
            Name: 'Survivor',
            External_Id__c: 'DISK-1',
          });
          const next = (await after.sobject('Account').create({ Name: 'Newcomer' })) as { id: string };
          expect(next.id > id).toBe(true);
          expect(
            (await failure(after.sobject('Account').create({ Name: 'Copy', External_Id__c: 'DISK-1' }))).name,
          ).toBe('DUPLICATE_VALUE');
          expect((await after.query('SELECT COUNT() FROM User')).totalSize).toBe(2);
        } finally {
          await second.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
