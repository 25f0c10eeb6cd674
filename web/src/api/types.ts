/** The shapes the HTTP API sends and takes (server/src/api/schemas.ts is the source). */

export type JsonSchema = Record<string, any>;

export type {
  Flow,
  FlowEdge,
  FlowNode,
  FlowSchedule,
  FlowSettings,
  NodeRole,
  PayloadKind,
  Port,
} from '@backflow/flow-model';

import type { Flow, FlowIssue, NodeRole, PayloadKind, Port } from '@backflow/flow-model';

export interface NodeTypeInfo {
  type: string;
  role: NodeRole;
  title: string;
  description?: string;
  config: JsonSchema;
  inputs: Port[];
  outputs: Port[];
  /** Config fields a stored connection of the node type's connector may supply. */
  connectionFields?: string[];
}

/** Node types by type id. */
export type Catalog = Readonly<Record<string, NodeTypeInfo>>;

/** A problem with a flow, pointing at the field (`nodes[2].config.rowsPerFile`) and the node. */
export type Issue = FlowIssue;

export interface SavedFlow {
  id: string;
  name: string;
  version: number;
  document: Flow;
  createdAt: string;
  updatedAt: string;
  nextRuns?: string[];
  activeRunId?: string;
  /** Only in the list of flows: the flow's latest run. */
  lastRun?: { runId: string; status: RunStatus; dryRun: boolean; startedAt: string; finishedAt?: string };
  /** Only in the answer to a save: what is still wrong with a draft. */
  issues?: Issue[];
}

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';

export interface NodeCounts {
  read: number;
  written: number;
  /** Only on the destinations of a dry run, whose `written` is 0. */
  wouldWrite?: number;
  rejected: number;
  filtered: number;
  files?: number;
}

export interface EdgeCounts {
  /** `node:port` */
  from: string;
  /** `node:port` */
  to: string;
  records: number;
  files: number;
  /** On a files edge, the rows inside the files it carried. */
  rows?: number;
}

export interface ApiErrorBody {
  code: string;
  message: string;
  details: Issue[];
  nodeId?: string;
}

export interface RunView {
  runId: string;
  flow: string;
  flowId?: string;
  status: RunStatus;
  dryRun: boolean;
  resumed?: boolean;
  attempts?: number;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  nodes: Record<string, NodeCounts>;
  edges: EdgeCounts[];
  /** Once the run ended: where each destination put (in a dry run: would put) its output, by node id. */
  outputs?: Record<string, string>;
  /** When the run's latest checkpoint was saved; absent when it never got that far. */
  checkpointAt?: string;
  checkpointAgeMs?: number;
  error?: ApiErrorBody;
}

export interface RunSummary {
  runId: string;
  flow: string;
  status: RunStatus;
  dryRun: boolean;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  nodes: Record<string, NodeCounts>;
  edges: EdgeCounts[];
  outputs?: Record<string, string>;
  error?: ApiErrorBody;
}

export type RunEvent =
  | { type: 'status'; runId: string; status: RunStatus; at: string }
  | { type: 'stats'; runId: string; at: string; nodes: Record<string, NodeCounts>; edges: EdgeCounts[] }
  | { type: 'log'; runId: string; at: string; level: string; nodeId?: string; message: string }
  | { type: 'summary'; runId: string; summary: RunSummary };

export interface LogLine {
  at: string;
  level: string;
  nodeId?: string;
  message: string;
}

/** A rejected record of a run, with every reason and where it came from. */
export interface RejectedRow {
  nodeId: string;
  at: string;
  record: unknown;
  /** The text of a line that did not parse into a record (`record` is then null). */
  raw?: string;
  reasons: string[];
  file?: string;
  line?: number;
}

export interface PreviewResult {
  nodeId: string;
  port: string;
  kind: PayloadKind;
  records?: Record<string, unknown>[];
  files?: { name: string; stream: string; rows?: number; bytes?: number }[];
  truncated: boolean;
  durationMs: number;
}

export interface Connection {
  id: string;
  name: string;
  type: string;
  config: Record<string, unknown>;
  secretsSet: string[];
  createdAt?: string;
  updatedAt?: string;
}

export interface ConnectionType {
  type: string;
  title: string;
  config: JsonSchema;
  secretFields: string[];
}
