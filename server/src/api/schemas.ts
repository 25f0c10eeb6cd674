import { flowSchema, type JSONSchema } from '@backflow/flow-model';

/**
 * Schemas of API bodies and responses; routes validate with them and the OpenAPI document shows
 * them. Those in `apiComponents` are named there, and the editor's response types are generated
 * from them (`npm run -w web gen:api`).
 */

/** The flow model's schema as plain JSON (without TypeBox's symbols), without its `$id`. */
const { $id: _flowSchemaId, ...flowDocument } = JSON.parse(JSON.stringify(flowSchema)) as JSONSchema;
export const flowDocumentSchema: JSONSchema = flowDocument;

/** A problem with a flow or a request, at a JSON path. */
export const issueSchema: JSONSchema = {
  type: 'object',
  required: ['path', 'message'],
  properties: {
    path: { type: 'string', description: 'Where, e.g. nodes[2].config.rowsPerFile' },
    message: { type: 'string' },
    nodeId: { type: 'string', description: 'The node it is about, when it is about one' },
    code: {
      type: 'string',
      description: 'Which rule it breaks, where the rule has a stable code (the graph rules do)',
    },
  },
};

export const apiErrorSchema: JSONSchema = {
  type: 'object',
  required: ['code', 'message', 'details'],
  properties: {
    code: { type: 'string' },
    message: { type: 'string' },
    details: { type: 'array', items: issueSchema },
    nodeId: { type: 'string' },
  },
};

export const errorResponseSchema: JSONSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: apiErrorSchema },
};

export const issuesSchema: JSONSchema = {
  type: 'object',
  required: ['valid', 'issues'],
  properties: {
    valid: { type: 'boolean' },
    issues: { type: 'array', items: issueSchema },
  },
};

export const runStatusSchema: JSONSchema = {
  type: 'string',
  enum: ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'],
};

export const flowViewSchema: JSONSchema = {
  type: 'object',
  required: ['id', 'name', 'version', 'document', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    version: { type: 'integer' },
    document: flowDocumentSchema,
    createdAt: { type: 'string', format: 'date-time' },
    updatedAt: { type: 'string', format: 'date-time' },
    nextRuns: { type: 'array', items: { type: 'string', format: 'date-time' } },
    activeRunId: { type: 'string' },
    lastRun: {
      type: 'object',
      description: 'The latest run of the flow (only in the list of flows)',
      required: ['runId', 'status', 'dryRun', 'startedAt'],
      properties: {
        runId: { type: 'string' },
        status: runStatusSchema,
        dryRun: { type: 'boolean' },
        startedAt: { type: 'string' },
        finishedAt: { type: 'string' },
      },
    },
    issues: {
      type: 'array',
      items: issueSchema,
      description: 'Only in the answer to a save: what is still wrong with a draft',
    },
  },
};

export const flowVersionSchema: JSONSchema = {
  type: 'object',
  required: ['version', 'savedAt', 'document'],
  properties: { version: { type: 'integer' }, savedAt: { type: 'string' }, document: flowDocumentSchema },
};

export const nodeCountsSchema: JSONSchema = {
  type: 'object',
  required: ['read', 'written', 'rejected', 'filtered'],
  properties: {
    read: { type: 'integer' },
    written: { type: 'integer' },
    wouldWrite: { type: 'integer', description: 'Only on the destinations of a dry run (their written is 0)' },
    rejected: { type: 'integer' },
    filtered: { type: 'integer' },
    files: { type: 'integer' },
    inserted: { type: 'integer', description: 'A diffed destination (upsert by key): records new to it' },
    updated: { type: 'integer', description: 'A diffed destination: records changed since it last took them' },
    unchanged: {
      type: 'integer',
      description: 'A diffed destination: records it holds unchanged, not sent (counted in filtered)',
    },
    deleted: {
      type: 'integer',
      description: 'A mirror: records deleted because they vanished from the source (in a dry run: would be)',
    },
  },
};

export const edgeCountsSchema: JSONSchema = {
  type: 'object',
  required: ['from', 'to', 'records', 'files'],
  properties: {
    from: { type: 'string', description: 'node:port' },
    to: { type: 'string', description: 'node:port' },
    records: { type: 'integer' },
    files: { type: 'integer' },
    rows: { type: 'integer', description: 'On a files edge, the rows inside the files' },
  },
};

const outputsSchema: JSONSchema = {
  type: 'object',
  additionalProperties: { type: 'string' },
  description: 'Where each destination put (in a dry run: would put) the output, by node id; once the run ended',
};

