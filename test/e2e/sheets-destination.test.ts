/** sheets.destination against the Sheets sandbox: replace and append read back, replays, commits repeated, faults, caps. */
import { generateKeyPairSync } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SheetsDestinationConfig } from '../../server/src/connectors/sheets/config.ts';
import { sheetsApi } from '../../server/src/connectors/sheets/connection.ts';
import { sheetsDestination } from '../../server/src/connectors/sheets/destination.ts';
import { Spreadsheet } from '../../server/src/connectors/sheets/spreadsheet.ts';
import { openSheetsWriter } from '../../server/src/connectors/sheets/writer.ts';
import type { DestinationWriter, Rec } from '../../server/src/node-kit/contract.ts';
import { copyDemoWarehouse } from '../../server/src/testing/demo-warehouse.ts';
import type { TestContext } from '../../server/src/testing/node-context.ts';
import type { SheetsSandbox } from '../sandboxes/sheets/server.ts';
import { runInProcess } from './gcs-support.ts';
import { context, sandbox, tabRecords, visibleTabs } from './sheets-support.ts';
import { query, repoRoot, shortenRetryWaits, workDir } from './support.ts';

const token = 'ya29.sandbox-token';

/** Customers with the nasty cases: quotes, newlines, unicode, a formula-looking text, leading zeros, null. */
function customers(count: number, tag = 'v1', from = 0): Rec[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      id: i,
      name: [`Zoë ${i}`, `"Quoted", ${i}`, `two\nlines ${i}`, `名前 ${i} 🙂`][i % 4],
      segment: i % 5 === 0 ? null : `${tag}-${['gold', 'silver', '=1+1', '007'][i % 4]}`,
      vip: i % 2 === 0,
    };
  });
}

/** What the tab should show for `records`: a null is an empty cell, so the field is absent. */
const shown = (records: Rec[]) =>
  records.map((record) => Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null)));

function config(
  sheets: SheetsSandbox,
  spreadsheetId: string,
  extra: Partial<SheetsDestinationConfig> = {},
): SheetsDestinationConfig {
  return { baseUrl: sheets.url, accessToken: token, spreadsheetId, sheet: 'Customers', mode: 'replace', ...extra };
}

async function writeAll(writer: DestinationWriter, batches: Rec[][], stream = 'customers', firstSeq = 1) {
  for (const [index, records] of batches.entries())
    await writer.write({ kind: 'records', stream, records }, firstSeq + index);
}

async function run(cfg: SheetsDestinationConfig, batches: Rec[][], overrides: Partial<TestContext> = {}) {
  const ctx = await context(overrides);
  const writer = await sheetsDestination.open(cfg, ctx);
  await writeAll(writer, batches);
  await writer.prepare();
  await writer.commit();
  return ctx;
}

