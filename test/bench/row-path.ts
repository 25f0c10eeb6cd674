/** Runs the row-path backup in a child process, so its peak RSS is its own and not the harness's. */
import { runBenchChild } from './child.ts';
import type { RowPathReport } from './row-path-child.ts';

export function runRowPathChild(database: string): Promise<RowPathReport> {
  return runBenchChild<RowPathReport>('row-path-child.ts', [database]);
}
