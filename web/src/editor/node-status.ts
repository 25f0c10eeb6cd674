import type { NodeCounts, RunStatus } from '../api/types.ts';
import type { LiveRun } from '../store/flow-store.ts';

export type NodeRunStatus = 'waiting' | 'running' | 'done' | 'failed' | 'stopped';

/** What a node shows during and after a run, from the run's status and the node's counts. */
export function nodeRunStatus(
  run: Pick<LiveRun, 'status' | 'error'> | undefined,
  nodeId: string,
  counts: NodeCounts | undefined,
): NodeRunStatus | undefined {
  if (!run) return undefined;
  const moved = counts !== undefined && (counts.read > 0 || counts.written > 0 || (counts.files ?? 0) > 0);
  const status: RunStatus = run.status;
  if (status === 'queued') return 'waiting';
  if (status === 'running') return moved ? 'running' : 'waiting';
  if (status === 'succeeded') return 'done';
  if (status === 'failed') return run.error?.nodeId === nodeId ? 'failed' : moved ? 'stopped' : 'waiting';
  return 'stopped';
}

/** The count an edge shows: records for a records edge, files for a files edge. */
export function edgeCountLabel(
  edges: LiveRun['edges'] | undefined,
  statKey: string | undefined,
  kind: 'records' | 'files' | undefined,
  format: (n: number) => string,
): string | undefined {
  if (!edges || !statKey) return undefined;
  const counts = edges.find((edge) => `${edge.from}->${edge.to}` === statKey);
  if (!counts) return undefined;
  if (kind === 'files') {
    const files = `${format(counts.files)} ${counts.files === 1 ? 'file' : 'files'}`;
    return counts.rows ? `${files} · ${format(counts.rows)} rows` : files;
  }
  return `${format(counts.records)} ${counts.records === 1 ? 'record' : 'records'}`;
}
