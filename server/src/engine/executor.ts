import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { defaultBatchSize, diffedBatchSize, type Flow } from '@backflow/flow-model';
import { BackflowError, CancelledError, errorMessage, ReconciliationError } from '../errors.ts';
import type { FlowGraph, GraphNode } from '../flow/graph.ts';
import type {
  DestinationWriter,
  IdMap,
  Logger,
  NodeContext,
  PartsFusion,
  PlannedStream,
  Rec,
  RejectedRecord,
  TransformInstance,
} from '../node-kit/contract.ts';
import { dryRunIdMap, memoryIdMap } from '../node-kit/id-map.ts';
import { mirrorScopeOf } from '../node-kit/schema.ts';
import type { SyncSnapshot } from '../store/sync-snapshot-repository.ts';
import type { RunRecorder, SourceCheckpoint } from './checkpoint.ts';
import { CheckpointPolicy } from './checkpoint-policy.ts';
import { DiffGate, type KeyReads } from './diff-gate.ts';
import { Dispatcher, NodeFailedError } from './dispatch.ts';
import { parallelOptionsFromEnv } from './parallel/chain-planner.ts';
import { planRun } from './planner.ts';
import { readAhead } from './read-ahead.ts';
import { createRunLog } from './run-log.ts';
import { RunStats, type StatsSnapshot } from './run-stats.ts';
import { type DryRunPlan, mismatchOf, readVerification, type VerificationReport } from './verification-report.ts';

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
  /**
   * Where each source ended in the flow's last succeeded run, by source node id: its incremental
   * start point (SourceContext.lastRunCursor). None for a full re-read.
   */
  lastRunCursors?: Readonly<Record<string, unknown>>;
  /** The flow's ID map, kept in the store across runs; without one, a map that lives for this run only. */
  idMap?: IdMap;
  /** Destinations that committed this run's data in an earlier attempt (a resume after a partial publish). */
  published?: ReadonlySet<string>;
  /** What sources may fuse with the format nodes they feed (the catalog's); none: no pushdown. */
  fusions?: readonly PartsFusion[];
  /** Read and transform, but write nothing at destinations. */
  dryRun?: boolean;
  /** The store's diffing snapshots of a destination node (for destinations that declare `syncKey`); none: no diffing. */
  syncSnapshot?(nodeId: string): SyncSnapshot;
  /** Send every record, diffing or not (the snapshots still advance). */
  fullResync?: boolean;
  signal?: AbortSignal;
  /** Receives the live counts as the run starts (for progress displays and run events). */
  onStats?(stats: RunStats): void;
}

export interface ExecuteResult {
  status: 'succeeded' | 'failed' | 'cancelled';
  stats: StatsSnapshot;
  /** Where each destination put (or, in a dry run, would put) the run's output, by node id. */
  outputs: Record<string, string>;
  /** What each destination verified before publishing (databases: counts and checksums per table), by node id. */
  verification?: VerificationReport;
  /** A dry run's plan of each destination that plans one (CRMs: creates, updates, relations, samples), by node id. */
  plan?: DryRunPlan;
  error?: BackflowError;
}

const defaultCheckpointIntervalMs = 1000;

export { NodeFailedError };

class RejectionLimitError extends BackflowError {
  constructor(limit: number) {
    super('too_many_rejected', `more than ${limit} records were rejected (settings.maxRejected)`);
  }
}

/**
 * Runs a validated flow graph, as planned (planner.ts). Each source streams batches depth-first
 * through its part of the graph (dispatch.ts), so memory is bounded by one batch per node plus what
 * format nodes buffer into their open part (on disk). Once a source's batch is delivered and no
 * node still holds buffered records from it, all it read is durable, and the cursor, node states
 * and counts are saved together as a checkpoint (checkpoint-policy.ts says when).
 */
export async function executeRun(options: ExecuteOptions): Promise<ExecuteResult> {
  const run = new RunExecution(options);
  return run.execute();
}

