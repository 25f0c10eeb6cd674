import type { Flow } from '@backflow/flow-model';
import type { RunStats, StatsSnapshot } from '../engine/run-stats.ts';
import { BackflowError, errorMessage, FlowValidationError } from '../errors.ts';
import { isUnder } from '../flow/file-roots.ts';
import { fingerprintFlow } from '../flow/fingerprint.ts';
import type { FlowGraph } from '../flow/graph.ts';
import type { ResolvedConnection } from '../flow/validate.ts';
import type { NodeCatalog } from '../nodes/registry.ts';
import type { Redactor } from '../secrets/redactor.ts';
import type { LogRow } from '../store/log-repository.ts';
import type { RunStatus } from '../store/run-repository.ts';
import type { StateStore } from '../store/state-store.ts';
import { assertSameFlow, interruptRun, newRunId, type RunSummary, runFlow, validatorFor } from './flow-runner.ts';

/** What `GET /api/runs/:id/events` streams. */
export type RunEvent =
  | { type: 'status'; runId: string; status: RunStatus | 'queued'; at: string }
  | { type: 'stats'; runId: string; at: string; nodes: StatsSnapshot['nodes']; edges: StatsSnapshot['edges'] }
  | { type: 'log'; runId: string; at: string; level: string; nodeId?: string; message: string }
  | { type: 'summary'; runId: string; summary: RunSummary };

export interface RunRequest {
  document: unknown;
  flowId?: string;
  dryRun?: boolean;
  /** Re-read every source in full instead of from where the flow's last succeeded run ended. */
  fullResync?: boolean;
  /** Relative paths in the flow resolve against this directory (the CLI's working directory). */
  baseDir?: string;
}

export interface RunServiceOptions {
  store: StateStore;
  catalog: NodeCatalog;
  dataDir: string;
  baseDir: string;
  /** The directories flows may touch; a run handed over from a directory outside them is refused. */
  fileRoots?: readonly string[];
  redactor: Redactor;
  /** Stored connections, secrets opened (read at each run's start, so edits apply to the next run). */
  connections(): Promise<ReadonlyMap<string, ResolvedConnection>>;
  /** Runs executing at once; more wait their turn as `queued`. */
  maxConcurrentRuns?: number;
  /** How often running runs publish their counts. */
  statsIntervalMs?: number;
}

/** A run handed over from a directory outside the server's file roots (its relative paths would reach there). */
export class OutsideRootsError extends BackflowError {
  constructor(baseDir: string, roots: readonly string[]) {
    super(
      'outside_roots',
      `this server may only use files under ${roots.join(', ')}, and ${baseDir} is not among them: run from inside one of them, or start the server with BACKFLOW_FILES_ROOTS including ${baseDir}`,
      { details: [{ path: 'baseDir', message: `${baseDir} is outside the server's file roots` }] },
    );
  }
}

/** A second run of a flow that has one queued or running. */
export class RunActiveError extends BackflowError {
  constructor(
    readonly flowName: string,
    readonly runId: string,
  ) {
    super('run_active', `flow ${flowName} already has an active run: ${runId}`, {
      details: [{ path: 'runId', message: runId }],
    });
  }
}

interface ExecutionContext {
  connections: ReadonlyMap<string, ResolvedConnection>;
  signal: AbortSignal;
  onStats(stats: RunStats): void;
}

interface ActiveRun {
  runId: string;
  flowName: string;
  status: 'queued' | 'running';
  controller: AbortController;
  listeners: Set<(event: RunEvent) => void>;
  stats?: RunStats;
  start(): Promise<void>;
  done: Promise<void>;
  settle(): void;
}

/**
 * Runs flows as a service: at most one active run per flow, at most `maxConcurrentRuns` executing,
 * live events per run, cancel, resume, and recovery of runs a dead server left behind.
 */
export class RunService {
  private readonly active = new Map<string, ActiveRun>();
  private readonly waiting: ActiveRun[] = [];
  private executing = 0;
  private readonly maxConcurrentRuns: number;
  private readonly unwatchLogs: () => void;

  constructor(private readonly options: RunServiceOptions) {
    this.maxConcurrentRuns = options.maxConcurrentRuns ?? 4;
    this.unwatchLogs = options.store.logs.watch((line) => this.publishLog(line));
  }

