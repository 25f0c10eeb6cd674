/**
 * The flow editor in headless Chromium against a real server: a person builds the demo backup by
 * dragging nodes from the palette, fills in the forms, joins the ports, saves and runs it, and the
 * canvas shows the counts; a wrong connection is refused; undo, export and import keep the flow.
 * Screenshots of each state land in test-output/browser/.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureBigFlow } from './editor-300.ts';
import {
  browserAvailability,
  dragBetween,
  ensureWebBuilt,
  handle,
  launchChromium,
  screenshot,
  startServer,
} from './support.ts';

const availability = browserAvailability();

/** Waits for the page to reach a state: generous, since the machine may be busy with other suites. */
const eventually = <T>(read: () => T | Promise<T>, timeout = 15_000) => expect.poll(read, { timeout, interval: 100 });

// One editing session: each test goes on from the page the one before left, so they never run shuffled.
describe.runIf(availability.run)('flow editor in Chromium', { shuffle: false }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  /** Set by the first test: the flow it saved. */
  let flowId = '';

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const api = async <T>(route: string): Promise<T> => (await fetch(`${server.url}${route}`)).json() as Promise<T>;
  const nodes = () => page.locator('.react-flow__node');
  const edges = () => page.locator('.react-flow__edge');
  const select = (nodeId: string) => page.locator(`.react-flow__node[data-id="${nodeId}"] .flow-node-header`).click();

  it('builds the orders backup from the palette, saves, runs it and shows 200,000 records on the edge', async () => {
    await page.goto(server.url);
    await eventually(() => page.getByTestId('flows-empty').isVisible()).toBe(true);
    await screenshot(page, '01-flows-empty');

    await page.getByTestId('new-flow').click();
    await page.locator('[data-testid=name-dialog] input').fill('orders-backup');
    await page.getByTestId('name-dialog').getByRole('button', { name: 'Create' }).click();
    const canvas = page.getByTestId('canvas');
    await canvas.waitFor();
    expect(await page.locator('.canvas-empty').textContent()).toContain('Drag a source');

    // Three nodes dragged from the palette, each landing where it is dropped.
    await page.locator('[data-node-type="duckdb.source"]').dragTo(canvas, { targetPosition: { x: 60, y: 70 } });
    await eventually(() => nodes().count()).toBe(1);
    // A fresh source misses its required fields: the server's issues show on the node and in the inspector.
    await eventually(() => page.locator('.react-flow__node[data-id="duckdb-source"] .issue-badge').count()).toBe(1);
    await eventually(() => page.getByTestId('node-issues').textContent()).toContain('config.path required');
    await screenshot(page, '02-source-dropped-with-issues');

    await page.fill('#cfg-duckdb-source_path', 'demo/warehouse.duckdb');
    await page.fill('#cfg-duckdb-source_table', 'orders');
    await page.fill('#cfg-duckdb-source_key', 'order_id');
    await eventually(() => page.locator('.issue-badge').count()).toBe(0);

    await page.locator('[data-node-type="csv.format"]').dragTo(canvas, { targetPosition: { x: 300, y: 230 } });
    await eventually(() => nodes().count()).toBe(2);
    await page.fill('#cfg-csv-format_rowsPerFile', '50000');
    await page.check('#cfg-csv-format_gzip');

    await page.locator('[data-node-type="files.destination"]').dragTo(canvas, { targetPosition: { x: 440, y: 420 } });
    await eventually(() => nodes().count()).toBe(3);
    await page.fill('#cfg-files-destination_dir', 'backups/{flow}/{runId}');

    // records → files is refused on the spot, with the reason, and adds no edge.
    await dragBetween(
      page,
      handle(page, 'duckdb-source', 'source', 'records'),
      handle(page, 'files-destination', 'target', 'files'),
    );
    const refusal = page.locator('.toast-error').filter({ hasText: 'Not connected' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toContain('"duckdb-source" sends records but "files-destination" takes files');
    expect(await edges().count()).toBe(0);
    await screenshot(page, '03-records-to-files-refused');

    await dragBetween(
      page,
      handle(page, 'duckdb-source', 'source', 'records'),
      handle(page, 'csv-format', 'target', 'records'),
    );
    await eventually(() => edges().count()).toBe(1);
    await dragBetween(
      page,
      handle(page, 'csv-format', 'source', 'files'),
      handle(page, 'files-destination', 'target', 'files'),
    );
    await eventually(() => edges().count()).toBe(2);
    await eventually(() => page.getByTestId('save-state').textContent()).toBe('Not saved yet');
    await screenshot(page, '04-flow-built');

    await page.getByTestId('save').click();
    await page.waitForURL(/\/flows\/fl_/);
    flowId = decodeURIComponent(page.url().split('/flows/')[1]!);
    await eventually(() => page.getByTestId('save-state').textContent()).toBe('Saved · version 1');
    const saved = await api<{ document: unknown }>(`/api/flows/${flowId}`);
    expect(saved.document).toEqual({
      name: 'orders-backup',
      nodes: [
        {
          id: 'duckdb-source',
          type: 'duckdb.source',
          config: { path: 'demo/warehouse.duckdb', table: 'orders', key: 'order_id' },
          position: expect.any(Object),
        },
        {
          id: 'csv-format',
          type: 'csv.format',
          config: { rowsPerFile: 50000, gzip: true },
          position: expect.any(Object),
        },
        {
          id: 'files-destination',
          type: 'files.destination',
          config: { dir: 'backups/{flow}/{runId}' },
          position: expect.any(Object),
        },
      ],
      edges: [
        { from: 'duckdb-source', to: 'csv-format' },
        { from: 'csv-format', to: 'files-destination' },
      ],
    });

    await page.getByTestId('run').click();
    const status = page.locator('.run-summary [data-testid=run-status]');
    await eventually(() => status.textContent(), 45_000).toBe('succeeded');
    const recordsEdge = page.locator('.edge-count[data-edge="duckdb-source->csv-format"]');
    await eventually(() => recordsEdge.textContent()).toBe('200,000 records');
    await eventually(() => page.locator('.edge-count[data-edge="csv-format->files-destination"]').textContent()).toBe(
      '4 files · 200,000 rows',
    );
    await eventually(() => page.getByTestId('run-node-stats').textContent()).toContain('200,000');
    await screenshot(page, '05-run-succeeded');

    // What the canvas shows is what the run did: 4 gzipped parts and a manifest of 200,000 rows.
    const [run] = await api<{ runId: string; status: string; nodes: Record<string, { written: number }> }[]>(
      `/api/runs?flowId=${flowId}`,
    );
    expect(run!.status).toBe('succeeded');
    expect(run!.nodes['files-destination']!.written).toBe(200_000);
    const manifest = JSON.parse(
      await readFile(path.join(server.baseDir, 'backups/orders-backup', run!.runId, '_manifest.json'), 'utf8'),
    ) as { complete: boolean; rows: number; files: unknown[] };
    expect([manifest.complete, manifest.rows, manifest.files.length]).toEqual([true, 200_000, 4]);
  });

  it('previews sample records at a node, and the files an unsaved edit would make', async () => {
    await select('duckdb-source');
    await page.getByRole('button', { name: 'Preview data' }).click();
    const dialog = page.getByTestId('preview-dialog');
    await dialog.locator('table').waitFor();
    expect(await dialog.locator('thead').textContent()).toContain('order_id');
    expect(await dialog.locator('tbody tr').count()).toBe(50);
    await screenshot(page, '06-preview-records');
    await dialog.getByRole('button', { name: 'Close' }).click();

    // Not saved: the preview runs the document as it is on screen.
    await select('csv-format');
    await page.fill('#cfg-csv-format_rowsPerFile', '100000');
    await page.getByRole('button', { name: 'Preview data' }).click();
    await dialog.locator('table').waitFor();
    const rows = await dialog.locator('tbody tr').evaluateAll((list) => list.map((row) => row.textContent));
    expect(rows).toEqual([
      expect.stringMatching(/^orders\/part-00001\.csv\.gzorders100,000/),
      expect.stringMatching(/^orders\/part-00002\.csv\.gzorders100,000/),
    ]);
    await screenshot(page, '07-preview-files');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Control+z');
    await eventually(() => page.getByTestId('save-state').textContent()).toBe('Saved · version 1');
  });

  it('restores a deleted node with its edges on undo, and deletes it again on redo', async () => {
    await select('csv-format');
    await page.keyboard.press('Delete');
    await eventually(() => nodes().count()).toBe(2);
    expect(await edges().count()).toBe(0);
    await screenshot(page, '08-node-deleted');

    await page.keyboard.press('Control+z');
    await eventually(() => nodes().count()).toBe(3);
    await eventually(() => edges().count()).toBe(2);
    expect(
      await page.locator('.react-flow__edge').evaluateAll((list) => list.map((e) => e.getAttribute('data-id'))),
    ).toEqual(['duckdb-source->csv-format', 'csv-format->files-destination']);
    await eventually(() => page.getByTestId('save-state').textContent()).toBe('Saved · version 1');
    await screenshot(page, '09-delete-undone');

    await page.keyboard.press('Control+Shift+z');
    await eventually(() => nodes().count()).toBe(2);
    await page.keyboard.press('Control+z');
    await eventually(() => nodes().count()).toBe(3);
  });

  it('exports the flow and imports the file back as an identical version', async () => {
    // Both awaited together: a failed click must not leave the wait for the download unobserved.
    const [file] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export' }).click(),
    ]);
    expect(file.suggestedFilename()).toBe('orders-backup.json');
    const exported = await readFile((await file.path())!, 'utf8');
    expect(exported).not.toMatch(/password|secret/i);

    await page.locator('.brand').click();
    await page.getByTestId('flows-table').waitFor();
    await page.getByTestId('import-file').setInputFiles({
      name: 'orders-backup.json',
      mimeType: 'application/json',
      buffer: Buffer.from(exported),
    });
    // The name is taken: the file becomes the flow's next version.
    await page.getByTestId('import-conflict').waitFor();
    await screenshot(page, '10-import-conflict');
    await page.getByRole('button', { name: /Save as a new version/ }).click();
    await page.waitForURL(`**/flows/${flowId}`);
    await eventually(() => page.getByTestId('save-state').textContent()).toBe('Saved · version 2');

    const reexported = await (await fetch(`${server.url}/api/flows/${flowId}/export`)).json();
    expect(reexported).toEqual(JSON.parse(exported));
    const versions = await api<{ version: number; document: unknown }[]>(`/api/flows/${flowId}/versions`);
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]!.document).toEqual(versions[1]!.document);
  });

  it('reads the schedule in words with its next runs, and lists the keyboard shortcuts', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    const schedule = page.getByTestId('schedule-editor');
    await schedule.getByRole('checkbox', { name: /Run on a schedule/ }).check();
    await page.fill('[data-testid=cron-input]', '30 6 * * 1-5');
    await eventually(() => page.getByTestId('cron-reading').textContent()).toBe(
      'At 06:30, Monday through Friday (UTC)',
    );
    expect(await page.locator('[data-testid=next-runs] li').count()).toBe(5);
    await page.fill('[data-testid=cron-input]', '61 * * * *');
    await eventually(() => page.getByTestId('cron-reading').textContent()).toMatch(/^Not a valid cron pattern/);
    await screenshot(page, '11-schedule');

    // Pushdown is on unless the flow turns it off; turning it off is one undoable edit of the document.
    const pushdown = page.getByTestId('setting-pushdown');
    expect(await pushdown.isChecked()).toBe(true);
    await pushdown.uncheck();
    await page.setViewportSize({ width: 1024, height: 768 });
    await pushdown.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    await screenshot(page, '11b-run-settings-1024');
    await page.setViewportSize({ width: 1440, height: 900 });
    await pushdown.evaluate((element) => element.scrollIntoView({ block: 'center' }));
    await screenshot(page, '11c-run-settings-1440');
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Undo' }).click();
    await eventually(() => pushdown.isChecked()).toBe(true);

    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('?');
    const help = page.getByTestId('help-dialog');
    await help.waitFor();
    expect(await help.textContent()).toContain('Undo');
    await screenshot(page, '12-help');
    await page.keyboard.press('Escape');
    expect(pageErrors).toEqual([]);
  });

  it('opens a 300-node flow, lays it out and pans it without stalling', async () => {
    const big = await context.newPage();
    big.on('pageerror', (error) => pageErrors.push(error.message));
    const timing = await measureBigFlow(big, server.url);
    await big.keyboard.press('f');
    await big.waitForTimeout(400);
    await screenshot(big, '13-300-nodes');
    await big.close();
    // Coarse guards (the benchmark entry has the real goals, ≤ 3 s): they catch a canvas that redraws every
    // node per frame, not a slow machine; 19 s was seen under a load of 11 on 2 cores, hence the margin.
    expect(timing.openMs + timing.layoutMs).toBeLessThan(40_000);
    expect(timing.panFrames.length).toBeGreaterThan(20);
    expect(timing.panFrameP95).toBeLessThan(250);
    expect(pageErrors).toEqual([]);
  });

  it('lists the saved versions, restores version 1 as one edit and undoes the restore', async () => {
    const versioned = await context.newPage();
    versioned.on('pageerror', (error) => pageErrors.push(error.message));
    const flowNodes = () => versioned.locator('.react-flow__node');
    // The state, without the issue count a draft's unfilled fields add after it.
    const saveState = () =>
      versioned.getByTestId('save-state').evaluate((element) => element.firstChild?.textContent ?? '');
    await versioned.goto(server.url);
    await versioned.getByTestId('new-flow').click();
    await versioned.locator('[data-testid=name-dialog] input').fill('versions-demo');
    await versioned.getByTestId('name-dialog').getByRole('button', { name: 'Create' }).click();
    const canvas = versioned.getByTestId('canvas');
    await canvas.waitFor();

    // Never saved: the dialog says so.
    await versioned.getByTestId('versions').click();
    await versioned.getByTestId('versions-empty').waitFor();
    await versioned.keyboard.press('Escape');

    await versioned.locator('[data-node-type="duckdb.source"]').dragTo(canvas, { targetPosition: { x: 80, y: 80 } });
    await eventually(() => flowNodes().count()).toBe(1);
    await versioned.getByTestId('save').click();
    await versioned.waitForURL(/\/flows\/fl_/);
    await eventually(saveState).toBe('Saved · version 1');

    await versioned.locator('[data-node-type="csv.format"]').dragTo(canvas, { targetPosition: { x: 360, y: 240 } });
    await eventually(() => flowNodes().count()).toBe(2);
    await versioned.getByTestId('save').click();
    await eventually(saveState).toBe('Saved · version 2');

    await versioned.getByTestId('versions').click();
    const dialog = versioned.getByTestId('versions-dialog');
    const rows = dialog.locator('[data-testid=versions-table] tbody tr');
    await eventually(() => rows.count()).toBe(2);
    expect(await rows.evaluateAll((list) => list.map((row) => row.getAttribute('data-version')))).toEqual(['2', '1']);
    expect(await rows.nth(0).getByTestId('version-diff').textContent()).toBe('same as the canvas');
    expect(await rows.nth(1).getByTestId('version-diff').textContent()).toBe('−1 node (csv-format)');
    expect(await rows.nth(1).textContent()).toContain('just now');
    await screenshot(versioned, '14-versions');

    await rows.nth(1).getByRole('button', { name: 'Restore' }).click();
    await eventually(() => dialog.count()).toBe(0);
    await eventually(() => flowNodes().count()).toBe(1);
    expect(await versioned.locator('.react-flow__node[data-id="duckdb-source"]').count()).toBe(1);
    await eventually(saveState).toBe('Unsaved changes');
    // Nothing was written to the server by the restore.
    const flowUrl = decodeURIComponent(versioned.url().split('/flows/')[1]!);
    const stored = await api<{ version: number }[]>(`/api/flows/${flowUrl}/versions`);
    expect(stored.map((v) => v.version)).toEqual([2, 1]);

    await versioned.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await versioned.keyboard.press('Control+z');
    await eventually(() => flowNodes().count()).toBe(2);
    await eventually(saveState).toBe('Saved · version 2');
    await versioned.close();
    expect(pageErrors).toEqual([]);
  });
});
