import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { prepareDemoWarehouse } from '../demo/prepare.ts';
import { executeRun } from '../engine/executor.ts';
import type { EdgeCounts, NodeCounts, RunStats } from '../engine/run-stats.ts';
import type { DryRunPlan, VerificationReport } from '../engine/verification-report.ts';
import { BackflowError, FlowChangedError, FlowValidationError } from '../errors.ts';
import { type FlowFingerprint, fingerprintChanges, fingerprintFlow } from '../flow/fingerprint.ts';
import type { FlowGraph } from '../flow/graph.ts';
import { createFlowValidator, type ResolvedConnection, secretFields } from '../flow/validate.ts';
import { secretParts } from '../node-kit/url-redaction.ts';
import { catalog as defaultCatalog, findNodeType, type NodeCatalog } from '../nodes/registry.ts';
import type { Redactor } from '../secrets/redactor.ts';
import { idMapFlowKey } from '../store/id-map-repository.ts';
import { type RunRow, type RunStatus, resumableStatuses, type StateStore } from '../store/state-store.ts';
import { sendAlerts } from './alerts.ts';

export const validateFlow = createFlowValidator(findNodeType);

/**
 * The abort reason of a stop meant to be resumed (the server shutting down): the run ends
 * `interrupted`, kept unfinished for the next start, instead of `cancelled`.
 */
export const interruptRun = new BackflowError(
  'interrupted',
  'the server stopped; the run resumes from its checkpoint on the next start',
);

const validators = new WeakMap<NodeCatalog, typeof validateFlow>();

/** The flow validator of a catalog (the registry's unless a server or test brings its own). */
export function validatorFor(catalog: NodeCatalog): typeof validateFlow {
  if (catalog === defaultCatalog) return validateFlow;
  let validate = validators.get(catalog);
  if (!validate) {
    validate = createFlowValidator(catalog.find);
    validators.set(catalog, validate);
  }
  return validate;
}

/** The run summary: `backflow run --json` prints it and the API returns it. */
export interface RunSummary {
  runId: string;
  flow: string;
  status: RunStatus;
  dryRun: boolean;
  resumed: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  nodes: Record<string, NodeCounts>;
  edges: EdgeCounts[];
  /** Where each destination put (in a dry run: would put) the output, by node id; never a secret. */
  outputs: Record<string, string>;
  /**
   * What each destination verified before publishing, by node id: per stream (table) the records it
   * received, the rows it holds, rejected and missing rows, and checksums. Only destinations that verify.
   */
  verification?: VerificationReport;
  /** A dry run's plan per planning destination (CRMs): per stream the creates, updates, rejects, relations, samples. */
  plan?: DryRunPlan;
  error?: { code: string; message: string; nodeId?: string; details?: unknown[] };
}

export interface RunFlowOptions {
  store: StateStore;
  /** The flow document as read from a file or request; validated here and stored as given. */
  document: unknown;
  catalog?: NodeCatalog;
  /** Stored connections by name, secrets opened, for nodes that name one. */
  connections?: ReadonlyMap<string, ResolvedConnection>;
  /** Learns the secret values the flow resolved (from connections or the environment), to keep them out of logs. */
  redactor?: Redactor;
  /** The saved flow this run belongs to. */
  flowId?: string;
  /** Id for a new run (default: a fresh one); a run already stored as `queued` under it is started. */
  runId?: string;
  /** Continue this run (same id) from its checkpoints instead of the flow's latest unfinished one. */
  resumeRunId?: string;
  baseDir: string;
  dataDir: string;
  /** The directories the flow may touch (a server's runs): paths outside are validation issues. */
  fileRoots?: readonly string[];
  resume?: boolean;
  dryRun?: boolean;
  /**
   * Re-read every source in full: no source gets where it ended in the last succeeded run
   * (`lastRunCursor`). A resumed run keeps the choice it started with.
   */
  fullResync?: boolean;
  signal?: AbortSignal;
  /** Told things the caller should show the user (e.g. that there was nothing to resume). */
  onNotice?(message: string): void;
  /** Called once the run id is known and the run is registered (progress displays hook in here). */
  onStart?(run: { runId: string; resumed: boolean; stats: RunStats }): void;
}

/** Tells the redactor every secret value the validated flow resolved (from connections or the environment). */
export function registerSecrets(graph: FlowGraph, redactor: Redactor): void {
  for (const node of graph.order) {
    for (const field of secretFields(node.type)) {
      const value = node.spec.config?.[field];
      if (typeof value === 'string') for (const secret of secretParts(value)) redactor.add(secret);
    }
  }
}

export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/**
 * Validates a flow and runs it to the end, recording the run in the store; with `resume`, continues
 * the flow's latest unfinished run (same run id) from its checkpoints.
 */