describe('sheets.destination', () => {
  it('replace: readers see the old tab until the commit swaps the new one in at its place; other tabs untouched', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([
      { title: 'Intro', rows: [['read me']] },
      { title: 'Customers', rows: [['old header'], ['old row 1'], ['old row 2']] },
      { title: 'Notes', rows: [['kept']] },
    ]);
    const records = customers(25);
    const ctx = await context({ runId: 'run-replace' });
    const writer = await sheetsDestination.open(config(sheets, spreadsheetId), ctx);
    await writeAll(writer, [records.slice(0, 10), records.slice(10, 20), records.slice(20)]);
    await writer.prepare();
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual([
      { 'old header': 'old row 1' },
      { 'old header': 'old row 2' },
    ]);
    expect(visibleTabs(sheets, spreadsheetId)).toEqual(['Intro', 'Customers', 'Notes']);
    await writer.commit();
    expect(ctx.rejected).toEqual([]);
    // one write request a batch, plus the staging tab added and the swap; reads: open, prepare, commit
    expect(sheets.stats()).toMatchObject({ writes: 5, reads: 3, rejected429: 0 });
    expect(visibleTabs(sheets, spreadsheetId)).toEqual(['Intro', 'Customers', 'Notes']);
    expect(sheets.tabs(spreadsheetId)).toHaveLength(3);
    const tab = sheets.tabs(spreadsheetId)[1]!;
    expect(tab.rows[0]).toEqual(['id', 'name', 'segment', 'vip']);
    expect(tab).toMatchObject({ rowCount: 26, columnCount: 4 });
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(records));
    expect(tabRecords(sheets, spreadsheetId, 'Notes')).toEqual([]);
    expect(sheets.tabs(spreadsheetId)[2]!.rows).toEqual([['kept']]);

    // a smaller run replaces everything, nothing of the bigger one left below it
    const fewer = customers(4, 'v2');
    await run(config(sheets, spreadsheetId), [fewer], { runId: 'run-replace-2' });
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(fewer));
    expect(sheets.tabs(spreadsheetId)[1]).toMatchObject({ title: 'Customers', rowCount: 5 });
  });

  it('replace: a run that fails before its commit leaves the old contents, and a resume publishes exactly once', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([{ title: 'Customers', rows: [['id'], [1]] }]);
    const records = customers(40);
    const batches = [0, 1, 2, 3].map((n) => records.slice(n * 10, n * 10 + 10));
    const first = await sheetsDestination.open(config(sheets, spreadsheetId), await context({ runId: 'run-k' }));
    const states: unknown[] = [];
    for (const [index, batch] of batches.slice(0, 3).entries()) {
      await first.write({ kind: 'records', stream: 'customers', records: batch }, index + 1);
      states.push(first.state?.());
    }
    await first.abort?.(); // killed after batch 3, its last checkpoint at batch 1
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual([{ id: 1 }]);

    const resumed = await sheetsDestination.open(
      config(sheets, spreadsheetId),
      await context({ runId: 'run-k', resumeState: states[0], resumeSeq: 1 }),
    );
    await writeAll(resumed, batches.slice(1), 'customers', 2);
    await resumed.prepare();
    const prepared = resumed.state?.();
    await resumed.commit();
    // the commit repeated after a crash before the store recorded it changes nothing
    const again = await sheetsDestination.open(
      config(sheets, spreadsheetId),
      await context({ runId: 'run-k', resumeState: prepared, prepared: true }),
    );
    await again.commit();
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(records));
    expect(sheets.tabs(spreadsheetId)).toHaveLength(1);
  });

  it('append: rows go after the last row under the tab’s own header, fields it lacks rejected naming them', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([
      {
        title: 'Customers',
        rows: [
          ['name', 'id', 'vip', 'segment'],
          ['Existing', 0, false, 'old'],
        ],
      },
    ]);
    const cfg = config(sheets, spreadsheetId, { mode: 'append' });
    const records = customers(12);
    const ctx = await run(cfg, [records.slice(0, 5), [...records.slice(5), { id: 99, colour: 'red' }]], {
      runId: 'append-1',
    });
    expect(ctx.rejected).toEqual([
      {
        record: { id: 99, colour: 'red' },
        reason: 'field "colour" not in the header row of tab "Customers" (name, id, vip, segment)',
      },
    ]);
    await run(cfg, [customers(3, 'v2', 100)], { runId: 'append-2' });
    expect(sheets.tabs(spreadsheetId)[0]!.rows[0]).toEqual(['name', 'id', 'vip', 'segment']);
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual([
      { name: 'Existing', id: 0, vip: false, segment: 'old' },
      ...shown(records),
      ...shown(customers(3, 'v2', 100)),
    ]);
    expect(visibleTabs(sheets, spreadsheetId)).toEqual(['Customers']);
    expect(sheets.tabs(spreadsheetId)).toHaveLength(1);
  });

  it('append: into an empty or missing tab the run writes the header first; a repeated commit appends nothing twice', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([{ title: 'Empty' }, { title: 'Other' }]);
    const records = customers(7);
    await run(config(sheets, spreadsheetId, { mode: 'append', sheet: 'Empty' }), [records]);
    expect(tabRecords(sheets, spreadsheetId, 'Empty')).toEqual(shown(records));

    const ctx = await context({ runId: 'append-missing' });
    const cfg = config(sheets, spreadsheetId, { mode: 'append', sheet: 'Missing' });
    const writer = await sheetsDestination.open(cfg, ctx);
    await writeAll(writer, [records]);
    await writer.prepare();
    const prepared = writer.state?.();
    await writer.commit();
    await (
      await sheetsDestination.open(
        cfg,
        await context({ runId: 'append-missing', resumeState: prepared, prepared: true }),
      )
    ).commit();
    expect(tabRecords(sheets, spreadsheetId, 'Missing')).toEqual(shown(records));
    expect(visibleTabs(sheets, spreadsheetId)).toEqual(['Empty', 'Other', 'Missing']);

    // appended again with the header now in place: only rows added
    const writerAgain = await sheetsDestination.open(cfg, await context({ runId: 'append-again' }));
    await writeAll(writerAgain, [customers(2, 'v2', 50)]);
    await writerAgain.prepare();
    const preparedAgain = writerAgain.state?.();
    await writerAgain.commit();
    await (
      await sheetsDestination.open(
        cfg,
        await context({ runId: 'append-again', resumeState: preparedAgain, prepared: true }),
      )
    ).commit();
    expect(tabRecords(sheets, spreadsheetId, 'Missing')).toEqual([...shown(records), ...shown(customers(2, 'v2', 50))]);
  });

  it('streams go to their own tabs, and two streams on one tab are refused naming the node', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([{ title: 'Sheet1' }]);
    const cfg = config(sheets, spreadsheetId, { sheet: undefined, sheets: { customers: 'Customers', vips: 'VIPs' } });
    const ctx = await context();
    const writer = await sheetsDestination.open(cfg, ctx);
    await writer.write({ kind: 'records', stream: 'customers', records: customers(3) }, 1);
    await writer.write({ kind: 'records', stream: 'vips', records: [{ id: 7, since: '2020-01-01' }] }, 2);
    await writer.prepare();
    await writer.commit();
    expect(visibleTabs(sheets, spreadsheetId)).toEqual(['Sheet1', 'Customers', 'VIPs']);
    expect(tabRecords(sheets, spreadsheetId, 'VIPs')).toEqual([{ id: 7, since: '2020-01-01' }]);

    const shared = await sheetsDestination.open(
      config(sheets, spreadsheetId, { sheet: 'All' }),
      await context({ runId: 'two' }),
    );
    await shared.write({ kind: 'records', stream: 'customers', records: customers(1) }, 1);
    await expect(shared.write({ kind: 'records', stream: 'vips', records: [{ id: 1 }] }, 2)).rejects.toThrow(
      /node "node-1": streams "customers" and "vips" would both write tab "All"/,
    );
  });

  it('ends exact through 503s, 429 bursts with Retry-After and dropped connections', async () => {
    shortenRetryWaits(); // the waits a hundredth as long; the faults and their retries the same
    const sheets = await sandbox({
      faults: { errorRate: 0.15, seed: 3, tooManyEvery: 4, retryAfterSeconds: 1, dropEvery: 6 },
    });
    const spreadsheetId = sheets.createSpreadsheet([{ title: 'Customers', rows: [['old']] }]);
    const records = customers(60);
    const ctx = await run(
      config(sheets, spreadsheetId),
      [0, 1, 2, 3, 4, 5].map((n) => records.slice(n * 10, n * 10 + 10)),
    );
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(records));
    expect(sheets.tabs(spreadsheetId)).toHaveLength(1);
    expect(sheets.stats().rejected429).toBeGreaterThan(0);
    expect(ctx.warnings.filter((line) => line.includes('retrying')).length).toBeGreaterThan(2);
  }, 120_000);

  it('ends exact when answers are lost after Google applied the request: tabs added, swaps and moves not repeated', async () => {
    shortenRetryWaits(); // the waits a hundredth as long; the faults and their retries the same
    const sheets = await sandbox({ faults: { dropAnswerEvery: 2 } });
    const spreadsheetId = sheets.createSpreadsheet([
      { title: 'Customers', rows: [['old']] },
      { title: 'Log', rows: [['id', 'name', 'segment', 'vip']] },
    ]);
    const records = customers(30);
    const batches = [0, 1, 2].map((n) => records.slice(n * 10, n * 10 + 10));
    await run(config(sheets, spreadsheetId), batches, { runId: 'lost-replace' });
    const ctx = await context({ runId: 'lost-append' });
    const cfg = config(sheets, spreadsheetId, { mode: 'append', sheet: 'Log' });
    const writer = await openSheetsWriter(cfg, ctx, new Spreadsheet(sheetsApi(cfg, ctx), spreadsheetId), {
      cellsPerMove: 40,
    });
    await writeAll(writer, batches);
    await writer.prepare();
    await writer.commit();
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(records));
    expect(tabRecords(sheets, spreadsheetId, 'Log')).toEqual(shown(records));
    expect(visibleTabs(sheets, spreadsheetId)).toEqual(['Customers', 'Log']);
    expect(sheets.tabs(spreadsheetId)).toHaveLength(2);
  }, 120_000);

  it('refuses, naming the node, a run that would take the workbook past 10 million cells, and leaves the tab', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([
      { title: 'Big', rowCount: 499_990, columnCount: 20 },
      { title: 'Customers', rows: [['old']], rowCount: 10, columnCount: 1 },
    ]);
    await expect(run(config(sheets, spreadsheetId), [customers(50)])).rejects.toMatchObject({
      code: 'config_invalid',
      message: expect.stringMatching(
        /node "node-1": writing 50 rows × 4 columns for tab "Customers" would take spreadsheet .* to 10,000,014 cells, past Google Sheets' cap of 10,000,000/,
      ),
    });
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual([]);
    expect(sheets.tabs(spreadsheetId)[1]!.rows).toEqual([['old']]);
  });

  it('signs in with a service account key, and a key Google does not know is refused with its reason', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([{ title: 'Customers' }]);
    const key = sheets.serviceAccountKey();
    await run({ ...config(sheets, spreadsheetId), accessToken: undefined, serviceAccountKey: JSON.stringify(key) }, [
      customers(3),
    ]);
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(customers(3)));
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const ctx = await context();
    const refusal = sheetsDestination.check!(
      {
        ...config(sheets, spreadsheetId),
        accessToken: undefined,
        serviceAccountKey: JSON.stringify({ ...key, private_key: stranger }),
      },
      ctx,
    );
    await expect(refusal).rejects.toThrow(
      /node "node-1": Google refused the service account backflow-sandbox@sandbox-project.iam.gserviceaccount.com: invalid_grant: Invalid JWT Signature./,
    );
    await expect(refusal).rejects.not.toThrow(/PRIVATE KEY/);
  });

  it('the warehouse-to-sheets example replaces its tab with exactly the segment the warehouse holds', async () => {
    const sheets = await sandbox({ seed: 'demo' });
    const cwd = await workDir('sheets-example');
    await copyDemoWarehouse(path.join(cwd, 'demo/warehouse.duckdb'));
    await copyFile(path.join(repoRoot, 'examples/warehouse-to-sheets.json'), path.join(cwd, 'flow.json'));
    const flow = JSON.parse(await readFile(path.join(cwd, 'flow.json'), 'utf8'));
    const env = { SHEETS_BASE_URL: sheets.url, SHEETS_ACCESS_TOKEN: token, SHEETS_SPREADSHEET_ID: 'demo' };
    const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
    Object.assign(process.env, env);
    try {
      const summary = await runInProcess(cwd, { ...flow, settings: { batchSize: 50 } });
      expect(summary.status).toBe('succeeded');
      const segment = flow.nodes[0].config.query as string;
      const expected = await query(
        `SELECT * FROM (${segment}) ORDER BY customer_id`,
        path.join(cwd, 'demo/warehouse.duckdb'),
      );
      expect(expected.length).toBeGreaterThan(50);
      const tab = tabRecords(sheets, 'demo', 'Newsletter VIPs')!;
      expect(tab).toEqual(
        expected.map((row) => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null))),
      );
      expect(visibleTabs(sheets, 'demo')).toEqual(['Sheet1', 'Newsletter VIPs']);
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('append: a commit killed between two moves goes on where it stopped, no row appended twice or lost', async () => {
    const sheets = await sandbox();
    const spreadsheetId = sheets.createSpreadsheet([{ title: 'Customers', rows: [['id', 'name', 'segment', 'vip']] }]);
    const cfg = config(sheets, spreadsheetId, { mode: 'append' });
    const records = customers(30);
    const ctx = await context({ runId: 'append-killed' });
    /** The spreadsheet as the writer sees it, the process killed as its `killAt`-th batchUpdate is sent. */
    class Killed extends Spreadsheet {
      updates = 0;
      constructor(readonly killAt: number) {
        super(sheetsApi(cfg, ctx), spreadsheetId);
      }
      override async batchUpdate(requests: object[]) {
        if (++this.updates === this.killAt) throw new Error('killed');
        return super.batchUpdate(requests);
      }
    }
    // 4 columns, 20 cells a move: 5 rows a request, 6 moves; writes: the staging tab, 1 batch, then the moves
    const writer = await openSheetsWriter(cfg, ctx, new Killed(5), { cellsPerMove: 20 });
    await writer.write({ kind: 'records', stream: 'customers', records }, 1);
    await writer.prepare();
    const prepared = writer.state?.();
    await expect(writer.commit()).rejects.toThrow('killed');
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(records.slice(0, 10)));
    const resumed = await openSheetsWriter(
      cfg,
      await context({ runId: 'append-killed', resumeState: prepared, prepared: true }),
      new Spreadsheet(sheetsApi(cfg, ctx), spreadsheetId),
      { cellsPerMove: 20 },
    );
    await resumed.commit();
    expect(tabRecords(sheets, spreadsheetId, 'Customers')).toEqual(shown(records));
    expect(sheets.tabs(spreadsheetId)).toHaveLength(1);
  });
});
