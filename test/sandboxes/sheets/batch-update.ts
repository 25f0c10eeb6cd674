/**
 * `spreadsheets.batchUpdate`: the requests a data tool needs (tabs added, deleted, renamed, hidden
 * and resized; cells updated and appended; rows deleted and appended), applied in order and all
 * together or not at all, as Google documents.
 */
import { isJsonObject } from '../http-kit.ts';
import { invalidArgument } from './errors.ts';
import {
  addSheet,
  type Cell,
  defaultGrid,
  gridLimitError,
  lastDataRow,
  reindex,
  type Sheet,
  type Spreadsheet,
  setCell,
  sheetById,
} from './store.ts';

type Json = Record<string, unknown>;

export function applyRequests(spreadsheet: Spreadsheet, requests: unknown): Json[] {
  if (!Array.isArray(requests) || requests.length === 0) throw invalidArgument('Must specify at least one request.');
  return requests.map((request, index) => {
    if (!isJsonObject(request)) throw invalidArgument(`Invalid requests[${index}]: expected an object.`);
    const kinds = Object.keys(request);
    const kind = kinds[0];
    if (kinds.length !== 1 || kind === undefined)
      throw invalidArgument(`Invalid requests[${index}]: exactly one kind of request.`);
    const apply = handlers[kind];
    if (!apply) throw invalidArgument(`Invalid JSON payload received. Unknown name "${kind}" at 'requests[${index}]'.`);
    const body = request[kind];
    if (!isJsonObject(body)) throw invalidArgument(`Invalid requests[${index}].${kind}: expected an object.`);
    return apply(spreadsheet, body);
  });
}

/** `gridProperties(rowCount,columnCount),title` → `gridProperties.rowCount`, `gridProperties.columnCount`, `title`. */
function fieldMask(fields: unknown): Set<string> {
  if (typeof fields !== 'string' || fields.trim() === '') throw invalidArgument("'fields' is required");
  const paths = new Set<string>();
  for (const match of fields.matchAll(/([A-Za-z*.]+)(?:\(([^)]*)\))?/g)) {
    const [, head, inner] = match;
    if (inner === undefined) paths.add(head!);
    else for (const part of inner.split(',')) paths.add(`${head}.${part.trim()}`);
  }
  return paths;
}

function has(mask: Set<string>, path: string): boolean {
  if (mask.has('*') || mask.has(path)) return true;
  const dot = path.lastIndexOf('.');
  return dot > 0 && mask.has(path.slice(0, dot));
}

function visible(spreadsheet: Spreadsheet): number {
  return spreadsheet.sheets.filter((sheet) => !sheet.hidden).length;
}

function cellOf(data: unknown): Cell {
  if (!isJsonObject(data) || !isJsonObject(data.userEnteredValue)) return undefined;
  const value = data.userEnteredValue;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.numberValue === 'number') return value.numberValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (typeof value.formulaValue === 'string') return value.formulaValue;
  return undefined;
}

function rowCells(rows: unknown): Cell[][] {
  if (!Array.isArray(rows)) throw invalidArgument('Invalid rows: expected a list.');
  return rows.map((row) => (isJsonObject(row) && Array.isArray(row.values) ? row.values.map(cellOf) : []));
}

function writeCells(sheet: Sheet, row: number, column: number, cells: Cell[][]): void {
  for (const [r, values] of cells.entries()) {
    for (const [c, value] of values.entries()) {
      if (row + r >= sheet.rowCount || column + c >= sheet.columnCount)
        throw gridLimitError(sheet, row + r, column + c);
      setCell(sheet, row + r, column + c, value);
    }
  }
}

