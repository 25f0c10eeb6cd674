/**
 * The writer: each stream's rows go into a hidden staging tab of its own during the run, at row
 * positions its state records, so a replayed batch overwrites itself and the grid is cut to the
 * rows the run wrote (leftovers of a dead attempt included). `commit` publishes each stream in
 * single batchUpdates, which Google applies atomically: replace swaps the staging tab in for the
 * target; append moves its rows after the target's last row, each move deleting what it moved, so a
 * commit repeated after a crash goes on where it stopped and never appends a row twice.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, ConfigError, DestinationError } from '../../errors.ts';
import type { DestinationContext, DestinationWriter, Payload } from '../../node-kit/contract.ts';
import { HttpApiError } from '../../node-kit/http/index.ts';
import { type SheetsDestinationConfig, tabOf } from './config.ts';
import { sheetsFailure } from './connection.ts';
import { type CellData, cellOf, cellsOfValues, rowsOf } from './rows.ts';
import { cells, maxWorkbookCells, quoted, type Spreadsheet, type Tab } from './spreadsheet.ts';

/** What the run staged for one stream; JSON, kept in checkpoints. */
interface StagedStream {
  tab: string;
  staging: string;
  stagingId: number;
  columns: string[];
  /** Data rows written (row 1 is the header). */
  rows: number;
  /** Whether records may add columns (no header row to follow in the target). */
  growable: boolean;
  /** Append mode: the target had a header row when the run started, so it is not moved. */
  targetHasHeader: boolean;
}

interface WriterState {
  streams: Record<string, StagedStream>;
}

/** Attempts of a request sent once (see `applyOnce`); waits double from half a second. */
const onceAttempts = 8;

/** Google advises request bodies under 2 MB. */
const maxRequestBytes = 2_000_000;
/** Cells moved by one request when appending at commit (well under 2 MB for most values). */
const defaultCellsPerMove = 100_000;

