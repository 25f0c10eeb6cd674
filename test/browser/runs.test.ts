/**
 * Runs as a person meets them in the editor, in headless Chromium against a real server: a dry run
 * says what it would write and where, a cancel stops the run and offers Resume, a run that failed
 * before its first checkpoint offers Run again, rejected lines show as they stood in the file and
 * download as NDJSON and CSV, the runs page and the flows list show the latest runs, error toasts
 * never pile up, and the editor follows a dark system setting. Screenshots land in test-output/browser/.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { catalog as defaultCatalog } from '../../server/src/nodes/registry.ts';
import { exampleFlow } from '../../server/src/testing/api-server.ts';
import { heldCatalog, ReadGate } from '../../server/src/testing/held-reads.ts';
import {
  browserAvailability,
  ensureWebBuilt,
  jsonApi,
  launchChromium,
  runToEnd as runFlowToEnd,
  screenshot,
  screenshots as screenshotsAtWidths,
  startServer,
} from './support.ts';

const availability = browserAvailability();

/** Waits for the page to reach a state: generous, since the machine may be busy with other suites. */
const eventually = <T>(read: () => T | Promise<T>, timeout = 20_000) => expect.poll(read, { timeout, interval: 100 });

/** duckdb.source reads pass this gate: a test that needs a run still running holds it there. */
const orders = new ReadGate();
const catalog = heldCatalog(defaultCatalog, 'duckdb.source', orders);

/** Two good rows, a row with too many fields, one cut short, a quote never closed. */
const peopleCsv = [
  'id,name,score',
  '1,Ada,10',
  '4,d@example.com,40,too,many,fields',
  '5,short',
  '6,"open,7',
  '8,Zoë,80',
  '',
].join('\n');

function importFlow(name: string, file: string) {
  return {
    name,
    nodes: [
      { id: 'file', type: 'files.source', config: { path: file } },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'as-json', type: 'json.format', config: {} },
      { id: 'out', type: 'files.destination', config: { dir: 'out/{flow}/{runId}' } },
    ],
    edges: [
      { from: 'file', to: 'parse' },
      { from: 'parse:records', to: 'as-json' },
      { from: 'as-json', to: 'out' },
    ],
  };
}

