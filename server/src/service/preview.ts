import { rm } from 'node:fs/promises';
import path from 'node:path';
import { defaultBatchSize, type Flow, type FlowIssue, type FlowNode, parseEndpoint } from '@backflow/flow-model';
import { Type } from '@sinclair/typebox';
import { prepareDemoWarehouse } from '../demo/prepare.ts';
import type { RunRecorder } from '../engine/checkpoint.ts';
import { executeRun } from '../engine/executor.ts';
import { BackflowError, ConfigError, FlowValidationError } from '../errors.ts';
import type { ResolvedConnection } from '../flow/validate.ts';
import { defineDestination, type NodeType, type Payload, type PayloadKind } from '../node-kit/contract.ts';
import { createCatalog, type NodeCatalog } from '../nodes/registry.ts';
import type { Redactor } from '../secrets/redactor.ts';
import { newRunId, registerSecrets, validatorFor } from './flow-runner.ts';

export interface PreviewRequest {
  document: unknown;
  nodeId: string;
  /** Output port to sample (default: the node's first output; a destination shows what it would receive). */
  port?: string;
  limit: number;
}

export interface PreviewResult {
  nodeId: string;
  port: string;
  kind: PayloadKind;
  records?: unknown[];
  files?: { name: string; stream: string; rows?: number; bytes?: number }[];
  /** True when the node produced more than `limit` (the sample was cut). */
  truncated: boolean;
  durationMs: number;
}

export class PreviewError extends BackflowError {
  constructor(message: string, cause?: unknown) {
    super('preview_failed', message, cause === undefined ? {} : { cause });
  }
}

const previewTimeoutMs = 30_000;

/**
 * Samples what a node emits: runs only the node and what feeds it, with a capture node on the
 * sampled port that stops the run once it holds `limit` items. Only that part of the flow must be
 * valid (an unfinished node elsewhere does not stop a preview). Nothing is written anywhere (the
 * part of a flow upstream of a node holds no destination) and nothing is recorded as a run.
 */
export async function previewNode(
  request: PreviewRequest,
  options: {
    catalog: NodeCatalog;
    connections: ReadonlyMap<string, ResolvedConnection>;
    baseDir: string;
    /** The directories the flow may touch; see RunFlowOptions.fileRoots. */
    fileRoots?: readonly string[];
    dataDir: string;
    /** Learns the secrets the flow resolves, so a failure cannot echo them. */
    redactor: Redactor;
  },
): Promise<PreviewResult> {
  const started = Date.now();
  const files = options.fileRoots ? { files: { baseDir: options.baseDir, roots: options.fileRoots } } : {};
  const original = request.document as Flow;
  const targetIndex = original.nodes.findIndex((node) => node.id === request.nodeId);
  if (targetIndex < 0) {
    throw new ConfigError(`the flow has no node "${request.nodeId}"`, {
      details: [{ path: 'nodeId', message: 'no such node' }],
    });
  }
  const targetType = options.catalog.find(original.nodes[targetIndex]!.type);
  if (!targetType) {
    const type = original.nodes[targetIndex]!.type;
    throw new FlowValidationError([
      { path: `nodes[${targetIndex}].type`, message: `unknown node type "${type}"`, nodeId: request.nodeId },
    ]);
  }
  const taps = tapsFor(original, options.catalog, request.nodeId, targetType, request.port);
  const capture = new Capture(request.limit);
  const kept = upstreamOf(original, request.nodeId);
  if (targetType.outputs.length > 0) kept.add(request.nodeId);
  const previewFlow: Flow = {
    ...original,
    // One record more than asked tells whether the sample was cut.
    settings: {
      ...original.settings,
      batchSize: Math.min(request.limit + 1, original.settings?.batchSize ?? defaultBatchSize),
    },
    nodes: [
      ...original.nodes.filter((node) => kept.has(node.id)),
      ...taps.map((tap, i): FlowNode => ({ id: `__preview_${i}`, type: captureTypeName(tap.kind) })),
    ],
    edges: [
      ...original.edges.filter((edge) => kept.has(endpointNode(edge.from)) && kept.has(endpointNode(edge.to))),
      ...taps.map((tap, i) => ({ from: tap.from, to: `__preview_${i}` })),
    ],
  };
  delete previewFlow.schedule;
  const catalog = createCatalog([
    ...options.catalog.types,
    captureType('records', capture),
    captureType('files', capture),
  ]);
  const validation = validatorFor(catalog)(previewFlow, { connections: options.connections, ...files });
  if (!validation.graph || !validation.flow) {
    throw new FlowValidationError(validation.issues.map((issue) => inOriginal(issue, original, previewFlow)));
  }
  registerSecrets(validation.graph, options.redactor);
  await prepareDemoWarehouse(validation.flow, options.baseDir);

  const runId = `preview-${newRunId()}`;
  const tempRoot = path.join(options.dataDir, 'tmp');
  const timeout = setTimeout(() => capture.stop.abort(), previewTimeoutMs);
  try {
    const result = await executeRun({
      runId,
      flow: validation.flow,
      graph: validation.graph,
      recorder: quietRecorder,
      startedAt: new Date().toISOString(),
      baseDir: options.baseDir,
      ...(options.fileRoots ? { fileRoots: options.fileRoots } : {}),
      tempRoot,
      signal: capture.stop.signal,
    });
    if (result.status === 'failed') throw new PreviewError(`preview failed: ${result.error?.message}`, result.error);
  } finally {
    clearTimeout(timeout);
    await rm(path.join(tempRoot, runId), { recursive: true, force: true });
  }
  const kind = taps[0]!.kind;
  return {
    nodeId: request.nodeId,
    port: taps.map((tap) => tap.port).join(','),
    kind,
    ...(kind === 'records' ? { records: capture.records } : { files: capture.files }),
    truncated: capture.truncated,
    durationMs: Date.now() - started,
  };
}

