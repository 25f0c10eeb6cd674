import { BackflowError, CancelledError, errorMessage } from '../errors.ts';
import type { FlowGraph, GraphNode } from '../flow/graph.ts';
import type {
  DestinationWriter,
  EdgePayload,
  Emit,
  Payload,
  RejectedRecord,
  TransformInstance,
} from '../node-kit/contract.ts';
import type { CheckpointPolicy } from './checkpoint-policy.ts';
import type { DiffGate } from './diff-gate.ts';
import type { RunStats } from './run-stats.ts';

type RecordsPayload = Extract<Payload, { kind: 'records' }>;

/** Any error from a node, carrying that node's id. */
export class NodeFailedError extends BackflowError {
  constructor(nodeId: string, cause: unknown) {
    super(
      cause instanceof BackflowError ? cause.code : 'node_failed',
      `node "${nodeId}" failed: ${errorMessage(cause)}`,
      {
        nodeId,
        cause,
        ...(cause instanceof BackflowError ? { details: cause.details } : {}),
      },
    );
  }
}

export interface DispatchOptions {
  graph: FlowGraph;
  stats: RunStats;
  policy: CheckpointPolicy;
  transforms: ReadonlyMap<string, TransformInstance>;
  writers: ReadonlyMap<string, DestinationWriter>;
  /** The diffing in front of keyed destinations, by node id. */
  gates: ReadonlyMap<string, DiffGate>;
  /** Stores records a node rejected, with the source batch they came with. */
  storeRejected(nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void>;
  /** Throws the run's first error once it has one: nothing more is handed on after a failure. */
  throwIfStopped(): void;
}

/**
 * Hands payloads along the graph, depth first: a payload goes to the next node only once the
 * previous one accepted it, so memory is bounded by one batch per node. Work on one node is
 * serialised, since several upstream edges may deliver to it at once.
 */
export class Dispatcher {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** The batch each destination is writing, so the records it rejects are stored with it. */
  private readonly writing = new Map<string, number>();
  private readonly writesInProgress = new Set<string>();

  constructor(private readonly options: DispatchOptions) {}

  /** The source batch `destinationId` is writing now. */
  writingSeq(destinationId: string): number {
    return this.writing.get(destinationId) ?? 0;
  }

  /** Whether a payload is being written to this destination now (rejects then belong to it). */
  isWriting(destinationId: string): boolean {
    return this.writesInProgress.has(destinationId);
  }

  /** Hands a payload emitted on `port` of `from` to every node connected there. */
  async deliver(from: GraphNode, port: string, payload: EdgePayload, seq: number): Promise<void> {
    const { graph, stats } = this.options;
    const edges = from.outgoing.filter((e) => e.from.port === port);
    await Promise.all(
      edges.map((edge) => {
        stats.carried(edge, payload);
        return this.receive(graph.nodes.get(edge.to.node)!, payload, seq);
      }),
    );
    if (payload.kind === 'file') await payload.dispose?.();
  }

  /** A transform's buffered records, passed on once its source ended. */
  async flush(node: GraphNode, seq: number): Promise<void> {
    const instance = this.options.transforms.get(node.id);
    if (!instance?.flush) return;
    await this.locked(node.id, () => instance.flush!(this.emitter(node, seq)));
    this.options.policy.setHolding(node.id, false);
  }

  private async receive(node: GraphNode, payload: EdgePayload, seq: number): Promise<void> {
    this.options.throwIfStopped();
    await this.locked(node.id, async () => {
      try {
        if (node.type.role !== 'destination') await this.process(node, payload, seq);
        // The planner ends every chain that encodes on worker threads at its format node.
        else if (payload.kind === 'encoded') throw new Error('encoded records cannot reach a destination');
        else await this.write(node, payload, seq);
      } catch (error) {
        if (error instanceof BackflowError && (error.context.nodeId || error instanceof CancelledError)) throw error;
        throw new NodeFailedError(node.id, error);
      }
    });
  }

  private async write(node: GraphNode, payload: Payload, seq: number): Promise<void> {
    const gate = this.options.gates.get(node.id);
    if (gate && payload.kind === 'records' && gate.diffs(payload.stream))
      return this.writeChanged(node, gate, payload, seq);
    const { stats, policy } = this.options;
    const rejectedBefore = stats.node(node.id).rejected;
    stats.destinationTook(node.id, payload);
    this.writing.set(node.id, seq);
    this.writesInProgress.add(node.id);
    try {
      await this.options.writers.get(node.id)!.write(payload, seq);
    } finally {
      this.writesInProgress.delete(node.id);
    }
    stats.destinationWrote(node.id, payload, stats.node(node.id).rejected - rejectedBefore);
    if (payload.kind === 'file') policy.fileLanded(node.id);
  }

  /** Writes only the batch's new and changed records; the snapshot takes those the destination acknowledged. */
  private async writeChanged(node: GraphNode, gate: DiffGate, payload: RecordsPayload, seq: number): Promise<void> {
    const { stats } = this.options;
    stats.destinationTook(node.id, payload);
    const { indexes, rows } = await gate.changed(payload.stream, payload.records);
    stats.unchanged(node.id, payload.records.length - indexes.length);
    if (indexes.length === 0) return;
    const sent: RecordsPayload = {
      ...payload,
      records: indexes.map((index) => payload.records[index]!),
      ...(payload.locations ? { locations: indexes.map((index) => payload.locations![index] ?? {}) } : {}),
    };
    const rejectedBefore = stats.node(node.id).rejected;
    this.writing.set(node.id, seq);
    this.writesInProgress.add(node.id);
    try {
      await this.options.writers.get(node.id)!.write(sent, seq);
    } finally {
      this.writesInProgress.delete(node.id);
    }
    stats.destinationWrote(node.id, sent, stats.node(node.id).rejected - rejectedBefore);
    await gate.landed(payload.stream, rows, seq);
  }

  private async process(node: GraphNode, payload: EdgePayload, seq: number): Promise<void> {
    this.options.stats.transformTook(node.id, payload);
    const instance = this.options.transforms.get(node.id)!;
    await instance.process(payload, this.emitter(node, seq));
    this.options.policy.setHolding(node.id, instance.holding?.() ?? false);
  }

  private emitter(node: GraphNode, seq: number): Emit {
    return async (port, payload) => {
      if (port === 'rejected' && payload.kind === 'records') {
        this.options.stats.rejected(node.id, payload.records.length);
        await this.options.storeRejected(node.id, payload.records as unknown as RejectedRecord[], seq);
      } else this.options.stats.emitted(node.id, payload);
      await this.deliver(node, port, payload, seq);
    };
  }

  private locked<T>(nodeId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(nodeId) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      nodeId,
      next.catch(() => undefined),
    );
    return next;
  }
}
