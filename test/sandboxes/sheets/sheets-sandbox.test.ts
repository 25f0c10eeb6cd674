/**
 * The Sheets sandbox proven by Google's own client, `@googleapis/sheets` 14, pointed at it by
 * `rootUrl` with an OAuth2 client holding an access token (the client's JWT helper posts to
 * Google's fixed token URL, so the service-account flow is proven by the connector's tests).
 */
import { auth, sheets, type sheets_v4 } from '@googleapis/sheets';
import { afterEach, describe, expect, it } from 'vitest';
import { type SheetsSandbox, type SheetsSandboxOptions, startSheetsSandbox } from './server.ts';

const token = 'ya29.sandbox-token';
let running: SheetsSandbox | undefined;

async function sandbox(options: SheetsSandboxOptions = {}): Promise<SheetsSandbox> {
  running = await startSheetsSandbox(options);
  return running;
}

afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** The client as a user points it at the sandbox: rootUrl, an access token, no retries unless asked. */
function client(url: string, accessToken = token, retry = false): sheets_v4.Sheets {
  const oauth = new auth.OAuth2();
  oauth.setCredentials({ access_token: accessToken });
  return sheets({ version: 'v4', auth: oauth, rootUrl: `${url}/`, retry });
}

interface GaxiosFailure {
  status?: number;
  response?: { status: number; headers: unknown; data: { error: { message: string; status: string } } };
  code?: string;
}

async function failure(promise: Promise<unknown>): Promise<GaxiosFailure> {
  try {
    await promise;
  } catch (error) {
    return error as GaxiosFailure;
  }
  throw new Error('expected the call to fail');
}

