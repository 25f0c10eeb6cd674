/**
 * The editor's parts of database migrations, in headless Chromium against a real server: the run
 * panel's verification section (per destination by its name, a mismatch in red naming the table and
 * its first differing key) and the "Browse tables" picker, which fills a node's table and key from
 * what the server discovers (on the DuckDB demo warehouse) and says at the node, by name, when it
 * cannot. Screenshots at 1024 and 1440 px land in test-output/browser/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCatalog, catalog as defaultCatalog } from '../../server/src/nodes/registry.ts';
import { memoryDestination, memorySource } from '../../server/src/testing/memory-nodes.ts';
import {
  browserAvailability,
  ensureWebBuilt,
  jsonApi,
  launchChromium,
  runToEnd as runFlowToEnd,
  screenshots as screenshotsAtWidths,
  startServer,
} from './support.ts';

const availability = browserAvailability();
const eventually = <T>(read: () => T | Promise<T>, timeout = 20_000) => expect.poll(read, { timeout, interval: 100 });

/** The registry plus the memory nodes: memory.destination verifies like a database when asked to. */
const catalog = createCatalog([...defaultCatalog.types, memorySource, memoryDestination]);

/** One source into two verifying destinations; `corrupt` makes the second one's readback differ at that id. */
function migrationFlow(name: string, corrupt?: number) {
  return {
    name,
    settings: { batchSize: 50 },
    nodes: [
      { id: 'legacy', title: 'Legacy orders', type: 'memory.source', config: { rows: 240, rejectEvery: 60 } },
      { id: 'pg', title: 'Postgres orders', type: 'memory.destination', config: { name: `${name}-pg`, verify: {} } },
      {
        id: 'replica',
        title: 'Replica of orders in the reporting database',
        type: 'memory.destination',
        config: { name: `${name}-replica`, verify: corrupt === undefined ? {} : { corrupt } },
      },
    ],
    edges: [
      { from: 'legacy', to: 'pg' },
      { from: 'legacy', to: 'replica' },
    ],
  };
}