const handlers: Record<string, (spreadsheet: Spreadsheet, body: Json) => Json> = {
  addSheet(spreadsheet, body) {
    const properties = isJsonObject(body.properties) ? body.properties : {};
    const grid = isJsonObject(properties.gridProperties) ? properties.gridProperties : {};
    const sheet = addSheet(spreadsheet, {
      title: typeof properties.title === 'string' ? properties.title : `Sheet${spreadsheet.sheets.length + 1}`,
      rowCount: typeof grid.rowCount === 'number' ? grid.rowCount : defaultGrid.rowCount,
      columnCount: typeof grid.columnCount === 'number' ? grid.columnCount : defaultGrid.columnCount,
      hidden: properties.hidden === true,
      ...(typeof properties.index === 'number' ? { index: properties.index } : {}),
      ...(typeof properties.sheetId === 'number' ? { sheetId: properties.sheetId } : {}),
    });
    if (visible(spreadsheet) === 0) throw invalidArgument("You can't hide all the sheets in a document.");
    return { addSheet: { properties: sheetProperties(sheet) } };
  },
  deleteSheet(spreadsheet, body) {
    const sheet = sheetById(spreadsheet, body.sheetId);
    if (spreadsheet.sheets.length === 1) throw invalidArgument("You can't remove all the sheets in a document.");
    spreadsheet.sheets.splice(spreadsheet.sheets.indexOf(sheet), 1);
    if (visible(spreadsheet) === 0) throw invalidArgument("You can't remove all the visible sheets in a document.");
    reindex(spreadsheet);
    return {};
  },
  updateSheetProperties(spreadsheet, body) {
    const properties = isJsonObject(body.properties) ? body.properties : {};
    const sheet = sheetById(spreadsheet, properties.sheetId);
    const mask = fieldMask(body.fields);
    const grid = isJsonObject(properties.gridProperties) ? properties.gridProperties : {};
    if (has(mask, 'title') && typeof properties.title === 'string' && properties.title !== sheet.title) {
      if (spreadsheet.sheets.some((other) => other.title === properties.title)) {
        throw invalidArgument(`A sheet with the name "${properties.title}" already exists. Please enter another name.`);
      }
      sheet.title = properties.title;
    }
    if (has(mask, 'hidden')) sheet.hidden = properties.hidden === true;
    if (has(mask, 'gridProperties.rowCount') && typeof grid.rowCount === 'number') {
      if (grid.rowCount < 1) throw invalidArgument('Invalid gridProperties.rowCount: at least 1.');
      sheet.rowCount = grid.rowCount;
      sheet.rows.length = Math.min(sheet.rows.length, grid.rowCount);
    }
    if (has(mask, 'gridProperties.columnCount') && typeof grid.columnCount === 'number') {
      if (grid.columnCount < 1) throw invalidArgument('Invalid gridProperties.columnCount: at least 1.');
      sheet.columnCount = grid.columnCount;
      for (const cells of sheet.rows) if (cells) cells.length = Math.min(cells.length, grid.columnCount);
    }
    if (has(mask, 'index') && typeof properties.index === 'number') {
      spreadsheet.sheets.splice(spreadsheet.sheets.indexOf(sheet), 1);
      spreadsheet.sheets.splice(Math.min(properties.index, spreadsheet.sheets.length), 0, sheet);
      reindex(spreadsheet);
    }
    if (visible(spreadsheet) === 0) throw invalidArgument("You can't hide all the sheets in a document.");
    return {};
  },
  updateCells(spreadsheet, body) {
    if (body.fields !== 'userEnteredValue' && body.fields !== '*')
      throw invalidArgument('The sandbox updates cells with fields "userEnteredValue" only.');
    const start = isJsonObject(body.start) ? body.start : isJsonObject(body.range) ? body.range : undefined;
    if (!start) throw invalidArgument('Must specify either start or range.');
    const sheet = sheetById(spreadsheet, start.sheetId ?? 0);
    const row = Number(start.rowIndex ?? start.startRowIndex ?? 0);
    const column = Number(start.columnIndex ?? start.startColumnIndex ?? 0);
    writeCells(sheet, row, column, rowCells(body.rows));
    return {};
  },
  appendCells(spreadsheet, body) {
    if (body.fields !== 'userEnteredValue' && body.fields !== '*')
      throw invalidArgument('The sandbox appends cells with fields "userEnteredValue" only.');
    const sheet = sheetById(spreadsheet, body.sheetId);
    const cells = rowCells(body.rows);
    const row = lastDataRow(sheet) + 1;
    sheet.rowCount = Math.max(sheet.rowCount, row + cells.length);
    sheet.columnCount = Math.max(sheet.columnCount, ...cells.map((values) => values.length));
    writeCells(sheet, row, 0, cells);
    return {};
  },
  appendDimension(spreadsheet, body) {
    const sheet = sheetById(spreadsheet, body.sheetId);
    const length = Number(body.length);
    if (!Number.isSafeInteger(length) || length < 1) throw invalidArgument('Invalid length: at least 1.');
    if (body.dimension === 'ROWS') sheet.rowCount += length;
    else if (body.dimension === 'COLUMNS') sheet.columnCount += length;
    else throw invalidArgument(`Invalid dimension: ${String(body.dimension)}`);
    return {};
  },
  deleteDimension(spreadsheet, body) {
    const range = isJsonObject(body.range) ? body.range : {};
    const sheet = sheetById(spreadsheet, range.sheetId);
    const start = Number(range.startIndex ?? 0);
    const end = Number(range.endIndex ?? (range.dimension === 'ROWS' ? sheet.rowCount : sheet.columnCount));
    if (range.dimension === 'ROWS') {
      if (end > sheet.rowCount || start >= end) throw gridLimitError(sheet, end - 1, 0);
      if (end - start >= sheet.rowCount) throw invalidArgument("You can't delete all the rows on the sheet.");
      sheet.rows.splice(start, end - start);
      sheet.rowCount -= end - start;
    } else if (range.dimension === 'COLUMNS') {
      if (end > sheet.columnCount || start >= end) throw gridLimitError(sheet, 0, end - 1);
      if (end - start >= sheet.columnCount) throw invalidArgument("You can't delete all the columns on the sheet.");
      for (const cells of sheet.rows) cells?.splice(start, end - start);
      sheet.columnCount -= end - start;
    } else throw invalidArgument(`Invalid dimension: ${String(range.dimension)}`);
    return {};
  },
};

export function sheetProperties(sheet: Sheet): Json {
  return {
    sheetId: sheet.sheetId,
    title: sheet.title,
    index: sheet.index,
    sheetType: 'GRID',
    gridProperties: { rowCount: sheet.rowCount, columnCount: sheet.columnCount },
    ...(sheet.hidden ? { hidden: true } : {}),
  };
}
