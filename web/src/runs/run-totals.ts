import type { EdgeCounts, NodeCounts } from '../api/types.ts';

export interface RunTotals {
  /** Records (or rows) the sources read. */
  read: number;
  /** What the destinations wrote; 0 in a dry run. */
  written: number;
  /** What the destinations of a dry run would have written. */
  wouldWrite: number;
  /** What every node rejected. */
  rejected: number;
}

/** The node id of an edge end (`node:port`); a node id may hold colons, a port name does not. */
function nodeOf(end: string): string {
  return end.slice(0, end.lastIndexOf(':'));
}

/**
 * A run's counts in one line, for lists: what its sources read, what its destinations wrote (or, in a
 * dry run, would write) and what every node rejected. The edges tell sources (no edge leads into them)
 * from destinations (none leads out). A source of files counts no records: what its parsers read does.
 */
export function runTotals(run: { nodes: Record<string, NodeCounts>; edges: EdgeCounts[] }): RunTotals {
  const fed = new Set(run.edges.map((edge) => nodeOf(edge.to)));
  const feeding = new Set(run.edges.map((edge) => nodeOf(edge.from)));
  const readBy = (id: string) => run.nodes[id]?.read ?? 0;
  const totals: RunTotals = { read: 0, written: 0, wouldWrite: 0, rejected: 0 };
  for (const [id, counts] of Object.entries(run.nodes)) {
    if (!fed.has(id)) {
      const readers = run.edges.filter((edge) => nodeOf(edge.from) === id).map((edge) => nodeOf(edge.to));
      totals.read +=
        counts.read > 0 || counts.files === undefined ? counts.read : sum([...new Set(readers)].map(readBy));
    }
    if (!feeding.has(id)) {
      totals.written += counts.written;
      totals.wouldWrite += counts.wouldWrite ?? 0;
    }
    totals.rejected += counts.rejected;
  }
  return totals;
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

/** What a diffed destination (a sync by key) did with the records it took, in the order the run panel lists them. */
export const diffCountNames = ['inserted', 'updated', 'deleted', 'unchanged'] as const;
export type DiffCounts = Record<(typeof diffCountNames)[number], number>;

/**
 * A diffed destination's inserts, updates, deletes (a mirror's) and records left unchanged; undefined
 * for any other node. The engine gives `unchanged` to every diffed destination and `deleted` to a
 * mirror, so a missing count is 0.
 */
export function diffCounts(counts: NodeCounts | undefined): DiffCounts | undefined {
  if (counts?.unchanged === undefined && counts?.deleted === undefined) return undefined;
  return {
    inserted: counts.inserted ?? 0,
    updated: counts.updated ?? 0,
    deleted: counts.deleted ?? 0,
    unchanged: counts.unchanged ?? 0,
  };
}