const pickerFlow = {
  name: 'browse-warehouse',
  nodes: [
    { id: 'orders', title: 'Warehouse orders', type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb' } },
    { id: 'as-csv', type: 'csv.format', config: {} },
    { id: 'out', type: 'files.destination', config: { dir: 'out/{flow}' } },
  ],
  edges: [
    { from: 'orders', to: 'as-csv' },
    { from: 'as-csv', to: 'out' },
  ],
};

describe.runIf(availability.run)('databases in the editor', { shuffle: false }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const flowIds: Record<string, string> = {};

  const api = jsonApi(() => server.url);
  const runToEnd = async (flow: string): Promise<string> => (await runFlowToEnd(api, flowIds[flow] as string)).runId;
  const screenshots = (name: string, focus?: string) => screenshotsAtWidths(page, name, 900, focus);
  /** Each verification table of the run panel: the destination's heading and its rows' cells. */
  const verificationTables = () =>
    page
      .getByTestId('run-verification')
      .locator('.verification-node')
      .evaluateAll((nodes) =>
        nodes.map((node) => ({
          heading: node.querySelector('h4')?.textContent,
          rows: [...node.querySelectorAll('tbody tr')].map((row) =>
            [...row.querySelectorAll('td')].map((cell) => cell.textContent),
          ),
          problems: [...node.querySelectorAll('.field-error')].map((p) => p.textContent),
        })),
      );

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer({ catalog });
    for (const flow of [migrationFlow('verified'), migrationFlow('mismatched', 97), pickerFlow]) {
      flowIds[flow.name] = (await api('/api/flows?draft=true', flow)).id;
    }
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows what each destination verified, by its name, when every table matches', async () => {
    const runId = await runToEnd('verified');
    await page.goto(`${server.url}/flows/${flowIds.verified}?run=${runId}`);
    const section = page.getByTestId('run-verification');
    await section.waitFor({ timeout: 30_000 });
    expect(await verificationTables()).toEqual([
      {
        heading: 'Postgres orders (pg)',
        rows: [['rows → verified-pg.rows', '240', '236', '4', '0', 'ok']],
        problems: [],
      },
      {
        heading: 'Replica of orders in the reporting database (replica)',
        rows: [['rows → verified-replica.rows', '240', '236', '4', '0', 'ok']],
        problems: [],
      },
    ]);
    expect(await section.getByRole('link', { name: 'Download JSON' }).getAttribute('download')).toBe(
      `${runId}-verification.json`,
    );
    await screenshots('databases-01-verification-ok', '[data-testid=run-verification] h3');
  });

  it('shows a mismatch in red, naming the table and the first differing key, and the run failed before publishing', async () => {
    const runId = await runToEnd('mismatched');
    await page.goto(`${server.url}/flows/${flowIds.mismatched}?run=${runId}`);
    await page.getByTestId('run-verification').waitFor({ timeout: 30_000 });
    expect(await page.locator('.run-summary [data-testid=run-status]').textContent()).toBe('failed');
    const tables = await verificationTables();
    expect(tables[1]).toEqual({
      heading: 'Replica of orders in the reporting database (replica)',
      rows: [['rows → mismatched-replica.rows', '240', '236', '4', '0', 'MISMATCH']],
      problems: ['mismatched-replica.rows: checksum differs; first differing key id=97 (name differs)'],
    });
    const cell = page.locator('.verification-table td.mismatch', { hasText: 'MISMATCH' });
    const color = await cell.evaluate((element) => getComputedStyle(element).color);
    expect(color).toMatch(/^rgb\((1[5-9]\d|2\d\d), (\d|[1-7]\d), (\d|[1-7]\d)\)$/); // red
    await screenshots('databases-02-verification-mismatch', '.verification-node .field-error');
  });

  const inspector = () => page.getByTestId('node-inspector');
  const selectNode = async (nodeId: string) => {
    await page.locator(`.react-flow__node[data-id="${nodeId}"] .flow-node-header`).click();
    await eventually(() => inspector().getAttribute('data-node-id')).toBe(nodeId);
  };
  const field = (name: string) => page.locator(`.config-form input[id$="_${name}"]`).first();

  it('browses the tables of a DuckDB file and fills table and key from them', async () => {
    await page.goto(`${server.url}/flows/${flowIds['browse-warehouse']}`);
    await page.locator('.react-flow__node').first().waitFor({ timeout: 30_000 });
    await selectNode('orders');
    const picker = page.getByTestId('stream-picker');
    await picker.getByRole('button', { name: 'Browse tables' }).click();
    const tables = picker.getByRole('list', { name: 'Tables of Warehouse orders' });
    await tables.waitFor();
    expect(await tables.locator('.stream-name').allTextContents()).toEqual([
      'customers',
      'events',
      'orders',
      'support_tickets',
    ]);
    await tables.locator('label', { hasText: 'orders' }).first().click();
    await eventually(() => field('table').inputValue()).toBe('orders');
    const columns = page.getByTestId('column-picker');
    expect(await columns.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.textContent))).toEqual([
      'order_idBIGINT, primary key',
      'customer_idBIGINT',
      'ordered_atTIMESTAMP WITH TIME ZONE',
      'statusVARCHAR',
      'amountDECIMAL(12,2)',
      'currencyVARCHAR',
      'itemsINTEGER',
    ]);
    await columns.getByRole('checkbox', { name: 'order_id in the key' }).check();
    // The pick is the node's config: the generated form shows it as the key.
    const formValues = () =>
      page
        .locator('.config-form input')
        .evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
    await eventually(formValues).toContain('order_id');
    expect(await columns.getByRole('checkbox', { name: 'order_id in the key' }).isChecked()).toBe(true);
    // With a table picked the config is whole: the "give either query or table" issue goes.
    await eventually(() => page.getByTestId('node-issues').count()).toBe(0);
    await screenshots('databases-03-browse-tables', '[data-testid=stream-picker]');
  });

  it('says at the node, by name, why the tables cannot be listed', async () => {
    await field('path').fill('missing/nowhere.duckdb');
    await field('path').blur();
    await page.getByTestId('stream-picker').getByRole('button', { name: 'Refresh tables' }).click();
    const error = page.getByTestId('stream-picker-error');
    await error.waitFor();
    expect(await error.textContent()).toMatch(
      /^Cannot list the tables of “Warehouse orders”: node "orders": database file .*nowhere\.duckdb does not exist$/,
    );
    await screenshots('databases-04-browse-error', '[data-testid=stream-picker-error]');
    expect(pageErrors).toEqual([]);
  });
});
