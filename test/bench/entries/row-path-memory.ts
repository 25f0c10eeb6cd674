/**
 * Entry 4: peak RSS of the row path (DuckDB source → map → csv.format gzip → files, `pushdown: false`, every row in
 * JavaScript) at 1M and 10M rows, each run by the CLI (`backflow run`) alone. Memory must stay under budget
 * and flat: the engine streams, so ten times the rows must not mean much more memory.
 */
import { assertRows, type EntryResult, type Figure } from '../entry-result.ts';
import type { RowPathReport } from '../row-path.ts';
import { runRowPathChild } from '../row-path.ts';

/** 300 MB in bytes (decimal megabytes, the stricter reading). */
const rssBudgetBytes = 300e6;
const maxGrowth = 1.25;

export interface RowPathSizes {
  small: { database: string; rows: number };
  large: { database: string; rows: number };
}

export async function measureRowPathMemory(sizes: RowPathSizes): Promise<EntryResult[]> {
  const small = await rowPathRun(sizes.small.database, sizes.small.rows);
  const large = await rowPathRun(sizes.large.database, sizes.large.rows);
  const smallLabel = millions(sizes.small.rows);
  const largeLabel = millions(sizes.large.rows);
  const growth = large.maxRssBytes / small.maxRssBytes;
  return [
    budgetResult(`4a row-path peak RSS ${smallLabel}`, small),
    budgetResult(`4b row-path peak RSS ${largeLabel}`, large),
    {
      entry: `4c RSS flatness ${largeLabel} vs ${smallLabel}`,
      ours: rssFigure(`peak RSS at ${largeLabel}`, large),
      peer: rssFigure(`peak RSS at ${smallLabel}`, small),
      ratio: growth,
      goal: { text: `${largeLabel} ≤ ${maxGrowth}× ${smallLabel}`, pass: growth <= maxGrowth },
      notes: [],
    },
    {
      entry: `4d row-path rate ${largeLabel}`,
      ours: rateFigure(`rows/s at ${largeLabel}`, large),
      peer: rateFigure(`rows/s at ${smallLabel}`, small),
      ratio: rate(large) / rate(small),
      notes: [`run times: ${smallLabel} ${seconds(small)}, ${largeLabel} ${seconds(large)}`],
    },
  ];
}

export async function rowPathRun(database: string, rows: number): Promise<RowPathReport> {
  const report = await runRowPathChild(database);
  assertRows(`row path ${millions(rows)}`, report.rows, rows);
  return report;
}

function budgetResult(entry: string, report: RowPathReport): EntryResult {
  const ours = rssFigure('peak RSS of backflow run', report);
  const budget: Figure = { label: 'budget', value: rssBudgetBytes, unit: 'bytes', samples: [rssBudgetBytes] };
  return {
    entry,
    ours,
    peer: budget,
    ratio: ours.value / budget.value,
    goal: { text: '≤ 300 MB', pass: ours.value <= rssBudgetBytes },
    notes: [`${Math.round(rate(report)).toLocaleString('en-US')} rows/s`],
  };
}

function rssFigure(label: string, report: RowPathReport): Figure {
  return { label, value: report.maxRssBytes, unit: 'bytes', samples: [report.maxRssBytes] };
}

function rateFigure(label: string, report: RowPathReport): Figure {
  return { label, value: rate(report), unit: 'rows/s', samples: [rate(report)] };
}

function rate(report: RowPathReport): number {
  return report.rows / (report.ms / 1000);
}

function seconds(report: RowPathReport): string {
  return `${(report.ms / 1000).toFixed(1)} s`;
}

export function millions(rows: number): string {
  return `${rows / 1_000_000}M`;
}
