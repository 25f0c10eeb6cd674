/**
 * The generated config forms in headless Chromium against a real server, as a user meets them: every
 * list and pair field shows its label and help, a pair lands in the config only once it is typed,
 * casts are picked from the types, rules are said once and only while they apply, and a SQL query is
 * a SQL editor the server parses as the user leaves it. Screenshots land in test-output/browser/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserAvailability,
  createDraft,
  ensureWebBuilt,
  launchChromium,
  openEditor,
  screenshot,
  startServer,
} from './support.ts';

const availability = browserAvailability();

/** Waits for the page to reach a state: generous, since the machine may be busy with other suites. */
const eventually = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });

/** One node of each form under test, as a draft: the forms start empty where a user starts. */
const formsFlow = {
  name: 'forms-tour',
  nodes: [
    { id: 'orders', type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb', query: 'select * from orders' } },
    { id: 'reshape', type: 'map', config: {} },
    { id: 'paid', type: 'filter', config: {} },
    { id: 'store', type: 'duckdb.destination', config: { path: 'out/copy.duckdb', table: 'orders_copy' } },
    { id: 'read-csv', type: 'csv.parse', config: {} },
  ],
  edges: [
    { from: 'orders', to: 'reshape' },
    { from: 'reshape', to: 'paid' },
    { from: 'paid', to: 'store' },
  ],
};

// One editing session: each test goes on from the page the one before left, so they never run shuffled.
describe.runIf(availability.run)('generated config forms in Chromium', { shuffle: false }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  let flowId = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer();
    flowId = await createDraft(server.url, formsFlow);
    browser = await launchChromium();
    page = await openEditor(browser, `${server.url}/flows/${flowId}`, pageErrors);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const form = () => page.locator('.config-form');
  const select = async (nodeId: string) => {
    await page.locator(`.react-flow__node[data-id="${nodeId}"] .flow-node-header`).click();
    await eventually(() => page.getByTestId('node-inspector').getAttribute('data-node-id')).toBe(nodeId);
    await form().waitFor();
  };
  /** The visible label of each group of the form (legends), in order. */
  const legends = () =>
    form()
      .locator('legend')
      .evaluateAll((nodes) => nodes.filter((node) => (node as HTMLElement).offsetHeight > 0).map((n) => n.textContent));
  /** Whether every "+ Add" of the form sits in a group with a visible, non-empty label. */
  const unlabelledAddButtons = () =>
    form()
      .locator('.btn-add')
      .evaluateAll(
        (buttons) =>
          buttons.filter((button) => {
            const legend = button.closest('fieldset')?.querySelector(':scope > legend') as HTMLElement | null;
            return !legend || legend.offsetHeight === 0 || !legend.textContent?.trim();
          }).length,
      );
  const savedConfig = async (nodeId: string) => {
    const saved = (await (await fetch(`${server.url}/api/flows/${flowId}`)).json()) as {
      version: number;
      document: typeof formsFlow;
    };
    return { version: saved.version, config: saved.document.nodes.find((node) => node.id === nodeId)?.config };
  };
  const shoot = async (name: string, focus: string) => {
    for (const width of [1440, 1024]) {
      await page.setViewportSize({ width, height: width === 1440 ? 900 : 768 });
      await page.locator(focus).scrollIntoViewIfNeeded();
      await screenshot(page, `${name}-${width}`);
    }
    await page.setViewportSize({ width: 1440, height: 900 });
  };

  it('labels every list and pair field with its help text: Map, Filter and Parse CSV', async () => {
    await select('reshape');
    await eventually(legends).toEqual([
      'Keep only these fields',
      'Drop these fields',
      'Rename fields',
      'Cast fields',
      'Look up values',
      'Per stream',
    ]);
    expect(await unlabelledAddButtons()).toBe(0);
    const help = await form().locator('.field-description').allTextContents();
    expect(help).toEqual([
      'In this order; every other field is left out. Empty keeps them all.',
      'Cast, defaults and set name fields by their new names.',
      'A value that does not convert sends its record to “rejected”.',
      'Field → a table of values to replace (e.g. deal stages of one CRM → those of another). Null values are left to the defaults.',
      'A JSON object of field → value.',
      'A JSON object of field → a constant, or {"template": "…{field}…"} filled from the record.',
      'Stream → its own mapping, used for that stream instead of the one above (a migration maps companies, contacts and deals each its own way).',
    ]);
    // Pairs have visible column headings: what the key is and what the value is.
    expect(await form().locator('.pairs-field th').allTextContents()).toEqual(['Field', 'New name', 'Field', 'Type']);
    await shoot('forms-01-map-labels', '#cfg-reshape_rename');

    await select('paid');
    await eventually(legends).toEqual(['Where conditions']);
    expect(await form().locator('.field-description').allTextContents()).toContain('Every condition must hold.');
    await form().getByRole('button', { name: 'Add' }).click();
    // A condition's parts are labelled, and its value is a value input, not an "unsupported field".
    await eventually(() => form().locator('.rjsf-array-item label.control-label').allTextContents()).toEqual([
      'Field*',
      'Operator*',
      'Value',
      'Text',
    ]);
    expect(await form().locator('.unsupported-field').count()).toBe(0);
    // The empty condition meets the rule; the server now asks for its own parts.
    await eventually(() => page.getByTestId('node-issues').locator('li').allTextContents()).toEqual([
      'config.where[0].field required',
      'config.where[0].op required',
    ]);
    expect(await unlabelledAddButtons()).toBe(0);
    await shoot('forms-02-filter-condition', '.rjsf-array-item');
    await page.keyboard.press('Control+z');
    await eventually(() => form().locator('.rjsf-array-item').count()).toBe(0);

    await select('read-csv');
    await eventually(legends).toEqual(['Column names']);
    expect(await form().locator('.field-description').allTextContents()).toContain(
      'In file order, when the first line is not a header.',
    );
    expect(await unlabelledAddButtons()).toBe(0);
  });

  it('adds a pair only once its field and value are given, and casts to a type picked from a select', async () => {
    await select('reshape');
    const rename = form().locator('fieldset.pairs-field').filter({ hasText: 'Rename fields' });
    const cast = form().locator('fieldset.pairs-field').filter({ hasText: 'Cast fields' });
    const addRename = rename.getByRole('button', { name: 'Add' });
    expect(await addRename.isDisabled()).toBe(true);
    await rename.getByLabel('Field to add').fill('amount');
    // A field without its new name is not a pair yet.
    expect(await addRename.isDisabled()).toBe(true);
    await rename.getByLabel('New name to add').fill('total');
    await addRename.click();
    await eventually(() => rename.locator('tr[data-pair] code').allTextContents()).toEqual(['amount']);
    expect(await rename.getByLabel('New name of amount').inputValue()).toBe('total');
    // The add row is empty again and ready for the next pair; a field already there is refused with why.
    expect(await rename.getByLabel('Field to add').inputValue()).toBe('');
    await rename.getByLabel('Field to add').fill('amount');
    await rename.getByLabel('New name to add').fill('sum');
    expect(await addRename.isDisabled()).toBe(true);
    expect(await rename.locator('.field-error').textContent()).toBe(
      '“amount” has a row already: change its value there.',
    );
    await rename.getByLabel('Field to add').fill('');
    await rename.getByLabel('New name to add').fill('');

    const newType = cast.getByLabel('Type to add');
    expect(await newType.evaluate((node) => node.tagName)).toBe('SELECT');
    expect(await newType.locator('option').allTextContents()).toEqual([
      'Choose…',
      'string',
      'integer',
      'number',
      'boolean',
      'date',
      'timestamp',
      'json',
    ]);
    await cast.getByLabel('Field to add').fill('total');
    await newType.selectOption('integer');
    // Enter adds, as the Add button does.
    await newType.press('Enter');
    await eventually(() => cast.locator('tr[data-pair] code').allTextContents()).toEqual(['total']);
    await cast.getByLabel('Type of total').selectOption('date');
    await shoot('forms-03-map-pairs', '#cfg-reshape_cast');

    // What lands in the flow is exactly what was typed and picked: no newKey, no "New Value".
    await page.getByTestId('save').click();
    await eventually(async () => (await savedConfig('reshape')).version).toBe(2);
    expect((await savedConfig('reshape')).config).toEqual({ rename: { amount: 'total' }, cast: { total: 'date' } });
    // The save's toast would cover the forms the next screenshots show.
    await page.locator('.toast').getByRole('button', { name: 'Dismiss' }).click();

    await cast.getByRole('button', { name: 'Remove total' }).click();
    await eventually(() => cast.locator('tr[data-pair]').count()).toBe(0);
  });

  it('says once that Filter needs an expression or where conditions, with no field marked required', async () => {
    await select('paid');
    const rule = form().locator('.form-rule');
    await eventually(() => page.getByTestId('node-issues').textContent()).toContain(
      'give at least one of expression or where',
    );
    await eventually(() => rule.getAttribute('class')).toBe('form-rule unmet');
    expect(await rule.allTextContents()).toEqual(['Give at least one of expression or where conditions.']);
    expect(await page.getByTestId('node-issues').locator('li').allTextContents()).toEqual([
      'config give at least one of expression or where',
    ]);
    // Neither field claims to be required, by an asterisk or by an error of its own.
    expect(await form().locator('form .required').count()).toBe(0);
    expect(await form().locator('form .error-detail').count()).toBe(0);
    await shoot('forms-04-filter-rule', '.form-rule');

    await page.fill('#cfg-paid_expression', "status = 'paid'");
    await eventually(() => rule.getAttribute('class')).toBe('form-rule');
    await eventually(() => page.getByTestId('node-issues').count()).toBe(0);
  });

  it('states the DuckDB destination key rule only while the mode writes by key', async () => {
    await select('store');
    expect(await form().locator('.form-rule').count()).toBe(0);
    await page.selectOption('#cfg-store_mode', { label: 'upsert' });
    await eventually(() => form().locator('.form-rule').allTextContents()).toEqual([
      'With mode update, upsert or mirror, give key.',
    ]);
    await shoot('forms-05-upsert-rule', '.form-rule');
    await page.selectOption('#cfg-store_mode', { label: 'insert' });
    await eventually(() => form().locator('.form-rule').count()).toBe(0);
  });

  it('edits a SQL query in a monospace, resizable editor and shows where it stops parsing once the user leaves it', async () => {
    await select('orders');
    const query = page.locator('#cfg-orders_query');
    const looks = await query.evaluate((node) => {
      const style = getComputedStyle(node);
      return {
        tag: node.tagName,
        rows: (node as HTMLTextAreaElement).rows,
        resize: style.resize,
        font: style.fontFamily,
      };
    });
    expect(looks).toMatchObject({ tag: 'TEXTAREA', resize: 'vertical' });
    expect(looks.rows).toBeGreaterThanOrEqual(5);
    expect(looks.font).toContain('monospace');

    const error = page.locator('#cfg-orders_query__error');
    /** Leaves the field and waits for the server's answer to the check it asks for. */
    const leave = async (field: typeof query) => {
      const answered = page.waitForResponse((response) => response.url().endsWith('/check-syntax'), {
        timeout: 30_000,
      });
      await field.blur();
      expect((await answered).status()).toBe(200);
    };
    await query.fill('select order_id, amount\nfrm orders\nwhere amount > 100');
    // Nothing is said while typing: the check waits for the user to leave the field.
    expect(await error.count()).toBe(0);
    await leave(query);
    await eventually(() => error.textContent()).toBe('syntax error at or near "orders" (line 2, column 5)');
    await shoot('forms-06-sql-error', '#cfg-orders_query__error');

    // Typing the fix takes the old verdict away at once; leaving the field again finds nothing wrong.
    await query.fill('select order_id, amount\nfrom orders\nwhere amount > 100');
    await eventually(() => error.count()).toBe(0);
    await leave(query);
    expect(await error.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