describe('sheets sandbox with @googleapis/sheets', () => {
  it('creates a spreadsheet, writes values RAW and reads them back unformatted and formatted', async () => {
    const { url } = await sandbox();
    const api = client(url);
    const created = await api.spreadsheets.create({ requestBody: { properties: { title: 'Leads' } } });
    const spreadsheetId = created.data.spreadsheetId!;
    expect(created.data.sheets?.map((sheet) => sheet.properties?.title)).toEqual(['Sheet1']);
    const values = [
      ['name', 'score', 'vip', 'note'],
      ['Zoë "Q"', 12.5, true, 'two\nlines'],
      ['名前 🙂', '007', false, '=1+1'],
    ];
    const update = await api.spreadsheets.values.update({
      spreadsheetId,
      range: 'Sheet1!A1',
      valueInputOption: 'RAW',
      requestBody: { values },
    });
    expect(update.data).toMatchObject({
      updatedRange: 'Sheet1!A1:D3',
      updatedRows: 3,
      updatedColumns: 4,
      updatedCells: 12,
    });
    const raw = await api.spreadsheets.values.get({
      spreadsheetId,
      range: 'Sheet1',
      valueRenderOption: 'UNFORMATTED_VALUE',
    });
    expect(raw.data.values).toEqual(values);
    const formatted = await api.spreadsheets.values.get({ spreadsheetId, range: 'Sheet1!A2:C3' });
    expect(formatted.data.values).toEqual([
      ['Zoë "Q"', '12.5', 'TRUE'],
      ['名前 🙂', '007', 'FALSE'],
    ]);
  });

  it('appends after the last row with data, and clears a range', async () => {
    const { url, createSpreadsheet, tabs } = await sandbox();
    const spreadsheetId = createSpreadsheet([
      {
        title: 'Log book',
        rows: [
          ['at', 'what'],
          ['1', 'start'],
        ],
      },
    ]);
    const api = client(url);
    const appended = await api.spreadsheets.values.append({
      spreadsheetId,
      range: "'Log book'!A1",
      valueInputOption: 'USER_ENTERED',
      insertDataOption: 'INSERT_ROWS',
      requestBody: {
        values: [
          ['2', 'middle'],
          ['3', 'end'],
        ],
      },
    });
    expect(appended.data.updates?.updatedRange).toBe("'Log book'!A3:B4");
    expect(tabs(spreadsheetId)[0]!.rows).toEqual([
      ['at', 'what'],
      ['1', 'start'],
      [2, 'middle'],
      [3, 'end'],
    ]);
    await api.spreadsheets.values.clear({ spreadsheetId, range: "'Log book'!A2:B2" });
    const read = await api.spreadsheets.values.get({ spreadsheetId, range: "'Log book'!A1:B4" });
    expect(read.data.values).toEqual([['at', 'what'], [], ['2', 'middle'], ['3', 'end']]);
  });

  it('applies a batchUpdate atomically: a hidden tab filled, then swapped in for the old one in one request', async () => {
    const { url, createSpreadsheet, tabs } = await sandbox();
    const spreadsheetId = createSpreadsheet([{ title: 'Customers', rows: [['old'], ['row']] }, { title: 'Other' }]);
    const api = client(url);
    const added = await api.spreadsheets.batchUpdate({
      spreadsheetId,
      requestBody: {
        requests: [
          {
            addSheet: {
              properties: { title: 'staging', hidden: true, gridProperties: { rowCount: 1, columnCount: 1 } },
            },
          },
        ],
      },
    });
    const stagingId = added.data.replies?.[0]?.addSheet?.properties?.sheetId;
    expect(typeof stagingId).toBe('number');
    await api.spreadsheets.batchUpdate({
      spreadsheetId,
      requestBody: {
        requests: [
          {
            updateSheetProperties: {
              properties: { sheetId: stagingId, gridProperties: { rowCount: 3, columnCount: 2 } },
              fields: 'gridProperties(rowCount,columnCount)',
            },
          },
          {
            updateCells: {
              start: { sheetId: stagingId, rowIndex: 0, columnIndex: 0 },
              rows: [
                {
                  values: [{ userEnteredValue: { stringValue: 'id' } }, { userEnteredValue: { stringValue: 'name' } }],
                },
                { values: [{ userEnteredValue: { numberValue: 1 } }, { userEnteredValue: { stringValue: 'Ada' } }] },
                { values: [{ userEnteredValue: { numberValue: 2 } }, {}] },
              ],
              fields: 'userEnteredValue',
            },
          },
        ],
      },
    });
    // a request that fails leaves the whole batch unapplied
    const refused = await failure(
      api.spreadsheets.batchUpdate({
        spreadsheetId,
        requestBody: {
          requests: [
            { updateSheetProperties: { properties: { sheetId: stagingId, title: 'renamed' }, fields: 'title' } },
            { deleteSheet: { sheetId: 999 } },
          ],
        },
      }),
    );
    expect(refused.status).toBe(400);
    expect(tabs(spreadsheetId).map((tab) => tab.title)).toEqual(['Customers', 'Other', 'staging']);
    const customers = tabs(spreadsheetId)[0]!;
    await api.spreadsheets.batchUpdate({
      spreadsheetId,
      requestBody: {
        requests: [
          { updateSheetProperties: { properties: { sheetId: stagingId, hidden: false }, fields: 'hidden' } },
          { deleteSheet: { sheetId: customers.sheetId } },
          {
            updateSheetProperties: {
              properties: { sheetId: stagingId, title: 'Customers', index: 0 },
              fields: 'title,index',
            },
          },
        ],
      },
    });
    const got = await api.spreadsheets.get({ spreadsheetId });
    expect(got.data.sheets?.map((sheet) => [sheet.properties?.title, sheet.properties?.hidden ?? false])).toEqual([
      ['Customers', false],
      ['Other', false],
    ]);
    const read = await api.spreadsheets.values.get({
      spreadsheetId,
      range: 'Customers',
      valueRenderOption: 'UNFORMATTED_VALUE',
    });
    expect(read.data.values).toEqual([['id', 'name'], [1, 'Ada'], [2]]);
  });

  it('moves rows with appendCells and deleteDimension, and refuses writes beyond the grid', async () => {
    const { url, createSpreadsheet, tabs } = await sandbox();
    const spreadsheetId = createSpreadsheet([
      { title: 'Target', rows: [['a'], ['1']] },
      { title: 'From', rows: [['a'], ['2'], ['3']], rowCount: 3, columnCount: 1 },
    ]);
    const [, from] = tabs(spreadsheetId);
    const api = client(url);
    await api.spreadsheets.batchUpdate({
      spreadsheetId,
      requestBody: {
        requests: [
          {
            appendCells: {
              sheetId: tabs(spreadsheetId)[0]!.sheetId,
              rows: [
                { values: [{ userEnteredValue: { stringValue: '2' } }] },
                { values: [{ userEnteredValue: { stringValue: '3' } }] },
              ],
              fields: 'userEnteredValue',
            },
          },
          { deleteDimension: { range: { sheetId: from!.sheetId, dimension: 'ROWS', startIndex: 1, endIndex: 3 } } },
        ],
      },
    });
    expect(tabs(spreadsheetId)[0]!.rows).toEqual([['a'], ['1'], ['2'], ['3']]);
    expect(tabs(spreadsheetId)[1]).toMatchObject({ rowCount: 1, rows: [['a']] });
    const beyond = await failure(
      api.spreadsheets.batchUpdate({
        spreadsheetId,
        requestBody: {
          requests: [
            {
              updateCells: {
                start: { sheetId: from!.sheetId, rowIndex: 5 },
                rows: [{ values: [{ userEnteredValue: { stringValue: 'x' } }] }],
                fields: 'userEnteredValue',
              },
            },
          ],
        },
      }),
    );
    expect(beyond.response?.data.error.message).toMatch(/exceeds grid limits/);
  });

  it("refuses what passes Google's caps: 50,000 characters in a cell, 10 million cells in a workbook", async () => {
    const { url, createSpreadsheet } = await sandbox();
    const spreadsheetId = createSpreadsheet([{ title: 'Big', rowCount: 500_000, columnCount: 20 }]);
    const api = client(url);
    const long = await failure(
      api.spreadsheets.values.update({
        spreadsheetId,
        range: 'Big!A1',
        valueInputOption: 'RAW',
        requestBody: { values: [['x'.repeat(50_001)]] },
      }),
    );
    expect(long.response?.data.error).toMatchObject({
      status: 'INVALID_ARGUMENT',
      message: expect.stringMatching(/maximum of 50000 characters in a single cell/),
    });
    const cells = await failure(
      api.spreadsheets.batchUpdate({
        spreadsheetId,
        requestBody: {
          requests: [
            { addSheet: { properties: { title: 'More', gridProperties: { rowCount: 1000, columnCount: 26 } } } },
          ],
        },
      }),
    );
    expect(cells.response?.data.error.message).toMatch(/above the limit of 10000000 cells/);
  });

  it('refuses an unknown token with 401 UNAUTHENTICATED and an unknown spreadsheet with 404', async () => {
    const { url } = await sandbox();
    const denied = await failure(client(url, 'ya29.wrong').spreadsheets.get({ spreadsheetId: 'demo' }));
    expect(denied.response?.status).toBe(401);
    expect(denied.response?.data.error.status).toBe('UNAUTHENTICATED');
    const missing = await failure(client(url).spreadsheets.get({ spreadsheetId: 'nope' }));
    expect(missing.response?.data.error).toMatchObject({
      status: 'NOT_FOUND',
      message: 'Requested entity was not found.',
    });
  });

  it('answers 429 RESOURCE_EXHAUSTED with Retry-After past 60 writes a minute per user, reads counted apart', async () => {
    const { url, createSpreadsheet, stats } = await sandbox({ quota: { writesPerMinute: 3 } });
    const spreadsheetId = createSpreadsheet([{ title: 'T' }]);
    const api = client(url);
    for (let n = 0; n < 3; n++) {
      await api.spreadsheets.values.update({
        spreadsheetId,
        range: `T!A${n + 1}`,
        valueInputOption: 'RAW',
        requestBody: { values: [[n]] },
      });
    }
    await api.spreadsheets.get({ spreadsheetId });
    const limited = await failure(
      api.spreadsheets.values.update({
        spreadsheetId,
        range: 'T!A9',
        valueInputOption: 'RAW',
        requestBody: { values: [[9]] },
      }),
    );
    expect(limited.response?.status).toBe(429);
    expect(limited.response?.data.error.status).toBe('RESOURCE_EXHAUSTED');
    // gaxios 7 gives a fetch Headers (its own implementation), older ones a plain object
    const headers = limited.response?.headers as { get?: (name: string) => string | null } & Record<string, string>;
    const retryAfter = typeof headers.get === 'function' ? headers.get('retry-after') : headers['retry-after'];
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(stats()).toMatchObject({ writes: 3, reads: 1, maxWritesPerMinute: 3, rejected429: 1 });
  });

  it('injects seeded faults the client retries through: 503s, 429 bursts and dropped connections', async () => {
    const { url } = await sandbox({
      seed: 'demo',
      faults: { errorRate: 0.3, seed: 7, tooManyEvery: 4, dropEvery: 5, retryAfterSeconds: 0 },
    });
    const statuses: number[] = [];
    for (let n = 0; n < 12; n++) {
      const answer = await fetch(`${url}/v4/spreadsheets/demo`, { headers: { authorization: `Bearer ${token}` } }).then(
        (response) => response.status,
        () => 0,
      );
      statuses.push(answer);
    }
    // same options, same order: a second sandbox answers the same sequence
    await running!.close();
    const again = await startSheetsSandbox({
      seed: 'demo',
      faults: { errorRate: 0.3, seed: 7, tooManyEvery: 4, dropEvery: 5, retryAfterSeconds: 0 },
    });
    running = again;
    const replayed: number[] = [];
    for (let n = 0; n < 12; n++) {
      replayed.push(
        await fetch(`${again.url}/v4/spreadsheets/demo`, { headers: { authorization: `Bearer ${token}` } }).then(
          (response) => response.status,
          () => 0,
        ),
      );
    }
    expect(replayed).toEqual(statuses);
    expect(statuses).toContain(0);
    expect(statuses).toContain(429);
    expect(statuses).toContain(503);
    expect(statuses).toContain(200);
    expect(url).not.toBe(again.url);
    // the official client's own retries ride through them once the faults are lifted to a mild rate
    await fetch(`${again.url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ dropEvery: null, tooManyEvery: null, errorRate: 0.2 }),
    });
    const got = await client(again.url, token, true).spreadsheets.get(
      { spreadsheetId: 'demo' },
      { retryConfig: { retry: 5, retryDelay: 10, statusCodesToRetry: [[500, 599]] } },
    );
    expect(got.data.sheets?.[0]?.properties?.title).toBe('Sheet1');
  });

  it('carries a request out and cuts the connection instead of answering, every dropAnswerEvery requests', async () => {
    const { url, createSpreadsheet, tabs } = await sandbox({ faults: { dropAnswerEvery: 2 } });
    const spreadsheetId = createSpreadsheet([{ title: 'T' }]);
    const api = client(url);
    await api.spreadsheets.values.update({
      spreadsheetId,
      range: 'T!A1',
      valueInputOption: 'RAW',
      requestBody: { values: [['first']] },
    });
    const lost = await failure(
      api.spreadsheets.values.append({
        spreadsheetId,
        range: 'T!A1',
        valueInputOption: 'RAW',
        requestBody: { values: [['second']] },
      }),
    );
    expect(lost.response).toBeUndefined();
    expect(tabs(spreadsheetId)[0]!.rows).toEqual([['first'], ['second']]);
  });
});
