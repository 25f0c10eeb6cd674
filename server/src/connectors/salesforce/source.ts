/**
 * `salesforce.source`: objects of a Salesforce org (or one SOQL query) as record streams, one per
 * object, through the REST API or Bulk API 2.0 query jobs; full or incremental by SystemModstamp.
 * How each stream is read and resumed: `object-read.ts`.
 */
import { ConfigError, SourceError } from '../../errors.ts';
import {
  type Column,
  defineSource,
  type NodeContext,
  type Rec,
  type SourceBatch,
  type SourceContext,
  type StreamInfo,
} from '../../node-kit/contract.ts';
import type { IncrementalMark } from '../../node-kit/sql/incremental.ts';
import { salesforceConnectionFields } from './connection.ts';
import { columnsOf, defaultFields, describeObject, queryableObjects } from './describe.ts';
import {
  type BulkQueryOptions,
  openStreamRead,
  type ReadSettings,
  type SourceCursor,
  type StreamPlan,
} from './object-read.ts';
import { openSession, type SalesforceSession } from './session.ts';
import { isSoqlName } from './soql.ts';
import { defaultSourceBulkThreshold, type SalesforceSourceConfig, salesforceSourceConfig } from './source-config.ts';

/** A stream as read: its plan and its columns (objects; a SOQL query's are not known before). */
interface PlannedStream extends StreamPlan {
  columns?: Column[];
}

export const salesforceSource = defineSource({
  type: 'salesforce.source',
  title: 'Salesforce',
  description: 'Reads Salesforce objects (REST API or Bulk API 2.0), fully or only what changed since the last run.',
  config: salesforceSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields: salesforceConnectionFields,
  checkConfig(config) {
    if (config.query !== undefined && config.incremental !== undefined) {
      return [{ path: 'incremental', message: 'incremental reads are for objects; a SOQL query is read whole' }];
    }
    return [];
  },
  async check(config, ctx) {
    const session = await openSession(config, ctx);
    await planStreams(session, config, ctx);
  },
  async discover(config, ctx) {
    const session = await openSession(config, ctx);
    const plans = await planStreams(session, config, ctx);
    const streams: StreamInfo[] = [];
    for (const plan of plans) {
      const columns = plan.columns ?? [{ name: 'Id', type: 'VARCHAR' }];
      streams.push({ name: plan.name, columns, ...(columns.some((c) => c.name === 'Id') ? { key: ['Id'] } : {}) });
    }
    // The org's other objects too, so a picker can offer them; their fields come once one is chosen
    // (describing every object of an org would take hundreds of requests).
    const described = new Set(streams.map((stream) => stream.name));
    for (const object of await queryableObjects(session)) {
      if (!described.has(object)) streams.push({ name: object, columns: [] });
    }
    return streams;
  },
  read: (config, ctx) => readSalesforce(config, ctx),
});

/** The read, with Bulk API query jobs' pace and result set size settable for tests. */
export async function* readSalesforce(
  config: SalesforceSourceConfig,
  ctx: SourceContext,
  bulkQuery?: BulkQueryOptions,
): AsyncGenerator<SourceBatch> {
  const session = await openSession(config, ctx);
  const plans = await planStreams(session, config, ctx);
  const settings: ReadSettings = {
    ...(config.incremental ? { incremental: config.incremental } : {}),
    bulk: config.bulk ?? 'auto',
    bulkThreshold: config.bulkThreshold ?? defaultSourceBulkThreshold,
    ...(bulkQuery ? { bulkQuery } : {}),
  };
  const resume = cursorOf(ctx.resumeCursor, ctx, 'resume from');
  const lastRun = config.incremental ? cursorOf(ctx.lastRunCursor, ctx, 'continue incrementally from') : undefined;
  const since: Record<string, IncrementalMark> | undefined = config.incremental
    ? { ...(resume ? resume.since : lastRun?.since) }
    : undefined;
  let first = 0;
  if (resume) {
    first = plans.findIndex((plan) => plan.name === resume.stream);
    if (first < 0) {
      throw new SourceError(
        `node "${ctx.nodeId}": cannot resume in stream "${resume.stream}": the source no longer reads it (${plans.map((p) => p.name).join(', ')})`,
        { nodeId: ctx.nodeId, stream: resume.stream },
      );
    }
  }
  let lastYielded: string | undefined;
  let final: SourceCursor | undefined;
  for (let index = first; index < plans.length; index++) {
    const plan = plans[index]!;
    const read = await openStreamRead(session, plan, settings, index === first ? resume : undefined, since ?? {}, ctx);
    const batch = (records: Rec[], cursor: SourceCursor): SourceBatch => {
      lastYielded = JSON.stringify(cursor);
      return { kind: 'records', stream: plan.name, records, ...(plan.columns ? { schema: plan.columns } : {}), cursor };
    };
    const cursorAt = (at: object): SourceCursor => ({
      stream: plan.name,
      ...at,
      ...(since ? { since: structuredClone(since) } : {}),
    });
    let records: Rec[] = [];
    let at: object = {};
    let emitted = 0;
    for await (const step of read.steps) {
      if (step.record) records.push(step.record);
      at = step.at;
      if (records.length >= batchRows(ctx, emitted)) {
        read.mark();
        yield batch(records, cursorAt(at));
        emitted += records.length;
        records = [];
      }
    }
    read.mark();
    if (records.length > 0) yield batch(records, cursorAt(at));
    final = cursorAt({});
  }
  // An incremental read that moved no record still moved its marks (or must hand them on): one empty batch carries them.
  if (since && final && JSON.stringify(final) !== lastYielded) {
    const plan = plans[plans.length - 1]!;
    yield { kind: 'records', stream: plan.name, records: [], cursor: final };
  }
}

