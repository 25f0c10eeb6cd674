/**
 * salesforce.source and salesforce.destination against the Salesforce sandbox, checked with jsforce:
 * REST and Bulk API reads give the same records, resumes are exact (also inside a Bulk API job),
 * incremental runs read only what changed, writes land (relationships by external ID included) and
 * refusals carry Salesforce's codes, through sObject Collections and Bulk API ingest jobs alike.
 */
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSalesforceWriter, salesforceDestination } from '../../server/src/connectors/salesforce/destination.ts';
import type { SalesforceDestinationConfig } from '../../server/src/connectors/salesforce/destination-config.ts';
import { readSalesforce, salesforceSource } from '../../server/src/connectors/salesforce/source.ts';
import type { SalesforceSourceConfig } from '../../server/src/connectors/salesforce/source-config.ts';
import type { Rec, SourceBatch } from '../../server/src/node-kit/contract.ts';
import { checkKillAndResume, recordItem } from '../../server/src/testing/conformance/checks.ts';
import { type TestContext, temporaryDirectory, testContext } from '../../server/src/testing/node-context.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import { createEach, nastyName, oracle, queryAll, sandboxConnection } from './salesforce-support.ts';
import { shortenRetryWaits } from './support.ts';

let sandbox: SalesforceSandbox;
let jsforce: Connection;

/** Bulk API jobs polled every few milliseconds, result sets of 7 records so a read spans several locators. */
const fastBulk = { polling: { intervalMs: 5, maxIntervalMs: 20 }, resultSetRecords: 7 };

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0 });
  jsforce = await oracle(sandbox);
  const accounts = Array.from({ length: 30 }, (_, i) => ({
    Name: nastyName(i),
    External_Id__c: `acct-${i}`,
    NumberOfEmployees: i % 4 === 0 ? null : i * 1000,
    AnnualRevenue: i % 3 === 0 ? null : i * 1234.5,
    Description: i % 5 === 0 ? `multi\nline, "quoted" ${i}` : null,
  }));
  await createEach(jsforce, 'Account', accounts);
});
afterAll(() => sandbox?.close());

function context(overrides: Partial<TestContext> = {}) {
  const lines: string[] = [];
  const ctx = testContext('/tmp', {
    batchSize: 7,
    log: {
      info: (message) => lines.push(message),
      warn: (message) => lines.push(message),
      error: (message) => lines.push(message),
    },
    ...overrides,
  });
  return Object.assign(ctx, { lines });
}

async function readAll(config: SalesforceSourceConfig, ctx = context()): Promise<SourceBatch[]> {
  const batches: SourceBatch[] = [];
  for await (const batch of readSalesforce(config, ctx, fastBulk)) batches.push(batch);
  return batches;
}

const recordsOf = (batches: SourceBatch[]) =>
  batches.flatMap((batch) => (batch.kind === 'records' ? batch.records : []));

const accountSource = (extra: Partial<SalesforceSourceConfig> = {}): SalesforceSourceConfig => ({
  ...sandboxConnection(sandbox),
  objects: ['Account'],
  ...extra,
});

/** The source type reading with `fastBulk`, for the suite's kill-and-resume check. */
const fastSource: typeof salesforceSource = {
  ...salesforceSource,
  read: (config, ctx) => readSalesforce(config, ctx, fastBulk),
};

