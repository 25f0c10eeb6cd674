/** Runs the row-path backup (DuckDB → map → CSV.gz, pushdown off) as a CLI child, for its time and peak RSS. */
import { rowsWritten, runFlowInChild } from './flow-run.ts';
import { ordersToCsvGzip, sourceId } from './flows.ts';

export interface RowPathReport {
  /** The run's own duration (without the process's start-up). */
  ms: number;
  rows: number;
  /** Peak RSS of the whole CLI process, in bytes. */
  maxRssBytes: number;
}

export async function runRowPathChild(database: string): Promise<RowPathReport> {
  const report = await runFlowInChild(ordersToCsvGzip(database, { rowPath: true }));
  return { ms: report.ms, rows: rowsWritten(report.summary, sourceId), maxRssBytes: report.maxRssBytes };
}
