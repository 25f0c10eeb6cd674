import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultScheduler, faultScheduleNames } from '../fault-kit.ts';
import { listen } from '../http-kit.ts';
import { invalidArgument, notFound, SheetsError, unauthenticated } from './errors.ts';
import { faultAnswer, type SheetsFaults } from './faults.ts';
import { matchRoute, type Route, readJson, sendError, sendJson } from './http.ts';
import { Quota, type QuotaStats, type SheetsQuota } from './quota.ts';
import { spreadsheetRoutes } from './spreadsheets.ts';
import { type Cell, SheetsStore } from './store.ts';
import { type ServiceAccountKey, TokenIssuer, tokenPath } from './token.ts';
import { valueRoutes } from './values.ts';

export type { SheetsFaults } from './faults.ts';
export type { ServiceAccountKey } from './token.ts';

export interface SheetsSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Access tokens accepted besides those the token endpoint issues; default `['ya29.sandbox-token']`. */
  tokens?: string[];
  quota?: SheetsQuota;
  faults?: SheetsFaults;
  /** `'demo'`: a spreadsheet `demo` with one empty tab `Sheet1`, for the example flow. */
  seed?: 'demo';
}

/** A tab as tests read it back: its values row by row (empty cells `undefined`), grid and visibility. */
export interface TabContents {
  sheetId: number;
  title: string;
  hidden: boolean;
  rowCount: number;
  columnCount: number;
  rows: Cell[][];
}

export interface SheetsSandbox {
  /** `http://127.0.0.1:<port>`: the client's `rootUrl` (with a trailing `/`), a connector's `baseUrl`. */
  url: string;
  close(): Promise<void>;
  stats(): QuotaStats;
  /** A service account key whose `token_uri` is this sandbox's token endpoint. */
  serviceAccountKey(): ServiceAccountKey;
  /** Creates a spreadsheet with these tabs (values written as entered), returning its id. */
  createSpreadsheet(tabs: { title: string; rows?: Cell[][]; rowCount?: number; columnCount?: number }[]): string;
  /** Every tab of a spreadsheet, in order. */
  tabs(spreadsheetId: string): TabContents[];
}

const host = '127.0.0.1';

/**
 * Starts a local server speaking the Google Sheets API v4 as `@googleapis/sheets` uses it
 * (spreadsheets get/create/batchUpdate, values get/update/append/clear), behind bearer tokens
 * issued by a service-account token endpoint, with the per-user per-minute quotas and the
 * workbook's caps (10 million cells, 50,000 characters a cell).
 */
export async function startSheetsSandbox(options: SheetsSandboxOptions = {}): Promise<SheetsSandbox> {
  const store = new SheetsStore();
  if (options.seed === 'demo') store.create('Backflow demo', [{ title: 'Sheet1' }], 'demo');
  const issuer = new TokenIssuer(options.tokens ?? ['ya29.sandbox-token']);
  const quota = new Quota(options.quota);
  const faults = new FaultScheduler({ ...options.faults }, undefined, (key, value, problem) =>
    invalidArgument(
      problem === 'unknown'
        ? `Unknown fault option ${key}; known: ${faultScheduleNames.join(', ')}.`
        : `Invalid fault option ${key}: ${JSON.stringify(value)}.`,
    ),
  );
  const routes: Route[] = [...spreadsheetRoutes(store), ...valueRoutes(store)];

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL, origin: string): Promise<void> {
    if (url.pathname === '/__sandbox/stats' && req.method === 'GET') return sendJson(res, 200, quota.stats);
    if (url.pathname === '/__sandbox/faults' && req.method === 'GET') return sendJson(res, 200, faults.options);
    if (url.pathname === '/__sandbox/faults' && req.method === 'POST') {
      return sendJson(res, 200, faults.update(await readJson(req)));
    }
    if (url.pathname === '/__sandbox/service-account' && req.method === 'GET') {
      return sendJson(res, 200, issuer.key(origin));
    }
    throw new SheetsError(404, 'NOT_FOUND', `No sandbox endpoint ${req.method} ${url.pathname}`);
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    try {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname.startsWith('/__sandbox/')) return await admin(req, res, url, origin);
      if (url.pathname === tokenPath && req.method === 'POST') return await issuer.answer(req, res, origin);
      quota.stats.requests++;
      const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
      if (!token || !issuer.accepts(token)) throw unauthenticated();
      const fault = faults.next();
      if (fault?.kind === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'dropAnswer') {
        // carried out, then the connection cut where the answer would go
        res.end = (() => req.socket.destroy()) as unknown as typeof res.end;
      } else if (fault) throw faultAnswer(fault);
      const method = req.method ?? 'GET';
      const match = matchRoute(routes, method, url.pathname);
      if (!match) throw notFound();
      quota.admit(token, method !== 'GET');
      await match.route.handle({ req, res, url, params: match.params });
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!(error instanceof SheetsError)) console.error('sheets sandbox:', error);
      const answer =
        error instanceof SheetsError
          ? error
          : new SheetsError(500, 'INTERNAL', error instanceof Error ? error.message : String(error));
      if (answer.code === 429) quota.stats.rejected429++;
      sendError(res, answer);
    }
  }

  const { url, port, close } = await listen(serve, host, options.port);

  return {
    url,
    close,
    stats: () => ({ ...quota.stats }),
    serviceAccountKey: () => issuer.key(url),
    createSpreadsheet(tabs) {
      const spreadsheet = store.create(
        'Sandbox spreadsheet',
        tabs.map(({ title, rowCount, columnCount, rows = [] }) => ({
          title,
          rowCount: Math.max(rowCount ?? 1000, rows.length),
          columnCount: Math.max(columnCount ?? 26, ...rows.map((cells) => cells.length)),
        })),
      );
      for (const [index, tab] of tabs.entries()) {
        spreadsheet.sheets[index]!.rows = (tab.rows ?? []).map((cells) => [...cells]);
      }
      return spreadsheet.spreadsheetId;
    },
    tabs: (spreadsheetId) =>
      store.get(spreadsheetId).sheets.map((sheet) => ({
        sheetId: sheet.sheetId,
        title: sheet.title,
        hidden: sheet.hidden,
        rowCount: sheet.rowCount,
        columnCount: sheet.columnCount,
        rows: Array.from({ length: sheet.rows.length }, (_, row) => [...(sheet.rows[row] ?? [])]),
      })),
  };
}
