/**
 * Entry 3: a 1M-row CSV through files.source → csv.parse → map → json.format → files.destination against
 * papaparse alone parsing the same file, compared as rows per second.
 */
import { assertRows, type EntryResult, type Figure, ratioOf } from '../entry-result.ts';
import { rowsWritten, runFlowInChild, runFlowTrial } from '../flow-run.ts';
import { csvToNdjson } from '../flows.ts';
import { papaparseTrial } from '../peers.ts';
import { medianTrial, pairTrials, type Trial } from '../timing.ts';

const minRatio = 0.8;
/** 300 MB in bytes (decimal megabytes, the stricter reading). */
const rssBudgetBytes = 300e6;

export async function measureCsvToNdjson(csvFile: string, rows: number): Promise<EntryResult> {
  const trials = await pairTrials(
    () => papaparseTrial(csvFile),
    () => runFlowTrial(csvToNdjson(csvFile)),
  );
  for (const trial of trials.peer) assertRows('3 papaparse', trial.rows, rows);
  for (const trial of trials.ours) assertRows('3 ours', rowsWritten(trial.summary, 'as-ndjson'), rows);
  const ours = rateFigure('runFlow (parse + map + NDJSON + write)', trials.ours, rows);
  const peer = rateFigure('papaparse, counting rows', trials.peer, rows);
  const ratio = ratioOf(ours, peer);
  return {
    entry: '3 CSV 1M → NDJSON',
    ours,
    peer,
    ratio,
    goal: { text: `ours ≥ ${minRatio}× peer rows/s`, pass: ratio >= minRatio },
    notes: [`times: ours ${seconds(medianTrial(trials.ours))}, papaparse ${seconds(medianTrial(trials.peer))}`],
  };
}

/** Entry 3b: the same flow run by the CLI (`backflow run`), for its peak RSS. */
export async function measureCsvParseMemory(csvFile: string, rows: number): Promise<EntryResult> {
  const report = await runFlowInChild(csvToNdjson(csvFile));
  assertRows('3b', rowsWritten(report.summary, 'as-ndjson'), rows);
  const ours: Figure = { label: 'peak RSS of backflow run', value: report.maxRssBytes, unit: 'bytes', samples: [] };
  const budget: Figure = { label: 'budget', value: rssBudgetBytes, unit: 'bytes', samples: [] };
  return {
    entry: `3b CSV ${rows / 1e6}M → NDJSON peak RSS`,
    ours,
    peer: budget,
    ratio: ours.value / budget.value,
    goal: { text: '≤ 300 MB', pass: ours.value <= rssBudgetBytes },
    notes: [`run time ${(report.ms / 1000).toFixed(2)} s`],
  };
}

/** Rows per second of the median trial; samples are per-trial rates. */
export function rateFigure(label: string, trials: Trial[], rows: number): Figure {
  const rate = (trial: Trial) => rows / (trial.ms / 1000);
  return { label, value: rate(medianTrial(trials)), unit: 'rows/s', samples: trials.map(rate) };
}

function seconds(trial: Trial): string {
  return `${(trial.ms / 1000).toFixed(2)} s`;
}
