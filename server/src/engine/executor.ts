import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { BackflowError, CancelledError, errorMessage, ReconciliationError } from '../errors.ts';
import type { FlowGraph, GraphNode } from '../flow/graph.ts';
import type {
  CopyFormat,
  DestinationWriter,
  Logger,
  NodeContext,
  Payload,
  RejectedRecord,
  TransformInstance,
} from '../node-kit/contract.ts';
import type { RunRecorder, SourceCheckpoint } from './checkpoint.ts';
import { readAhead } from './read-ahead.ts';
import { RunStats, type StatsSnapshot } from './run-stats.ts';

export interface ExecuteOptions {
  runId: string;
  flow: Flow;
  graph: FlowGraph;
  recorder: RunRecorder;
  /** ISO timestamp the run started at (kept across resumes, for `{runDate}` templates). */
  startedAt: string;
  /** Relative paths in configs resolve against this directory. */
  baseDir: string;
  /** The directories nodes may touch (a server's runs); see NodeContext.fileRoots. */
  fileRoots?: readonly string[];
  /** Temporary parts live here, under the run id. */
  tempRoot: string;
  /** Checkpoints to resume from, one per source. */
  resume?: SourceCheckpoint[];
  /** Destinations that committed this run's data in an earlier attempt (a resume after a partial publish). */
  published?: ReadonlySet<string>;
  /** Read and transform, but write nothing at destinations. */
  dryRun?: boolean;
  signal?: AbortSignal;
  /** Receives the live counts as the run starts (for progress displays and run events). */
  onStats?(stats: RunStats): void;
}

export interface ExecuteResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  stats: StatsSnapshot;
  /** Where each destination put (or, in a dry run, would put) the run's output, by node id. */
  outputs: Record<string, string>;
  error?: BackflowError;
}

const defaultBatchSize = 10_000;
const defaultCheckpointIntervalMs = 1000;

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

class RejectionLimitError extends BackflowError {
  constructor(limit: number) {
    super('too_many_rejected', `more than ${limit} records were rejected (settings.maxRejected)`);
  }
}

/**
 * Runs a validated flow graph. Each source streams batches depth-first through its part of the
 * graph: a batch is handed to the next node only when the previous one accepted it, so memory is
 * bounded by one batch per node plus what format nodes buffer into their open part (on disk).
 * Once a source's batch is delivered and no node still holds buffered records from it, all it read
 * is durable, and the cursor, node states and counts are saved together as a checkpoint.
 */
export async function executeRun(options: ExecuteOptions): Promise<ExecuteResult> {
  const run = new RunExecution(options);
  return run.execute();
}

class RunExecution {
  private readonly stats: RunStats;
  private readonly controller = new AbortController();
  private readonly transforms = new Map<string, TransformInstance>();
  private readonly writers = new Map<string, DestinationWriter>();
  /** Buffering nodes holding records not yet passed on (their part is still open). */
  private readonly holding = new Set<string>();
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly checkpoints = new Map<string, SourceCheckpoint>();
  /** The batch each destination is writing, so the records it rejects are stored with it. */
  private readonly writingSeq = new Map<string, number>();
  private filesSinceCheckpoint = new Map<string, number>();
  private firstError?: BackflowError;
  private readonly tempDir: string;
  /** Format nodes whose work their DuckDB source does in one COPY per part (see `copyFormat`). */
  private readonly pushedDown = new Map<string, { sourceId: string; format: CopyFormat }>();

  constructor(private readonly options: ExecuteOptions) {
    this.stats = new RunStats(options.graph, { dryRun: options.dryRun ?? false });
    this.tempDir = path.join(options.tempRoot, options.runId);
    for (const checkpoint of options.resume ?? []) {
      this.checkpoints.set(checkpoint.sourceId, checkpoint);
      this.stats.restore(checkpoint.stats, this.nodesOf(checkpoint.sourceId));
    }
    if (options.signal?.aborted) this.fail(new CancelledError());
    options.signal?.addEventListener('abort', () => this.fail(new CancelledError()), { once: true });
    this.planPushdown();
    options.onStats?.(this.stats);
  }

