/**
 * The editor as a new user meets it, in headless Chromium at 1440 and 1024 px: an edit is never
 * dropped by an in-app link or Back, Run changes nothing saved or scheduled, one click selects one
 * node, errors name nodes and lead to them, and everything needed fits 1024 px.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserAvailability, ensureWebBuilt, launchChromium, screenshot, startServer } from './support.ts';

const availability = browserAvailability();
const eventually = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });

interface SavedView {
  id: string;
  name: string;
  version: number;
  nextRuns?: string[];
  document: { nodes: { id: string; config?: Record<string, unknown> }[] };
}

describe.runIf(availability.run)('the editor keeps what the user has and shows where problems are', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];

  const api = async <T>(route: string): Promise<T> => (await fetch(`${server.url}${route}`)).json() as Promise<T>;
  const post = async <T>(route: string, body: unknown): Promise<T> =>
    (await fetch(`${server.url}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((response) => response.json())) as T;
  const template = async (name: string) =>
    (await api<{ name: string; nodes: { id: string }[] }[]>('/api/templates')).find((flow) => flow.name === name)!;
  const select = (nodeId: string) => page.locator(`.react-flow__node[data-id="${nodeId}"] .flow-node-header`).click();
  const runStatus = () => page.locator('.run-summary [data-testid=run-status]').textContent();

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('asks before an in-app link or Back drops an unsaved edit, and keeps it when asked to', async () => {
    const saved = await post<SavedView>('/api/flows', { ...(await template('warehouse-backup')), name: 'kept-edits' });
    // Into the flow by its link, as a person goes: Back then moves within the app.
    await page.goto(server.url);
    await page.locator('tr[data-flow="kept-edits"] a.flow-link').click();
    await eventually(() => new URL(page.url()).pathname).toBe(`/flows/${saved.id}`);
    await select('archive');
    await page.fill('#cfg-archive_dir', 'elsewhere/{runId}');
    await eventually(() => page.getByTestId('save-state').textContent()).toContain('Unsaved changes');

    await page.locator('a.brand').click();
    const dialog = page.getByTestId('leave-dialog');
    await eventually(() => dialog.isVisible()).toBe(true);
    await screenshot(page, 'safety-01-leave-dialog-1440');
    await dialog.getByRole('button', { name: 'Keep editing' }).click();
    expect(new URL(page.url()).pathname).toBe(`/flows/${saved.id}`);
    expect(await page.inputValue('#cfg-archive_dir')).toBe('elsewhere/{runId}');

    // Back is a way out too: it asks the same, and the address stays on the editor.
    await page.goBack();
    await eventually(() => dialog.isVisible()).toBe(true);
    expect(new URL(page.url()).pathname).toBe(`/flows/${saved.id}`);
    await dialog.getByRole('button', { name: 'Keep editing' }).click();

    await page.locator('a.brand').click();
    await page.getByTestId('leave-save').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/');
    const after = await api<SavedView>(`/api/flows/${saved.id}`);
    expect(after.version).toBe(2);
    expect(after.document.nodes.find((node) => node.id === 'archive')?.config?.dir).toBe('elsewhere/{runId}');

    await page.goto(`${server.url}/flows/${saved.id}`);
    await select('archive');
    await page.fill('#cfg-archive_dir', 'dropped/{runId}');
    await page.locator('a.brand').click();
    await page.getByTestId('leave-discard').click();
    await eventually(() => new URL(page.url()).pathname).toBe('/');
    expect((await api<SavedView>(`/api/flows/${saved.id}`)).version).toBe(2);
    expect(pageErrors).toEqual([]);
  });

  it('runs a template without saving it or arming its schedule', async () => {
    await page.goto(server.url);
    await page.locator('[data-template="warehouse-backup"]').click();
    await page.locator('[data-testid=name-dialog] input').fill('template-run');
    await page.getByRole('button', { name: 'Open' }).click();
    await eventually(() => new URL(page.url()).pathname).toBe('/flows/new');
    await page.getByTestId('run').click();
    await eventually(() => runStatus(), 60_000).toBe('succeeded');
    await screenshot(page, 'safety-02-template-run-unsaved-1440');
    expect(await page.getByTestId('save-state').textContent()).toContain('Not saved yet');
    const flows = await api<SavedView[]>('/api/flows');
    expect(flows.map((flow) => flow.name)).not.toContain('template-run');
    const runs = await api<{ flow: string; status: string; flowId?: string }[]>('/api/runs');
    expect(runs.filter((run) => run.flow === 'template-run')).toEqual([
      expect.objectContaining({ status: 'succeeded' }),
    ]);
    expect(runs.find((run) => run.flow === 'template-run')?.flowId).toBeUndefined();
  });

  it('runs the edited version of a saved flow under that flow, leaving the saved version as it was', async () => {
    const saved = await post<SavedView>('/api/flows', {
      ...(await template('warehouse-backup')),
      name: 'edited-run',
    });
    await page.goto(`${server.url}/flows/${saved.id}`);
    await select('archive');
    await page.fill('#cfg-archive_dir', 'edited/{runId}');
    await eventually(() => page.getByTestId('save-state').textContent()).toContain('Unsaved changes');
    await page.getByTestId('run').click();
    await eventually(() => runStatus(), 60_000).toBe('succeeded');
    expect(await page.getByTestId('save-state').textContent()).toContain('Unsaved changes');
    const after = await api<SavedView>(`/api/flows/${saved.id}`);
    expect(after.version).toBe(1);
    expect(after.document.nodes.find((node) => node.id === 'archive')?.config?.dir).toBe(
      'backups/{flow}/{runDate}-{runId}',
    );
    const [run] = await api<{ runId: string; flowId: string }[]>(`/api/runs?flowId=${saved.id}`);
    expect(run?.flowId).toBe(saved.id);
    const stored = await api<{ nodes: Record<string, { written: number }> }>(`/api/runs/${run!.runId}`);
    expect(stored.nodes.archive?.written).toBe(200_000);
    // Leave without saving, for the next test's sake: the run did not save anything.
    await page.locator('a.brand').click();
    await page.getByTestId('leave-discard').click();
  });

  it('names the node in every issue, leads to it, blocks Run, and previews a node whose upstream is valid', async () => {
    const flow = await template('warehouse-backup');
    const saved = await post<SavedView>('/api/flows?draft=true', {
      ...flow,
      name: 'half-done',
      nodes: flow.nodes.map((node) => (node.id === 'archive' ? { ...node, config: {} } : node)),
    });
    await page.goto(`${server.url}/flows/${saved.id}`);
    const count = page.getByTestId('issue-count');
    await eventually(() => count.textContent()).toBe('1 issue');
    expect(await page.getByTestId('run').isDisabled()).toBe(true);
    expect(await page.getByTestId('run').getAttribute('title')).toContain('Fix the 1 issue first');
    await count.click();
    const item = page.getByTestId('issues-list').getByRole('button');
    expect(await item.textContent()).toBe('archive: dir is required');
    await screenshot(page, 'safety-03-issues-list-1440');
    await item.click();
    await eventually(() => page.getByTestId('node-inspector').getAttribute('data-node-id')).toBe('archive');

    // The source's preview needs only the source: the unfinished archive does not stop it.
    await page.getByRole('button', { name: 'Fit', exact: true }).click();
    await select('orders');
    await page.getByRole('button', { name: 'Preview data' }).click();
    await eventually(() => page.locator('[data-testid=preview-dialog] table tbody tr').count()).toBeGreaterThan(0);
    await page.keyboard.press('Escape');
  });

  it('selects only the clicked node after select-all, so Delete removes that node alone', async () => {
    await select('as-csv');
    await page.keyboard.press('Control+a');
    await eventually(() => page.locator('.react-flow__node.selected').count()).toBe(3);
    await select('orders');
    await eventually(() => page.locator('.react-flow__node.selected').count()).toBe(1);
    await page.keyboard.press('Delete');
    await eventually(() => page.locator('.react-flow__node').count()).toBe(2);
    expect(await page.locator('.react-flow__node[data-id="orders"]').count()).toBe(0);
    await page.keyboard.press('Control+z');
    await eventually(() => page.locator('.react-flow__node').count()).toBe(3);
  });

  it('says why a flow name was refused, and places nodes added from the keyboard clear of the others', async () => {
    await page.getByTestId('flow-name').fill('two words');
    await page.getByTestId('flow-name').press('Enter');
    const refusal = page.locator('.toast-error .toast-message').filter({ hasText: 'Not renamed' });
    await eventually(() => refusal.textContent()).toBe(
      'Not renamed to “two words”: Letters, digits and _ . - only (no spaces), starting with a letter or digit',
    );
    expect(await page.getByTestId('flow-name').inputValue()).toBe('half-done');

    const before = await page.locator('.react-flow__node').count();
    const filter = page.locator('.palette-item', { hasText: 'Filter' }).first();
    await filter.focus();
    await page.keyboard.press('Enter');
    await filter.focus();
    await page.keyboard.press('Enter');
    await eventually(() => page.locator('.react-flow__node').count()).toBe(before + 2);
    const boxes = await page
      .locator('.react-flow__node')
      .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().toJSON() as DOMRect));
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
        expect(apart).toBe(true);
      }
    }
    await screenshot(page, 'safety-06-keyboard-added-1440');
  });

  it('fits 1024 px: no sideways scroll, Save and Run in view, the rest under More, edge counts clear of nodes', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    const saved = await post<SavedView>('/api/flows', { ...(await template('warehouse-backup')), name: 'narrow' });
    await page.goto(`${server.url}/flows/${saved.id}`);
    await page.locator('.react-flow__node').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(1024);
    for (const button of [
      page.getByTestId('save'),
      page.getByTestId('run'),
      page.getByRole('button', { name: 'Dry run' }),
    ]) {
      const box = (await button.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(1024);
    }
    expect(await page.locator('.react-flow__minimap').count()).toBe(0);
    await page.getByTestId('more-actions').click();
    expect(await page.getByRole('menuitem').allTextContents()).toEqual([
      'Connections',
      'Keyboard shortcuts',
      'Versions',
      'Run with full resync',
      'Export',
    ]);
    await page.getByRole('menuitem', { name: 'Versions' }).click();
    await eventually(() => page.getByRole('dialog').isVisible()).toBe(true);
    await page.keyboard.press('Escape');

    await page.getByTestId('run').click();
    await eventually(() => runStatus(), 60_000).toBe('succeeded');
    await eventually(() => page.locator('.edge-count').count()).toBe(2);
    await screenshot(page, 'safety-04-run-1024');
    const nodeBoxes = await page
      .locator('.react-flow__node')
      .evaluateAll((nodes) => nodes.map((node) => node.getBoundingClientRect().toJSON() as DOMRect));
    for (const label of await page.locator('.edge-count').all()) {
      const box = (await label.boundingBox())!;
      const text = await label.textContent();
      for (const node of nodeBoxes) {
        const apart =
          box.x + box.width <= node.x ||
          node.x + node.width <= box.x ||
          box.y + box.height <= node.y ||
          node.y + node.height <= box.y;
        expect(apart, `"${text}" overlaps a node`).toBe(true);
      }
    }
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBe(1024);
    await page.setViewportSize({ width: 1440, height: 900 });
    await screenshot(page, 'safety-05-run-1440');
    expect(pageErrors).toEqual([]);
  });
});