/** One stream's (table's, object's) verification by a destination before it published (node-kit/verification.ts). */
export const streamVerificationSchema: JSONSchema = {
  type: 'object',
  required: ['stream', 'target', 'source', 'loaded', 'rejected', 'missing', 'ok'],
  properties: {
    stream: { type: 'string' },
    target: { type: 'string', description: 'Where it landed, as the user knows it (public.orders)' },
    source: { type: 'integer', description: 'Records that reached the destination for this stream' },
    loaded: { type: 'integer', description: 'Rows the destination holds for it (read back from what it staged)' },
    rejected: { type: 'integer', description: 'Records the destination refused (in the rejected records)' },
    missing: { type: 'integer', description: 'source − loaded − rejected (negative: duplicated rows)' },
    created: { type: 'integer', description: 'CRM writes: records created' },
    updated: { type: 'integer', description: 'CRM writes: records updated' },
    reasons: {
      type: 'array',
      description: 'The most frequent refusal reasons, with how many records each',
      items: {
        type: 'object',
        required: ['reason', 'count'],
        properties: { reason: { type: 'string' }, count: { type: 'integer' } },
      },
    },
    checksum: {
      type: 'object',
      required: ['source', 'destination'],
      description: 'Order-independent checksums (hex) of the rows received less the rejected, and of the rows held',
      properties: { source: { type: 'string' }, destination: { type: 'string' } },
    },
    relations: {
      type: 'array',
      description: 'Relation checks (CRM associations)',
      items: {
        type: 'object',
        required: ['name', 'expected', 'present'],
        properties: { name: { type: 'string' }, expected: { type: 'integer' }, present: { type: 'integer' } },
      },
    },
    firstDifference: {
      type: 'object',
      required: ['key', 'message'],
      description: 'The first row that differs, by key, and how',
      properties: { key: { type: 'string' }, message: { type: 'string' } },
    },
    ok: { type: 'boolean' },
  },
};

const verificationSchema: JSONSchema = {
  type: 'object',
  additionalProperties: { type: 'array', items: streamVerificationSchema },
  description:
    'What each destination verified before publishing, by node id (only destinations that verify: databases, CRMs with an ID map)',
};

/** A dry run's plan for one stream (node-kit/contract.ts PlannedStream). */
export const plannedStreamSchema: JSONSchema = {
  type: 'object',
  required: ['stream', 'target', 'create', 'update', 'reject', 'samples'],
  properties: {
    stream: { type: 'string' },
    target: { type: 'string', description: 'Where it would land (Salesforce Contact)' },
    create: { type: 'integer' },
    update: { type: 'integer' },
    reject: { type: 'integer' },
    relations: {
      type: 'array',
      description: 'Per relation (lookup field, association), how many records would get one',
      items: {
        type: 'object',
        required: ['name', 'count'],
        properties: { name: { type: 'string' }, count: { type: 'integer' } },
      },
    },
    samples: {
      type: 'array',
      description: 'The first few records of each action, as they would be sent',
      items: {
        type: 'object',
        required: ['action', 'fields'],
        properties: {
          action: { type: 'string', enum: ['create', 'update', 'reject'] },
          sourceId: { type: 'string' },
          destinationId: { type: 'string' },
          fields: { type: 'object' },
          relations: { type: 'object', additionalProperties: { type: 'string' } },
          reason: { type: 'string' },
        },
      },
    },
    delete: { type: 'integer', description: 'A mirror: records that vanished from the source and would be deleted' },
    unchanged: { type: 'integer', description: 'A diffed destination: records it holds as they are (not sent)' },
    changes: {
      type: 'array',
      description: 'A diffed destination: for the first few keys of each action, the record now and as it would be',
      items: {
        type: 'object',
        required: ['action', 'key'],
        properties: {
          action: { type: 'string', enum: ['insert', 'update', 'delete'] },
          key: { type: 'object', description: 'The key fields and their values' },
          before: { type: 'object', description: "The destination's record now (absent: it holds none)" },
          after: { type: 'object', description: 'The record as it would be sent (absent for a delete)' },
        },
      },
    },
  },
};

const planSchema: JSONSchema = {
  type: 'object',
  additionalProperties: { type: 'array', items: plannedStreamSchema },
  description: "A dry run's plan, by node id (only destinations that plan one: CRMs)",
};