  /**
   * A source that can write parts itself, wired straight into the only format node it feeds, does
   * the formatting in the database: rows never cross into JavaScript. Counts stay per node.
   */
  private planPushdown(): void {
    for (const source of this.options.graph.order) {
      if (!source.type.readParts || source.outgoing.length !== 1) continue;
      if (!(source.type.canReadParts?.(source.spec.config ?? {}) ?? true)) continue;
      const target = this.options.graph.nodes.get(source.outgoing[0]!.to.node)!;
      if (target.incoming.length !== 1 || !target.type.copyFormat) continue;
      const format = target.type.copyFormat(target.spec.config ?? {});
      if (format) this.pushedDown.set(target.id, { sourceId: source.id, format });
    }
  }

  async execute(): Promise<ExecuteResult> {
    const { graph } = this.options;
    let succeeded = false;
    try {
      // A crashed attempt of this run may have left temp parts; they may even be hard-linked into a
      // destination, so they are unlinked, never rewritten in place.
      await rm(this.tempDir, { recursive: true, force: true });
      await mkdir(this.tempDir, { recursive: true });
      const sources = graph.order.filter((n) => n.type.role === 'source');
      await this.discardReplayedRejects(sources);
      for (const node of graph.order) await this.instantiate(node);
      const reading = sources.filter((source) => !this.finished(source.id));
      const outcomes = await Promise.allSettled(reading.map((source) => this.runSource(source)));
      for (const outcome of outcomes) if (outcome.status === 'rejected') this.fail(outcome.reason);
      if (!this.firstError) {
        const problems = this.stats.reconcile();
        if (problems.length > 0) this.fail(new ReconciliationError(problems));
      }
      if (!this.firstError && !this.options.dryRun) {
        // Publishing decides the outcome: once every destination prepared, a cancel arriving
        // meanwhile no longer stops it, and nothing retention does changes it.
        const publishError = await this.publish();
        if (publishError) this.firstError = publishError;
        succeeded = !publishError;
        if (succeeded) await this.retain();
      } else succeeded = !this.firstError;
    } catch (error) {
      this.fail(error);
    } finally {
      if (!succeeded) await this.abortAll();
      await rm(this.tempDir, { recursive: true, force: true });
    }
    const stats = this.stats.snapshot();
    const outputs = this.outputs();
    if (succeeded) return { status: 'succeeded', stats, outputs };
    const status = this.firstError instanceof CancelledError ? 'cancelled' : 'failed';
    return { status, stats, outputs, error: this.firstError };
  }

