/**
 * Entry 5: the row path's time (DuckDB → map → csv.format gzip, every row through JavaScript)
 * against the pushdown path's (entry 2) for the same 5M-row CSV.gz backup. The row path is what every
 * flow with a transform between source and format takes, so it must stay close to the COPY.
 */
import type { EntryResult, Figure } from '../entry-result.ts';

const maxRatio = 1.25;

import { millions, rowPathRun } from './row-path-memory.ts';

/** `pushdown` is entry 2's measurement of our run; it ran on the pushdown path only if its notes say so. */
export async function measurePushdownGain(database: string, rows: number, pushdown: EntryResult): Promise<EntryResult> {
  const report = await rowPathRun(database, rows);
  const rowPath: Figure = { label: 'row path (map, pushdown off)', value: report.ms, unit: 'ms', samples: [report.ms] };
  const pushdownTime: Figure = { ...pushdown.ours, label: 'entry 2 (pushdown when eligible)' };
  return {
    entry: `5 row path vs pushdown, CSV.gz ${millions(rows)}`,
    ours: rowPath,
    peer: pushdownTime,
    ratio: rowPath.value / pushdownTime.value,
    goal: { text: `row path ≤ ${maxRatio}× pushdown`, pass: rowPath.value / pushdownTime.value <= maxRatio },
    notes: [
      `entry 2 ${pushdown.notes[0] ?? ''}`,
      `row-path peak RSS at ${millions(rows)}: ${(report.maxRssBytes / 1e6).toFixed(0)} MB`,
    ],
  };
}
