import type { RejectedRecord } from '../node-kit/contract.ts';
import type { StreamVerification } from '../node-kit/verification.ts';
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
  /** The source has ended and its destinations prepared: a resume reads nothing more from it. */
  finished?: boolean;
  /** On a finished checkpoint: what each of its destinations verified as it prepared, by node id. */
  verification?: Record<string, StreamVerification[]>;
}

/** What the engine needs from the state store while a run is going. */
export interface RunRecorder {
  saveCheckpoint(runId: string, checkpoint: SourceCheckpoint): Promise<void>;
  /** Stores rejected records with the source batch they came with (`seq`), so a replay can drop them. */
  saveRejected(runId: string, nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void>;
  /** Drops the rejected records these nodes stored after batch `afterSeq`: the resume replays those batches. */
  discardRejected(runId: string, nodeIds: string[], afterSeq: number): Promise<void>;
  /** Records that a destination committed this run's data. */
  markPublished(runId: string, nodeId: string): Promise<void>;
  /** Appends a line to the run's log; `fields` are the structured values the node logged with it. */
  log(
    runId: string,
    level: 'info' | 'warn' | 'error',
    message: string,
    nodeId?: string,
    fields?: Record<string, unknown>,
  ): void;
}
