import type { RunRecorder, SourceCheckpoint } from '../engine/checkpoint.ts';
import type { RejectedRecord } from '../nodes/contract.ts';

/** A RunRecorder that keeps everything in arrays, for engine tests. */
export class MemoryRecorder implements RunRecorder {
  readonly checkpoints: SourceCheckpoint[] = [];
  readonly rejected: (RejectedRecord & { nodeId: string })[] = [];
  readonly logs: string[] = [];

  async saveCheckpoint(_runId: string, checkpoint: SourceCheckpoint): Promise<void> {
    this.checkpoints.push(structuredClone(checkpoint));
  }

  async saveRejected(_runId: string, nodeId: string, rejected: RejectedRecord[]): Promise<void> {
    for (const record of rejected) this.rejected.push({ ...record, nodeId });
  }

  log(_runId: string, level: string, message: string, nodeId?: string): void {
    this.logs.push(`${level} ${nodeId ?? '-'} ${message}`);
  }

  /** The latest checkpoint of each source, as a store would return them for a resume. */
  latest(): SourceCheckpoint[] {
    const bySource = new Map<string, SourceCheckpoint>();
    for (const checkpoint of this.checkpoints) bySource.set(checkpoint.sourceId, checkpoint);
    return [...bySource.values()];
  }
}
