/** The results as a table on stdout and as JSON in test-output/bench.json. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type EntryOutcome, type EntryResult, type Figure, isEntryError, isEntrySkipped } from './entry-result.ts';
import { type Machine, machineLine } from './machine.ts';

export interface BenchReport {
  machine: Machine;
  startedAt: string;
  durationMs: number;
  entries: EntryOutcome[];
}

const columns = ['entry', 'ours', 'peer', 'ratio', 'goal', 'result'] as const;

export function formatReport(report: BenchReport): string {
  const rows = report.entries.map(tableRow);
  const widths = columns.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index]!.length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index]!))
      .join('  ')
      .trimEnd();
  return [
    `Backflow benchmarks on ${machineLine(report.machine)}`,
    '',
    line(columns),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    ...report.entries.flatMap(detailLines),
    `total ${(report.durationMs / 1000).toFixed(0)} s`,
  ].join('\n');
}

function tableRow(outcome: EntryOutcome): string[] {
  if (isEntryError(outcome)) return [outcome.entry, '-', '-', '-', '-', 'ERROR'];
  if (isEntrySkipped(outcome)) {
    return [
      outcome.entry,
      '-',
      outcome.peer ? formatValue(outcome.peer) : '-',
      '-',
      outcome.goalText ?? '-',
      'skipped',
    ];
  }
  const result = outcome;
  const verdict = result.goal ? (result.goal.pass ? 'pass' : 'FAIL') : 'info';
  return [
    result.entry,
    formatValue(result.ours),
    result.peer ? formatValue(result.peer) : '-',
    result.ratio === undefined ? '-' : `${result.ratio.toFixed(2)}×`,
    result.goal?.text ?? '-',
    verdict,
  ];
}

/** Under the table: what each side was, every trial behind each median, and the entry's notes. */
function detailLines(outcome: EntryOutcome): string[] {
  if (isEntryError(outcome)) return [outcome.entry, `  error: ${outcome.error}`];
  const side = (name: string, figure: Figure) =>
    `  ${name}: ${figure.label}; trials ${figure.samples.map((value) => formatValue({ ...figure, value })).join(', ')}`;
  if (isEntrySkipped(outcome)) {
    return [
      outcome.entry,
      `  skipped: ${outcome.skipped}`,
      ...(outcome.peer ? [side('peer', outcome.peer)] : []),
      ...outcome.notes.map((note) => `  ${note}`),
    ];
  }
  const result: EntryResult = outcome;
  return [
    result.entry,
    side('ours', result.ours),
    ...(result.peer ? [side('peer', result.peer)] : []),
    ...result.notes.map((note) => `  ${note}`),
  ];
}

export function formatValue(figure: Pick<Figure, 'value' | 'unit'>): string {
  switch (figure.unit) {
    case 'ms':
      return `${(figure.value / 1000).toFixed(2)} s`;
    case 'rows/s':
      return figure.value >= 1e6
        ? `${(figure.value / 1e6).toFixed(2)}M rows/s`
        : `${(figure.value / 1000).toFixed(0)}k rows/s`;
    case 'bytes':
      return `${(figure.value / 1e6).toFixed(0)} MB`;
  }
}

export async function writeReportJson(report: BenchReport, file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
}