/** A finished run as the engine reports it (`backflow run --json`), sent as the last event of a run. */
export const runSummarySchema: JSONSchema = {
  type: 'object',
  required: ['runId', 'flow', 'status', 'dryRun', 'startedAt', 'nodes', 'edges'],
  properties: {
    runId: { type: 'string' },
    flow: { type: 'string' },
    status: runStatusSchema,
    dryRun: { type: 'boolean' },
    resumed: { type: 'boolean' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    durationMs: { type: 'integer' },
    nodes: { type: 'object', additionalProperties: nodeCountsSchema },
    edges: { type: 'array', items: edgeCountsSchema },
    outputs: outputsSchema,
    verification: verificationSchema,
    plan: planSchema,
    error: apiErrorSchema,
  },
};

/** A run as the store keeps it: the summary's fields, plus where it stands (its flow, attempts, last checkpoint). */
export const runViewSchema: JSONSchema = {
  ...runSummarySchema,
  properties: {
    ...runSummarySchema.properties,
    flowId: { type: 'string' },
    attempts: { type: 'integer' },
    checkpointAt: {
      type: 'string',
      description: "When the run's latest checkpoint was saved; absent when it has none",
    },
    checkpointAgeMs: { type: 'integer' },
  },
};

export const logLineSchema: JSONSchema = {
  type: 'object',
  required: ['at', 'level', 'message'],
  properties: {
    at: { type: 'string' },
    level: { type: 'string' },
    nodeId: { type: 'string' },
    message: { type: 'string' },
    fields: {
      type: 'object',
      additionalProperties: true,
      description: 'The structured values the node logged with the line; secrets blanked',
    },
  },
};

const eventOf = (type: string, required: string[], properties: Record<string, JSONSchema>): JSONSchema => ({
  type: 'object',
  required: ['type', 'runId', ...required],
  properties: { type: { type: 'string', const: type }, runId: { type: 'string' }, ...properties },
});

/** The `data` of each server-sent event of a run; the event's name is its `type`. */
export const runEventSchema: JSONSchema = {
  oneOf: [
    eventOf('status', ['status', 'at'], { status: runStatusSchema, at: { type: 'string' } }),
    eventOf('stats', ['at', 'nodes', 'edges'], {
      at: { type: 'string' },
      nodes: { type: 'object', additionalProperties: nodeCountsSchema },
      edges: { type: 'array', items: edgeCountsSchema },
    }),
    eventOf('log', ['at', 'level', 'message'], logLineSchema.properties!),
    eventOf('summary', ['summary'], { summary: runSummarySchema }),
  ],
};

/** One line of a run's rejected records (NDJSON). */
export const rejectedRowSchema: JSONSchema = {
  type: 'object',
  required: ['nodeId', 'at', 'record', 'reasons'],
  properties: {
    nodeId: { type: 'string' },
    at: { type: 'string' },
    record: { description: 'The record as it was rejected; null for a line that did not parse' },
    raw: { type: 'string', description: 'The text of a line that did not parse into a record' },
    reasons: { type: 'array', items: { type: 'string' } },
    file: { type: 'string' },
    line: { type: 'integer' },
  },
};

export const portSchema: JSONSchema = {
  type: 'object',
  required: ['name', 'kind'],
  properties: {
    name: { type: 'string' },
    kind: { type: 'string', enum: ['records', 'files'] },
    title: { type: 'string' },
  },
};

export const nodeTypeSchema: JSONSchema = {
  type: 'object',
  required: ['type', 'role', 'title', 'description', 'config', 'inputs', 'outputs'],
  properties: {
    type: { type: 'string', description: '<system>.<role>, e.g. duckdb.source' },
    role: { type: 'string', enum: ['source', 'transform', 'destination'] },
    title: { type: 'string' },
    description: { type: 'string' },
    config: { type: 'object', description: "The config's JSON Schema (the server validates with it)" },
    inputs: { type: 'array', items: portSchema },
    outputs: { type: 'array', items: portSchema },
    connectionFields: {
      type: 'array',
      items: { type: 'string' },
      description: "Config fields a stored connection of the node type's connector may supply",
    },
    discover: {
      type: 'boolean',
      description: 'It can list its streams (tables) and their columns: POST /api/discover',
    },
  },
};

const namesSchema: JSONSchema = { type: 'array', items: { type: 'string' } };

/** A column of a stream, with its Backflow type (DuckDB's logical type names). */
export const columnSchema: JSONSchema = {
  type: 'object',
  required: ['name', 'type'],
  properties: {
    name: { type: 'string' },
    type: { type: 'string', description: 'BIGINT, DECIMAL(18,2), VARCHAR, TIMESTAMPTZ…' },
    notNull: { type: 'boolean' },
    maxLength: { type: 'integer' },
    autoIncrement: { type: 'boolean' },
  },
};

/** A stream (table) a node can read or write: its columns, key and, for databases, its shape. */
export const streamInfoSchema: JSONSchema = {
  type: 'object',
  required: ['name', 'columns'],
  properties: {
    name: { type: 'string', description: 'The stream name: the table (sales.orders when qualified)' },
    columns: { type: 'array', items: columnSchema },
    key: namesSchema,
    shape: {
      type: 'object',
      properties: {
        primaryKey: namesSchema,
        indexes: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'columns', 'unique'],
            properties: { name: { type: 'string' }, columns: namesSchema, unique: { type: 'boolean' } },
          },
        },
        foreignKeys: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'columns', 'referencedStream', 'referencedColumns'],
            properties: {
              name: { type: 'string' },
              columns: namesSchema,
              referencedStream: { type: 'string' },
              referencedColumns: namesSchema,
              onDelete: { type: 'string' },
              onUpdate: { type: 'string' },
            },
          },
        },
      },
    },
  },
};

