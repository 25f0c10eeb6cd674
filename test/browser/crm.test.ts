/**
 * CRM nodes in the editor, in headless Chromium against a real server and the Salesforce and HubSpot
 * sandboxes: "Browse objects" lists what the org has (from describe / the properties API) and fills
 * the node's `objects` or `object`, and the CRM templates open with their nodes named. Screenshots at
 * 1024 and 1440 px land in test-output/browser/.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envRef } from '../e2e/support.ts';
import { type HubspotSandbox, startHubspotSandbox } from '../sandboxes/hubspot/server.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import {
  browserAvailability,
  ensureWebBuilt,
  jsonApi,
  launchChromium,
  screenshots as screenshotsAtWidths,
  startServer,
} from './support.ts';

const availability = browserAvailability();
const eventually = <T>(read: () => T | Promise<T>, timeout = 20_000) => expect.poll(read, { timeout, interval: 100 });

/** The variables the flows' secret fields refer to (a secret never sits in a flow). */
const secretEnv = { BROWSER_SF_SECRET: 'sandbox-client-secret', BROWSER_HUBSPOT_TOKEN: 'pat-sandbox-token' };

/** What the migration templates read, once the sandboxes listen. */
const migrationEnv = (salesforceUrl: string, hubspotUrl: string) => ({
  HUBSPOT_BASE_URL: hubspotUrl,
  HUBSPOT_TOKEN: 'pat-sandbox-token',
  SALESFORCE_LOGIN_URL: salesforceUrl,
  SALESFORCE_CLIENT_ID: 'sandbox-client-id',
  SALESFORCE_CLIENT_SECRET: 'sandbox-client-secret',
});

function crmFlow(salesforceUrl: string, hubspotUrl: string) {
  return {
    name: 'crm-objects',
    nodes: [
      {
        id: 'org',
        title: 'Salesforce org',
        type: 'salesforce.source',
        config: {
          loginUrl: salesforceUrl,
          clientId: 'sandbox-client-id',
          clientSecret: envRef('BROWSER_SF_SECRET'),
          objects: ['Account'],
        },
      },
      {
        id: 'portal',
        title: 'HubSpot portal',
        type: 'hubspot.destination',
        config: {
          baseUrl: hubspotUrl,
          token: envRef('BROWSER_HUBSPOT_TOKEN'),
          object: 'contacts',
          mode: 'upsert',
          idProperty: 'email',
        },
      },
    ],
    edges: [{ from: 'org', to: 'portal' }],
  };
}