export async function runFlow(options: RunFlowOptions): Promise<RunSummary> {
  const { store } = options;
  const validate = validatorFor(options.catalog ?? defaultCatalog);
  const validation = validate(options.document, {
    ...(options.connections ? { connections: options.connections } : {}),
    ...(options.fileRoots ? { files: { baseDir: options.baseDir, roots: options.fileRoots } } : {}),
  });
  if (!validation.graph || !validation.flow) throw new FlowValidationError(validation.issues);
  const { flow, graph } = validation;
  if (options.redactor) registerSecrets(graph, options.redactor);
  await prepareDemoWarehouse(flow, options.baseDir);

  const fingerprint = fingerprintFlow(graph);
  const previous = await runToResume(store, flow.name, options);
  if (previous) assertSameFlow(previous, fingerprint);
  if (options.resume && !previous)
    options.onNotice?.(`no unfinished run of ${flow.name} to resume; starting a new run`);
  const runId = previous?.id ?? options.runId ?? newRunId();
  const queuedRun = !previous && options.runId ? await store.getRun(options.runId) : undefined;
  const queued = queuedRun?.status === 'queued';
  const fullResync = previous ? previous.fullResync === true : (options.fullResync ?? queuedRun?.fullResync === true);
  const startedAt = previous?.startedAt ?? new Date().toISOString();
  const attemptStart = Date.now();
  if (previous || queued) await store.restartRun(runId, fingerprint);
  else {
    await store.createRun({
      id: runId,
      flowName: flow.name,
      flow: options.document,
      dryRun: options.dryRun ?? false,
      startedAt,
      baseDir: options.baseDir,
      fingerprint,
      ...(options.flowId ? { flowId: options.flowId } : {}),
      ...(fullResync ? { fullResync } : {}),
    });
  }
  const flowId = (previous ?? queuedRun)?.flowId ?? options.flowId;
  const lastRunCursors = fullResync
    ? {}
    : await store.lastRunCursors({ flowName: flow.name, ...(flowId ? { flowId } : {}) }, fingerprint);
  const checkpoints = previous ? await store.loadCheckpoints(runId) : [];
  const published = previous ? await store.published(runId) : new Set<string>();
  store.log(
    runId,
    'info',
    previous
      ? `resuming (attempt ${previous.attempts + 1}) from ${checkpoints.length} checkpoint(s)`
      : `run started${options.dryRun ? ' (dry run: destinations write nothing)' : ''}${fullResync ? ' (full re-read of every source)' : ''}`,
  );

  // The ID map and the diffing snapshots are the flow's, across runs.
  const flowKey = idMapFlowKey({ flowName: flow.name, ...(flowId ? { flowId } : {}) });
  const result = await executeRun({
    runId,
    flow,
    graph,
    recorder: store,
    startedAt,
    baseDir: options.baseDir,
    ...(options.fileRoots ? { fileRoots: options.fileRoots } : {}),
    tempRoot: path.join(options.dataDir, 'tmp'),
    resume: checkpoints,
    lastRunCursors,
    idMap: store.idMaps.forRun(flowKey, runId),
    syncSnapshot: (nodeId) => store.syncSnapshots.forRun(flowKey, nodeId, runId),
    ...(fullResync ? { fullResync } : {}),
    published,
    fusions: (options.catalog ?? defaultCatalog).fusions,
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onStats: (stats) => options.onStart?.({ runId, resumed: Boolean(previous), stats }),
  });
  const finishedAt = new Date().toISOString();
  const interrupted = result.status === 'cancelled' && options.signal?.reason === interruptRun;
  const status: RunStatus = interrupted ? 'interrupted' : result.status;
  const failure = interrupted ? undefined : result.error?.toJSON();
  const error = failure && options.redactor ? options.redactor.redactDeep(failure) : failure;
  const summary: RunSummary = {
    runId,
    flow: flow.name,
    status,
    dryRun: options.dryRun ?? false,
    resumed: Boolean(previous),
    startedAt,
    finishedAt,
    durationMs: Date.now() - attemptStart,
    nodes: result.stats.nodes,
    edges: result.stats.edges,
    outputs: options.redactor ? options.redactor.redactDeep(result.outputs) : result.outputs,
    ...(result.verification ? { verification: result.verification } : {}),
    ...(result.plan ? { plan: options.redactor ? options.redactor.redactDeep(result.plan) : result.plan } : {}),
    ...(error ? { error } : {}),
  };
  store.log(
    runId,
    status === 'succeeded' ? 'info' : status === 'failed' ? 'error' : 'warn',
    interrupted ? `run interrupted: ${interruptRun.message}` : `run ${status}${error ? `: ${error.message}` : ''}`,
  );
  await store.finishRun(runId, status, summary, error);
  await sendAlerts(flow, summary, { flowId, log: (level, message) => store.log(runId, level, message) });
  return summary;
}

/** A resume continues a run's cursors and parts, so it refuses a flow that differs from the one the run started with. */
export function assertSameFlow(run: Pick<RunRow, 'id' | 'fingerprint'>, fingerprint: FlowFingerprint): void {
  // Runs recorded before fingerprints existed have none to compare.
  if (!run.fingerprint) return;
  const changes = fingerprintChanges(run.fingerprint, fingerprint);
  if (changes.length > 0) throw new FlowChangedError(run.id, changes);
}

async function runToResume(store: StateStore, flowName: string, options: RunFlowOptions) {
  if (options.resumeRunId) {
    const run = await store.getRun(options.resumeRunId);
    if (!run) throw new BackflowError('not_found', `no run with id "${options.resumeRunId}"`);
    if (!resumableStatuses.includes(run.status)) {
      throw new BackflowError('conflict', `run ${run.id} ${run.status}; only an unfinished run can be resumed`);
    }
    return run;
  }
  return options.resume && !options.dryRun ? store.latestUnfinishedRun(flowName) : undefined;
}
