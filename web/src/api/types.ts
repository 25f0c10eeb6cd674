/**
 * The shapes the HTTP API sends and takes. The flow document and its rules are the flow model's
 * (@backflow/flow-model); response shapes are generated from the server's OpenAPI document into
 * openapi.d.ts (`npm run -w web gen:api`), and named here.
 */
import type { Flow } from '@backflow/flow-model';
import type { components, paths } from './openapi';

export type {
  Flow,
  FlowEdge,
  FlowIssue as Issue,
  FlowNode,
  FlowSchedule,
  FlowSettings,
  NodeRole,
  PayloadKind,
  Port,
} from '@backflow/flow-model';

type Schemas = components['schemas'];

/** A JSON Schema (a node type's or a connection's config), read as the forms need. */
export type JsonSchema = Record<string, any>;

export type NodeTypeInfo = Omit<Schemas['NodeType'], 'config'> & { config: JsonSchema };

/** Node types by type id. */
export type Catalog = Readonly<Record<string, NodeTypeInfo>>;

/** A saved flow; its document is the flow model's `Flow` (the schema the API describes it with). */
export type SavedFlow = Omit<Schemas['FlowView'], 'document'> & { document: Flow };
export type FlowVersion = Omit<Schemas['FlowVersion'], 'document'> & { document: Flow };

export type RunStatus = Schemas['RunStatus'];
export type NodeCounts = Schemas['NodeCounts'];
export type EdgeCounts = Schemas['EdgeCounts'];
export type ApiErrorBody = Schemas['ApiError'];
export type RunView = Schemas['RunView'];
export type RunSummary = Schemas['RunSummary'];
/** One stream's verification by a destination before it published (counts and checksums). */
export type StreamVerification = Schemas['StreamVerification'];
/** What a dry run's destination would do with one stream (creates, updates, rejects, relations, samples). */
export type PlannedStream = Schemas['PlannedStream'];
/** One sampled change of a dry run's diffed destination: the key, the record now (`before`) and as it would be (`after`). */
export type PlannedChange = NonNullable<PlannedStream['changes']>[number];
/** A stream (table) a node can read or write, as `POST /api/discover` lists it. */
export type StreamInfo = Schemas['StreamInfo'];
export type Column = Schemas['Column'];
/** The data of each server-sent event of a run (`GET /api/runs/:id/events`). */
export type RunEvent = Schemas['RunEvent'];
export type LogLine = Schemas['LogLine'];
/** A rejected record of a run, with every reason and where it came from (one NDJSON line). */
export type RejectedRow = Schemas['RejectedRow'];
export type PreviewResult = Schemas['PreviewResult'];
export type Connection = Schemas['ConnectionView'];
export type ConnectionInput = Schemas['ConnectionInput'];
export type ConnectionType = Omit<Schemas['ConnectionType'], 'config'> & { config: JsonSchema };
export type Issues = Schemas['Issues'];
export type RunId = Schemas['RunId'];

/** Whether this browser is signed in (`GET /api/session`). */
export type SessionView = paths['/api/session']['get']['responses'][200]['content']['application/json'];
export type Health = paths['/api/health']['get']['responses'][200]['content']['application/json'];
export type ConnectionTest =
  paths['/api/connections/{id}/test']['post']['responses'][200]['content']['application/json'];