describe.runIf(availability.run)('runs in the editor', { shuffle: false }, () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const flowIds: Record<string, string> = {};

  const api = jsonApi(() => server.url);
  /** Starts a run of a saved flow through the API and waits until it ended; its stored view. */
  const runToEnd = (flow: string, dryRun = false) => runFlowToEnd(api, flowIds[flow] as string, { dryRun });
  const openFlow = async (flow: string, runId?: string) => {
    await page.goto(`${server.url}/flows/${flowIds[flow]}${runId ? `?run=${runId}` : ''}`);
    await page.getByTestId('canvas').waitFor();
  };
  const panelStatus = () => page.locator('.run-summary [data-testid=run-status]').textContent();
  const screenshots = (name: string) => screenshotsAtWidths(page, name, 860);

  beforeAll(async () => {
    if (availability.failure) throw new Error(availability.failure);
    ensureWebBuilt();
    server = await startServer({ catalog });
    await mkdir(path.join(server.baseDir, 'input'), { recursive: true });
    await writeFile(path.join(server.baseDir, 'input/people.csv'), peopleCsv);
    const backup = await exampleFlow('warehouse-backup');
    delete backup.schedule;
    for (const flow of [
      backup,
      importFlow('people-import', 'input/people.csv'),
      importFlow('lost-input', 'input/gone.csv'),
    ]) {
      flowIds[flow.name] = (await api('/api/flows', flow)).id;
    }
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 860 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 120_000);

  // A test that failed while holding a run must not hold the next ones.
  afterEach(() => orders.open());

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows a dry run as Would write, with written 0, and where each destination would write', async () => {
    await openFlow('warehouse-backup');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await eventually(panelStatus, 60_000).toBe('succeeded (dry run)');
    const table = page.getByTestId('run-node-stats');
    expect(await table.locator('thead th').allTextContents()).toEqual([
      'Node',
      'Read',
      'Written',
      'Would write',
      'Rejected',
      'Filtered',
      'Files',
    ]);
    expect(await table.locator('tr', { hasText: 'archive' }).locator('td').allTextContents()).toEqual([
      'archive',
      '200,000',
      '0',
      '200,000',
      '0',
      '0',
      '0',
    ]);
    // The destination on the canvas says the same: nothing out, 200K it would write.
    expect(await page.locator('.react-flow__node[data-id="archive"] .flow-node-counts').textContent()).toBe(
      '200K in · 200K would write',
    );
    const runId = (await page.locator('.run-summary .mono').textContent())!;
    const outputs = page.getByTestId('run-outputs');
    await eventually(() => outputs.locator('h3').textContent()).toBe('Would write to');
    expect(await outputs.locator('dd').allTextContents()).toEqual([
      expect.stringMatching(new RegExp(`^backups/warehouse-backup/\\d{4}-\\d{2}-\\d{2}-${runId}$`)),
    ]);
    await screenshots('runs-01-dry-run-would-write');
  });

  it('cancels a running run, then offers Resume since it saved a checkpoint, and resumes it to a whole backup', async () => {
    await openFlow('warehouse-backup');
    // Held after its first part (50,000 rows): the run is surely running when Cancel is pressed.
    orders.close(1);
    await page.getByTestId('run').click();
    await orders.reached;
    const cancelledRunId = (await page.locator('.run-summary .mono').textContent())!;
    // The first part is checkpointed before the cancel, so there is something to resume from.
    await eventually(async () => (await api(`/api/runs/${cancelledRunId}`)).checkpointAt).toBeTruthy();
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await eventually(panelStatus).toBe('cancelled');
    const read = Number(
      (await page
        .getByTestId('run-node-stats')
        .locator('tr', { hasText: 'orders' })
        .locator('td')
        .nth(1)
        .textContent())!.replaceAll(',', ''),
    );
    expect(read).toBeGreaterThanOrEqual(50_000);
    expect(read).toBeLessThan(200_000);
    const resume = page.getByRole('button', { name: 'Resume' });
    await resume.waitFor();
    expect(await page.getByRole('button', { name: 'Run again' }).count()).toBe(0);
    // Its parts so far are where the backup goes, not published.
    expect(await page.getByTestId('run-outputs').locator('h3').textContent()).toBe(
      'Output (unfinished: nothing is published until the run succeeds)',
    );
    await screenshots('runs-02-cancelled-resume');
    orders.open();
    await resume.click();
    await eventually(panelStatus, 60_000).toBe('succeeded');
    const runId = (await page.locator('.run-summary .mono').textContent())!;
    expect(runId).toBe(cancelledRunId);
    const outputs = page.getByTestId('run-outputs');
    await eventually(() => outputs.locator('h3').textContent()).toBe('Output');
    const [location] = await outputs.locator('dd').allTextContents();
    expect(location).toMatch(new RegExp(`^backups/warehouse-backup/\\d{4}-\\d{2}-\\d{2}-${runId}$`));
    // Exactly where the backup landed.
    const manifest = JSON.parse(await readFile(path.join(server.baseDir, location!, '_manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ complete: true, runId, rows: 200_000 });
  });

  it('offers Run again, not Resume, after a run failed on a missing input file', async () => {
    await openFlow('lost-input');
    await page.getByTestId('run').click();
    await eventually(panelStatus, 60_000).toBe('failed');
    const failedRunId = (await page.locator('.run-summary .mono').textContent())!;
    const again = page.getByRole('button', { name: 'Run again' });
    await again.waitFor();
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    expect(await page.locator('.run-overview .error-box').textContent()).toContain('gone.csv');
    await screenshots('runs-03-failed-run-again');
    await again.click();
    // A new run, failing the same way, with the same offer.
    await eventually(() => page.locator('.run-summary .mono').textContent()).not.toBe(failedRunId);
    await eventually(panelStatus, 60_000).toBe('failed');
    await again.waitFor();
    const runs = (await api(`/api/runs?flowId=${flowIds['lost-input']}`)) as { status: string }[];
    expect(runs.map((run) => run.status)).toEqual(['failed', 'failed']);
  });

  it('runs a flow with a full resync from the toolbar, and the run says it re-read every source', async () => {
    await openFlow('people-import');
    await page.getByTestId('run-full-resync').click();
    await eventually(panelStatus, 60_000).toBe('succeeded');
    const runId = (await page.locator('.run-summary .mono').textContent())!;
    const logs = (await api(`/api/runs/${runId}/logs`)) as { message: string }[];
    expect(logs[0]?.message).toBe('run started (full re-read of every source)');
  });

  it('shows a rejected line as it stood in the file, and downloads every reject as NDJSON and CSV', async () => {
    const run = await runToEnd('people-import');
    expect(run.nodes.parse).toMatchObject({ read: 5, written: 2, rejected: 3 });
    await openFlow('people-import', run.runId);
    await eventually(panelStatus).toBe('succeeded');
    await page.getByRole('tab', { name: 'Rejected' }).click();
    const rows = page.locator('[data-testid=rejected-table] tbody tr');
    await eventually(() => rows.count()).toBe(3);
    expect(await rows.locator('.raw-line').allTextContents()).toEqual([
      '4,d@example.com,40,too,many,fields',
      '5,short',
      '6,"open,7',
    ]);
    await screenshots('runs-04-rejected-raw-lines');

    const downloaded = async (name: string) => {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId('rejected-downloads').getByRole('link', { name }).click(),
      ]);
      return { file: download.suggestedFilename(), text: await readFile((await download.path())!, 'utf8') };
    };
    const ndjson = await downloaded('NDJSON');
    expect(ndjson.file).toBe(`${run.runId}-rejected.ndjson`);
    const stored = ndjson.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(stored.map((row) => [row.line, row.record, row.raw])).toEqual([
      [3, null, '4,d@example.com,40,too,many,fields'],
      [4, null, '5,short'],
      [5, null, '6,"open,7'],
    ]);
    const csv = await downloaded('CSV');
    expect(csv.file).toBe(`${run.runId}-rejected.csv`);
    const [header, ...lines] = csv.text.trimEnd().split('\n');
    expect(header).toBe('nodeId,at,file,line,reasons,record,raw');
    expect(lines.map((line) => line.replace(/^parse,[^,]+,/, ''))).toEqual([
      'people.csv,3,"people.csv: line 3: expected 3 fields, found 6",,"4,d@example.com,40,too,many,fields"',
      'people.csv,4,"people.csv: line 4: expected 3 fields, found 2",,"5,short"',
      'people.csv,5,people.csv: line 5: quoted field is never closed,,"6,""open,7"',
    ]);
  });

  it('lists every run on the runs page, opens one on its flow, and shows the last run in the flows list', async () => {
    await page.goto(server.url);
    const flows = page.getByTestId('flows-table');
    await flows.waitFor();
    const lastRun = (flow: string) => flows.locator(`tr[data-flow="${flow}"] .last-run`);
    expect(await flows.locator('thead th').allTextContents()).toEqual([
      'Name',
      'Nodes',
      'Schedule',
      'Last run',
      'Saved',
      '',
    ]);
    await eventually(() => lastRun('people-import').locator('[data-testid=run-status]').textContent()).toBe(
      'succeeded',
    );
    expect(await lastRun('lost-input').locator('[data-testid=run-status]').textContent()).toBe('failed');
    expect(await lastRun('warehouse-backup').locator('[data-testid=run-status]').textContent()).toBe('succeeded');
    await screenshots('runs-05-flows-last-run');

    await page.getByTestId('runs-link').click();
    await eventually(() => page.url()).toBe(`${server.url}/runs`);
    const table = page.getByTestId('runs-table');
    const stored = (await api('/api/runs')) as { runId: string; flow: string; status: string }[];
    await eventually(() => table.locator('tbody tr').count()).toBe(stored.length);
    expect(
      await table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run'))),
    ).toEqual(stored.map((run) => run.runId));
    const dry = table.locator('tbody tr', { hasText: 'dry run' });
    expect(await dry.locator('td').nth(5).textContent()).toBe('would write 200,000');
    await screenshots('runs-06-runs-page');

    const failed = stored.find((run) => run.flow === 'lost-input')!;
    await table.locator(`tr[data-run="${failed.runId}"]`).click();
    await eventually(() => page.url()).toBe(`${server.url}/flows/${flowIds['lost-input']}?run=${failed.runId}`);
    await eventually(() => page.locator('.run-summary .mono').textContent()).toBe(failed.runId);
    expect(await panelStatus()).toBe('failed');
  });

  it('shows at most three toasts, a repeated one once with its count, and lets errors be dismissed', async () => {
    await page.goto(server.url);
    await page.getByTestId('flows-table').waitFor();
    const importBad = (name: string) =>
      page
        .getByTestId('import-file')
        .setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from('{ not json') });
    for (const n of [1, 2, 3, 4, 5]) {
      await importBad(`broken-${n}.json`);
      await eventually(() => page.locator('.toast-error').last().textContent()).toContain(
        `broken-${n}.json is not a flow`,
      );
    }
    const messages = () => page.locator('.toast-error .toast-message').allTextContents();
    expect((await messages()).map((text) => text.split(' ')[0])).toEqual([
      'broken-3.json',
      'broken-4.json',
      'broken-5.json',
    ]);
    await importBad('broken-4.json');
    await importBad('broken-4.json');
    await eventually(messages).toEqual([
      expect.stringMatching(/^broken-3\.json is not a flow/),
      expect.stringMatching(/^broken-5\.json is not a flow/),
      expect.stringMatching(/^broken-4\.json is not a flow: .* ×3$/),
    ]);
    await screenshots('runs-07-toasts-capped');
    await page.locator('.toast-error', { hasText: 'broken-4.json' }).getByRole('button', { name: 'Dismiss' }).click();
    await eventually(() => page.locator('.toast-error').count()).toBe(2);
    // Errors go by themselves after a while.
    await eventually(() => page.locator('.toast-error').count(), 30_000).toBe(0);
  });

  it('follows a dark system setting: dark canvas, nodes, forms and run panel, text still light on them', async () => {
    const dark = await browser.newContext({ viewport: { width: 1440, height: 860 }, colorScheme: 'dark' });
    const darkPage = await dark.newPage();
    darkPage.on('pageerror', (error) => pageErrors.push(error.message));
    const dry = await runToEnd('warehouse-backup', true);
    await darkPage.goto(`${server.url}/flows/${flowIds['warehouse-backup']}?run=${dry.runId}`);
    await darkPage.locator('.react-flow__node[data-id="orders"] .flow-node-header').click();
    await darkPage.getByTestId('run-node-stats').waitFor();
    // The node's config form, drawn once its code loaded.
    await darkPage.locator('#cfg-orders_path').waitFor();
    const colours = await darkPage.evaluate(() => {
      const style = (selector: string) => getComputedStyle(document.querySelector(selector)!);
      return {
        page: style('body').backgroundColor,
        canvas: style('.react-flow').backgroundColor,
        node: style('.flow-node').backgroundColor,
        nodeText: style('.flow-node').color,
        runPanel: style('.run-panel').backgroundColor,
        runPanelText: style('.run-panel').color,
        input: style('#cfg-orders_path').backgroundColor,
        inputText: style('#cfg-orders_path').color,
        button: style('.run-summary .button, .topbar .button').backgroundColor,
      };
    });
    const lightness = (rgb: string) => {
      const [r, g, b] = rgb.match(/\d+/g)!.map(Number) as [number, number, number];
      return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
    };
    for (const surface of ['page', 'canvas', 'node', 'runPanel', 'input', 'button'] as const) {
      expect(lightness(colours[surface]), surface).toBeLessThan(0.15);
    }
    for (const text of ['nodeText', 'runPanelText', 'inputText'] as const) {
      expect(lightness(colours[text]), text).toBeGreaterThan(0.8);
    }
    for (const width of [1440, 1024]) {
      await darkPage.setViewportSize({ width, height: 860 });
      await screenshot(darkPage, `runs-08-dark-editor-${width}`);
    }
    await dark.close();
    expect(pageErrors).toEqual([]);
  });
});
