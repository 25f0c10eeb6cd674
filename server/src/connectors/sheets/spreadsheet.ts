/** The few Sheets API calls the destination makes: the tabs, a range's values, a batchUpdate. */
import type { SheetsApi } from './connection.ts';

export interface Tab {
  sheetId: number;
  title: string;
  index: number;
  hidden: boolean;
  rowCount: number;
  columnCount: number;
}

interface SpreadsheetAnswer {
  sheets?: {
    properties?: {
      sheetId?: number;
      title?: string;
      index?: number;
      hidden?: boolean;
      gridProperties?: { rowCount?: number; columnCount?: number };
    };
  }[];
}

/** Google caps a workbook at 10 million cells: the grids of all its tabs, empty cells included. */
export const maxWorkbookCells = 10_000_000;

export const cells = (tab: Pick<Tab, 'rowCount' | 'columnCount'>) => tab.rowCount * tab.columnCount;

/** A tab title in A1 notation: quoted, its quotes doubled. */
export const quoted = (title: string) => `'${title.replaceAll("'", "''")}'`;

export class Spreadsheet {
  constructor(
    readonly api: SheetsApi,
    readonly id: string,
  ) {}

  async tabs(): Promise<Tab[]> {
    const answer = await this.api.read<SpreadsheetAnswer>({
      path: `/spreadsheets/${encodeURIComponent(this.id)}`,
      query: { fields: 'sheets.properties' },
    });
    return (answer.sheets ?? []).map(({ properties = {} }) => ({
      sheetId: properties.sheetId ?? 0,
      title: properties.title ?? '',
      index: properties.index ?? 0,
      hidden: properties.hidden ?? false,
      rowCount: properties.gridProperties?.rowCount ?? 0,
      columnCount: properties.gridProperties?.columnCount ?? 0,
    }));
  }

  /** A range's values as entered (numbers as numbers), row by row; trailing empty cells and rows left out. */
  async values(range: string): Promise<unknown[][]> {
    const answer = await this.api.read<{ values?: unknown[][] }>({
      path: `/spreadsheets/${encodeURIComponent(this.id)}/values/${encodeURIComponent(range)}`,
      query: { valueRenderOption: 'UNFORMATTED_VALUE', majorDimension: 'ROWS' },
    });
    return answer.values ?? [];
  }

  /**
   * Applies `requests` together (all or nothing), one write request; the replies in order. `once`
   * sends it without retries, for requests whose repeat would do harm.
   */
  async batchUpdate(requests: object[], { once = false } = {}): Promise<Record<string, unknown>[]> {
    const request = {
      method: 'POST' as const,
      path: `/spreadsheets/${encodeURIComponent(this.id)}:batchUpdate`,
      body: { requests },
    };
    const answer = await (once ? this.api.writeOnce : this.api.write)<{ replies?: Record<string, unknown>[] }>(request);
    return answer.replies ?? [];
  }
}
