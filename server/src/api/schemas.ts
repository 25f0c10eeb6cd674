import { flowSchema, type JSONSchema } from '@backflow/flow-model';

/** Schemas of API bodies and responses; routes validate with them and the OpenAPI document shows them. */

/** The flow model's schema as plain JSON (without TypeBox's symbols), without its `$id`. */
const { $id: _flowSchemaId, ...flowDocument } = JSON.parse(JSON.stringify(flowSchema)) as JSONSchema;
export const flowDocumentSchema: JSONSchema = flowDocument;

const detail: JSONSchema = {
  type: 'object',
  required: ['path', 'message'],
  properties: { path: { type: 'string' }, message: { type: 'string' } },
};

export const errorResponseSchema: JSONSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: { type: 'array', items: detail },
        nodeId: { type: 'string' },
      },
    },
  },
};

export const issuesSchema: JSONSchema = {
  type: 'object',
  required: ['valid', 'issues'],
  properties: {
    valid: { type: 'boolean' },
    issues: {
      type: 'array',
      items: { ...detail, properties: { ...detail.properties, nodeId: { type: 'string' } } },
    },
  },
};

export const runStatusSchema: JSONSchema = {
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
  },
};

const nodeCounts: JSONSchema = {
  type: 'object',
  properties: {
    read: { type: 'integer' },
    written: { type: 'integer' },
    wouldWrite: { type: 'integer', description: 'Only on the destinations of a dry run (their written is 0)' },
    rejected: { type: 'integer' },
    filtered: { type: 'integer' },
    files: { type: 'integer' },
  },
};

export const runViewSchema: JSONSchema = {
  type: 'object',
  required: ['runId', 'flow', 'status', 'dryRun', 'startedAt', 'nodes', 'edges'],
  properties: {
    runId: { type: 'string' },
    flow: { type: 'string' },
    flowId: { type: 'string' },
    status: runStatusSchema,
    dryRun: { type: 'boolean' },
    resumed: { type: 'boolean' },
    attempts: { type: 'integer' },
    startedAt: { type: 'string' },
    finishedAt: { type: 'string' },
    durationMs: { type: 'integer' },
    nodes: { type: 'object', additionalProperties: nodeCounts },
    edges: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          from: { type: 'string' },
          to: { type: 'string' },
          records: { type: 'integer' },
          files: { type: 'integer' },
          rows: { type: 'integer', description: 'On a files edge, the rows inside the files' },
        },
      },
    },
    outputs: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Where each destination put (in a dry run: would put) the output, by node id; once the run ended',
    },
    checkpointAt: {
      type: 'string',
      description: "When the run's latest checkpoint was saved; absent when it has none",
    },
    checkpointAgeMs: { type: 'integer' },
    error: errorResponseSchema.properties!.error!,
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
