import type { FlowGraph } from '../flow/graph.ts';

/**
 * When a source's checkpoint may be saved (DESIGN.md §4): only while no node fed by it holds
 * records it has not passed on (a format node's open part), so a crash can never lose them; and
 * then at once after a file landed at a destination (a resume must not redo a finished part), else
 * at most every `intervalMs`.
 */
export class CheckpointPolicy {
  private readonly holding = new Set<string>();
  private readonly filesLanded = new Map<string, number>();
  private readonly lastSaved = new Map<string, number>();

  constructor(
    private readonly graph: FlowGraph,
    private readonly intervalMs: number,
  ) {}

  /** The source starts reading: its interval counts from now. */
  started(sourceId: string): void {
    this.lastSaved.set(sourceId, Date.now());
  }

  /** Whether `nodeId` holds records it took but has not passed on, after it handled a payload. */
  setHolding(nodeId: string, holding: boolean): void {
    if (holding) this.holding.add(nodeId);
    else this.holding.delete(nodeId);
  }

  /** A destination made a file durable: the source feeding it checkpoints at its next chance. */
  fileLanded(destinationId: string): void {
    const source = this.graph.sourceOf.get(destinationId)!;
    this.filesLanded.set(source, (this.filesLanded.get(source) ?? 0) + 1);
  }

  /** After a batch of `sourceId` was delivered, with `cursor` after it: save a checkpoint now? */
  due(sourceId: string, cursor: unknown): boolean {
    if (cursor === null || !this.quiescent(sourceId)) return false;
    const landed = (this.filesLanded.get(sourceId) ?? 0) > 0;
    return landed || Date.now() - (this.lastSaved.get(sourceId) ?? 0) >= this.intervalMs;
  }

  saved(sourceId: string): void {
    this.filesLanded.set(sourceId, 0);
    this.lastSaved.set(sourceId, Date.now());
  }

  private quiescent(sourceId: string): boolean {
    for (const id of this.holding) if (this.graph.sourceOf.get(id) === sourceId) return false;
    return true;
  }
}