  /** Where each destination puts the run's output (NodeType.location), for the summary. */
  private outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const node of this.options.graph.order) {
      if (node.type.role !== 'destination' || !node.type.location) continue;
      try {
        outputs[node.id] = node.type.location(this.config(node), this.context(node));
      } catch {
        // A config the destination cannot resolve (a bad path template) failed the run already, saying why.
      }
    }
    return outputs;
  }

  /**
   * Phase two of publishing (see DestinationWriter): every destination prepared, so each commits
   * and the store records it, in graph order. One that fails does not stop the others; a resume
   * commits only those the store has not recorded. Returns the first failure.
   */
  private async publish(): Promise<BackflowError | undefined> {
    let firstFailure: BackflowError | undefined;
    for (const [id, writer] of this.writers) {
      try {
        await writer.commit();
        await this.options.recorder.markPublished(this.options.runId, id);
      } catch (error) {
        const failure = new NodeFailedError(id, error);
        this.options.recorder.log(this.options.runId, 'error', `publishing failed: ${errorMessage(error)}`, id);
        firstFailure ??= failure;
      }
    }
    return firstFailure;
  }

  /** The source ended and its destinations prepared in an earlier attempt: nothing is read from it again. */
  private finished(sourceId: string): boolean {
    return this.checkpoints.get(sourceId)?.finished === true;
  }

  /** Rejects stored after a source's checkpoint come again when its batches replay: drop them first. */
  private async discardReplayedRejects(sources: GraphNode[]): Promise<void> {
    for (const source of sources) {
      if (this.finished(source.id)) continue;
      const seq = this.checkpoints.get(source.id)?.seq ?? 0;
      await this.options.recorder.discardRejected(this.options.runId, this.nodesOf(source.id), seq);
    }
  }

  /**
   * After a successful run, each destination that keeps history prunes it (files.destination's
   * `keepLast`). A failure only warns: the data of this run is written and stays so.
   */
  private async retain(): Promise<void> {
    for (const node of this.options.graph.order) {
      if (node.type.role !== 'destination' || !node.type.retain) continue;
      const ctx = this.context(node);
      try {
        const pruned = await node.type.retain(this.config(node), ctx);
        if (pruned.length > 0) ctx.log.info(`pruned ${pruned.length} older backup(s): ${pruned.join(', ')}`);
      } catch (error) {
        ctx.log.warn(
          `node "${node.id}": pruning older backups failed (the run still succeeded): ${errorMessage(error)}`,
        );
      }
    }
  }

  private nodesOf(sourceId: string): string[] {
    return this.options.graph.order.filter((n) => this.options.graph.sourceOf.get(n.id) === sourceId).map((n) => n.id);
  }

  private context(node: GraphNode): NodeContext {
    const { runId, flow, startedAt, baseDir, fileRoots, recorder } = this.options;
    const log: Logger = {
      info: (message) => recorder.log(runId, 'info', message, node.id),
      warn: (message) => recorder.log(runId, 'warn', message, node.id),
      error: (message) => recorder.log(runId, 'error', message, node.id),
    };
    return {
      runId,
      flowName: flow.name,
      nodeId: node.id,
      runDate: startedAt.slice(0, 10),
      tempDir: path.join(this.tempDir, node.id),
      baseDir,
      ...(fileRoots ? { fileRoots } : {}),
      signal: this.controller.signal,
      log,
    };
  }

  /** The node's config as validated: connection merged, `${env:NAME}` resolved. */
  private config(node: GraphNode): Record<string, unknown> {
    return node.spec.config ?? {};
  }

  private async instantiate(node: GraphNode): Promise<void> {
    const checkpoint = this.checkpoints.get(this.options.graph.sourceOf.get(node.id) ?? '');
    const prepared = checkpoint?.finished === true;
    // A finished source's nodes have done their work: only a destination left to commit reopens.
    if (this.options.published?.has(node.id) || (prepared && node.type.role !== 'destination')) return;
    const resumeState = checkpoint?.states[node.id];
    const ctx = this.context(node);
    await mkdir(ctx.tempDir, { recursive: true });
    try {
      if (this.pushedDown.has(node.id)) return;
      if (node.type.role === 'transform') {
        const instance = await node.type.create!(this.config(node), {
          ...ctx,
          ...(resumeState === undefined ? {} : { resumeState }),
          filtered: (count) => {
            this.stats.node(node.id).filtered += count;
          },
          read: (count) => {
            this.stats.node(node.id).read += count;
          },
        });
        this.transforms.set(node.id, instance);
      } else if (node.type.role === 'destination') {
        const writer = this.options.dryRun
          ? dryRunWriter()
          : await node.type.open!(this.config(node), {
              ...ctx,
              ...(resumeState === undefined ? {} : { resumeState }),
              ...(checkpoint ? { resumeSeq: checkpoint.seq } : {}),
              ...(prepared ? { prepared } : {}),
              reject: (records, reasons, locations) => {
                const rejected = records.map((record, i) => ({
                  record,
                  reasons: [reasons[i] ?? 'rejected by destination'],
                  ...locations?.[i],
                }));
                this.recordRejected(node.id, rejected, this.writingSeq.get(node.id) ?? 0);
              },
            });
        this.writers.set(node.id, writer);
      }
    } catch (error) {
      throw new NodeFailedError(node.id, error);
    }
  }

  private async runSource(source: GraphNode): Promise<void> {
    const checkpoint = this.checkpoints.get(source.id);
    let seq = checkpoint?.seq ?? 0;
    const ctx = this.context(source);
    const batchSize = this.options.flow.settings?.batchSize ?? defaultBatchSize;
    const alignRows = this.partRowsBelow(source);
    const sourceContext = {
      ...ctx,
      batchSize,
      ...(alignRows ? { alignRows } : {}),
      ...(checkpoint ? { resumeCursor: checkpoint.cursor } : {}),
    };
    const pushdown = [...this.pushedDown.values()].find((p) => p.sourceId === source.id);
    const batches = pushdown
      ? source.type.readParts!(this.config(source), sourceContext, pushdown.format)
      : source.type.read!(this.config(source), sourceContext);
    const port = source.type.outputs[0]!.name;
    const counts = this.stats.node(source.id);
    let lastSave = Date.now();
    let lastCursor: unknown = checkpoint?.cursor ?? null;
    try {
      for await (const batch of readAhead(batches, 1)) {
        this.throwIfStopped();
        seq += 1;
        const { cursor, ...payload } = batch;
        if (cursor !== null) lastCursor = cursor;
        const rows = rowsOf(payload as Payload);
        counts.read += rows;
        counts.written += rows;
        if (payload.kind === 'file' && counts.files !== undefined) counts.files += 1;
        await this.deliver(source, port, payload as Payload, seq);
        const interval = this.options.flow.settings?.checkpointIntervalMs ?? defaultCheckpointIntervalMs;
        const filesLanded = (this.filesSinceCheckpoint.get(source.id) ?? 0) > 0;
        if (cursor !== null && this.quiescent(source.id) && (filesLanded || Date.now() - lastSave >= interval)) {
          await this.saveCheckpoint(source.id, seq, cursor);
          lastSave = Date.now();
        }
      }
    } catch (error) {
      throw error instanceof BackflowError && error.context.nodeId ? error : new NodeFailedError(source.id, error);
    }
    this.throwIfStopped();
    for (const id of this.nodesOf(source.id)) {
      const node = this.options.graph.nodes.get(id)!;
      const instance = this.transforms.get(id);
      if (instance?.flush) {
        await this.locked(id, () => instance.flush!(this.emitter(node, seq)));
        this.holding.delete(id);
      }
    }
    for (const id of this.nodesOf(source.id)) {
      const writer = this.writers.get(id);
      if (writer) {
        this.throwIfStopped();
        await writer.prepare().catch((error) => {
          throw new NodeFailedError(id, error);
        });
      }
    }
    this.throwIfStopped();
    await this.saveCheckpoint(source.id, seq, lastCursor, true);
  }

  /** The smallest part size of the format nodes fed by this source, so the source can align batches to it. */
  private partRowsBelow(source: GraphNode): number | undefined {
    const sizes = this.nodesOf(source.id)
      .map((id) => this.options.graph.nodes.get(id)!)
      .map((node) => node.type.partRows?.(node.spec.config ?? {}))
      .filter((n): n is number => typeof n === 'number' && n > 0);
    return sizes.length > 0 ? Math.min(...sizes) : undefined;
  }

  private quiescent(sourceId: string): boolean {
    for (const id of this.holding) if (this.options.graph.sourceOf.get(id) === sourceId) return false;
    return true;
  }

  private async saveCheckpoint(sourceId: string, seq: number, cursor: unknown, finished = false): Promise<void> {
    const nodeIds = this.nodesOf(sourceId);
    const states: Record<string, unknown> = {};
    for (const id of nodeIds) {
      const state = this.transforms.get(id)?.state?.() ?? this.writers.get(id)?.state?.();
      if (state !== undefined) states[id] = state;
    }
    const checkpoint: SourceCheckpoint = {
      sourceId,
      seq,
      cursor,
      states,
      stats: this.stats.snapshot(nodeIds),
      savedAt: new Date().toISOString(),
      ...(finished ? { finished } : {}),
    };
    await this.options.recorder.saveCheckpoint(this.options.runId, checkpoint);
    this.filesSinceCheckpoint.set(sourceId, 0);
    const read = checkpoint.stats.nodes[sourceId]?.read ?? 0;
    this.options.recorder.log(
      this.options.runId,
      'info',
      finished
        ? `source ended after batch ${seq} (${read} records read); its destinations are ready to publish`
        : `checkpoint after batch ${seq}: ${read} records read`,
      sourceId,
    );
  }

  /** Hands a payload emitted on `port` of `from` to every node connected there. */
  private async deliver(from: GraphNode, port: string, payload: Payload, seq: number): Promise<void> {
    const edges = from.outgoing.filter((e) => e.from.port === port);
    const rows = rowsOf(payload);
    await Promise.all(
      edges.map((edge) => {
        const counts = this.stats.edge(edge.index);
        if (payload.kind === 'file') counts.files += 1;
        // A records edge carries part files when its format node is pushed down: count their rows too.
        if (payload.kind === 'records' || edge.kind === 'records') counts.records += rows;
        else if (counts.rows !== undefined) counts.rows += rows;
        return this.receive(this.options.graph.nodes.get(edge.to.node)!, payload, seq);
      }),
    );
    if (payload.kind === 'file') await payload.dispose?.();
  }

  private async receive(node: GraphNode, payload: Payload, seq: number): Promise<void> {
    this.throwIfStopped();
    await this.locked(node.id, async () => {
      const counts = this.stats.node(node.id);
      const rows = rowsOf(payload);
      try {
        if (node.type.role === 'destination') {
          const rejectedBefore = counts.rejected;
          counts.read += rows;
          this.writingSeq.set(node.id, seq);
          await this.writers.get(node.id)!.write(payload, seq);
          const accepted = rows - (counts.rejected - rejectedBefore);
          // A dry run's destination writes nothing: what it took counts as would-write, not written.
          if (counts.wouldWrite !== undefined) counts.wouldWrite += accepted;
          else counts.written += accepted;
          if (payload.kind === 'file') {
            if (counts.wouldWrite === undefined) counts.files = (counts.files ?? 0) + 1;
            const source = this.options.graph.sourceOf.get(node.id)!;
            this.filesSinceCheckpoint.set(source, (this.filesSinceCheckpoint.get(source) ?? 0) + 1);
          }
          return;
        }
        if (this.pushedDown.has(node.id)) {
          counts.read += rows;
          await this.emitter(node, seq)(node.type.outputs[0]!.name, payload);
          return;
        }
        if (payload.kind === 'records') counts.read += rows;
        const instance = this.transforms.get(node.id)!;
        await instance.process(payload, this.emitter(node, seq));
        if (instance.holding?.()) this.holding.add(node.id);
        else this.holding.delete(node.id);
      } catch (error) {
        if (error instanceof BackflowError && (error.context.nodeId || error instanceof CancelledError)) throw error;
        throw new NodeFailedError(node.id, error);
      }
    });
  }

  private emitter(node: GraphNode, seq: number) {
    return async (port: string, payload: Payload): Promise<void> => {
      const counts = this.stats.node(node.id);
      const rows = rowsOf(payload);
      if (port === 'rejected' && payload.kind === 'records') {
        counts.rejected += rows;
        await this.storeRejected(node.id, payload.records as unknown as RejectedRecord[], seq);
      } else {
        counts.written += rows;
        if (payload.kind === 'file') counts.files = (counts.files ?? 0) + 1;
      }
      await this.deliver(node, port, payload, seq);
    };
  }

  private recordRejected(nodeId: string, rejected: RejectedRecord[], seq: number): void {
    this.stats.node(nodeId).rejected += rejected.length;
    void this.storeRejected(nodeId, rejected, seq).catch((error) => this.fail(error));
  }

  private async storeRejected(nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void> {
    await this.options.recorder.saveRejected(this.options.runId, nodeId, rejected, seq);
    const limit = this.options.flow.settings?.maxRejected;
    if (limit !== undefined && this.stats.totalRejected() > limit) throw new RejectionLimitError(limit);
  }

  /** Serialises work on one node: several upstream edges may deliver to it at once. */
  private locked<T>(nodeId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(nodeId) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(
      nodeId,
      next.catch(() => undefined),
    );
    return next;
  }

  private throwIfStopped(): void {
    if (this.firstError) throw this.firstError;
  }

  private fail(error: unknown): void {
    if (this.firstError) return;
    this.firstError =
      error instanceof BackflowError ? error : new BackflowError('run_failed', errorMessage(error), { cause: error });
    this.controller.abort(this.firstError);
  }

  private async abortAll(): Promise<void> {
    const aborts = [
      ...[...this.transforms.values()].map((t) => t.abort?.()),
      ...[...this.writers.values()].map((w) => w.abort?.()),
    ];
    await Promise.allSettled(aborts);
  }
}

function rowsOf(payload: Payload): number {
  return payload.kind === 'records' ? payload.records.length : (payload.rows ?? 0);
}

function dryRunWriter(): DestinationWriter {
  return { write: async () => undefined, prepare: async () => undefined, commit: async () => undefined };
}
