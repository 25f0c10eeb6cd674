/**
 * A sync by key, seen the way a person sees it, in headless Chromium against a real server: a DuckDB
 * table of products (quotes, a newline, unicode, a null) into another DuckDB file, mapped in the
 * Field mapping panel with mode upsert and a key. A dry run shows the plan's counts and a diff table
 * of the changes it would make; the run then shows inserted / updated / deleted / unchanged. After a
 * change to the source a second dry run shows exactly the insert and the updates with the values
 * they would write, and the run that follows writes only those. Screenshots at 1024 and 1440 px land
 * in test-output/browser/.
 */
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../server/src/connectors/duckdb/test-context.ts';
import {
  browserAvailability,
  createDraft,
  duckdbCopyFlow,
  ensureWebBuilt,
  jsonApi,
  launchChromium,
  openEditor,
  screenshots,
  startServer,
} from './support.ts';

const availability = browserAvailability();
const eventually = <T>(read: () => T | Promise<T>, timeout = 20_000) => expect.poll(read, { timeout, interval: 100 });

const syncFlow = duckdbCopyFlow(
  'products-to-catalog',
  { id: 'shop', title: 'Shop products', path: 'shop.duckdb', table: 'products' },
  { id: 'catalog', title: 'Catalog copy', path: 'catalog.duckdb', table: 'catalog' },
);

