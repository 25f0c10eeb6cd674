/** hubspot.destination against the HubSpot sandbox: batches, upserts, refusals, retries and the shared rate limit. */
import { describe, expect, it } from 'vitest';
import { hubspotDestination } from '../../server/src/connectors/hubspot/destination.ts';
import type { HubspotDestinationConfig } from '../../server/src/connectors/hubspot/destination-config.ts';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { byKey, context, portalRecords, sandbox, stopFaults, token } from './hubspot-support.ts';
import { shortenRetryWaits } from './support.ts';

const fields = ['email', 'firstname', 'lastname', 'city', 'hs_email_optout'];

/** Contacts with the nasty cases: quotes, newlines, unicode, a boolean, an empty value. */
function contacts(count: number, tag = 'v1'): Rec[] {
  return Array.from({ length: count }, (_, i) => ({
    email: `person-${i}@example.com`,
    firstname: [`Zoë ${i}`, `"Quoted", ${i}`, `two\nlines ${i}`, `名前 ${i} ✓`][i % 4],
    lastname: `${tag}-${i}`,
    city: i % 7 === 0 ? '' : `City ${i % 13}`,
    hs_email_optout: i % 2 === 0,
  }));
}

/** What the portal should hold for those records: every value as HubSpot's text; an empty one clears the property. */
function expected(records: Rec[]) {
  return Object.fromEntries(
    records.map((record) => [
      record.email,
      Object.fromEntries(fields.map((name) => [name, record[name] === '' ? null : String(record[name])])),
    ]),
  );
}

async function write(config: HubspotDestinationConfig, batches: Rec[][], stream = 'people') {
  const ctx = await context();
  const writer = await hubspotDestination.open(config, ctx);
  for (const [index, records] of batches.entries()) await writer.write({ kind: 'records', stream, records }, index + 1);
  await writer.prepare();
  await writer.commit();
  return ctx;
}

