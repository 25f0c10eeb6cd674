/**
 * Publishing a stream's staging tab at commit, each step one batchUpdate that Google applies
 * atomically and that is sent once (apply-once.ts): `replace` swaps the staging tab in for the
 * target; `append` moves its rows after the target's last row, each move deleting what it moved,
 * so a commit killed between two moves goes on where it stopped and never appends a row twice.
 */
import type { NodeContext } from '../../node-kit/contract.ts';
import { applyOnce } from './apply-once.ts';
import { cellsOfValues } from './rows.ts';
import { quoted, type Spreadsheet, type Tab } from './spreadsheet.ts';

/** What the run staged for one stream; JSON, kept in checkpoints. */
export interface StagedStream {
  tab: string;
  staging: string;
  stagingId: number;
  columns: string[];
  /** Data rows written (row 1 is the header). */
  rows: number;
  /**
   * Append mode: the target had a header row when the run started, so the columns are its and no
   * other (else records add columns as they come), and the staging tab's header is not moved.
   */
  targetHasHeader: boolean;
}

/** Cells moved by one request when appending (well under 2 MB for most values). */
export const defaultCellsPerMove = 100_000;

/** Shows the staging tab, deletes the target, and renames the staging tab into its place (or just names it). */
export async function publishReplace(
  spreadsheet: Spreadsheet,
  ctx: NodeContext,
  staged: StagedStream,
  target: Tab | undefined,
): Promise<void> {
  await applyOnce(
    spreadsheet,
    ctx,
    [
      { updateSheetProperties: { properties: { sheetId: staged.stagingId, hidden: false }, fields: 'hidden' } },
      ...(target ? [{ deleteSheet: { sheetId: target.sheetId } }] : []),
      {
        updateSheetProperties: {
          properties: { sheetId: staged.stagingId, title: staged.tab, ...(target ? { index: target.index } : {}) },
          fields: target ? 'title,index' : 'title',
        },
      },
    ],
    (fresh) => fresh.some((tab) => tab.sheetId === staged.stagingId && tab.title === staged.tab),
  );
}

/**
 * Moves the staged rows after the target's last row, `cellsPerMove` cells a request (the moved
 * rows deleted from the staging tab in the same request, the tab itself with the last): the
 * staging tab's row count says whether a move whose answer was lost took effect.
 */
export async function publishAppend(
  spreadsheet: Spreadsheet,
  ctx: NodeContext,
  staged: StagedStream,
  target: Tab,
  staging: Tab,
  cellsPerMove = defaultCellsPerMove,
): Promise<void> {
  const first = staged.targetHasHeader ? 1 : 0; // the header row too when the target has none
  const perMove = Math.max(1, Math.floor(cellsPerMove / Math.max(1, staging.columnCount)));
  let rowCount = staging.rowCount;
  while (rowCount > 0) {
    const count = Math.min(perMove, rowCount - first);
    const values = count > 0 ? await spreadsheet.values(`${quoted(staged.staging)}!${first + 1}:${first + count}`) : [];
    const rows = Array.from({ length: count }, (_, index) => ({ values: cellsOfValues(values[index] ?? []) }));
    const last = first + count === rowCount;
    const left = last ? 0 : rowCount - count;
    await applyOnce(
      spreadsheet,
      ctx,
      [
        ...(count > 0 ? [{ appendCells: { sheetId: target.sheetId, rows, fields: 'userEnteredValue' } }] : []),
        last
          ? { deleteSheet: { sheetId: staged.stagingId } }
          : {
              deleteDimension: {
                range: { sheetId: staged.stagingId, dimension: 'ROWS', startIndex: first, endIndex: first + count },
              },
            },
      ],
      (fresh) => (fresh.find((tab) => tab.sheetId === staged.stagingId)?.rowCount ?? 0) === left,
    );
    rowCount = left;
  }
}