class RunExecution {
  private readonly graph: FlowGraph;
  private readonly stats: RunStats;
  private readonly controller = new AbortController();
  private readonly transforms = new Map<string, TransformInstance>();
  private readonly writers = new Map<string, DestinationWriter>();
  private readonly gates = new Map<string, DiffGate>();
  private readonly checkpoints = new Map<string, SourceCheckpoint>();
  private readonly verification: VerificationReport = {};
  private readonly plan: DryRunPlan = {};
  private readonly policy: CheckpointPolicy;
  private readonly dispatcher: Dispatcher;
  private readonly logger: (nodeId?: string) => Logger;
  private firstError?: BackflowError;
  private readonly tempDir: string;
  private readonly fused: { sourceId: string; formatId: string }[];
  private readonly chains: string[][];
  private readonly idMap: IdMap;
  /**
   * Records per batch for sources and the transforms that make records: `diffedBatchSize` in a flow
   * that diffs (a destination whose mode writes by key, with the store's snapshots). No connector's
   * key depends on the stream, so asking for any stream's tells whether it diffs.
   */
  private get batchSize(): number {
    const diffs =
      this.options.syncSnapshot !== undefined &&
      [...this.graph.nodes.values()].some(
        (node) => node.type.role === 'destination' && node.type.syncKey?.(this.config(node), '') !== undefined,
      );
    return this.options.flow.settings?.batchSize ?? (diffs ? diffedBatchSize : defaultBatchSize);
  }

  constructor(private readonly options: ExecuteOptions) {
    const { flow } = options;
    const flowMap = options.idMap ?? memoryIdMap();
    // A dry run's destinations share one overlay: children resolve the parents planned before them.
    this.idMap = options.dryRun ? dryRunIdMap(flowMap) : flowMap;
    const plan = planRun(options.graph, {
      fusions: options.fusions ?? [],
      parallel: parallelOptionsFromEnv(),
      ...(flow.settings?.pushdown === undefined ? {} : { pushdown: flow.settings.pushdown }),
    });
    this.graph = plan.graph;
    this.fused = plan.fused;
    this.chains = plan.chains;
    this.stats = new RunStats(this.graph, { dryRun: options.dryRun ?? false });
    this.tempDir = path.join(options.tempRoot, options.runId);
    this.logger = createRunLog(options.recorder, options.runId);
    this.policy = new CheckpointPolicy(this.graph, flow.settings?.checkpointIntervalMs ?? defaultCheckpointIntervalMs);
    this.dispatcher = new Dispatcher({
      graph: this.graph,
      stats: this.stats,
      policy: this.policy,
      transforms: this.transforms,
      writers: this.writers,
      gates: this.gates,
      storeRejected: (nodeId, rejected, seq) => this.storeRejected(nodeId, rejected, seq),
      throwIfStopped: () => this.throwIfStopped(),
    });
    for (const checkpoint of options.resume ?? []) {
      this.checkpoints.set(checkpoint.sourceId, checkpoint);
      // Destinations prepared in an earlier attempt are not prepared again: their reports stand.
      Object.assign(this.verification, checkpoint.verification);
      this.stats.restore(checkpoint.stats, this.nodesOf(checkpoint.sourceId));
    }
    if (options.signal?.aborted) this.fail(new CancelledError());
    options.signal?.addEventListener('abort', () => this.fail(new CancelledError()), { once: true });
    options.onStats?.(this.stats);
  }

  async execute(): Promise<ExecuteResult> {
    const { graph } = this;
    let succeeded = false;
    try {
      // A crashed attempt of this run may have left temp parts; they may even be hard-linked into a
      // destination, so they are unlinked, never rewritten in place.
      await rm(this.tempDir, { recursive: true, force: true });
      await mkdir(this.tempDir, { recursive: true });
      for (const { sourceId, formatId } of this.fused) {
        this.logger(sourceId).info(`writes the parts of "${formatId}" itself (pushdown)`, { format: formatId });
      }
      for (const [parserId, ...rest] of this.chains) {
        this.logger(parserId).info(
          `parses big files with ${rest.map((id) => `"${id}"`).join(' → ')} on worker threads`,
          {
            chain: [parserId, ...rest],
          },
        );
      }
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
      await this.endGates(succeeded);
      await rm(this.tempDir, { recursive: true, force: true });
    }
    const stats = this.stats.snapshot();
    const outputs = this.outputs();
    const reports = {
      ...(Object.keys(this.verification).length > 0 ? { verification: this.verification } : {}),
      ...(Object.keys(this.plan).length > 0 ? { plan: this.plan } : {}),
    };
    if (succeeded) return { status: 'succeeded', stats, outputs, ...reports };
    const status = this.firstError instanceof CancelledError ? 'cancelled' : 'failed';
    return { status, stats, outputs, ...reports, error: this.firstError };
  }

