/**
 * examples/warehouse-to-sheets.json run by the CLI against the Sheets sandbox, killed with SIGKILL
 * mid-run and resumed: readers see the old tab until the resumed run commits, then exactly the
 * warehouse's segment, no row twice, no staging tab left.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import type { RunSummary } from '../../server/src/service/flow-runner.ts';
import { copyDemoWarehouse } from '../../server/src/testing/demo-warehouse.ts';
import { runKilledAt } from './crm-migration-support.ts';
import { sandbox, tabRecords, visibleTabs } from './sheets-support.ts';
import { query, repoRoot, shortRetryWaits, spawnCliWithEnv, workDir } from './support.ts';

it('killed mid-run and resumed, the tab switches once from the old list to exactly the segment', async () => {
  // a 429 every third request (Retry-After 1 s) keeps the run going long enough to be killed mid-way
  const sheets = await sandbox({ seed: 'demo', faults: { tooManyEvery: 3, retryAfterSeconds: 1 } });
  const cwd = await workDir('sheets-kill');
  await copyDemoWarehouse(path.join(cwd, 'demo/warehouse.duckdb'));
  const flow = JSON.parse(await readFile(path.join(repoRoot, 'examples/warehouse-to-sheets.json'), 'utf8'));
  await writeFile(path.join(cwd, 'flow.json'), JSON.stringify({ ...flow, settings: { batchSize: 100 } }));
  const env = { SHEETS_BASE_URL: sheets.url, SHEETS_ACCESS_TOKEN: 'ya29.sandbox-token', SHEETS_SPREADSHEET_ID: 'demo' };
  // last week's list, which readers must keep seeing until the new one is complete
  const api = (pathname: string, body: unknown, method = 'POST') =>
    fetch(`${sheets.url}/v4/spreadsheets/demo${pathname}`, {
      method,
      headers: { authorization: `Bearer ${env.SHEETS_ACCESS_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((answer) => expect(answer.status).toBe(200));
  await api(':batchUpdate', { requests: [{ addSheet: { properties: { title: 'Newsletter VIPs' } } }] });
  await api(
    `/values/${encodeURIComponent("'Newsletter VIPs'!A1")}?valueInputOption=RAW`,
    { values: [['name'], ['last week']] },
    'PUT',
  );
  const staged = async () => {
    const staging = sheets.tabs('demo').find((tab) => tab.hidden);
    return staging ? staging.rowCount - 1 : 0;
  };

  const { seen } = await runKilledAt(cwd, env, false, staged, 300);
  expect(seen).toBeLessThan(1484);
  // nothing published by the killed run
  expect(visibleTabs(sheets, 'demo')).toEqual(['Sheet1', 'Newsletter VIPs']);
  expect(tabRecords(sheets, 'demo', 'Newsletter VIPs')).toEqual([{ name: 'last week' }]);

  // the resumed run meets the same 429s; nothing is timed after the kill, so its waits are a hundredth as long
  const finished = await spawnCliWithEnv(['run', 'flow.json', '--resume', '--json'], cwd, {
    ...env,
    ...shortRetryWaits,
  }).done;
  expect(finished.code, `${finished.stderr}\n${finished.stdout.slice(0, 3000)}`).toBe(0);
  const summary = JSON.parse(finished.stdout) as RunSummary;
  expect(summary).toMatchObject({ status: 'succeeded', resumed: true });
  const expected = await query(
    `SELECT * FROM (${flow.nodes[0].config.query}) ORDER BY customer_id`,
    path.join(cwd, 'demo/warehouse.duckdb'),
  );
  expect(tabRecords(sheets, 'demo', 'Newsletter VIPs')).toEqual(
    expected.map((row) => Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null))),
  );
  expect(sheets.tabs('demo').map((tab) => [tab.title, tab.hidden])).toEqual([
    ['Sheet1', false],
    ['Newsletter VIPs', false],
  ]);
}, 180_000);
