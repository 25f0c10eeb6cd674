/**
 * The field mapping of a record destination, in headless Chromium against a real server: the demo
 * warehouse's customers (fields from the source's schema) into a DuckDB table made by the test
 * (columns, types and NOT NULL from the destination's discover). Picking fields writes a `map`
 * node placed between the two (one undoable edit), a required column left unmapped is named in a
 * warning, and the saved flow's map node says exactly what was picked; the run then lands the
 * mapped rows. Screenshots at 1024 and 1440 px land in test-output/browser/.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/src/connectors/duckdb/test-context.ts';
import { DEMO_CUSTOMERS } from '../../server/src/demo/warehouse.ts';
import {
  browserAvailability,
  createDraft,
  duckdbCopyFlow,
  ensureWebBuilt,
  jsonApi,
  launchChromium,
  openEditor,
  runToEnd,
  screenshots,
  startServer,
} from './support.ts';

const availability = browserAvailability();
const eventually = <T>(read: () => T | Promise<T>, timeout = 20_000) => expect.poll(read, { timeout, interval: 100 });

const syncFlow = duckdbCopyFlow(
  'customers-to-crm',
  { id: 'customers', title: 'Warehouse customers', path: 'demo/warehouse.duckdb', table: 'customers' },
  { id: 'crm', title: 'CRM contacts', path: 'crm.duckdb', table: 'contacts' },
);

describe.runIf(availability.run)('field mapping of a destination in Chromium', { shuffle: false }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  let flowId = '';
  let crmFile = '';
  const pageErrors: string[] = [];
  const api = jsonApi(() => server.url);

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer();
    crmFile = path.join(server.baseDir, 'crm.duckdb');
    await sql(
      crmFile,
      `CREATE TABLE contacts (
         id BIGINT PRIMARY KEY,
         full_name VARCHAR NOT NULL,
         email VARCHAR,
         country_code VARCHAR NOT NULL,
         notes VARCHAR
       )`,
    );
    flowId = await createDraft(server.url, syncFlow);
    browser = await launchChromium();
    page = await openEditor(browser, `${server.url}/flows/${flowId}`, pageErrors);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const panel = () => page.getByTestId('field-mapping');
  const target = (field: string) => panel().getByLabel(`Destination field for ${field}`, { exact: true });
  const canvasNodes = () =>
    page.locator('.react-flow__node').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-id')));
  const saved = async () => (await api(`/api/flows/${flowId}`)) as { document: typeof syncFlow };

  it('lists the source fields with their types beside the destination columns, and names the required ones unmapped', async () => {
    await page.locator('.react-flow__node[data-id="crm"] .flow-node-header').click();
    await eventually(() => page.getByTestId('node-inspector').getAttribute('data-node-id')).toBe('crm');
    const rows = panel().locator('[data-testid=mapping-table] tbody tr');
    await eventually(() => rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-field')))).toEqual([
      'customer_id',
      'name',
      'email',
      'country',
      'signup_date',
      'lifetime_value',
      'tags',
      'address',
    ]);
    // Types from the source's schema on the left; the destination's columns (NOT NULL marked) to pick from.
    expect(await panel().locator('tr[data-field=customer_id] td').first().textContent()).toBe('customer_idBIGINT');
    expect(await target('name').locator('option').allTextContents()).toEqual([
      '— not sent —',
      'id *',
      'full_name *',
      'email',
      'country_code *',
      'notes',
      'name (not in contacts)',
    ]);
    // Nothing is mapped yet: id, full_name and country_code have no field of the same name.
    await eventually(() => panel().getByTestId('required-unmapped').textContent()).toContain(
      'id (BIGINT), full_name (VARCHAR), country_code (VARCHAR)',
    );
    expect(await canvasNodes()).toEqual(['customers', 'crm']);
  });

  it('writes the first pick into a new map node between source and destination, undone as one edit', async () => {
    await target('customer_id').selectOption('id');
    await eventually(canvasNodes).toEqual(['customers', 'crm', 'crm-mapping']);
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(2);
    // Shortcuts wait while a field has the focus, as when a person types.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('Control+z');
    await eventually(canvasNodes).toEqual(['customers', 'crm']);
    expect(await target('customer_id').inputValue()).toBe('customer_id');
    await page.keyboard.press('Control+Shift+z');
    await eventually(canvasNodes).toEqual(['customers', 'crm', 'crm-mapping']);
    expect(await target('customer_id').inputValue()).toBe('id');
  });

  it('maps a second field, leaves the rest out, warns about the required column still unmapped, and saves the map node', async () => {
    await target('name').selectOption('full_name');
    for (const field of ['country', 'signup_date', 'lifetime_value', 'tags', 'address']) {
      await target(field).selectOption({ label: '— not sent —' });
    }
    await eventually(() => panel().getByTestId('required-unmapped').textContent()).toContain('country_code (VARCHAR)');
    expect(await panel().getByTestId('required-unmapped').textContent()).not.toContain('full_name');
    // Type hints: what is sent, and as what.
    expect(await panel().locator('tr[data-field=name] .mapping-type').allTextContents()).toEqual([
      'VARCHAR',
      'VARCHAR',
    ]);
    await screenshots(page, 'mapping-01-required-unmapped', 900, '[data-testid=field-mapping]');

    await page.getByRole('button', { name: 'Save' }).first().click();
    await eventually(
      async () => (await saved()).document.nodes.find((node) => node.id === 'crm-mapping')?.config,
    ).toEqual({ rename: { customer_id: 'id', name: 'full_name' }, select: ['customer_id', 'name', 'email'] });
    const document = (await saved()).document;
    expect(document.edges).toEqual([
      { from: 'customers', to: 'crm-mapping' },
      { from: 'crm-mapping', to: 'crm' },
    ]);
    expect(document.nodes.filter((node) => node.type === 'map')).toHaveLength(1);
  });

  it('maps the last required column, picks the key and mode, and the run lands exactly the mapped rows', async () => {
    await target('country').selectOption('country_code');
    await eventually(() => panel().getByTestId('required-unmapped').count()).toBe(0);
    await panel().getByTestId('mapping-mode').selectOption('upsert');
    await panel().getByLabel('id in the key').check();
    await screenshots(page, 'mapping-02-mapped', 900, '[data-testid=field-mapping]');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await eventually(async () => (await saved()).document.nodes.find((node) => node.id === 'crm')?.config).toEqual({
      path: 'crm.duckdb',
      table: 'contacts',
      mode: 'upsert',
      key: 'id',
    });
    expect((await saved()).document.nodes.find((node) => node.id === 'crm-mapping')?.config).toEqual({
      rename: { customer_id: 'id', name: 'full_name', country: 'country_code' },
      select: ['customer_id', 'name', 'email', 'country'],
    });

    const run = await runToEnd(api, flowId);
    expect(run.status).toBe('succeeded');
    // Every customer, under the destination's names, with the fields not sent left null.
    const landed = await sql(
      crmFile,
      `SELECT count(*)::INTEGER, bit_xor(hash(id, full_name, email, country_code))::VARCHAR, count(notes)::INTEGER FROM contacts`,
    );
    const read = await sql(
      path.join(server.baseDir, 'demo/warehouse.duckdb'),
      `SELECT count(*)::INTEGER, bit_xor(hash(customer_id, name, email, country))::VARCHAR, 0 FROM customers`,
    );
    expect(landed).toEqual(read);
    expect(landed[0]![0]).toBe(DEMO_CUSTOMERS);
    expect(pageErrors).toEqual([]);
  });
});