describe('hubspot.destination', () => {
  it('upserts by email in requests of 100, and a replay changes nothing', async () => {
    const portal = await sandbox();
    const config: HubspotDestinationConfig = {
      baseUrl: portal.url,
      token,
      object: 'contacts',
      mode: 'upsert',
      idProperty: 'email',
    };
    const records = contacts(250);
    const ctx = await write(config, [records]);
    expect(ctx.rejected).toEqual([]);
    // one properties read, then 3 batch requests for 250 records
    expect(portal.stats().requests).toBe(4);
    const written = await portalRecords(portal, 'contacts', fields);
    expect(written).toHaveLength(250);
    expect(byKey(written, 'email', fields)).toEqual(expected(records));

    const changed = contacts(250, 'v2');
    await write(config, [changed.slice(0, 100), changed.slice(100)]);
    await write(config, [changed.slice(100)]);
    const rewritten = await portalRecords(portal, 'contacts', fields);
    expect(rewritten.map((record) => record.id).sort()).toEqual(written.map((record) => record.id).sort());
    expect(byKey(rewritten, 'email', fields)).toEqual(expected(changed));
  });

  it('rejects the records HubSpot refuses with its message naming the property, and writes the rest', async () => {
    const portal = await sandbox();
    const records: Rec[] = [
      { domain: 'good-1.example', name: 'Good one', numberofemployees: 12 },
      { domain: 'bad-number.example', name: 'Bad number', numberofemployees: 'abc' },
      { domain: 'good-2.example', name: 'Good two', annualrevenue: '1234567.89' },
      { domain: 'unknown-field.example', name: 'Unknown field', favourite_colour: 'green' },
      { name: 'No domain' },
      { domain: 'good-3.example', name: 'Ünïcødé "three"' },
    ];
    const ctx = await write({ baseUrl: portal.url, token, object: 'companies', mode: 'upsert', idProperty: 'domain' }, [
      records,
    ]);
    expect(ctx.rejected.map(({ record }) => record.domain ?? record.name)).toEqual([
      'bad-number.example',
      'unknown-field.example',
      'No domain',
    ]);
    const [badNumber, unknown, noKey] = ctx.rejected.map(({ reason }) => reason);
    expect(badNumber).toContain('numberofemployees');
    expect(unknown).toContain('favourite_colour');
    expect(noKey).toContain('domain');
    const written = await portalRecords(portal, 'companies', ['domain', 'name', 'numberofemployees']);
    expect(written.map((record) => record.properties.domain).sort()).toEqual([
      'good-1.example',
      'good-2.example',
      'good-3.example',
    ]);
  });

  it('splits a batch HubSpot refuses whole (the same email twice) until it lands, the later record winning', async () => {
    const portal = await sandbox();
    const records = contacts(10);
    records[7] = { ...records[2]!, lastname: 'second copy' };
    const ctx = await write({ baseUrl: portal.url, token, object: 'contacts', mode: 'upsert', idProperty: 'email' }, [
      records,
    ]);
    expect(ctx.rejected).toEqual([]);
    const written = byKey(await portalRecords(portal, 'contacts', fields), 'email', fields);
    expect(Object.keys(written)).toHaveLength(9);
    expect(written['person-2@example.com']?.lastname).toBe('second copy');
  });

  it("inserts, refusing a second contact with an existing email with HubSpot's conflict message", async () => {
    const portal = await sandbox();
    const config: HubspotDestinationConfig = { baseUrl: portal.url, token, object: 'contacts', mode: 'insert' };
    await write(config, [contacts(3)]);
    const ctx = await write(config, [[contacts(4)[3]!, contacts(1)[0]!]]);
    expect(ctx.rejected.map(({ record }) => record.email)).toEqual(['person-0@example.com']);
    expect(ctx.rejected[0]!.reason).toMatch(/already exists/i);
    expect(await portalRecords(portal, 'contacts', fields)).toHaveLength(4);
  });

  it('updates by record id, rejecting ids HubSpot does not have', async () => {
    const portal = await sandbox();
    await write({ baseUrl: portal.url, token, object: 'contacts', mode: 'insert' }, [contacts(3)]);
    const [first, second] = await portalRecords(portal, 'contacts', fields);
    const ctx = await write({ baseUrl: portal.url, token, object: 'contacts', mode: 'update' }, [
      [
        { id: first!.id, city: 'Reykjavík' },
        { id: '999999999', city: 'Nowhere' },
        { id: second!.id, city: 'Tromsø' },
      ],
    ]);
    expect(ctx.rejected.map(({ record }) => record.id)).toEqual(['999999999']);
    expect(ctx.rejected[0]!.reason).toMatch(/not exist/);
    const cities = (await portalRecords(portal, 'contacts', ['city'])).map((record) => record.properties.city);
    expect(cities.slice(0, 2)).toEqual(['Reykjavík', 'Tromsø']);
  });

  it('retries 429 bursts, 5xx answers and dropped connections, and lands every record once', async () => {
    shortenRetryWaits(); // the waits a hundredth as long; the faults and their retries the same
    const portal = await sandbox({
      faults: { tooManyEvery: 4, tooManyBurst: 1, retryAfterSeconds: 0, errorRate: 0.1, seed: 7, dropEvery: 7 },
    });
    const records = contacts(420);
    const ctx = await write({ baseUrl: portal.url, token, object: 'contacts', mode: 'upsert', idProperty: 'email' }, [
      records.slice(0, 210),
      records.slice(210),
    ]);
    expect(ctx.rejected).toEqual([]);
    expect(portal.stats().rejected429).toBeGreaterThan(0);
    await stopFaults(portal);
    expect(byKey(await portalRecords(portal, 'contacts', fields), 'email', fields)).toEqual(expected(records));
  });

  it('two runs sharing a token keep together within its limit', async () => {
    // 8 requests (a properties read and 3 batches of 50 each) against a limit of 4 per 10 s:
    // the second window is needed, and no 429 comes; the portal is read back with another token
    const portal = await sandbox({ limits: { perTenSeconds: 4 } });
    const config = (object: string): HubspotDestinationConfig => ({
      baseUrl: portal.url,
      token,
      requestsPer10Seconds: 4,
      batchSize: 50,
      object,
      mode: 'upsert',
      idProperty: 'email',
    });
    const first = contacts(300);
    await Promise.all([
      write(config('contacts'), [first.slice(0, 150)]),
      write(config('contacts'), [first.slice(150)]),
    ]);
    expect(portal.stats()).toMatchObject({ requests: 8, rejected429: 0, maxInTenSeconds: 4 });
    expect(byKey(await portalRecords(portal, 'contacts', fields), 'email', fields)).toEqual(expected(first));
  });

  it('discovers the objects it writes with their properties, for mapping forms', async () => {
    const portal = await sandbox();
    const streams = await hubspotDestination.discover!(
      {
        baseUrl: portal.url,
        token,
        objects: { customers: 'contacts', accounts: 'companies' },
        mode: 'upsert',
        idProperty: 'email',
      },
      await context(),
    );
    // The objects it writes first, then the other standard objects, for a picker.
    expect(streams.map((stream) => stream.name)).toEqual(['contacts', 'companies', 'deals']);
    expect(streams[1]!.columns).toContainEqual({ name: 'annualrevenue', type: 'DOUBLE' });
    expect(streams[0]!.columns).toContainEqual({ name: 'email', type: 'VARCHAR' });
  });

  it('refuses upsert without a unique idProperty before writing, and names a missing one', async () => {
    const portal = await sandbox();
    await expect(
      hubspotDestination.open({ baseUrl: portal.url, token, object: 'contacts', mode: 'upsert' }, await context()),
    ).rejects.toThrow(/idProperty/);
    const writer = await hubspotDestination.open(
      { baseUrl: portal.url, token, object: 'contacts', mode: 'upsert', idProperty: 'e_mail' },
      await context(),
    );
    await expect(writer.write({ kind: 'records', stream: 'people', records: contacts(1) }, 1)).rejects.toThrow(
      /no property "e_mail"/,
    );
  });
});