  /** Validates and queues a new run; resolves with its id before it starts (HTTP 202). */
  async start(request: RunRequest): Promise<{ runId: string }> {
    const baseDir = request.baseDir ?? this.options.baseDir;
    const { fileRoots } = this.options;
    if (fileRoots && !fileRoots.some((root) => isUnder(baseDir, root))) throw new OutsideRootsError(baseDir, fileRoots);
    const { flow } = await this.validate(request.document, baseDir);
    this.assertIdle(flow.name);
    const runId = newRunId();
    await this.options.store.runs.queue({
      id: runId,
      flowName: flow.name,
      flow: request.document,
      dryRun: request.dryRun ?? false,
      startedAt: new Date().toISOString(),
      baseDir,
      ...(request.flowId ? { flowId: request.flowId } : {}),
      ...(request.fullResync ? { fullResync: true } : {}),
    });
    this.enqueue(runId, flow.name, (context) =>
      runFlow({
        ...this.runOptions(request.baseDir, context),
        document: request.document,
        runId,
        ...(request.flowId ? { flowId: request.flowId } : {}),
        ...(request.dryRun ? { dryRun: true } : {}),
        ...(request.fullResync ? { fullResync: true } : {}),
      }),
    );
    return { runId };
  }

  /**
   * Continues an unfinished run from its checkpoints, with the flow as it was when the run started
   * and its paths resolved against the same directory. With `document` (the CLI's `run --resume`
   * hands its flow file over), that flow must be the one the run started with.
   */
  async resume(runId: string, document?: unknown): Promise<{ runId: string }> {
    const run = await this.options.store.runs.get(runId);
    if (!run) throw new BackflowError('not_found', `no run with id "${runId}"`);
    this.assertIdle(run.flowName);
    if (document !== undefined) {
      assertSameFlow(run, fingerprintFlow((await this.validate(document, run.baseDir ?? this.options.baseDir)).graph));
    }
    if (run.status === 'succeeded')
      throw new BackflowError('conflict', `run ${runId} succeeded; there is nothing to resume`);
    if (run.dryRun) throw new BackflowError('conflict', `run ${runId} was a dry run; start a new one instead`);
    this.enqueue(runId, run.flowName, (context) =>
      runFlow({
        ...this.runOptions(run.baseDir, context),
        document: run.flow,
        ...(run.status === 'queued' ? { runId } : { resumeRunId: runId }),
        ...(run.flowId ? { flowId: run.flowId } : {}),
      }),
    );
    return { runId };
  }

  /** Asks a queued or running run to stop; `false` when it is not active. */
  cancel(runId: string): boolean {
    const run = this.active.get(runId);
    if (!run) return false;
    run.controller.abort();
    return true;
  }

  /** The active run of a flow, if any. */
  activeRunOf(flowName: string): string | undefined {
    for (const run of this.active.values()) if (run.flowName === flowName) return run.runId;
    return undefined;
  }

  /** Live state of an active run: its status and counts so far. */
  live(runId: string): { status: 'queued' | 'running'; stats?: StatsSnapshot } | undefined {
    const run = this.active.get(runId);
    if (!run) return undefined;
    return { status: run.status, ...(run.stats ? { stats: run.stats.snapshot() } : {}) };
  }

