/**
 * Entries 1 and 2: a 5M-row DuckDB table backed up through `runFlow` (DuckDB source → format node →
 * files) against DuckDB's own COPY of the same table, alternating the two.
 */
import { assertRows, type EntryResult, type Figure, ratioOf } from '../entry-result.ts';
import { type FlowTrial, rowsWritten, runFlowTrial, wasPushedDown } from '../flow-run.ts';
import { ordersToCsvGzip, ordersToParquet, sourceId } from '../flows.ts';
import { duckdbCopyTrial } from '../peers.ts';
import { defaultPairing, medianTrial, pairTrials, type Trial } from '../timing.ts';

const maxRatio = 1.5;

interface ExportEntry {
  entry: string;
  document: unknown;
  peerLabel: string;
  peerFile: string;
  peerOptions: string;
  /** Trials a side (alternating); defaultPairing's when unset. */
  repetitions?: number;
}

export function parquetExportEntry(database: string): ExportEntry {
  return {
    entry: '1 orders 5M → Parquet',
    document: ordersToParquet(database),
    peerLabel: 'DuckDB COPY … (FORMAT parquet)',
    peerFile: 'orders.parquet',
    peerOptions: 'FORMAT parquet',
    // Either side takes 1.5-2.5 s and varies run to run by more than the goal's margin: five a side.
    repetitions: 5,
  };
}

export function csvGzipExportEntry(database: string): ExportEntry {
  return {
    entry: '2 orders 5M → CSV.gz',
    document: ordersToCsvGzip(database, { rowPath: false }),
    peerLabel: 'DuckDB COPY … (HEADER, COMPRESSION gzip)',
    peerFile: 'orders.csv.gz',
    peerOptions: 'HEADER, COMPRESSION gzip',
  };
}

/** Measures one export entry; `rows` is the table's row count, checked on both sides. */
export async function measureExport(spec: ExportEntry, database: string, rows: number): Promise<EntryResult> {
  const trials = await pairTrials(
    () => duckdbCopyTrial(database, spec.peerFile, spec.peerOptions),
    () => runFlowTrial(spec.document),
    { ...defaultPairing, repetitions: spec.repetitions ?? defaultPairing.repetitions },
  );
  for (const trial of trials.peer) assertRows(`${spec.entry} peer`, trial.rows, rows);
  for (const trial of trials.ours) assertRows(`${spec.entry} ours`, rowsWritten(trial.summary, sourceId), rows);
  const ours = timeFigure('runFlow', trials.ours);
  const peer = timeFigure(spec.peerLabel, trials.peer);
  const ratio = ratioOf(ours, peer);
  return {
    entry: spec.entry,
    ours,
    peer,
    ratio,
    goal: { text: `ours ≤ ${maxRatio}× peer`, pass: ratio <= maxRatio },
    notes: [pathNote(trials.ours)],
  };
}

export function timeFigure(label: string, trials: Trial[]): Figure {
  return { label, value: medianTrial(trials).ms, unit: 'ms', samples: trials.map((trial) => trial.ms) };
}

function pathNote(trials: FlowTrial[]): string {
  const pushedDown = trials.every((trial) => wasPushedDown(trial.summary, sourceId));
  return pushedDown
    ? 'ran as COPY pushdown (DuckDB wrote the parts)'
    : 'ran on the row path: the engine did not push the format down to DuckDB';
}
