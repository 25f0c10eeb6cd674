/** `spreadsheets.values`: get, update, append and clear by A1 range. */
import { formatRange, type GridRange, parseRange } from './a1.ts';
import { invalidArgument } from './errors.ts';
import { type Exchange, type Route, readJson, sendJson } from './http.ts';
import {
  type Cell,
  checkCell,
  gridLimitError,
  lastDataRow,
  type Sheet,
  type SheetsStore,
  type Spreadsheet,
  setCell,
  sheetByTitle,
} from './store.ts';

type Render = 'FORMATTED_VALUE' | 'UNFORMATTED_VALUE' | 'FORMULA';

function rangeOf(spreadsheet: Spreadsheet, text: string): { sheet: Sheet; range: GridRange } {
  const range = parseRange(
    text,
    spreadsheet.sheets.map((sheet) => sheet.title),
  );
  return { sheet: sheetByTitle(spreadsheet, range.sheet), range };
}

/** A value as `valueRenderOption` shows it: formatted values are text, booleans `TRUE`/`FALSE`. */
function rendered(cell: Cell, render: Render): unknown {
  if (cell === undefined) return '';
  if (render !== 'FORMATTED_VALUE') return cell;
  return typeof cell === 'boolean' ? (cell ? 'TRUE' : 'FALSE') : String(cell);
}

/** A value as `valueInputOption` takes it: RAW keeps it; USER_ENTERED parses numbers and booleans in text. */
function entered(value: unknown, option: string): Cell {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'string') throw invalidArgument(`Invalid values: ${JSON.stringify(value)}`);
  if (option === 'USER_ENTERED') {
    if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value);
    if (/^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  }
  return checkCell(value);
}

function valueInputOption(url: URL): string {
  const option = url.searchParams.get('valueInputOption');
  if (!option) throw invalidArgument("'valueInputOption' is required but not specified");
  if (option !== 'RAW' && option !== 'USER_ENTERED') throw invalidArgument(`Invalid valueInputOption: ${option}`);
  return option;
}

function rowsOf(body: Record<string, unknown>): unknown[][] {
  const values = body.values ?? [];
  if (!Array.isArray(values) || values.some((row) => !Array.isArray(row)))
    throw invalidArgument('Invalid values: expected a list of rows.');
  return values as unknown[][];
}

/** Writes `values` from (row, column), growing the grid to fit as the values endpoints do. */
function writeRows(sheet: Sheet, row: number, column: number, values: unknown[][], option: string) {
  const width = Math.max(0, ...values.map((cells) => cells.length));
  sheet.rowCount = Math.max(sheet.rowCount, row + values.length);
  sheet.columnCount = Math.max(sheet.columnCount, column + width);
  for (const [r, cells] of values.entries()) {
    for (const [c, value] of cells.entries()) setCell(sheet, row + r, column + c, entered(value, option));
  }
  const updatedRange = formatRange({
    sheet: sheet.title,
    startRow: row,
    startColumn: column,
    endRow: row + Math.max(values.length, 1) - 1,
    endColumn: column + Math.max(width, 1) - 1,
  });
  return {
    updatedRange,
    updatedRows: values.length,
    updatedColumns: width,
    updatedCells: values.reduce((sum, cells) => sum + cells.length, 0),
  };
}

export function valueRoutes(store: SheetsStore): Route[] {
  const base = '^/v4/spreadsheets/([^/]+)/values/';
  return [
    {
      method: 'GET',
      path: new RegExp(`${base}([^/]+)$`),
      async handle({ res, url, params }: Exchange) {
        const [spreadsheetId, text] = params as [string, string];
        const { sheet, range } = rangeOf(store.get(spreadsheetId), text);
        const endRow = Math.min(range.endRow ?? sheet.rowCount - 1, sheet.rowCount - 1);
        const endColumn = Math.min(range.endColumn ?? sheet.columnCount - 1, sheet.columnCount - 1);
        if (range.startRow >= sheet.rowCount || range.startColumn >= sheet.columnCount) {
          throw gridLimitError(sheet, range.startRow, range.startColumn);
        }
        const render = (url.searchParams.get('valueRenderOption') ?? 'FORMATTED_VALUE') as Render;
        const values: unknown[][] = [];
        for (let row = range.startRow; row <= endRow; row++) {
          const cells = (sheet.rows[row] ?? []).slice(range.startColumn, endColumn + 1);
          while (cells.length > 0 && (cells.at(-1) === undefined || cells.at(-1) === '')) cells.pop();
          values.push(Array.from(cells, (cell) => rendered(cell, render)));
        }
        while (values.length > 0 && values.at(-1)!.length === 0) values.pop();
        sendJson(res, 200, {
          range: formatRange({
            sheet: sheet.title,
            startRow: range.startRow,
            startColumn: range.startColumn,
            endRow,
            endColumn,
          }),
          majorDimension: 'ROWS',
          ...(values.length > 0 ? { values } : {}),
        });
      },
    },
    {
      method: 'PUT',
      path: new RegExp(`${base}([^/]+)$`),
      async handle({ req, res, url, params }: Exchange) {
        const [spreadsheetId, text] = params as [string, string];
        const option = valueInputOption(url);
        const body = await readJson(req);
        const updates = store.atomically(spreadsheetId, (spreadsheet) => {
          const { sheet, range } = rangeOf(spreadsheet, text);
          return writeRows(sheet, range.startRow, range.startColumn, rowsOf(body), option);
        });
        sendJson(res, 200, { spreadsheetId, ...updates });
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${base}([^/]+):append$`),
      async handle({ req, res, url, params }: Exchange) {
        const [spreadsheetId, text] = params as [string, string];
        const option = valueInputOption(url);
        const body = await readJson(req);
        const answer = store.atomically(spreadsheetId, (spreadsheet) => {
          const { sheet, range } = rangeOf(spreadsheet, text);
          const last = lastDataRow(sheet);
          const updates = writeRows(sheet, last + 1, range.startColumn, rowsOf(body), option);
          const tableRange =
            last < 0
              ? undefined
              : formatRange({
                  sheet: sheet.title,
                  startRow: 0,
                  startColumn: range.startColumn,
                  endRow: last,
                  endColumn: sheet.columnCount - 1,
                });
          return { ...(tableRange ? { tableRange } : {}), updates: { spreadsheetId, ...updates } };
        });
        sendJson(res, 200, { spreadsheetId, ...answer });
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${base}([^/]+):clear$`),
      async handle({ res, params }: Exchange) {
        const [spreadsheetId, text] = params as [string, string];
        const clearedRange = store.atomically(spreadsheetId, (spreadsheet) => {
          const { sheet, range } = rangeOf(spreadsheet, text);
          const endRow = Math.min(range.endRow ?? sheet.rowCount - 1, sheet.rowCount - 1);
          const endColumn = Math.min(range.endColumn ?? sheet.columnCount - 1, sheet.columnCount - 1);
          for (let row = range.startRow; row <= endRow; row++) {
            const cells = sheet.rows[row];
            if (cells) for (let column = range.startColumn; column <= endColumn; column++) cells[column] = undefined;
          }
          return formatRange({
            sheet: sheet.title,
            startRow: range.startRow,
            startColumn: range.startColumn,
            endRow,
            endColumn,
          });
        });
        sendJson(res, 200, { spreadsheetId, clearedRange });
      },
    },
  ];
}