export const previewResultSchema: JSONSchema = {
  type: 'object',
  required: ['nodeId', 'port', 'kind', 'truncated', 'durationMs'],
  properties: {
    nodeId: { type: 'string' },
    port: { type: 'string' },
    kind: { type: 'string', enum: ['records', 'files'] },
    records: { type: 'array', items: { type: 'object' } },
    files: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'stream'],
        properties: {
          name: { type: 'string' },
          stream: { type: 'string' },
          rows: { type: 'integer' },
          bytes: { type: 'integer' },
        },
      },
    },
    truncated: { type: 'boolean', description: 'The node produced more than the limit: the sample was cut' },
    durationMs: { type: 'integer' },
  },
};

export const connectionInputSchema: JSONSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'type', 'config'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*$', maxLength: 100 },
    type: { type: 'string', minLength: 1, description: 'The connector, e.g. duckdb or postgres' },
    config: {
      type: 'object',
      description: 'Connection fields; a secret field left out on update keeps its stored value, null clears it',
    },
  },
};

export const connectionViewSchema: JSONSchema = {
  type: 'object',
  required: ['id', 'name', 'type', 'config', 'secretsSet'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    type: { type: 'string' },
    config: { type: 'object', description: 'The non-secret fields' },
    secretsSet: { type: 'array', items: { type: 'string' }, description: 'Secret fields that have a value' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
  },
};

export const connectionTypeSchema: JSONSchema = {
  type: 'object',
  required: ['type', 'title', 'config', 'secretFields'],
  properties: {
    type: { type: 'string', description: 'The connector, e.g. duckdb' },
    title: { type: 'string' },
    config: { type: 'object', description: 'The JSON Schema of a connection (secret fields are writeOnly)' },
    secretFields: { type: 'array', items: { type: 'string' } },
  },
};

export const runIdSchema: JSONSchema = {
  type: 'object',
  required: ['runId'],
  properties: { runId: { type: 'string' } },
};

/** The schemas the OpenAPI document names (`#/components/schemas/<name>`) wherever they are used. */
export const apiComponents: Record<string, JSONSchema> = {
  Flow: flowDocumentSchema,
  FlowView: flowViewSchema,
  FlowVersion: flowVersionSchema,
  Issue: issueSchema,
  Issues: issuesSchema,
  ApiError: apiErrorSchema,
  ErrorResponse: errorResponseSchema,
  RunStatus: runStatusSchema,
  NodeCounts: nodeCountsSchema,
  EdgeCounts: edgeCountsSchema,
  RunView: runViewSchema,
  StreamVerification: streamVerificationSchema,
  PlannedStream: plannedStreamSchema,
  RunSummary: runSummarySchema,
  RunEvent: runEventSchema,
  RunId: runIdSchema,
  LogLine: logLineSchema,
  RejectedRow: rejectedRowSchema,
  Port: portSchema,
  NodeType: nodeTypeSchema,
  Column: columnSchema,
  StreamInfo: streamInfoSchema,
  PreviewResult: previewResultSchema,
  ConnectionInput: connectionInputSchema,
  ConnectionView: connectionViewSchema,
  ConnectionType: connectionTypeSchema,
};
