/**
 * Records as rows of cells under a header: each field one column (in the order first seen, or the
 * target tab's header row in append mode), each value a cell as the user would type it but never
 * parsed: text stays text (`=1+1` is not a formula, `007` keeps its zeros), numbers and booleans
 * stay typed, objects become JSON, null an empty cell.
 */
import type { Rec } from '../../node-kit/contract.ts';

/** Google Sheets holds at most 50,000 characters in a cell. */
export const maxCellCharacters = 50_000;

/** A cell as the batchUpdate requests send it (`{}` clears it). */
export type CellData = {
  userEnteredValue?: { stringValue: string } | { numberValue: number } | { boolValue: boolean };
};

export interface RowsOfBatch {
  rows: CellData[][];
  /** Records refused, each with why (a field with no column, a value too long for a cell). */
  refused: { index: number; reason: string }[];
}

export function cellOf(value: unknown): CellData {
  if (value === null || value === undefined) return {};
  if (typeof value === 'number' && Number.isFinite(value)) return { userEnteredValue: { numberValue: value } };
  if (typeof value === 'boolean') return { userEnteredValue: { boolValue: value } };
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return { userEnteredValue: { stringValue: text } };
}

function textLength(cell: CellData): number {
  const value = cell.userEnteredValue;
  return value && 'stringValue' in value ? value.stringValue.length : 0;
}

/**
 * The rows of `records` under `columns`. A field not among the columns is added to them when they
 * may grow (the run writes the header), else its record is refused naming it; so is a record with
 * a value over 50,000 characters.
 */
export function rowsOf(records: readonly Rec[], columns: string[], growable: boolean, tab: string): RowsOfBatch {
  const rows: CellData[][] = [];
  const refused: RowsOfBatch['refused'] = [];
  for (const [index, record] of records.entries()) {
    const unknown = Object.keys(record).filter((field) => !columns.includes(field));
    if (unknown.length > 0 && !growable) {
      refused.push({
        index,
        reason: `field${unknown.length > 1 ? 's' : ''} ${unknown.map((field) => `"${field}"`).join(', ')} not in the header row of tab "${tab}" (${columns.join(', ')})`,
      });
      continue;
    }
    const cells = new Map(Object.entries(record).map(([field, value]) => [field, cellOf(value)]));
    const tooLong = [...cells].find(([, cell]) => textLength(cell) > maxCellCharacters);
    if (tooLong) {
      refused.push({
        index,
        reason: `field "${tooLong[0]}" holds ${textLength(tooLong[1])} characters; a Google Sheets cell holds at most ${maxCellCharacters.toLocaleString('en-US')}`,
      });
      continue;
    }
    for (const field of unknown) columns.push(field);
    rows.push(columns.map((column) => cells.get(column) ?? {}));
  }
  return { rows, refused };
}

/** A row of values as `values.get` answers them (UNFORMATTED_VALUE) turned back into cells. */
export function cellsOfValues(values: readonly unknown[]): CellData[] {
  return values.map((value) => (value === '' ? {} : cellOf(value)));
}