describe('salesforce.source', () => {
  it('reads every field but compound ones through REST, Id first, exactly as jsforce finds them', async () => {
    const ctx = context();
    const batches = await readAll(accountSource({ bulk: 'never' }), ctx);
    const records = recordsOf(batches);
    const describe = await jsforce.sobject('Account').describe();
    const fields = describe.fields
      .filter((f) => !['address', 'location', 'base64'].includes(f.type))
      .map((f) => f.name);
    const expected = await queryAll(jsforce, `SELECT ${fields.join(', ')} FROM Account`);
    expect(records.map(recordItem).sort()).toEqual(expected.map(recordItem).sort());
    expect(Object.keys(records[0]!)[0]).toBe('Id');
    expect(batches.every((batch) => batch.kind === 'records' && batch.records.length <= 7)).toBe(true);
    expect(
      batches[0]!.kind === 'records' && batches[0]!.schema?.find((c) => c.name === 'NumberOfEmployees')?.type,
    ).toBe('INTEGER');
    expect(ctx.lines).not.toContain('started a Bulk API query job');
  });

  it('reads the same records through a Bulk API query job, typed as REST types them, paged by locator', async () => {
    const fields = { Account: ['Id', 'Name', 'NumberOfEmployees', 'AnnualRevenue', 'Description', 'CreatedDate'] };
    const rest = recordsOf(await readAll(accountSource({ bulk: 'never', fields })));
    const ctx = context();
    const bulk = recordsOf(await readAll(accountSource({ bulk: 'always', fields }), ctx));
    expect(ctx.lines).toContain('started a Bulk API query job');
    expect(bulk.map(recordItem).sort()).toEqual(rest.map(recordItem).sort());
  });

  it('goes bulk by itself when COUNT() passes bulkThreshold', async () => {
    const ctx = context();
    const records = recordsOf(
      await readAll(accountSource({ bulkThreshold: 10, fields: { Account: ['Id', 'Name'] } }), ctx),
    );
    expect(ctx.lines).toContain('started a Bulk API query job');
    expect(records).toHaveLength(30);
  });

  it('resumes inside a Bulk API job at its locator, losing and repeating nothing', async () => {
    const dir = await temporaryDirectory();
    const config = accountSource({ bulk: 'always', fields: { Account: ['Id', 'Name', 'External_Id__c'] } });
    const expected = (await queryAll(jsforce, 'SELECT Id, Name, External_Id__c FROM Account')).map(recordItem);
    for (const seed of ['a', 'b', 'c']) {
      await checkKillAndResume(
        'salesforce-bulk',
        { type: fastSource, setUp: async () => ({ config, expected }), refused: async () => config },
        dir,
        seed,
      );
    }
  });

  it('reads incrementally: the first run everything, then only what changed, then nothing', async () => {
    const config = accountSource({ incremental: {}, fields: { Account: ['Id', 'Name', 'SystemModstamp'] } });
    const first = await readAll(config);
    expect(recordsOf(first)).toHaveLength(30);
    const cursor = first.at(-1)!.cursor;
    const [one, two] = await queryAll(jsforce, "SELECT Id FROM Account WHERE External_Id__c IN ('acct-3', 'acct-17')");
    await jsforce.sobject('Account').update({ Id: String(one!.Id), Name: 'Changed 3' });
    await jsforce.sobject('Account').update({ Id: String(two!.Id), Name: 'Changed 17' });
    const second = await readAll(config, context({ lastRunCursor: cursor }));
    expect(
      recordsOf(second)
        .map((r) => r.Name)
        .sort(),
    ).toEqual(['Changed 17', 'Changed 3']);
    const third = await readAll(config, context({ lastRunCursor: second.at(-1)!.cursor }));
    expect(recordsOf(third)).toEqual([]);
    expect(third).toHaveLength(1); // one empty batch hands the marks on
  });

  it('with a lookback re-reads the window and skips what it already emitted unchanged', async () => {
    const config = accountSource({ incremental: { lookbackSeconds: 3600 }, fields: { Account: ['Id', 'Name'] } });
    const first = await readAll(config);
    expect(recordsOf(first)).toHaveLength(30);
    const [one] = await queryAll(jsforce, "SELECT Id FROM Account WHERE External_Id__c = 'acct-5'");
    await jsforce.sobject('Account').update({ Id: String(one!.Id), Name: 'Changed 5' });
    const second = await readAll(config, context({ lastRunCursor: first.at(-1)!.cursor }));
    expect(recordsOf(second).map((r) => r.Name)).toEqual(['Changed 5']);
    expect(Object.keys(recordsOf(second)[0]!)).toEqual(['Id', 'SystemModstamp', 'Name']);
  });

  it('resumes an incremental read exactly, through REST and through a Bulk API job', async () => {
    const dir = await temporaryDirectory();
    for (const bulk of ['never', 'always'] as const) {
      const config = accountSource({ bulk, incremental: {}, fields: { Account: ['Id', 'Name', 'SystemModstamp'] } });
      const expected = (await queryAll(jsforce, 'SELECT Id, SystemModstamp, Name FROM Account')).map(recordItem);
      await checkKillAndResume(
        `salesforce-incremental-${bulk}`,
        { type: fastSource, setUp: async () => ({ config, expected }), refused: async () => config },
        dir,
      );
    }
  });

  it('reads a SOQL query with relationship fields, nested as REST nests them', async () => {
    const [account] = await queryAll(jsforce, "SELECT Id FROM Account WHERE External_Id__c = 'acct-2'");
    await jsforce.sobject('Contact').create({ LastName: 'Related', AccountId: String(account!.Id) });
    const records = recordsOf(
      await readAll({
        ...sandboxConnection(sandbox),
        query: "SELECT Id, LastName, Account.Name FROM Contact WHERE LastName = 'Related'",
      }),
    );
    expect(records).toEqual([{ Id: expect.any(String), LastName: 'Related', Account: { Name: nastyName(2) } }]);
  });

  it('refuses an unknown object or field with a ConfigError naming it', async () => {
    await expect(salesforceSource.check!(accountSource({ objects: ['Acount'] }), context())).rejects.toThrow(
      /no object "Acount"/,
    );
    await expect(
      salesforceSource.check!(accountSource({ fields: { Account: ['Id', 'Nmae'] } }), context()),
    ).rejects.toThrow(/Account has no field "Nmae"/);
  });

  it("discovers the objects with their fields as Backflow column types, then the org's other objects", async () => {
    const streams = await salesforceSource.discover!(accountSource({ objects: ['Account', 'Opportunity'] }), context());
    expect(streams.map((s) => s.name)).toEqual(['Account', 'Opportunity', 'Contact', 'Lead', 'User']);
    // The others are listed for a picker, their fields left to a discover that names them.
    expect(streams.slice(2).map((s) => s.columns)).toEqual([[], [], []]);
    const opportunity = streams[1]!.columns;
    expect(opportunity.find((c) => c.name === 'CloseDate')?.type).toBe('DATE');
    expect(opportunity.find((c) => c.name === 'StageName')?.type).toBe('VARCHAR');
    expect(streams[0]!.key).toEqual(['Id']);
  });
});

