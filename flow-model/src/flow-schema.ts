/**
 * The flow document (DESIGN.md §1), declared once: the JSON Schema the server validates with (ajv)
 * and the OpenAPI document shows, and the TypeScript types derived from it (TypeBox `Static`).
 * Node configs are plain objects here; each is checked against its node type's own schema.
 */
import { type Static, Type } from '@sinclair/typebox';

/** Records per batch at most, in flow settings and in a source's `batchSize`: a batch is held whole in memory. */
export const maxBatchSize = 1_000_000;

/**
 * Records per batch unless `settings.batchSize` says otherwise. Small enough that a batch is garbage
 * before V8's young generation is collected twice: at 10,000 most batches lived long enough to be
 * moved to the old generation, and the heap grew to hold them until a full collection (the row path's
 * peak RSS at 10M rows: 419 MB at 10,000, 296 MB at 2,048, at the same speed). 2,048 is DuckDB's
 * vector size.
 */
export const defaultBatchSize = 2048;

/**
 * Records per batch of a flow that diffs (a destination whose mode writes by key), unless its
 * settings say otherwise: the diff classifies each batch in the store, where a statement's own cost
 * outweighs small batches (a 1M-row re-sync took 20.1 s in batches of 2,048, 10.9 s in batches of 10,000).
 */
export const diffedBatchSize = 10_000;

/** A node id or a flow name. */
const identifier = '^[A-Za-z0-9_][A-Za-z0-9_.-]*$';
/** An edge endpoint: `node` or `node:port`. */
const endpoint = '^[A-Za-z0-9_][A-Za-z0-9_.-]*(:[A-Za-z0-9_-]+)?$';

export const flowScheduleSchema = Type.Object(
  {
    cron: Type.String({ minLength: 1 }),
    timezone: Type.Optional(Type.String({ default: 'UTC' })),
    catchUp: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const flowSettingsSchema = Type.Object(
  {
    batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: maxBatchSize, default: defaultBatchSize })),
    maxRejected: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'Fail the run once more records than this are rejected (default: no limit)',
      }),
    ),
    // A day at most: longer would mean never, and a resume would redo the whole run.
    checkpointIntervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000, default: 1000 })),
    pushdown: Type.Optional(
      Type.Boolean({
        default: true,
        description:
          'Let a source write the parts of the format node it feeds alone (DuckDB COPY) instead of passing records through JavaScript; false always takes the row path',
      }),
    ),
  },
  { additionalProperties: false },
);

const alertOn = Type.Union([Type.Literal('failure'), Type.Literal('rejected')], {
  description: 'failure: the run failed; rejected: the share of records rejected passed `threshold`',
});
const alertThreshold = Type.Number({
  minimum: 0,
  maximum: 1,
  default: 0,
  description: "For 'rejected': alert when rejected records ÷ records read passes this share (0..1; 0: any rejection)",
});

/**
 * A notification the service sends when a run ends: on failure, or when too many records were
 * rejected; to a Slack incoming webhook or any webhook (signed when given a secret). URLs and the
 * secret may be `${env:NAME}` references, resolved when the alert is sent.
 */
export const flowAlertSchema = Type.Union([
  Type.Object(
    {
      on: alertOn,
      threshold: Type.Optional(alertThreshold),
      slack: Type.Object({ webhookUrl: Type.String({ minLength: 1 }) }, { additionalProperties: false }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      on: alertOn,
      threshold: Type.Optional(alertThreshold),
      webhook: Type.Object(
        { url: Type.String({ minLength: 1 }), secret: Type.Optional(Type.String({ minLength: 1 })) },
        { additionalProperties: false },
      ),
    },
    { additionalProperties: false },
  ),
]);

export const flowNodeSchema = Type.Object(
  {
    id: Type.String({ pattern: identifier, maxLength: 100 }),
    type: Type.String({ minLength: 1 }),
    title: Type.Optional(Type.String()),
    connection: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Name of a stored connection that supplies part of the config (credentials stay out of the flow)',
      }),
    ),
    // Any object: the node type's config schema checks it.
    config: Type.Optional(Type.Unsafe<Record<string, unknown>>({ type: 'object', default: {} })),
    position: Type.Optional(Type.Object({ x: Type.Number(), y: Type.Number() }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const flowEdgeSchema = Type.Object(
  {
    from: Type.String({ pattern: endpoint }),
    to: Type.String({ pattern: endpoint }),
  },
  { additionalProperties: false },
);

export const flowSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    name: Type.String({ pattern: identifier, maxLength: 200, description: 'Unique flow name' }),
    description: Type.Optional(Type.String()),
    schedule: Type.Optional(flowScheduleSchema),
    settings: Type.Optional(flowSettingsSchema),
    alerts: Type.Optional(Type.Array(flowAlertSchema, { maxItems: 20 })),
    // Far above any real flow (the editor is measured at 300 nodes); keeps graph walks and forms bounded.
    nodes: Type.Array(flowNodeSchema, { maxItems: 1000 }),
    edges: Type.Array(flowEdgeSchema, { maxItems: 2000 }),
  },
  { $id: 'https://backflow.dev/schemas/flow.json', title: 'Backflow flow', additionalProperties: false },
);

export type FlowSchedule = Static<typeof flowScheduleSchema>;
export type FlowSettings = Static<typeof flowSettingsSchema>;
export type FlowAlert = Static<typeof flowAlertSchema>;
export type FlowNode = Static<typeof flowNodeSchema>;
export type FlowEdge = Static<typeof flowEdgeSchema>;
export type Flow = Static<typeof flowSchema>;
