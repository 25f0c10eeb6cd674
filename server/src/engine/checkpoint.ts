import type { StatsSnapshot } from './run-stats.ts';

/**
 * What a run saves for one source once everything it read so far is durable downstream
 * (DESIGN.md §4): the source cursor, the batch sequence number, every node's resume state and the
 * counts, all in one store transaction.
 */
export interface SourceCheckpoint {
  sourceId: string;
  seq: number;
  cursor: unknown;
  states: Record<string, unknown>;
  stats: StatsSnapshot;
  savedAt: string;
}

/** What the engine needs from the state store while a run is going. */
export interface RunRecorder {
  saveCheckpoint(runId: string, checkpoint: SourceCheckpoint): Promise<void>;
  saveRejected(runId: string, nodeId: string, rejected: import('../nodes/contract.ts').RejectedRecord[]): Promise<void>;
  log(runId: string, level: 'info' | 'warn' | 'error', message: string, nodeId?: string): void;
}