interface Tap {
  from: string;
  port: string;
  kind: PayloadKind;
}

/**
 * The ports to sample: the node's chosen output, or for a destination the edges into it (their
 * kind from the port they leave; a node of an unknown type is reported when the part is validated).
 */
function tapsFor(flow: Flow, catalog: NodeCatalog, nodeId: string, type: NodeType, port: string | undefined): Tap[] {
  if (type.outputs.length === 0) {
    return flow.edges
      .filter((edge) => endpointNode(edge.to) === nodeId)
      .map((edge) => {
        const from = parseEndpoint(edge.from);
        const outputs = catalog.find(flow.nodes.find((node) => node.id === from.node)?.type ?? '')?.outputs ?? [];
        const output = from.port ? outputs.find((p) => p.name === from.port) : outputs[0];
        return {
          from: edge.from,
          port: parseEndpoint(edge.to).port ?? type.inputs[0]?.name ?? 'records',
          kind: output?.kind ?? 'records',
        };
      });
  }
  const output = port ? type.outputs.find((p) => p.name === port) : type.outputs[0];
  if (!output) {
    throw new ConfigError(`node "${nodeId}" has no output "${port}"`, {
      details: [{ path: 'port', message: `must be one of: ${type.outputs.map((p) => p.name).join(', ')}` }],
    });
  }
  return [{ from: `${nodeId}:${output.name}`, port: output.name, kind: output.kind }];
}

/** Every node upstream of `nodeId`, following the document's edges back. */
function upstreamOf(flow: Flow, nodeId: string): Set<string> {
  const kept = new Set<string>();
  const waiting = [nodeId];
  while (waiting.length > 0) {
    const id = waiting.pop()!;
    for (const edge of flow.edges) {
      const from = endpointNode(edge.from);
      if (endpointNode(edge.to) === id && !kept.has(from) && from !== nodeId) {
        kept.add(from);
        waiting.push(from);
      }
    }
  }
  return kept;
}

/** An issue of the previewed part with its path in the whole document (nodes and edges keep their ids). */
function inOriginal(issue: FlowIssue, original: Flow, part: Flow): FlowIssue {
  const match = /^(nodes|edges)\[(\d+)\](.*)$/.exec(issue.path);
  if (!match) return issue;
  const index =
    match[1] === 'nodes'
      ? original.nodes.findIndex((node) => node.id === part.nodes[Number(match[2])]?.id)
      : original.edges.indexOf(part.edges[Number(match[2])]!);
  return index < 0 ? issue : { ...issue, path: `${match[1]}[${index}]${match[3]}` };
}

function endpointNode(endpoint: string): string {
  return endpoint.split(':')[0]!;
}

function captureTypeName(kind: PayloadKind): string {
  return `preview.${kind}`;
}

class Capture {
  readonly records: unknown[] = [];
  readonly files: NonNullable<PreviewResult['files']> = [];
  readonly stop = new AbortController();
  /** Items offered so far; one past the limit means the node had more. */
  private offered = 0;

  constructor(private readonly limit: number) {}

  get truncated(): boolean {
    return this.offered > this.limit;
  }

  take(payload: Payload): void {
    if (payload.kind === 'records') {
      for (const record of payload.records) this.add(this.records, record);
    } else {
      this.add(this.files, {
        name: payload.name,
        stream: payload.stream,
        ...(payload.rows === undefined ? {} : { rows: payload.rows }),
        ...(payload.bytes === undefined ? {} : { bytes: payload.bytes }),
      });
    }
    if (this.truncated) this.stop.abort();
  }

  private add<T>(list: T[], item: T): void {
    this.offered += 1;
    if (this.offered <= this.limit) list.push(item);
  }
}

function captureType(kind: PayloadKind, capture: Capture): NodeType {
  return defineDestination({
    type: captureTypeName(kind),
    title: 'Preview',
    description: 'Holds a sample for a preview',
    config: Type.Object({}),
    // Nothing is published: a preview only looks.
    publishes: 'staged',
    inputs: [{ name: kind, kind }],
    async open() {
      return {
        async write(payload) {
          capture.take(payload);
        },
        async prepare() {},
        async commit() {},
      };
    },
  });
}

const quietRecorder: RunRecorder = {
  async saveCheckpoint() {},
  async saveRejected() {},
  async discardRejected() {},
  async markPublished() {},
  log() {},
};
