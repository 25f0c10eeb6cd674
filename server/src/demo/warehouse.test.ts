import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sql } from '../connectors/duckdb/test-context.ts';
import { copyDemoWarehouse } from '../testing/demo-warehouse.ts';
import { temporaryDirectory } from '../testing/node-context.ts';
import { prepareDemoWarehouse } from './prepare.ts';
import {
  DEMO_CUSTOMERS,
  DEMO_EVENTS,
  DEMO_ORDERS,
  DEMO_TICKETS,
  ensureDemoWarehouse,
  generateOrders,
} from './warehouse.ts';

const checksums = (file: string) =>
  sql(
    file,
    `SELECT 'customers', count(*), bit_xor(hash(t)) FROM customers t
     UNION ALL SELECT 'orders', count(*), bit_xor(hash(t)) FROM orders t
     UNION ALL SELECT 'events', count(*), bit_xor(hash(t)) FROM events t
     UNION ALL SELECT 'support_tickets', count(*), bit_xor(hash(t)) FROM support_tickets t
     ORDER BY 1`,
  );

describe('demo warehouse', () => {
  // The tests that only read a warehouse read a copy of the test run's build (what every test server
  // gets); the tests about building build their own.
  it('generates identical customers, orders, events and support tickets every time', async () => {
    const dir = await temporaryDirectory();
    await copyDemoWarehouse(join(dir, 'a', 'warehouse.duckdb'));
    await ensureDemoWarehouse(join(dir, 'b', 'warehouse.duckdb'));
    const first = await checksums(join(dir, 'a', 'warehouse.duckdb'));
    expect(first.map(([table, rows]) => [table, Number(rows)])).toEqual([
      ['customers', DEMO_CUSTOMERS],
      ['events', DEMO_EVENTS],
      ['orders', DEMO_ORDERS],
      ['support_tickets', DEMO_TICKETS],
    ]);
    expect(await checksums(join(dir, 'b', 'warehouse.duckdb'))).toEqual(first);
  });

  it('declares the documented types and primary keys, with NULLs and non-ASCII text in the data', async () => {
    const file = join(await temporaryDirectory(), 'warehouse.duckdb');
    await copyDemoWarehouse(file);
    expect(await sql(file, `SELECT column_name, column_type FROM (DESCRIBE customers)`)).toEqual([
      ['customer_id', 'BIGINT'],
      ['name', 'VARCHAR'],
      ['email', 'VARCHAR'],
      ['country', 'VARCHAR'],
      ['signup_date', 'DATE'],
      ['lifetime_value', 'DECIMAL(12,2)'],
      ['tags', 'VARCHAR[]'],
      ['address', 'STRUCT(street VARCHAR, city VARCHAR, zip VARCHAR)'],
    ]);
    expect(
      await sql(
        file,
        `SELECT table_name, constraint_column_names FROM duckdb_constraints()
          WHERE constraint_type = 'PRIMARY KEY' ORDER BY table_name`,
      ),
    ).toEqual([
      ['customers', ['customer_id']],
      ['events', ['event_id']],
      ['orders', ['order_id']],
      ['support_tickets', ['ticket_id']],
    ]);
    const [[nullEmails, nullAddresses, nonAscii, orderCustomersOutOfRange, nullPayloads]] = (await sql(
      file,
      `SELECT (SELECT count(*) FROM customers WHERE email IS NULL),
              (SELECT count(*) FROM customers WHERE address IS NULL),
              (SELECT count(*) FROM customers WHERE name <> strip_accents(name) OR name LIKE '%''%'),
              (SELECT count(*) FROM orders WHERE customer_id NOT BETWEEN 1 AND ${DEMO_CUSTOMERS}),
              (SELECT count(*) FROM events WHERE payload IS NULL)`,
    )) as [[string, string, string, string, string]];
    expect(Number(nullEmails)).toBeGreaterThan(0);
    expect(Number(nullAddresses)).toBeGreaterThan(0);
    expect(Number(nonAscii)).toBeGreaterThan(0);
    expect(orderCustomersOutOfRange).toBe('0');
    expect(Number(nullPayloads)).toBeGreaterThan(0);
  });

  it('leaves an existing file alone and builds one file for concurrent first uses', async () => {
    const dir = await temporaryDirectory();
    const file = join(dir, 'warehouse.duckdb');
    await Promise.all([ensureDemoWarehouse(file), ensureDemoWarehouse(file), ensureDemoWarehouse(file)]);
    const built = await stat(file);
    await ensureDemoWarehouse(file);
    expect((await stat(file)).mtimeMs).toBe(built.mtimeMs);
    expect(await readdir(dir)).toEqual(['warehouse.duckdb']);
    expect((await checksums(file)).map(([, rows]) => Number(rows))).toEqual([
      DEMO_CUSTOMERS,
      DEMO_EVENTS,
      DEMO_ORDERS,
      DEMO_TICKETS,
    ]);
  });

  it('generates orders files of any size with the warehouse formula', async () => {
    const dir = await temporaryDirectory();
    await copyDemoWarehouse(join(dir, 'warehouse.duckdb'));
    await generateOrders(join(dir, 'orders-1k.duckdb'), 1000);
    await generateOrders(join(dir, 'orders-again.duckdb'), 1000);
    const firstThousand = await sql(
      join(dir, 'warehouse.duckdb'),
      `SELECT count(*), bit_xor(hash(t)) FROM orders t WHERE order_id <= 1000`,
    );
    const orders = (file: string) => sql(join(dir, file), `SELECT count(*), bit_xor(hash(t)) FROM orders t`);
    expect(await orders('orders-1k.duckdb')).toEqual(firstThousand);
    expect(await orders('orders-again.duckdb')).toEqual(firstThousand);
  });

  it('is prepared for flows whose nodes read demo/warehouse.duckdb, and only for those', async () => {
    const dir = await temporaryDirectory();
    const node = (path: string) => ({ id: 'orders', type: 'duckdb.source', config: { path, table: 'orders' } });
    await prepareDemoWarehouse({ name: 'other', nodes: [node('elsewhere.duckdb')], edges: [] }, dir);
    await expect(stat(join(dir, 'demo', 'warehouse.duckdb'))).rejects.toThrow();
    await prepareDemoWarehouse({ name: 'demo', nodes: [node('./demo/../demo/warehouse.duckdb')], edges: [] }, dir);
    expect((await checksums(join(dir, 'demo', 'warehouse.duckdb'))).map(([, rows]) => Number(rows))).toEqual([
      DEMO_CUSTOMERS,
      DEMO_EVENTS,
      DEMO_ORDERS,
      DEMO_TICKETS,
    ]);
  });

  it("routes support tickets to the Slack sandbox's support channels, urgent ones to escalations", async () => {
    const file = join(await temporaryDirectory(), 'warehouse.duckdb');
    await copyDemoWarehouse(file);
    const channels = await sql(
      file,
      `SELECT agent_channel, count(*), count(*) FILTER (WHERE priority = 'urgent') FROM support_tickets GROUP BY 1 ORDER BY 1`,
    );
    expect(channels.map(([channel]) => channel)).toEqual([
      '#support-billing',
      '#support-escalations',
      '#support-tier1',
      '#support-tier2',
    ]);
    for (const [channel, count, urgent] of channels) {
      expect(Number(count), String(channel)).toBeGreaterThan(0);
      expect(Number(urgent), String(channel)).toBe(channel === '#support-escalations' ? Number(count) : 0);
    }
    const [[withMarkup, nonAscii, orphans]] = (await sql(
      file,
      `SELECT count(*) FILTER (WHERE subject LIKE '%<%' OR subject LIKE '%&%'),
              count(*) FILTER (WHERE subject <> strip_accents(subject) OR subject SIMILAR TO '.*[^ -~].*'),
              count(*) FILTER (WHERE customer_id NOT BETWEEN 1 AND ${DEMO_CUSTOMERS})
         FROM support_tickets`,
    )) as [[string, string, string]];
    expect(Number(withMarkup)).toBeGreaterThan(0);
    expect(Number(nonAscii)).toBeGreaterThan(0);
    expect(orphans).toBe('0');
  });

  it('adds the support tickets to a demo file made before they existed, leaving the other tables as they were', async () => {
    const dir = await temporaryDirectory();
    const file = join(dir, 'warehouse.duckdb');
    await ensureDemoWarehouse(file);
    const before = await checksums(file);
    await sql(file, 'DROP TABLE support_tickets');
    await ensureDemoWarehouse(file);
    expect(await checksums(file)).toEqual(before);
  });
});
