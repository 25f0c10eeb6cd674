/** One line of the benchmark table, as printed and as written to test-output/bench.json. */

export type Unit = 'ms' | 'rows/s' | 'bytes';

/** A measured value with the trials behind it (the value is their median). */
export interface Figure {
  label: string;
  value: number;
  unit: Unit;
  samples: number[];
}

export interface Goal {
  /** How the goal reads in the table, e.g. `ours ≤ 1.5× peer`. */
  text: string;
  pass: boolean;
}

export interface EntryResult {
  /** Entry number and name, e.g. `1 orders → Parquet (5M)`. */
  entry: string;
  ours: Figure;
  peer?: Figure;
  /** ours / peer, in the unit of the figures. */
  ratio?: number;
  /** Absent for entries reported for information only. */
  goal?: Goal;
  /** What a reader needs to interpret the line (which path ran, row counts, rates). */
  notes: string[];
}

/** An entry that could not be measured (its flow failed, a row count was wrong): a failed line, not a crash. */
export interface EntryError {
  entry: string;
  error: string;
}

/**
 * An entry whose own side cannot run here yet (say, its node types are not registered): the peer is
 * still measured, so the line shows it works, and nothing fails.
 */
export interface EntrySkipped {
  entry: string;
  /** Why, e.g. `postgres.source not built yet`. */
  skipped: string;
  peer?: Figure;
  /** How the goal will read once ours runs. */
  goalText?: string;
  notes: string[];
}

export type EntryOutcome = EntryResult | EntryError | EntrySkipped;

export function isEntryError(outcome: EntryOutcome): outcome is EntryError {
  return 'error' in outcome;
}

export function isEntrySkipped(outcome: EntryOutcome): outcome is EntrySkipped {
  return 'skipped' in outcome;
}

/** Whether the entry failed: could not be measured, or missed its goal. A skipped entry has not failed. */
export function isFailure(outcome: EntryOutcome): boolean {
  if (isEntryError(outcome)) return true;
  if (isEntrySkipped(outcome)) return false;
  return outcome.goal !== undefined && !outcome.goal.pass;
}

export function ratioOf(ours: Figure, peer: Figure): number {
  return ours.value / peer.value;
}

/** Checks a run moved exactly the rows it should have; a benchmark of a wrong result means nothing. */
export function assertRows(what: string, actual: number, expected: number): void {
  if (actual !== expected) throw new Error(`${what}: expected ${expected} rows, got ${actual}`);
}
