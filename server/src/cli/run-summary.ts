import type { RunSummary } from '../service/flow-runner.ts';
import { planTables, verificationTables } from './verification-table.ts';

/** A run's summary for a person: its outcome, a table of node counts, where it wrote, and what went wrong. */
export function printSummary(summary: RunSummary): void {
  const { dryRun } = summary;
  // A dry run's destinations wrote nothing: what they would have written has its own column.
  const rows = Object.entries(summary.nodes).map(([id, c]) => ({
    node: id,
    read: c.read,
    written: c.written,
    ...(dryRun ? { 'would write': c.wouldWrite ?? '' } : {}),
    rejected: c.rejected,
    filtered: c.filtered,
    files: c.files ?? '',
    // A diffed destination says what it sent: new and changed records, what a mirror deleted, and those left out unchanged.
    ...(c.unchanged === undefined && c.deleted === undefined
      ? {}
      : { inserted: c.inserted ?? 0, updated: c.updated ?? 0, deleted: c.deleted ?? 0, unchanged: c.unchanged ?? 0 }),
  }));
  const how = [summary.resumed ? 'resumed' : '', dryRun ? 'dry run: nothing was written' : ''].filter(Boolean);
  console.log(
    `run ${summary.runId} ${summary.status}${how.length ? ` (${how.join('; ')})` : ''} in ${summary.durationMs} ms`,
  );
  console.table(rows);
  for (const [node, location] of Object.entries(summary.outputs ?? {})) {
    console.log(dryRun ? `${node} would write to ${location}` : `output of ${node}: ${location}`);
  }
  for (const [node, lines] of verificationTables(summary.verification ?? {})) {
    console.log(`verification of ${node}:`);
    console.table(lines);
    for (const stream of summary.verification?.[node] ?? []) {
      for (const { reason, count } of stream.reasons ?? []) console.log(`  ${stream.target}: ${count}× ${reason}`);
    }
  }
  for (const [node, lines] of planTables(summary.plan ?? {})) {
    console.log(`${node} would (samples in --json):`);
    console.table(lines);
  }
  if (summary.error) console.error(`error: ${summary.error.message}`);
  const rejected = Object.values(summary.nodes).reduce((sum, c) => sum + c.rejected, 0);
  if (rejected > 0) console.error(`${rejected} record(s) rejected; see: backflow rejected ${summary.runId}`);
}
