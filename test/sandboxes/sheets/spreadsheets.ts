/** `spreadsheets.create`, `spreadsheets.get` (properties and tabs, no grid data) and `spreadsheets.batchUpdate`. */
import { isJsonObject } from '../http-kit.ts';
import { applyRequests, sheetProperties } from './batch-update.ts';
import { type Exchange, type Route, readJson, sendJson } from './http.ts';
import type { SheetsStore, Spreadsheet } from './store.ts';

export function spreadsheetResource(spreadsheet: Spreadsheet, origin: string) {
  return {
    spreadsheetId: spreadsheet.spreadsheetId,
    properties: { title: spreadsheet.title, locale: 'en_US', timeZone: 'Etc/GMT' },
    sheets: spreadsheet.sheets.map((sheet) => ({ properties: sheetProperties(sheet) })),
    spreadsheetUrl: `${origin}/spreadsheets/d/${spreadsheet.spreadsheetId}/edit`,
  };
}

export function spreadsheetRoutes(store: SheetsStore): Route[] {
  return [
    {
      method: 'POST',
      path: /^\/v4\/spreadsheets$/,
      async handle({ req, res }: Exchange) {
        const body = await readJson(req);
        const properties = isJsonObject(body.properties) ? body.properties : {};
        const tabs = (Array.isArray(body.sheets) ? body.sheets : []).map((sheet) => {
          const tab = isJsonObject(sheet) && isJsonObject(sheet.properties) ? sheet.properties : {};
          const grid = isJsonObject(tab.gridProperties) ? tab.gridProperties : {};
          return {
            ...(typeof tab.title === 'string' ? { title: tab.title } : {}),
            ...(typeof grid.rowCount === 'number' ? { rowCount: grid.rowCount } : {}),
            ...(typeof grid.columnCount === 'number' ? { columnCount: grid.columnCount } : {}),
            hidden: tab.hidden === true,
          };
        });
        const spreadsheet = store.create(
          typeof properties.title === 'string' ? properties.title : 'Untitled spreadsheet',
          tabs,
        );
        sendJson(res, 200, spreadsheetResource(spreadsheet, originOf(req.headers.host)));
      },
    },
    {
      method: 'GET',
      path: /^\/v4\/spreadsheets\/([^/:]+)$/,
      async handle({ req, res, params }: Exchange) {
        sendJson(res, 200, spreadsheetResource(store.get(params[0]!), originOf(req.headers.host)));
      },
    },
    {
      method: 'POST',
      path: /^\/v4\/spreadsheets\/([^/:]+):batchUpdate$/,
      async handle({ req, res, params }: Exchange) {
        const spreadsheetId = params[0]!;
        const body = await readJson(req);
        const replies = store.atomically(spreadsheetId, (spreadsheet) => applyRequests(spreadsheet, body.requests));
        sendJson(res, 200, { spreadsheetId, replies });
      },
    },
  ];
}

function originOf(host: string | undefined): string {
  return `http://${host ?? '127.0.0.1'}`;
}