/** Records per batch from here: `batchSize`, ending at the next multiple of `alignRows`. */
function batchRows(ctx: SourceContext, emitted: number): number {
  return ctx.alignRows ? Math.min(ctx.batchSize, ctx.alignRows - (emitted % ctx.alignRows)) : ctx.batchSize;
}

/** The streams a config reads, described; an unknown object or field is a `ConfigError` naming it. */
async function planStreams(
  session: SalesforceSession,
  config: SalesforceSourceConfig,
  ctx: NodeContext,
): Promise<PlannedStream[]> {
  if (config.query !== undefined) {
    const object = /\bFROM\s+([A-Za-z][A-Za-z0-9_]*)/i.exec(config.query)?.[1];
    if (!object) throw configError(ctx, 'query', 'the SOQL query names no object after FROM');
    const description = await describeObject(session, object, ctx, 'config.query');
    const selected =
      /^\s*SELECT\s+(.+?)\s+FROM\s/is
        .exec(config.query)?.[1]
        ?.split(',')
        .map((field) => field.trim()) ?? [];
    const fields = selected.filter(isSoqlName);
    return [
      {
        name: description.name,
        object: description.name,
        fields,
        types: typesOf(description),
        query: config.query,
        ...(fields.length > 0 && fields.length === selected.length ? { columns: columnsOf(description, fields) } : {}),
      },
    ];
  }
  const plans: PlannedStream[] = [];
  for (const object of config.objects ?? []) {
    const description = await describeObject(session, object, ctx);
    const known = new Set(description.fields.map((field) => field.name.toLowerCase()));
    const asked = config.fields?.[object];
    const wanted = [...(asked ?? defaultFields(description))];
    const unknown = wanted.filter(
      (field) => !isSoqlName(field) || (!field.includes('.') && !known.has(field.toLowerCase())),
    );
    if (unknown.length > 0) {
      throw configError(ctx, `fields.${object}`, `${object} has no field ${unknown.map((f) => `"${f}"`).join(', ')}`);
    }
    // The keyset needs Id; an incremental read orders by SystemModstamp too.
    const needed = config.incremental ? ['Id', 'SystemModstamp'] : ['Id'];
    const fields = [...needed.filter((name) => !wanted.some((f) => f.toLowerCase() === name.toLowerCase())), ...wanted];
    const ordered = ['Id', ...fields.filter((field) => field.toLowerCase() !== 'id')];
    plans.push({
      name: description.name,
      object: description.name,
      fields: ordered,
      types: typesOf(description),
      columns: columnsOf(description, ordered),
    });
  }
  return plans;
}

function typesOf(description: { fields: { name: string; type: string }[] }): Map<string, string> {
  return new Map(description.fields.map((field) => [field.name.toLowerCase(), field.type]));
}

function configError(ctx: NodeContext, path: string, message: string): ConfigError {
  return new ConfigError(`node "${ctx.nodeId}": ${message}`, {
    nodeId: ctx.nodeId,
    details: [{ path: `config.${path}`, message }],
  });
}

/** A cursor this source wrote, checked; undefined for none. */
function cursorOf(cursor: unknown, ctx: NodeContext, what: string): SourceCursor | undefined {
  if (cursor === undefined || cursor === null) return undefined;
  if (typeof (cursor as Partial<SourceCursor>).stream !== 'string') {
    throw new SourceError(
      `node "${ctx.nodeId}": cannot ${what} cursor ${JSON.stringify(cursor).slice(0, 200)}: expected { stream, … }`,
      { nodeId: ctx.nodeId },
    );
  }
  return cursor as SourceCursor;
}