  /** Where each destination puts the run's output (NodeType.location), for the summary. */
  private outputs(): Record<string, string> {
    const outputs: Record<string, string> = {};
    for (const node of this.graph.order) {
      const where = this.location(node);
      if (where !== undefined) outputs[node.id] = where;
    }
    return outputs;
  }

  /** Where a destination puts its output, if it says. */
  private location(node: GraphNode): string | undefined {
    if (node.type.role !== 'destination' || !node.type.location) return undefined;
    try {
      return node.type.location(this.config(node), this.context(node));
    } catch {
      // A config the destination cannot resolve (a bad path template) failed the run already, saying why.
      return undefined;
    }
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
        // Before the store says published: a crash in between commits again, and the snapshot takes the rows then.
        await this.gates.get(id)?.published();
        await this.options.recorder.markPublished(this.options.runId, id);
      } catch (error) {
        const failure = new NodeFailedError(id, error);
        this.logger(id).error(`publishing failed: ${errorMessage(error)}`);
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
    for (const node of this.graph.order) {
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
    return this.graph.order.filter((n) => this.graph.sourceOf.get(n.id) === sourceId).map((n) => n.id);
  }

  private context(node: GraphNode): NodeContext {
    const { runId, flow, startedAt, baseDir, fileRoots } = this.options;
    return {
      runId,
      flowName: flow.name,
      nodeId: node.id,
      runDate: startedAt.slice(0, 10),
      tempDir: path.join(this.tempDir, node.id),
      baseDir,
      ...(fileRoots ? { fileRoots } : {}),
      signal: this.controller.signal,
      log: this.logger(node.id),
    };
  }

  /** The node's config as validated: connection merged, `${env:NAME}` resolved. */
  private config(node: GraphNode): Record<string, unknown> {
    return node.spec.config ?? {};
  }

  private async instantiate(node: GraphNode): Promise<void> {
    const checkpoint = this.checkpoints.get(this.graph.sourceOf.get(node.id) ?? '');
    const prepared = checkpoint?.finished === true;
    // A finished source's nodes have done their work: only a destination left to commit reopens.
    if (this.options.published?.has(node.id) || (prepared && node.type.role !== 'destination')) return;
    const resumeState = checkpoint?.states[node.id];
    const ctx = this.context(node);
    await mkdir(ctx.tempDir, { recursive: true });
    try {
      if (node.type.role === 'transform') {
        const instance = await node.type.create(this.config(node), {
          ...ctx,
          ...(resumeState === undefined ? {} : { resumeState }),
          batchSize: this.batchSize,
          filtered: (count) => {
            this.stats.node(node.id).filtered += count;
          },
          read: (count) => {
            this.stats.node(node.id).read += count;
          },
        });
        this.transforms.set(node.id, instance);
      } else if (node.type.role === 'destination') {
        const dryRun = this.options.dryRun === true;
        const writer =
          dryRun && !node.type.plansDryRun
            ? dryRunWriter()
            : await node.type.open(this.config(node), {
                ...ctx,
                ...(resumeState === undefined ? {} : { resumeState }),
                ...(checkpoint ? { resumeSeq: checkpoint.seq } : {}),
                ...(prepared ? { prepared } : {}),
                ...(dryRun ? { dryRun } : {}),
                idMap: this.idMap,
                reject: (records, reasons, locations) => {
                  this.gates.get(node.id)?.rejected(records, !this.dispatcher.isWriting(node.id));
                  const rejected = records.map((record, i) => ({
                    record,
                    reasons: [reasons[i] ?? 'rejected by destination'],
                    ...locations?.[i],
                  }));
                  this.recordRejected(
                    node.id,
                    rejected,
                    this.dispatcher.writingSeq(node.id),
                    !this.dispatcher.isWriting(node.id),
                  );
                },
              });
        this.writers.set(node.id, writer);
        await this.openGate(node, checkpoint?.seq, prepared);
      }
    } catch (error) {
      throw new NodeFailedError(node.id, error);
    }
  }

  /** A mirror deletes what vanished from the source, once its last batch was written. */
  private async deleteVanished(id: string, writer: DestinationWriter): Promise<void> {
    try {
      await this.gates.get(id)?.deleteVanished(writer, this.reads(id));
    } catch (error) {
      throw error instanceof BackflowError && error.context.nodeId ? error : new NodeFailedError(id, error);
    }
  }

  /** Every diffing gate takes what landed into its snapshot; a failure there is logged, the run's outcome stands. */
  private async endGates(succeeded: boolean): Promise<void> {
    for (const [id, gate] of this.gates) {
      try {
        await gate.ended(succeeded);
      } catch (error) {
        this.logger(id).error(`updating the sync snapshot failed: ${errorMessage(error)}`);
      }
    }
  }

  /** A destination's reads of its own records, with its config and context. */
  private reads(id: string): KeyReads {
    const node = this.graph.nodes.get(id)!;
    if (node.type.role !== 'destination' || !node.type.reads) return {};
    const { keys, current } = node.type.reads;
    const config = this.config(node);
    const ctx = this.context(node);
    return {
      ...(keys ? { keys: (stream: string) => keys(config, ctx, stream) } : {}),
      ...(current ? { current: (stream: string, found: Rec[]) => current(config, ctx, stream, found) } : {}),
    };
  }

  /** Diffing in front of a destination that writes by key (its type's `syncKey`), when the store keeps snapshots. */
  private async openGate(node: GraphNode, resumeSeq: number | undefined, prepared: boolean): Promise<void> {
    const { syncSnapshot, dryRun, fullResync } = this.options;
    if (node.type.role !== 'destination' || !node.type.syncKey || !syncSnapshot) return;
    const { type } = node;
    const config = this.config(node);
    const gate = new DiffGate(
      syncSnapshot(node.id),
      (stream) => type.syncKey!(config, stream),
      {
        publishes: type.publishes,
        sendAll: fullResync === true,
        dryRun: dryRun === true,
        mirror: mirrorScopeOf(config),
        keysIgnoreCase: type.keysIgnoreCase === true,
      },
      () => this.stats.diffCounts(node.id),
    );
    await gate.opened(resumeSeq, prepared);
    this.gates.set(node.id, gate);
  }

  private async runSource(source: GraphNode): Promise<void> {
    if (source.type.role !== 'source') return;
    const checkpoint = this.checkpoints.get(source.id);
    let seq = checkpoint?.seq ?? 0;
    const alignRows = this.partRowsBelow(source);
    const lastRunCursor = this.options.lastRunCursors?.[source.id];
    const batches = source.type.read(this.config(source), {
      ...this.context(source),
      batchSize: this.batchSize,
      ...(alignRows ? { alignRows } : {}),
      ...(checkpoint ? { resumeCursor: checkpoint.cursor } : {}),
      ...(lastRunCursor === undefined ? {} : { lastRunCursor }),
    });
    const port = source.type.outputs[0]!.name;
    // A source that reads nothing new ends where the last run ended, so the next run starts there too.
    let lastCursor: unknown = checkpoint?.cursor ?? lastRunCursor ?? null;
    this.policy.started(source.id);
    try {
      for await (const { cursor, ...payload } of readAhead(batches, 1)) {
        this.throwIfStopped();
        seq += 1;
        if (cursor !== null) lastCursor = cursor;
        this.stats.sourceBatch(source.id, payload);
        await this.dispatcher.deliver(source, port, payload, seq);
        if (this.policy.due(source.id, cursor)) await this.saveCheckpoint(source.id, seq, cursor);
      }
    } catch (error) {
      throw error instanceof BackflowError && error.context.nodeId ? error : new NodeFailedError(source.id, error);
    }
    this.throwIfStopped();
    for (const id of this.nodesOf(source.id)) await this.dispatcher.flush(this.graph.nodes.get(id)!, seq);
    for (const id of this.nodesOf(source.id)) {
      const writer = this.writers.get(id);
      if (writer) {
        this.throwIfStopped();
        await this.deleteVanished(id, writer);
        await this.prepare(id, writer);
      }
    }
    this.throwIfStopped();
    await this.saveCheckpoint(source.id, seq, lastCursor, true);
  }

  /**
   * Phase one of publishing for one destination: `prepare`, then its verification report, kept
   * whether `prepare` resolved or threw. A report of a mismatch fails the run even when `prepare`
   * did not throw: nothing is published after one.
   */
  private async prepare(id: string, writer: DestinationWriter): Promise<void> {
    if (this.options.dryRun) {
      // A dry run publishes nothing: a planning destination hands over its plan instead.
      const diffed = (await this.gates.get(id)?.plan(this.reads(id))) ?? [];
      const where = this.location(this.graph.nodes.get(id)!);
      const plan = mergePlans(
        writer.plan?.() ?? [],
        diffed.map((stream) => (where === undefined ? stream : { ...stream, target: where })),
      );
      if (plan.length > 0) this.plan[id] = plan;
      return;
    }
    let failure: unknown;
    await writer.prepare().catch((error: unknown) => {
      failure = error;
    });
    const streams = readVerification(writer);
    if (streams) this.verification[id] = streams;
    failure ??= streams ? mismatchOf(id, streams) : undefined;
    if (failure !== undefined) throw new NodeFailedError(id, failure);
  }

  /** The smallest part size of the format nodes fed by this source, so the source can align batches to it. */
  private partRowsBelow(source: GraphNode): number | undefined {
    const sizes = this.nodesOf(source.id)
      .map((id) => this.graph.nodes.get(id)!)
      .map((node) => (node.type.role === 'transform' ? node.type.partRows?.(node.spec.config ?? {}) : undefined))
      .filter((n): n is number => typeof n === 'number' && n > 0);
    return sizes.length > 0 ? Math.min(...sizes) : undefined;
  }

  private async saveCheckpoint(sourceId: string, seq: number, cursor: unknown, finished = false): Promise<void> {
    const nodeIds = this.nodesOf(sourceId);
    const states: Record<string, unknown> = {};
    const verification: VerificationReport = {};
    for (const id of nodeIds) {
      await this.gates.get(id)?.persist();
      const state = this.transforms.get(id)?.state?.() ?? this.writers.get(id)?.state?.();
      if (state !== undefined) states[id] = state;
      const streams = this.verification[id];
      if (finished && streams) verification[id] = streams;
    }
    const checkpoint: SourceCheckpoint = {
      sourceId,
      seq,
      cursor,
      states,
      stats: this.stats.snapshot(nodeIds),
      savedAt: new Date().toISOString(),
      ...(finished ? { finished } : {}),
      ...(Object.keys(verification).length > 0 ? { verification } : {}),
    };
    await this.options.recorder.saveCheckpoint(this.options.runId, checkpoint);
    this.policy.saved(sourceId);
    const read = checkpoint.stats.nodes[sourceId]?.read ?? 0;
    this.logger(sourceId).info(
      finished
        ? `source ended after batch ${seq} (${read} records read); its destinations are ready to publish`
        : `checkpoint after batch ${seq}: ${read} records read`,
      { seq, read },
    );
  }

  /** `afterWrite`: refused while preparing, after the engine counted the records as written. */
  private recordRejected(nodeId: string, rejected: RejectedRecord[], seq: number, afterWrite = false): void {
    if (afterWrite) this.stats.rejectedAfterWrite(nodeId, rejected.length);
    else this.stats.rejected(nodeId, rejected.length);
    void this.storeRejected(nodeId, rejected, seq).catch((error) => this.fail(error));
  }

  private async storeRejected(nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void> {
    await this.options.recorder.saveRejected(this.options.runId, nodeId, rejected, seq);
    const limit = this.options.flow.settings?.maxRejected;
    if (limit !== undefined && this.stats.totalRejected() > limit) throw new RejectionLimitError(limit);
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

function dryRunWriter(): DestinationWriter {
  return { write: async () => undefined, prepare: async () => undefined, commit: async () => undefined };
}

/**
 * A dry run's plan for a destination: what its writer planned (creates, updates, relations), with
 * what its diffing counted per stream (deletes, unchanged, before → after samples); where only the
 * diffing planned a stream, its counts stand alone.
 */
function mergePlans(planned: PlannedStream[], diffed: PlannedStream[]): PlannedStream[] {
  const merged = planned.map((stream) => {
    const diff = diffed.find((other) => other.stream === stream.stream);
    if (diff === undefined) return stream;
    const { delete: deletes, unchanged, changes } = diff;
    return {
      ...stream,
      ...(deletes ? { delete: deletes } : {}),
      ...(unchanged ? { unchanged } : {}),
      ...(changes ? { changes } : {}),
    };
  });
  return [...merged, ...diffed.filter((diff) => !planned.some((stream) => stream.stream === diff.stream))];
}