export async function openSheetsWriter(
  config: SheetsDestinationConfig,
  ctx: DestinationContext,
  spreadsheet: Spreadsheet,
  { cellsPerMove = defaultCellsPerMove }: { cellsPerMove?: number } = {},
): Promise<DestinationWriter> {
  const node = `node "${ctx.nodeId}"`;
  const fail = (error: unknown, doing: string, stream?: string) =>
    sheetsFailure(
      error,
      `${node}: ${doing}`,
      { nodeId: ctx.nodeId, ...(stream ? { stream } : {}) },
      (message, context) => new DestinationError(message, context),
    );
  const state: WriterState = structuredClone((ctx.resumeState as WriterState | undefined) ?? { streams: {} });
  const mode = config.mode ?? 'replace';
  let tabs = await spreadsheet.tabs().catch((error: unknown) => {
    throw sheetsFailure(error, `${node}: reading spreadsheet ${config.spreadsheetId}`, { nodeId: ctx.nodeId });
  });

  if (!ctx.prepared) {
    for (const [stream, staged] of Object.entries(state.streams)) {
      if (!tabs.some((tab) => tab.sheetId === staged.stagingId)) {
        throw new DestinationError(
          `${node}: the staging tab "${staged.staging}" of stream "${stream}" is gone (deleted by hand?); run the flow anew`,
          { nodeId: ctx.nodeId, stream },
        );
      }
    }
  }

  /**
   * A batchUpdate whose repeat would do harm (a tab added twice, rows appended twice): sent without
   * the client's retries, since an answer lost after Google applied it would have it applied again.
   * After a failure the spreadsheet is read afresh, and `applied` says from it whether the request
   * took effect; if not, and the failure was 429, 5xx or the network, it is sent again.
   */
  async function applyOnce(requests: object[], applied: (fresh: Tab[]) => boolean): Promise<Record<string, unknown>[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await spreadsheet.batchUpdate(requests, { once: true });
      } catch (error) {
        const fresh = await spreadsheet.tabs().catch(() => undefined);
        if (fresh) tabs = fresh;
        if (fresh && applied(fresh)) return [];
        // without retries, a 429, 5xx or lost answer comes as retries exhausted after one attempt
        const failed = error instanceof HttpApiError && error.cause instanceof HttpApiError ? error.cause : error;
        if (!(failed instanceof HttpApiError && failed.retryable) || attempt >= onceAttempts) throw error;
        ctx.log.warn('retrying a Google Sheets request sent once, after checking it did not take effect', {
          attempt,
          status: failed.status,
        });
        await sleep(Math.max(failed.retryAfterMs ?? 0, 500 * 2 ** (attempt - 1)), undefined, {
          signal: ctx.signal,
        }).catch(() => {
          throw new CancelledError();
        });
      }
    }
  }

  async function start(stream: string): Promise<StagedStream> {
    const tab = tabOf(config, stream);
    const other = Object.entries(state.streams).find(([, staged]) => staged.tab === tab);
    if (other) {
      throw new ConfigError(
        `${node}: streams "${other[0]}" and "${stream}" would both write tab "${tab}"; map them to tabs of their own (sheets)`,
        {
          nodeId: ctx.nodeId,
          details: [{ path: 'sheets', message: `two streams write tab "${tab}"` }],
        },
      );
    }
    let columns: string[] = [];
    const target = tabs.find((candidate) => candidate.title === tab);
    if (mode === 'append' && target) {
      const [header = []] = await spreadsheet.values(`${quoted(tab)}!1:1`).catch((error: unknown) => {
        throw fail(error, `reading the header row of tab "${tab}"`, stream);
      });
      columns = header.map(String);
    }
    const hash = createHash('sha256').update(`${ctx.runId}\0${ctx.nodeId}\0${stream}`).digest('hex');
    const staging = `~backflow ${hash.slice(0, 12)}`;
    // its id is chosen, so that a request whose answer was lost can be found to have added it
    const stagingId = Number.parseInt(hash.slice(12, 19), 16);
    // a staging tab of this run and stream without a checkpoint is a dead attempt's: start it over
    const leftover = tabs.find((candidate) => candidate.title === staging);
    const columnCount = Math.max(1, columns.length);
    await applyOnce(
      [
        ...(leftover ? [{ deleteSheet: { sheetId: leftover.sheetId } }] : []),
        {
          addSheet: {
            properties: {
              sheetId: stagingId,
              title: staging,
              hidden: true,
              gridProperties: { rowCount: 1, columnCount },
            },
          },
        },
      ],
      (fresh) => fresh.some((tab) => tab.sheetId === stagingId && tab.title === staging && tab.rowCount === 1),
    ).catch((error: unknown) => {
      throw fail(error, `adding the staging tab for tab "${tab}"`, stream);
    });
    tabs = [
      ...tabs.filter((candidate) => candidate.title !== staging),
      { sheetId: stagingId, title: staging, index: tabs.length, hidden: true, rowCount: 1, columnCount },
    ];
    const staged: StagedStream = {
      tab,
      staging,
      stagingId,
      columns,
      rows: 0,
      growable: columns.length === 0,
      targetHasHeader: columns.length > 0,
    };
    state.streams[stream] = staged;
    return staged;
  }

  /** Refuses a write that would take the workbook past 10 million cells, before Google does. */
  function checkCellCap(staged: StagedStream, rowCount: number, columnCount: number): void {
    const others = tabs.filter((tab) => tab.sheetId !== staged.stagingId).reduce((sum, tab) => sum + cells(tab), 0);
    const total = others + rowCount * columnCount;
    if (total > maxWorkbookCells) {
      throw new ConfigError(
        `${node}: writing ${rowCount - 1} rows × ${columnCount} columns for tab "${staged.tab}" would take spreadsheet ${config.spreadsheetId} to ${total.toLocaleString('en-US')} cells, past Google Sheets' cap of ${maxWorkbookCells.toLocaleString('en-US')} a workbook (its other tabs hold ${others.toLocaleString('en-US')}${mode === 'replace' ? ', the tab being replaced included until the run commits' : ''})`,
        {
          nodeId: ctx.nodeId,
          details: [{ path: 'spreadsheetId', message: 'the workbook would pass 10,000,000 cells' }],
        },
      );
    }
  }

  async function writeRows(stream: string, staged: StagedStream, rows: CellData[][]): Promise<void> {
    let from = 0;
    while (from < rows.length) {
      let to = from;
      let bytes = 0;
      while (to < rows.length && (to === from || bytes < maxRequestBytes)) bytes += JSON.stringify(rows[to++]).length;
      const chunk = rows.slice(from, to);
      const rowCount = 1 + staged.rows + chunk.length;
      const columnCount = Math.max(1, staged.columns.length);
      checkCellCap(staged, rowCount, columnCount);
      await spreadsheet
        .batchUpdate([
          {
            updateSheetProperties: {
              properties: { sheetId: staged.stagingId, gridProperties: { rowCount, columnCount } },
              fields: 'gridProperties(rowCount,columnCount)',
            },
          },
          {
            updateCells: {
              start: { sheetId: staged.stagingId, rowIndex: 0, columnIndex: 0 },
              rows: [{ values: staged.columns.map(cellOf) }],
              fields: 'userEnteredValue',
            },
          },
          {
            updateCells: {
              start: { sheetId: staged.stagingId, rowIndex: 1 + staged.rows, columnIndex: 0 },
              rows: chunk.map((values) => ({ values })),
              fields: 'userEnteredValue',
            },
          },
        ])
        .catch((error: unknown) => {
          throw fail(
            error,
            `writing rows ${staged.rows + 1}–${staged.rows + chunk.length} of tab "${staged.tab}"`,
            stream,
          );
        });
      staged.rows += chunk.length;
      const tab = tabs.find((candidate) => candidate.sheetId === staged.stagingId);
      if (tab) Object.assign(tab, { rowCount, columnCount });
      from = to;
    }
  }

  /**
   * Moves the staged rows after the target's last row, a chunk a request (the staging tab's rows
   * deleted in the same request, the tab itself with the last), each request sent once: the
   * staging tab's row count says whether a move whose answer was lost took effect.
   */
  async function append(stream: string, staged: StagedStream, target: Tab, staging: Tab): Promise<void> {
    const first = staged.targetHasHeader ? 1 : 0; // the header row too when the target has none
    const perMove = Math.max(1, Math.floor(cellsPerMove / Math.max(1, staging.columnCount)));
    let rowCount = staging.rowCount;
    while (rowCount > 0) {
      const count = Math.min(perMove, rowCount - first);
      const values =
        count > 0 ? await spreadsheet.values(`${quoted(staged.staging)}!${first + 1}:${first + count}`) : [];
      const rows = Array.from({ length: count }, (_, index) => ({ values: cellsOfValues(values[index] ?? []) }));
      const last = first + count === rowCount;
      await applyOnce(
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
        (fresh) =>
          (fresh.find((tab) => tab.sheetId === staged.stagingId)?.rowCount ?? 0) === (last ? 0 : rowCount - count),
      );
      rowCount = last ? 0 : rowCount - count;
    }
    ctx.log.info('appended the staged rows', { stream, tab: staged.tab });
  }

  /** Swaps the staging tab in for the target (or names it so): shown, the old one deleted, renamed, put in its place. */
  async function replace(staged: StagedStream, target: Tab | undefined): Promise<void> {
    await applyOnce(
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

  return {
    async write(payload: Payload) {
      if (payload.kind !== 'records') {
        throw new DestinationError(`${node}: Google Sheets takes records, not files (${payload.name})`, {
          nodeId: ctx.nodeId,
        });
      }
      const staged = state.streams[payload.stream] ?? (await start(payload.stream));
      const { rows, refused } = rowsOf(payload.records, staged.columns, staged.growable, staged.tab);
      if (refused.length > 0) {
        ctx.reject(
          refused.map(({ index }) => payload.records[index]!),
          refused.map(({ reason }) => reason),
          payload.locations ? refused.map(({ index }) => payload.locations![index]!) : undefined,
        );
      }
      await writeRows(payload.stream, staged, rows);
    },
    state: () => structuredClone(state),
    async prepare() {
      tabs = await spreadsheet.tabs().catch((error: unknown) => {
        throw fail(error, `reading spreadsheet ${config.spreadsheetId}`);
      });
      for (const [stream, staged] of Object.entries(state.streams)) {
        const staging = tabs.find((tab) => tab.sheetId === staged.stagingId);
        if (staging?.rowCount !== staged.rows + 1) {
          throw new DestinationError(
            `${node}: the staging tab of tab "${staged.tab}" holds ${staging ? staging.rowCount - 1 : 'no'} rows, the run wrote ${staged.rows}`,
            { nodeId: ctx.nodeId, stream },
          );
        }
      }
    },
    async commit() {
      tabs = await spreadsheet.tabs().catch((error: unknown) => {
        throw fail(error, `reading spreadsheet ${config.spreadsheetId}`);
      });
      for (const [stream, staged] of Object.entries(state.streams)) {
        // gone or renamed: published by a commit that crashed before the store recorded it
        const staging = tabs.find((tab) => tab.sheetId === staged.stagingId && tab.title === staged.staging);
        if (!staging) continue;
        const target = tabs.find((tab) => tab.title === staged.tab);
        try {
          if (mode === 'append' && target) await append(stream, staged, target, staging);
          else await replace(staged, target);
        } catch (error) {
          throw fail(error, `publishing tab "${staged.tab}"`, stream);
        }
      }
    },
    async abort() {
      // the staging tabs stay for a resume; a run started anew replaces its own
    },
  };
}