  /** Events of an active run; `undefined` when the run is not active (read its record instead). */
  subscribe(runId: string, listener: (event: RunEvent) => void): (() => void) | undefined {
    const run = this.active.get(runId);
    if (!run) return undefined;
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  /** Resolves when the run is no longer active. */
  async settled(runId: string): Promise<void> {
    await this.active.get(runId)?.done;
  }

  /**
   * At start-up: runs left `running` by a dead process become `interrupted` and, with `resume`,
   * continue from their checkpoints; runs left `queued` start.
   */
  async recover(options: { resume: boolean }): Promise<string[]> {
    const crashed = await this.options.store.runs.markInterrupted();
    for (const run of crashed) {
      this.options.store.logs.write(run.id, 'warn', 'the server stopped during this run (it was still marked running)');
    }
    if (!options.resume) return crashed.map((run) => run.id);
    // Interrupted by a crash just now, or by an earlier stop (graceful, or with --no-resume).
    const interrupted = await this.options.store.runs.list({ status: 'interrupted', limit: 1000 });
    const queued = await this.options.store.runs.list({ status: 'queued', limit: 1000 });
    const resumed: string[] = [];
    for (const run of [...interrupted.reverse(), ...queued.reverse()]) {
      if (run.dryRun && run.status === 'interrupted') {
        // A dry run wrote nothing, so there is nothing to continue: it ends as cancelled.
        this.options.store.logs.write(run.id, 'warn', 'a dry run the server stopped is not resumed; start a new one');
        await this.options.store.runs.markCancelled(run.id);
        continue;
      }
      try {
        if (run.status === 'interrupted') this.options.store.logs.write(run.id, 'info', 'resuming from its checkpoint');
        await this.resume(run.id);
        resumed.push(run.id);
      } catch (error) {
        this.options.store.logs.write(run.id, 'error', `could not resume: ${errorMessage(error)}`);
      }
    }
    return resumed;
  }

  /** Stops every active run so it can be resumed later, and waits for them. */
  async shutdown(): Promise<void> {
    for (const run of this.waiting.splice(0)) run.settle();
    const running = [...this.active.values()];
    for (const run of running) run.controller.abort(interruptRun);
    await Promise.all(running.map((run) => run.done));
    this.unwatchLogs();
  }

  private async validate(document: unknown, baseDir: string): Promise<{ flow: Flow; graph: FlowGraph }> {
    const { fileRoots } = this.options;
    const validation = validatorFor(this.options.catalog)(document, {
      connections: await this.options.connections(),
      ...(fileRoots ? { files: { baseDir, roots: fileRoots } } : {}),
    });
    if (!validation.flow || !validation.graph) throw new FlowValidationError(validation.issues);
    return { flow: validation.flow, graph: validation.graph };
  }

  private assertIdle(flowName: string): void {
    const activeRunId = this.activeRunOf(flowName);
    if (activeRunId) throw new RunActiveError(flowName, activeRunId);
  }

  private runOptions(baseDir: string | undefined, context: ExecutionContext) {
    return {
      store: this.options.store,
      catalog: this.options.catalog,
      connections: context.connections,
      redactor: this.options.redactor,
      baseDir: baseDir ?? this.options.baseDir,
      dataDir: this.options.dataDir,
      ...(this.options.fileRoots ? { fileRoots: this.options.fileRoots } : {}),
      signal: context.signal,
      onStart: ({ stats }: { stats: RunStats }) => context.onStats(stats),
    };
  }

  private enqueue(runId: string, flowName: string, execute: (context: ExecutionContext) => Promise<RunSummary>): void {
    let settle!: () => void;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    const run: ActiveRun = {
      runId,
      flowName,
      status: 'queued',
      controller: new AbortController(),
      listeners: new Set(),
      done,
      settle: () => {
        this.active.delete(runId);
        settle();
      },
      start: async () => {
        run.status = 'running';
        this.publish(run, { type: 'status', runId, status: 'running', at: new Date().toISOString() });
        const ticker = setInterval(() => this.publishStats(run), this.options.statsIntervalMs ?? 500);
        try {
          const summary = await this.options
            .connections()
            .then((connections) =>
              execute({
                connections,
                signal: run.controller.signal,
                onStats: (stats) => {
                  run.stats = stats;
                },
              }),
            )
            .catch(async (error: unknown) => this.failedBeforeStart(runId, flowName, error));
          this.publishStats(run);
          const redacted = this.options.redactor.redactDeep(summary);
          this.publish(run, { type: 'status', runId, status: summary.status, at: new Date().toISOString() });
          this.publish(run, { type: 'summary', runId, summary: redacted });
        } finally {
          clearInterval(ticker);
          run.settle();
        }
      },
    };
    this.active.set(runId, run);
    this.waiting.push(run);
    this.publish(run, { type: 'status', runId, status: 'queued', at: new Date().toISOString() });
    this.pump();
  }

  /** Starts waiting runs while there are free slots. */
  private pump(): void {
    while (this.executing < this.maxConcurrentRuns && this.waiting.length > 0) {
      const run = this.waiting.shift()!;
      this.executing++;
      void run.start().finally(() => {
        this.executing--;
        this.pump();
      });
    }
  }

  /** A run that failed before the engine took it (invalid flow, a missing connection): recorded as failed. */
  private async failedBeforeStart(runId: string, flowName: string, error: unknown): Promise<RunSummary> {
    const failure =
      error instanceof BackflowError
        ? error.toJSON()
        : { code: 'run_failed', message: errorMessage(error), details: [] };
    const now = new Date().toISOString();
    const summary: RunSummary = {
      runId,
      flow: flowName,
      status: 'failed',
      dryRun: false,
      resumed: false,
      startedAt: now,
      finishedAt: now,
      durationMs: 0,
      nodes: {},
      edges: [],
      outputs: {},
      error: failure,
    };
    this.options.store.logs.write(runId, 'error', `run failed: ${failure.message}`);
    await this.options.store.runs.finish(runId, 'failed', summary, failure);
    return summary;
  }

  private publishStats(run: ActiveRun): void {
    if (!run.stats) return;
    const { nodes, edges } = run.stats.snapshot();
    this.publish(run, { type: 'stats', runId: run.runId, at: new Date().toISOString(), nodes, edges });
  }

  private publishLog(line: LogRow): void {
    const run = this.active.get(line.runId);
    if (run) this.publish(run, { type: 'log', ...line });
  }

  private publish(run: ActiveRun, event: RunEvent): void {
    for (const listener of run.listeners) listener(event);
  }
}
