import { invalidArgument, notFound } from './errors.ts';

/** A cell's value as entered: text, a number or a boolean; `undefined` is an empty cell. */
export type Cell = string | number | boolean | undefined;

export interface Sheet {
  sheetId: number;
  title: string;
  index: number;
  hidden: boolean;
  rowCount: number;
  columnCount: number;
  /** Sparse: a missing row or cell is empty. */
  rows: Cell[][];
}

export interface Spreadsheet {
  spreadsheetId: string;
  title: string;
  sheets: Sheet[];
  nextSheetId: number;
}

/** Google Sheets' caps: cells of all tabs of a workbook, characters in one cell. */
export const maxWorkbookCells = 10_000_000;
export const maxCellCharacters = 50_000;

export const defaultGrid = { rowCount: 1000, columnCount: 26 };

export class SheetsStore {
  readonly #spreadsheets = new Map<string, Spreadsheet>();
  #created = 0;

  create(
    title: string,
    tabs: { title?: string; rowCount?: number; columnCount?: number; hidden?: boolean }[],
    id?: string,
  ) {
    const spreadsheetId = id ?? `sandbox-${(++this.#created).toString().padStart(4, '0')}`;
    const spreadsheet: Spreadsheet = { spreadsheetId, title, sheets: [], nextSheetId: 0 };
    for (const tab of tabs.length > 0 ? tabs : [{}]) {
      addSheet(spreadsheet, {
        title: tab.title ?? `Sheet${spreadsheet.sheets.length + 1}`,
        rowCount: tab.rowCount ?? defaultGrid.rowCount,
        columnCount: tab.columnCount ?? defaultGrid.columnCount,
        hidden: tab.hidden ?? false,
      });
    }
    checkCellCap(spreadsheet);
    this.#spreadsheets.set(spreadsheetId, spreadsheet);
    return spreadsheet;
  }

  get(spreadsheetId: string): Spreadsheet {
    const spreadsheet = this.#spreadsheets.get(spreadsheetId);
    if (!spreadsheet) throw notFound();
    return spreadsheet;
  }

  /** Runs `change` on a copy and keeps it only when it succeeds: a batchUpdate applies all or nothing. */
  atomically<T>(spreadsheetId: string, change: (spreadsheet: Spreadsheet) => T): T {
    const copy = structuredClone(this.get(spreadsheetId));
    const result = change(copy);
    checkCellCap(copy);
    this.#spreadsheets.set(spreadsheetId, copy);
    return result;
  }
}

export function sheetByTitle(spreadsheet: Spreadsheet, title: string): Sheet {
  const sheet = spreadsheet.sheets.find((candidate) => candidate.title === title);
  if (!sheet) throw invalidArgument(`Unable to parse range: ${title}`);
  return sheet;
}

export function sheetById(spreadsheet: Spreadsheet, sheetId: unknown): Sheet {
  const sheet = spreadsheet.sheets.find((candidate) => candidate.sheetId === sheetId);
  if (!sheet) throw invalidArgument(`No grid with id: ${String(sheetId)}`);
  return sheet;
}

export function addSheet(
  spreadsheet: Spreadsheet,
  tab: { title: string; rowCount: number; columnCount: number; hidden: boolean; index?: number; sheetId?: number },
): Sheet {
  if (spreadsheet.sheets.some((sheet) => sheet.title === tab.title)) {
    throw invalidArgument(`A sheet with the name "${tab.title}" already exists. Please enter another name.`);
  }
  if (tab.sheetId !== undefined && spreadsheet.sheets.some((sheet) => sheet.sheetId === tab.sheetId)) {
    throw invalidArgument(`A sheet with the id ${tab.sheetId} already exists. Please choose another id.`);
  }
  const sheetId = tab.sheetId ?? (spreadsheet.nextSheetId === 0 ? 0 : 100_000 + spreadsheet.nextSheetId * 7919);
  spreadsheet.nextSheetId++;
  const sheet: Sheet = {
    sheetId,
    title: tab.title,
    index: 0,
    hidden: tab.hidden,
    rowCount: tab.rowCount,
    columnCount: tab.columnCount,
    rows: [],
  };
  const at = Math.min(tab.index ?? spreadsheet.sheets.length, spreadsheet.sheets.length);
  spreadsheet.sheets.splice(at, 0, sheet);
  reindex(spreadsheet);
  return sheet;
}

export function reindex(spreadsheet: Spreadsheet): void {
  for (const [index, sheet] of spreadsheet.sheets.entries()) sheet.index = index;
}

export function workbookCells(spreadsheet: Spreadsheet): number {
  return spreadsheet.sheets.reduce((sum, sheet) => sum + sheet.rowCount * sheet.columnCount, 0);
}

function checkCellCap(spreadsheet: Spreadsheet): void {
  if (workbookCells(spreadsheet) > maxWorkbookCells) {
    throw invalidArgument(
      `This action would increase the number of cells in the workbook above the limit of ${maxWorkbookCells} cells.`,
    );
  }
}

/** Refuses a value Sheets would: text longer than 50,000 characters. */
export function checkCell(value: Cell): Cell {
  if (typeof value === 'string' && value.length > maxCellCharacters) {
    throw invalidArgument(
      `Your input contains more than the maximum of ${maxCellCharacters} characters in a single cell.`,
    );
  }
  return value;
}

/** Sets one cell, growing nothing: the caller checked the grid. */
export function setCell(sheet: Sheet, row: number, column: number, value: Cell): void {
  if (!sheet.rows[row]) sheet.rows[row] = [];
  sheet.rows[row][column] = checkCell(value);
}

/** The last row index holding a value (−1 for an empty tab). */
export function lastDataRow(sheet: Sheet): number {
  for (let row = sheet.rows.length - 1; row >= 0; row--) {
    if (sheet.rows[row]?.some((cell) => cell !== undefined && cell !== '')) return row;
  }
  return -1;
}

export function gridLimitError(sheet: Sheet, row: number, column: number): Error {
  return invalidArgument(
    `Range ('${sheet.title}'!R${row + 1}C${column + 1}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`,
  );
}
