import { maxBatchSize } from '../node-kit/contract.ts';
import type { JSONSchema } from './json-schema.ts';

/** A node id or an edge endpoint: `node` or `node:port`. */
const identifier = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';

/** The flow document (DESIGN.md §1). Node configs are checked separately against each node type's schema. */
export const flowSchema: JSONSchema = {
  $id: 'https://backflow.dev/schemas/flow.json',
  title: 'Backflow flow',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'nodes', 'edges'],
  properties: {
    $schema: { type: 'string' },
    name: { type: 'string', pattern: identifier, maxLength: 200, description: 'Unique flow name' },
    description: { type: 'string' },
    schedule: {
      type: 'object',
      additionalProperties: false,
      required: ['cron'],
      properties: {
        cron: { type: 'string', minLength: 1 },
        timezone: { type: 'string', default: 'UTC' },
        catchUp: { type: 'boolean', default: false },
      },
    },
    settings: {
      type: 'object',
      additionalProperties: false,
      properties: {
        batchSize: { type: 'integer', minimum: 1, maximum: maxBatchSize, default: 10_000 },
        maxRejected: {
          type: 'integer',
          minimum: 0,
          description: 'Fail the run once more records than this are rejected (default: no limit)',
        },
        checkpointIntervalMs: {
          type: 'integer',
          minimum: 0,
          // A day: longer would mean never, and a resume would redo the whole run.
          maximum: 86_400_000,
          default: 1000,
        },
        pushdown: {
          type: 'boolean',
          default: true,
          description:
            'Let a source write the parts of the format node it feeds alone (DuckDB COPY) instead of passing records through JavaScript; false always takes the row path',
        },
      },
    },
    nodes: {
      type: 'array',
      // Far above any real flow (the editor is measured at 300 nodes); keeps graph walks and forms bounded.
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'type'],
        properties: {
          id: { type: 'string', pattern: identifier, maxLength: 100 },
          type: { type: 'string', minLength: 1 },
          title: { type: 'string' },
          connection: {
            type: 'string',
            minLength: 1,
            description:
              'Name of a stored connection that supplies part of the config (credentials stay out of the flow)',
          },
          config: { type: 'object', default: {} },
          position: {
            type: 'object',
            additionalProperties: false,
            required: ['x', 'y'],
            properties: { x: { type: 'number' }, y: { type: 'number' } },
          },
        },
      },
    },
    edges: {
      type: 'array',
      maxItems: 2000,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: {
          from: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_-]+)?$' },
          to: { type: 'string', pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_-]+)?$' },
        },
      },
    },
  },
};

export interface FlowNode {
  id: string;
  type: string;
  title?: string;
  connection?: string;
  config?: Record<string, unknown>;
  position?: { x: number; y: number };
}

export interface FlowEdge {
  from: string;
  to: string;
}

export interface Flow {
  name: string;
  description?: string;
  schedule?: { cron: string; timezone?: string; catchUp?: boolean };
  settings?: { batchSize?: number; maxRejected?: number; checkpointIntervalMs?: number; pushdown?: boolean };
  nodes: FlowNode[];
  edges: FlowEdge[];
}