const destination = (extra: Partial<SalesforceDestinationConfig> = {}): SalesforceDestinationConfig => ({
  ...sandboxConnection(sandbox),
  mode: 'upsert',
  externalIdField: 'External_Id__c',
  ...extra,
});

async function write(
  config: SalesforceDestinationConfig,
  batches: { stream: string; records: Rec[] }[],
  ctx = context(),
) {
  const writer = await openSalesforceWriter(config, ctx, fastBulk.polling);
  for (const [index, batch] of batches.entries()) await writer.write({ kind: 'records', ...batch }, index + 1);
  await writer.prepare();
  await writer.commit();
  return ctx;
}

describe('salesforce.destination', () => {
  it('upserts by external ID, a replay overwriting itself, and links contacts to accounts by external ID', async () => {
    const accounts = Array.from({ length: 450 }, (_, i) => ({ External_Id__c: `up-${i}`, Name: nastyName(i) }));
    await write(destination({ object: 'Account' }), [{ stream: 'accounts', records: accounts }]);
    await write(destination({ object: 'Account' }), [{ stream: 'accounts', records: accounts.slice(0, 10) }]);
    const stored = await queryAll(jsforce, "SELECT External_Id__c, Name FROM Account WHERE External_Id__c LIKE 'up-%'");
    expect(stored.map(recordItem).sort()).toEqual(accounts.map(recordItem).sort());
    const contacts = [
      { External_Id__c: 'c-1', LastName: 'Linked', Account: { External_Id__c: 'up-7' } },
      { External_Id__c: 'c-2', LastName: 'Unlinked' },
    ];
    await write(destination({ objects: { people: 'Contact' } }), [{ stream: 'people', records: contacts }]);
    const linked = await queryAll(
      jsforce,
      "SELECT LastName, Account.External_Id__c FROM Contact WHERE External_Id__c IN ('c-1', 'c-2') ORDER BY LastName",
    );
    expect(linked).toEqual([
      { LastName: 'Linked', Account: { External_Id__c: 'up-7' } },
      { LastName: 'Unlinked', Account: null },
    ]);
  });

  it('rejects the records Salesforce refuses with its code and message, and saves the rest', async () => {
    const opportunities = [
      { External_Id__c: 'opp-1', Name: 'Good', StageName: 'Prospecting', CloseDate: '2026-12-31' },
      { External_Id__c: 'opp-2', Name: 'Bad stage', StageName: 'Dreaming', CloseDate: '2026-12-31' },
      { External_Id__c: 'opp-3', Name: 'No close date', StageName: 'Closed Won' },
      { External_Id__c: 'opp-4', Name: 'Good too', StageName: 'Closed Lost', CloseDate: '2026-01-15' },
    ];
    const ctx = await write(destination({ object: 'Opportunity' }), [{ stream: 'deals', records: opportunities }]);
    expect(ctx.rejected.map((r) => r.record.External_Id__c)).toEqual(['opp-2', 'opp-3']);
    expect(ctx.rejected[0]!.reason).toMatch(/^INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: .*Dreaming.*\(StageName\)/);
    expect(ctx.rejected[1]!.reason).toMatch(/^REQUIRED_FIELD_MISSING: .*CloseDate/);
    const stored = await queryAll(
      jsforce,
      "SELECT External_Id__c FROM Opportunity WHERE External_Id__c LIKE 'opp-%' ORDER BY External_Id__c",
    );
    expect(stored.map((r) => r.External_Id__c)).toEqual(['opp-1', 'opp-4']);
  });

  it('isolates a record that makes Salesforce refuse a whole request (an unknown field)', async () => {
    const records = Array.from({ length: 9 }, (_, i) => ({
      External_Id__c: `iso-${i}`,
      Name: `Iso ${i}`,
      ...(i === 4 ? { Bogus__c: 'x' } : {}),
    }));
    const ctx = await write(destination({ object: 'Account' }), [{ stream: 'accounts', records }]);
    expect(ctx.rejected.map((r) => r.record.External_Id__c)).toEqual(['iso-4']);
    expect(ctx.rejected[0]!.reason).toMatch(/INVALID_FIELD.*Bogus__c/);
    const stored = await queryAll(jsforce, "SELECT External_Id__c FROM Account WHERE External_Id__c LIKE 'iso-%'");
    expect(stored).toHaveLength(8);
  });

  it('updates by Id and inserts new records', async () => {
    const [account] = await queryAll(jsforce, "SELECT Id FROM Account WHERE External_Id__c = 'acct-9'");
    await write(destination({ object: 'Account', mode: 'update' }), [
      { stream: 'a', records: [{ Id: account!.Id, Description: 'updated by id' }] },
    ]);
    await write(destination({ object: 'Lead', mode: 'insert' }), [
      { stream: 'a', records: [{ LastName: 'New lead', Company: 'Ünïcødé Ltd' }] },
    ]);
    expect(await queryAll(jsforce, `SELECT Description FROM Account WHERE Id = '${account!.Id}'`)).toEqual([
      { Description: 'updated by id' },
    ]);
    expect(await queryAll(jsforce, "SELECT Company FROM Lead WHERE LastName = 'New lead'")).toEqual([
      { Company: 'Ünïcødé Ltd' },
    ]);
  });

  it('sends a stream through Bulk API ingest jobs once it passes bulkThreshold, rejecting with sf__Error', async () => {
    const batch = (b: number) =>
      Array.from({ length: 6 }, (_, i) => {
        const n = b * 6 + i;
        return n === 15
          ? { External_Id__c: `bulk-${n}`, Name: null, Description: 'no name' }
          : {
              External_Id__c: `bulk-${n}`,
              Name: nastyName(n),
              Description: n % 2 ? `"quoted", two\nlines ${n}` : null,
            };
      });
    const ctx = await write(
      destination({ object: 'Account', bulkThreshold: 10 }),
      [0, 1, 2].map((b) => ({ stream: 'accounts', records: batch(b) })),
    );
    expect(ctx.lines.filter((line) => line === 'started a Bulk API ingest job')).toHaveLength(2);
    expect(ctx.rejected.map((r) => r.record.External_Id__c)).toEqual(['bulk-15']);
    expect(ctx.rejected[0]!.reason).toMatch(/REQUIRED_FIELD_MISSING/);
    const stored = await queryAll(
      jsforce,
      "SELECT External_Id__c, Name, Description FROM Account WHERE External_Id__c LIKE 'bulk-%'",
    );
    const expected = [0, 1, 2].flatMap(batch).filter((r) => r.External_Id__c !== 'bulk-15');
    expect(stored.map(recordItem).sort()).toEqual(expected.map(recordItem).sort());
  });

  it('links by external ID through Bulk API ingest too (Account.External_Id__c column)', async () => {
    const contacts = [{ External_Id__c: 'bc-1', LastName: 'Bulk linked', Account: { External_Id__c: 'acct-11' } }];
    await write(destination({ object: 'Contact', bulkThreshold: 0 }), [{ stream: 'c', records: contacts }]);
    expect(await queryAll(jsforce, "SELECT Account.External_Id__c FROM Contact WHERE External_Id__c = 'bc-1'")).toEqual(
      [{ Account: { External_Id__c: 'acct-11' } }],
    );
  });

  it('saves the records a failed Bulk API job left unprocessed through sObject Collections', async () => {
    // A column the object does not have fails the whole job (InvalidBatch): every row comes back unprocessed.
    const records = Array.from({ length: 5 }, (_, i) => ({
      External_Id__c: `unproc-${i}`,
      Name: `Unprocessed ${i}`,
      ...(i === 3 ? { Bogus__c: 'x' } : {}),
    }));
    const ctx = await write(destination({ object: 'Account', bulkThreshold: 0 }), [{ stream: 'a', records }]);
    expect(ctx.lines).toContain('saving the records a Bulk API job left unprocessed through sObject Collections');
    expect(ctx.rejected.map((r) => r.record.External_Id__c)).toEqual(['unproc-3']);
    expect(ctx.rejected[0]!.reason).toMatch(/INVALID_FIELD.*Bogus__c/);
    const stored = await queryAll(jsforce, "SELECT External_Id__c FROM Account WHERE External_Id__c LIKE 'unproc-%'");
    expect(stored).toHaveLength(4);
  });

  it('checks that the upsert key is an external ID field of the object', async () => {
    await expect(
      salesforceDestination.check!(destination({ object: 'Account', externalIdField: 'Name' }), context()),
    ).rejects.toThrow(/Account.Name is not an external ID field/);
    await expect(salesforceDestination.check!(destination({ object: 'Account' }), context())).resolves.toBeUndefined();
  });
});