describe.runIf(availability.run)('a sync by key: dry-run diff and run counts in Chromium', { shuffle: false }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  let flowId = '';
  let shopFile = '';
  let catalogFile = '';
  const pageErrors: string[] = [];
  const api = jsonApi(() => server.url);

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer();
    shopFile = path.join(server.baseDir, 'shop.duckdb');
    catalogFile = path.join(server.baseDir, 'catalog.duckdb');
    await sql(
      shopFile,
      `CREATE TABLE products (id INTEGER, name VARCHAR, price DECIMAL(10,2), note VARCHAR);
       INSERT INTO products VALUES
         (1, 'Plain mug', 4.50, NULL),
         (2, 'Mug "Deluxe"', 12.00, 'quoted, with a comma'),
         (3, 'Crème brûlée set', 30.25, 'two lines' || chr(10) || 'second line'),
         (4, 'Ünïcödé 🍵 teapot', 45.00, ''),
         (5, 'Saucer', 2.10, 'last')`,
    );
    await sql(
      catalogFile,
      `CREATE TABLE catalog (sku INTEGER PRIMARY KEY, title VARCHAR NOT NULL, price DECIMAL(10,2), note VARCHAR)`,
    );
    flowId = await createDraft(server.url, syncFlow);
    browser = await launchChromium();
    page = await openEditor(browser, `${server.url}/flows/${flowId}`, pageErrors);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const mapping = () => page.getByTestId('field-mapping');
  const target = (field: string) => mapping().getByLabel(`Destination field for ${field}`, { exact: true });
  const panelStatus = () => page.locator('.run-summary [data-testid=run-status]').textContent();
  const plan = () => page.getByTestId('dry-run-plan');
  const planCounts = () => plan().getByTestId('plan-counts');
  const cells = (row: ReturnType<Page['locator']>) => row.locator('td').allTextContents();
  const diffRows = () =>
    plan()
      .getByTestId('plan-diff')
      .locator('tbody tr')
      .evaluateAll((rows) =>
        rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent ?? '').join(' | ')),
      );
  const nodeStats = () => page.getByTestId('run-node-stats');
  // The destination's row (the map node the mapping made is named catalog-mapping).
  const catalogStats = () =>
    nodeStats()
      .locator('tbody tr')
      .filter({ has: page.getByRole('button', { name: 'catalog', exact: true }) });
  const catalogRows = () => sql(catalogFile, `SELECT sku, title, price::VARCHAR, note FROM catalog ORDER BY sku`);

  it('maps the fields, picks mode upsert with its hint and the key, and saves them in the flow', async () => {
    await page.locator('.react-flow__node[data-id="catalog"] .flow-node-header').click();
    await eventually(() => page.getByTestId('node-inspector').getAttribute('data-node-id')).toBe('catalog');
    await eventually(() => target('id').locator('option').count()).toBeGreaterThan(1);
    await target('id').selectOption('sku');
    await target('name').selectOption('title');
    await eventually(() => mapping().getByTestId('required-unmapped').count()).toBe(0);
    // The mode picker offers the destination's modes, each with a line saying what it does.
    expect(await mapping().getByTestId('mapping-mode').locator('option').allTextContents()).toEqual([
      'insert',
      'replace',
      'upsert',
      'update',
      'mirror',
    ]);
    await mapping().getByTestId('mapping-mode').selectOption('upsert');
    await eventually(() => mapping().getByTestId('mapping-mode-hint').textContent()).toBe(
      'Updates rows with the same key, inserts the others; nothing is deleted.',
    );
    expect(await mapping().getByTestId('mapping-mode-hint').getAttribute('title')).toBe(
      'upsert replaces rows with the same key and inserts the others',
    );
    await mapping().getByLabel('sku in the key').check();
    await screenshots(page, 'diff-sync-01-mapping', 900, '[data-testid=field-mapping]');
    await page.getByRole('button', { name: 'Save' }).first().click();
    await eventually(
      async () => (await api(`/api/flows/${flowId}`)).document.nodes.find((node: any) => node.id === 'catalog').config,
    ).toEqual({ path: 'catalog.duckdb', table: 'catalog', mode: 'upsert', key: 'sku' });
  });

  it('dry-runs to a plan of five inserts with their values, and writes nothing', async () => {
    await page.getByRole('button', { name: 'Dry run' }).click();
    await eventually(panelStatus, 60_000).toBe('succeeded (dry run)');
    await eventually(() => planCounts().locator('thead th').allTextContents()).toEqual([
      'Stream',
      'Insert',
      'Update',
      'Delete',
      'Unchanged',
    ]);
    expect(await cells(planCounts().locator('tbody tr'))).toEqual([
      'products → catalog.duckdb, table catalog',
      '5',
      '0',
      '0',
      '0',
    ]);
    // One row per change: the action, the key, and the values it would write.
    expect(await plan().getByTestId('plan-diff').locator('thead th').allTextContents()).toEqual([
      'Action',
      'sku',
      'title',
      'price',
      'note',
    ]);
    expect(await diffRows()).toEqual([
      'Insert | 1 | Plain mug | 4.50 | null',
      'Insert | 2 | Mug "Deluxe" | 12.00 | quoted, with a comma',
      'Insert | 3 | Crème brûlée set | 30.25 | two lines\nsecond line',
      'Insert | 4 | Ünïcödé 🍵 teapot | 45.00 | ',
      'Insert | 5 | Saucer | 2.10 | last',
    ]);
    // A null is shown as null in its own style, never as the text "null".
    expect(await plan().getByTestId('plan-diff').locator('tr[data-key="1"] .diff-null').allTextContents()).toEqual([
      'null',
    ]);
    // The node counts say the same: five would be inserted.
    expect(await nodeStats().locator('thead th').allTextContents()).toEqual([
      'Node',
      'Read',
      'Written',
      'Would write',
      'Rejected',
      'Filtered',
      'Inserted',
      'Updated',
      'Deleted',
      'Unchanged',
    ]);
    expect(await cells(catalogStats())).toEqual(['catalog', '5', '0', '5', '0', '0', '5', '0', '0', '0']);
    await screenshots(page, 'diff-sync-02-dry-run-inserts', 900, '[data-testid=plan-diff]');
    expect(await catalogRows()).toEqual([]);
  });

  it('runs and shows five inserted, and the catalog holds exactly the mapped rows', async () => {
    await page.getByTestId('run').click();
    await eventually(panelStatus, 60_000).toBe('succeeded');
    await eventually(() => cells(catalogStats())).toEqual(['catalog', '5', '5', '0', '0', '5', '0', '0', '0']);
    expect(await catalogRows()).toEqual([
      [1, 'Plain mug', '4.50', null],
      [2, 'Mug "Deluxe"', '12.00', 'quoted, with a comma'],
      [3, 'Crème brûlée set', '30.25', 'two lines\nsecond line'],
      [4, 'Ünïcödé 🍵 teapot', '45.00', ''],
      [5, 'Saucer', '2.10', 'last'],
    ]);
  });

  it('after a change to the source, dry-runs to one insert, two updates and three unchanged, then runs exactly those', async () => {
    await sql(
      shopFile,
      `UPDATE products SET price = 13.50 WHERE id = 2;
       UPDATE products SET note = NULL WHERE id = 3;
       INSERT INTO products VALUES (6, 'Tea towel ''Linen''', 8.00, 'new')`,
    );
    await page.getByRole('button', { name: 'Dry run' }).click();
    await eventually(panelStatus, 60_000).toBe('succeeded (dry run)');
    await eventually(() => cells(planCounts().locator('tbody tr'))).toEqual([
      'products → catalog.duckdb, table catalog',
      '1',
      '2',
      '0',
      '3',
    ]);
    const rows = await diffRows();
    expect(rows[0]).toBe("Insert | 6 | Tea towel 'Linen' | 8.00 | new");
    // An update shows the values it would write; a destination that reads its rows now adds `before →`.
    expect(rows.slice(1).map((row) => row.split(' | ').slice(0, 2))).toEqual([
      ['Update', '2'],
      ['Update', '3'],
    ]);
    expect(rows[1]).toContain('13.50');
    expect(rows[2]?.split(' | ').at(-1)).toMatch(/null$/);
    expect(await cells(catalogStats())).toEqual(['catalog', '6', '0', '3', '0', '3', '1', '2', '0', '3']);
    await screenshots(page, 'diff-sync-03-dry-run-changes', 900, '[data-testid=plan-diff]');
    expect((await catalogRows()).length).toBe(5);

    await page.getByTestId('run').click();
    await eventually(panelStatus, 60_000).toBe('succeeded');
    await eventually(() => cells(catalogStats())).toEqual(['catalog', '6', '3', '0', '3', '1', '2', '0', '3']);
    await screenshots(page, 'diff-sync-04-run-counts', 900, '[data-testid=run-node-stats]');
    expect(await catalogRows()).toEqual([
      [1, 'Plain mug', '4.50', null],
      [2, 'Mug "Deluxe"', '13.50', 'quoted, with a comma'],
      [3, 'Crème brûlée set', '30.25', null],
      [4, 'Ünïcödé 🍵 teapot', '45.00', ''],
      [5, 'Saucer', '2.10', 'last'],
      [6, "Tea towel 'Linen'", '8.00', 'new'],
    ]);
    expect(pageErrors).toEqual([]);
  });

  it('as a mirror, dry-runs to before → after read from the table and a delete struck through, then runs exactly those', async () => {
    const inspector = page.getByTestId('node-inspector');
    await page.locator('.react-flow__node[data-id="catalog"] .flow-node-header').click();
    await inspector.getByTestId('mapping-mode').selectOption('mirror');
    await sql(shopFile, `UPDATE products SET price = 50.00 WHERE id = 4; DELETE FROM products WHERE id = 5`);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await eventually(panelStatus, 60_000).toBe('succeeded (dry run)');
    await eventually(() => cells(planCounts().locator('tbody tr'))).toEqual([
      'products → catalog.duckdb, table catalog',
      '0',
      '1',
      '1',
      '4',
    ]);
    const diff = plan().getByTestId('plan-diff');
    // Only what some change alters is shown: title and note stay as they are for row 4…
    expect(await diff.locator('thead th').allTextContents()).toEqual(['Action', 'sku', 'title', 'price', 'note']);
    expect(await diff.locator('tr[data-key="4"] td.changed').allTextContents()).toEqual(['45.00 → 50.00']);
    expect(await diff.locator('tr[data-key="4"] td.same').allTextContents()).toEqual(['Ünïcödé 🍵 teapot', '']);
    // …and a delete shows the values it removes (read from the catalog), struck through.
    expect(await diff.locator('tr[data-key="5"] del').allTextContents()).toEqual(['5', 'Saucer', '2.10', 'last']);
    await screenshots(page, 'diff-sync-05-before-after', 900, '[data-testid=plan-diff]');
    expect((await catalogRows()).length).toBe(6);

    await page.getByTestId('run').click();
    await eventually(panelStatus, 60_000).toBe('succeeded');
    expect((await catalogRows()).map((row) => row[0])).toEqual([1, 2, 3, 4, 6]);
    expect((await catalogRows())[3]).toEqual([4, 'Ünïcödé 🍵 teapot', '50.00', '']);

    // An update alone: the fields it leaves as they are hide behind a toggle.
    await sql(shopFile, `UPDATE products SET price = 5.00 WHERE id = 1`);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await eventually(() => cells(planCounts().locator('tbody tr'))).toEqual([
      'products → catalog.duckdb, table catalog',
      '0',
      '1',
      '0',
      '4',
    ]);
    await eventually(() => diff.locator('thead th').allTextContents()).toEqual(['Action', 'sku', 'price']);
    expect(await diff.locator('tr[data-key="1"] td.changed').allTextContents()).toEqual(['4.50 → 5.00']);
    await plan().getByLabel('Show unchanged fields (2)').check();
    expect(await diff.locator('thead th').allTextContents()).toEqual(['Action', 'sku', 'title', 'price', 'note']);
    expect(await diff.locator('tr[data-key="1"] td.same').count()).toBe(2);
    expect(pageErrors).toEqual([]);
  });

  it('asks before mirrorScope all, Cancel keeps flow, and the mode picker offers mirror with its hint', async () => {
    const mirrorPage = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    mirrorPage.on('pageerror', (error) => pageErrors.push(error.message));
    await mirrorPage.goto(`${server.url}/flows/${flowId}`);
    await mirrorPage.locator('.react-flow__node[data-id="catalog"] .flow-node-header').click();
    const inspector = mirrorPage.getByTestId('node-inspector');
    const mode = inspector.getByTestId('mapping-mode');
    await eventually(() => mode.locator('option').allTextContents()).toEqual([
      'insert',
      'replace',
      'upsert',
      'update',
      'mirror',
    ]);
    await mode.selectOption('mirror');
    const hint = inspector.getByTestId('mapping-mode-hint');
    await eventually(() => hint.textContent()).toBe(
      'Upserts by key, and deletes rows this flow synced that the source no longer has.',
    );

    const scope = inspector.getByLabel('Mirror deletes');
    // rjsf's select values are the enum's indexes: the picked option's label is the value.
    const picked = () => scope.locator('option:checked').textContent();
    await scope.selectOption('all');
    const dialog = mirrorPage.getByTestId('mirror-scope-dialog');
    await eventually(() => dialog.textContent()).toContain('including rows that were there before this flow existed');
    await screenshots(mirrorPage, 'diff-sync-06-mirror-scope-dialog', 900);
    await dialog.getByTestId('mirror-scope-cancel').click();
    await eventually(() => dialog.count()).toBe(0);
    expect(await picked()).toBe('flow');

    await scope.selectOption('all');
    await dialog.getByTestId('mirror-scope-confirm').click();
    await eventually(picked).toBe('all');
    // The hint follows the scope: now every row the source lacks goes.
    await eventually(() => hint.textContent()).toContain('even rows this flow never wrote');
    await mirrorPage.context().close();
    expect(pageErrors).toEqual([]);
  });
});
