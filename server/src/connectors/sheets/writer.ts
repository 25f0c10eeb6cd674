/**
 * The writer: each stream's rows go into a hidden staging tab of its own during the run, at row
 * positions its state records, so a replayed batch overwrites itself and the grid is cut to the
 * rows the run wrote (leftovers of a dead attempt included). `commit` publishes each stream
 * (publish.ts); a commit repeated after a crash finds the staging tab gone or renamed.
 */
import { createHash } from 'node:crypto';
import { ConfigError, DestinationError } from '../../errors.ts';
import type { DestinationContext, DestinationWriter, Payload } from '../../node-kit/contract.ts';
import { applyOnce } from './apply-once.ts';
import { type SheetsDestinationConfig, tabOf } from './config.ts';
import { sheetsFailure } from './connection.ts';
import { defaultCellsPerMove, publishAppend, publishReplace, type StagedStream } from './publish.ts';
import { type CellData, cellOf, rowsOf } from './rows.ts';
import { cells, maxWorkbookCells, quoted, type Spreadsheet } from './spreadsheet.ts';

interface WriterState {
  streams: Record<string, StagedStream>;
}

/** Google advises request bodies under 2 MB. */
const maxRequestBytes = 2_000_000;

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
      spreadsheet,
      ctx,
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

  return {
    async write(payload: Payload) {
      if (payload.kind !== 'records') {
        throw new DestinationError(`${node}: Google Sheets takes records, not files (${payload.name})`, {
          nodeId: ctx.nodeId,
        });
      }
      const staged = state.streams[payload.stream] ?? (await start(payload.stream));
      const { rows, refused } = rowsOf(payload.records, staged.columns, !staged.targetHasHeader, staged.tab);
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
          if (mode === 'append' && target) await publishAppend(spreadsheet, ctx, staged, target, staging, cellsPerMove);
          else await publishReplace(spreadsheet, ctx, staged, target);
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