describe('salesforce connector under faults', () => {
  it('reads and writes exactly through 503s, dropped connections, a 429 burst and an expired session', async () => {
    shortenRetryWaits(); // the waits a hundredth as long; the faults and their retries the same
    const faulty = await startSalesforceSandbox({
      port: 0,
      faults: { errorEvery: 5, dropEvery: 11, rateLimitBurst: { afterRequests: 3, count: 1, retryAfterSeconds: 1 } },
    });
    try {
      const records = Array.from({ length: 24 }, (_, i) => ({ External_Id__c: `f-${i}`, Name: nastyName(i) }));
      const ctx = context();
      const writer = await openSalesforceWriter(destination({ loginUrl: faulty.url, object: 'Account' }), ctx);
      for (let b = 0; b < 4; b++) {
        if (b === 2) await fetch(`${faulty.url}/__sandbox/expire-sessions`, { method: 'POST' });
        await writer.write({ kind: 'records', stream: 'a', records: records.slice(b * 6, b * 6 + 6) }, b + 1);
      }
      expect(ctx.rejected).toEqual([]);
      expect(ctx.lines).toContain('logged in to Salesforce again: the session had expired');
      expect(ctx.lines).toContain('retrying a Salesforce request');
      const read = recordsOf(
        await readAll({
          ...sandboxConnection(faulty),
          objects: ['Account'],
          fields: { Account: ['External_Id__c', 'Name'] },
        }),
      );
      expect(read.map(({ Id: _id, ...rest }) => recordItem(rest)).sort()).toEqual(records.map(recordItem).sort());
    } finally {
      await faulty.close();
    }
  });
});
