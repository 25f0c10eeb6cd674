import type { RunRecorder, SourceCheckpoint } from '../engine/checkpoint.ts';
import type { RejectedRecord } from '../node-kit/contract.ts';

/** A RunRecorder that keeps everything in arrays, for engine tests. */
export class MemoryRecorder implements RunRecorder {
  readonly checkpoints: SourceCheckpoint[] = [];
  readonly rejected: (RejectedRecord & { nodeId: string; seq: number })[] = [];
  readonly published = new Set<string>();
  readonly logs: string[] = [];
  /** The fields of each line that had any, parallel to the lines that did. */
  readonly logFields: { message: string; fields: Record<string, unknown> }[] = [];

  async saveCheckpoint(_runId: string, checkpoint: SourceCheckpoint): Promise<void> {
    this.checkpoints.push(structuredClone(checkpoint));
  }

  async saveRejected(_runId: string, nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void> {
    for (const record of rejected) this.rejected.push({ ...record, nodeId, seq });
  }

  async discardRejected(_runId: string, nodeIds: string[], afterSeq: number): Promise<void> {
    const kept = this.rejected.filter((row) => !(nodeIds.includes(row.nodeId) && row.seq > afterSeq));
    this.rejected.splice(0, this.rejected.length, ...kept);
  }

  async markPublished(_runId: string, nodeId: string): Promise<void> {
    this.published.add(nodeId);
  }

  log(_runId: string, level: string, message: string, nodeId?: string, fields?: Record<string, unknown>): void {
    this.logs.push(`${level} ${nodeId ?? '-'} ${message}`);
    if (fields) this.logFields.push({ message, fields });
  }

  /** The latest checkpoint of each source, as a store would return them for a resume. */
  latest(): SourceCheckpoint[] {
    const bySource = new Map<string, SourceCheckpoint>();
    for (const checkpoint of this.checkpoints) bySource.set(checkpoint.sourceId, checkpoint);
    return [...bySource.values()];
  }
}
