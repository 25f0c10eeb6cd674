/**
 * Entry 14: DuckDB orders → `map` → `json.format` (NDJSON) → files, every row through JavaScript,
 * against DuckDB's own `COPY … (FORMAT json)` of the same table, alternating the two.
 */
import { assertRows, type EntryResult, ratioOf } from '../entry-result.ts';
import { rowsWritten, runFlowTrial } from '../flow-run.ts';
import { ordersToNdjson, sourceId } from '../flows.ts';
import { duckdbCopyTrial } from '../peers.ts';
import { pairTrials } from '../timing.ts';
import { rateFigure } from './csv-to-ndjson.ts';
import { timeFigure } from './duckdb-export.ts';

const maxRatio = 2;

export async function measureRowPathNdjson(database: string, rows: number): Promise<EntryResult> {
  const trials = await pairTrials(
    () => duckdbCopyTrial(database, 'orders.ndjson', 'FORMAT json'),
    () => runFlowTrial(ordersToNdjson(database)),
  );
  for (const trial of trials.peer) assertRows('14 peer', trial.rows, rows);
  for (const trial of trials.ours) assertRows('14 ours', rowsWritten(trial.summary, sourceId), rows);
  const ours = timeFigure('runFlow (read + map + NDJSON + write)', trials.ours);
  const peer = timeFigure('DuckDB COPY … (FORMAT json)', trials.peer);
  const ratio = ratioOf(ours, peer);
  return {
    entry: `14 row path → NDJSON ${rows / 1e6}M`,
    ours,
    peer,
    ratio,
    goal: { text: `ours ≤ ${maxRatio}× peer`, pass: ratio <= maxRatio },
    notes: [`${Math.round(rateFigure('', trials.ours, rows).value).toLocaleString('en-US')} rows/s on the row path`],
  };
}
