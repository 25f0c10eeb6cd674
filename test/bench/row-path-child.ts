/**
 * Child process of the memory benchmark: runs the row-path CSV.gz backup of one orders table and
 * prints, as its last stdout line, the run time and the process's peak resident set size.
 * `node --import tsx test/bench/row-path-child.ts <orders.duckdb>`
 */
import { rowsWritten, runFlowTrial } from './flow-run.ts';
import { ordersToCsvGzip, sourceId } from './flows.ts';

export interface RowPathReport {
  ms: number;
  rows: number;
  /** Peak RSS of the whole process (Node, tsx, DuckDB and the run), in bytes. */
  maxRssBytes: number;
}

const database = process.argv[2];
if (database === undefined) throw new Error('usage: row-path-child.ts <orders.duckdb>');
const trial = await runFlowTrial(ordersToCsvGzip(database, { rowPath: true }));
// resourceUsage reports maxRSS in kibibytes (getrusage's ru_maxrss on Linux).
const report: RowPathReport = {
  ms: trial.ms,
  rows: rowsWritten(trial.summary, sourceId),
  maxRssBytes: process.resourceUsage().maxRSS * 1024,
};
console.log(JSON.stringify(report));