describe.runIf(availability.run)('CRMs in the editor', { shuffle: false }, () => {
  let salesforce: SalesforceSandbox;
  let hubspot: HubspotSandbox;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let page: Page;
  let flowId: string;
  const pageErrors: string[] = [];
  const api = jsonApi(() => server.url);
  const screenshots = (name: string, focus?: string) => screenshotsAtWidths(page, name, 900, focus);
  const inspector = () => page.getByTestId('node-inspector');
  const selectNode = async (nodeId: string) => {
    await page.locator(`.react-flow__node[data-id="${nodeId}"] .flow-node-header`).click();
    await eventually(() => inspector().getAttribute('data-node-id')).toBe(nodeId);
  };
  const nodeConfigOf = async (id: string, nodeId: string) =>
    (
      (await api(`/api/flows/${id}`)) as { document: { nodes: { id: string; config: Record<string, unknown> }[] } }
    ).document.nodes.find((node) => node.id === nodeId)?.config;
  const nodeConfig = (nodeId: string) => nodeConfigOf(flowId, nodeId);

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    Object.assign(process.env, secretEnv);
    ensureWebBuilt();
    salesforce = await startSalesforceSandbox({ port: 0, seed: 'demo' });
    hubspot = await startHubspotSandbox({ port: 0, seed: 'demo' });
    Object.assign(process.env, migrationEnv(salesforce.url, hubspot.url));
    server = await startServer();
    flowId = (await api('/api/flows?draft=true', crmFlow(salesforce.url, hubspot.url))).id;
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await salesforce?.close();
    await hubspot?.close();
  });

  it("browses a Salesforce org's objects and adds one to the source's objects", async () => {
    await page.goto(`${server.url}/flows/${flowId}`);
    await page.locator('.react-flow__node').first().waitFor({ timeout: 30_000 });
    await selectNode('org');
    const picker = page.getByTestId('stream-picker');
    await picker.getByRole('button', { name: 'Browse objects' }).click();
    const objects = picker.getByRole('list', { name: 'Objects of Salesforce org' });
    await objects.waitFor();
    const names = await objects.locator('.stream-name').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['Account', 'Contact', 'Lead', 'Opportunity', 'User']));
    // Objects are chosen one by one: no "All tables (*)" entry.
    expect(await objects.getByText('All tables (*)').count()).toBe(0);
    await objects
      .locator('label', { hasText: /^Contact/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Save' }).first().click();
    await eventually(async () => (await nodeConfig('org'))?.objects).toEqual(['Account', 'Contact']);
    await screenshots('crm-01-browse-objects', '[data-testid=stream-picker]');
  });

  it("browses a HubSpot portal's objects for the destination's object", async () => {
    await selectNode('portal');
    const picker = page.getByTestId('stream-picker');
    await picker.getByRole('button', { name: 'Browse objects' }).click();
    const objects = picker.getByRole('list', { name: 'Objects of HubSpot portal' });
    await objects.waitFor();
    expect(await objects.locator('.stream-name').allTextContents()).toEqual(
      expect.arrayContaining(['companies', 'contacts', 'deals']),
    );
    await objects
      .locator('label', { hasText: /^companies/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Save' }).first().click();
    await eventually(async () => (await nodeConfig('portal'))?.object).toBe('companies');
    await screenshots('crm-02-browse-hubspot', '[data-testid=stream-picker]');
    expect(pageErrors).toEqual([]);
  });

  it('opens the HubSpot → Salesforce template with a tab per object in its map, dry-runs it to a plan, then runs it to a report', async () => {
    const templates = (await api('/api/templates')) as { name: string }[];
    const template = templates.find((flow) => flow.name === 'hubspot-to-salesforce');
    expect(template).toBeDefined();
    const migrationId = (await api('/api/flows', template)).id as string;
    await page.goto(`${server.url}/flows/${migrationId}`);
    await page.locator('.react-flow__node').first().waitFor({ timeout: 30_000 });
    await selectNode('salesforce-fields');
    const tabs = inspector().getByRole('tablist', { name: 'Per stream' });
    await eventually(() => tabs.getByRole('tab').allTextContents()).toEqual(['companies', 'contacts', 'deals']);
    await tabs.getByRole('tab', { name: 'deals' }).click();
    const deals = inspector().getByRole('tabpanel', { name: 'Stream deals' });
    await expect.poll(() => deals.getByRole('tab').allTextContents()).toEqual(['StageName']);
    // Looking at a node's settings changes nothing: the forms fill no defaults into the flow.
    expect(await page.getByText('Unsaved changes').count()).toBe(0);
    await screenshots('crm-03-map-per-stream', '[data-testid=node-inspector]');
    // A stream added from the last tab lands in the same flow JSON, with its own (empty) mapping.
    await tabs.getByLabel('Stream to add').fill('leads');
    await tabs.getByRole('button', { name: 'Add' }).click();
    await expect
      .poll(() => tabs.getByRole('tab').allTextContents())
      .toEqual(['companies', 'contacts', 'deals', 'leads']);
    await page.getByRole('button', { name: 'Save' }).first().click();
    await eventually(async () =>
      Object.keys(((await nodeConfigOf(migrationId, 'salesforce-fields'))?.streams ?? {}) as object),
    ).toEqual(['companies', 'contacts', 'deals', 'leads']);

    await page.getByRole('button', { name: 'Dry run' }).click();
    const panelStatus = () => page.locator('.run-summary [data-testid=run-status]').textContent();
    await eventually(panelStatus, 90_000).toBe('succeeded (dry run)');
    const plan = page.getByTestId('dry-run-plan');
    const planRow = (object: string) => plan.locator('tr', { hasText: object }).first().locator('td').allTextContents();
    // The plan comes with the stored run, a moment after the status.
    await eventually(() => planRow('companies → Salesforce Account')).toEqual([
      'companies → Salesforce Account',
      '50',
      '0',
      '0',
      '–',
    ]);
    expect((await planRow('contacts → Salesforce Contact')).slice(0, 4)).toEqual([
      'contacts → Salesforce Contact',
      '200',
      '0',
      '0',
    ]);
    expect((await planRow('contacts → Salesforce Contact'))[4]).toMatch(/^AccountId: \d+/);
    expect(await (await api(`/api/flows/${migrationId}`)).document).toBeDefined();
    await plan.getByText('Samples of Salesforce Contact').click();
    await screenshots('crm-04-dry-run-plan', '[data-testid=dry-run-plan]');

    await page.getByTestId('run').click();
    await eventually(panelStatus, 120_000).toBe('succeeded');
    const report = page.getByTestId('run-verification');
    await eventually(() => report.locator('thead').first().locator('th').allTextContents()).toEqual([
      'Stream → table',
      'Source',
      'Created',
      'Updated',
      'Loaded',
      'Rejected',
      'Missing',
      'Checksum',
    ]);
    const row = (object: string) => report.locator('tr', { hasText: object }).first().locator('td').allTextContents();
    expect((await row('companies → Salesforce Account')).slice(0, 7)).toEqual([
      'companies → Salesforce Account',
      '50',
      '50',
      '0',
      '50',
      '0',
      '0',
    ]);
    const relations = report.getByTestId('verification-relations');
    const accountIds = await relations
      .locator('tr', { hasText: 'Salesforce Contact: AccountId' })
      .locator('td')
      .allTextContents();
    expect(accountIds[1]).toBe(accountIds[2]);
    expect(Number(accountIds[1])).toBeGreaterThan(150);
    await screenshots('crm-05-migration-report', '[data-testid=run-verification]');
    expect(pageErrors).toEqual([]);
  });
});
