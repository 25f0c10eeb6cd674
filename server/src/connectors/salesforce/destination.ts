/**
 * `salesforce.destination`: record streams saved into Salesforce objects as each batch comes
 * (`idempotent-batches`: an upsert by external ID or an update by Id overwrites itself when a batch
 * is replayed). Batches go through sObject Collections (200 records a request); once a stream has
 * passed `bulkThreshold` records, the rest of it goes through Bulk API 2.0 ingest jobs, one per
 * batch, acknowledged only once the job's results are in. Refused records go to the rejected port
 * with Salesforce's `errorCode: message (fields)`. With `idMap`, each record saved is recorded in
 * the flow's ID map (source id → Salesforce Id); `lookups` set reference fields such as `AccountId`
 * from it (see node-kit/id-lookups.ts).
 */
import { ConfigError } from '../../errors.ts';
import {
  type DestinationContext,
  type DestinationWriter,
  defineDestination,
  type Payload,
  type Rec,
  type RecordLocation,
} from '../../node-kit/contract.ts';
import { type Outgoing, resolveIds, savedPairs } from '../../node-kit/id-lookups.ts';
import { ingestRecords } from './bulk-ingest.ts';
import type { PollOptions } from './bulk-jobs.ts';
import { type Refusal, type SaveOutcome, type SaveTarget, saveRecords } from './collections.ts';
import { salesforceConnectionFields } from './connection.ts';
import { describeObject } from './describe.ts';
import {
  defaultDestinationBulkThreshold,
  type SalesforceDestinationConfig,
  salesforceDestinationConfig,
  salesforceModes,
} from './destination-config.ts';

import { openSession } from './session.ts';

/** What a writer hands the checkpoint: records written per stream, so a resumed run knows which streams went bulk. */
interface WriterState {
  records: Record<string, number>;
}

export const salesforceDestination = defineDestination({
  type: 'salesforce.destination',
  title: 'Salesforce',
  description:
    'Inserts, updates or upserts records into Salesforce objects (sObject Collections, Bulk API 2.0 for big streams).',
  config: salesforceDestinationConfig,
  publishes: 'idempotent-batches',
  modes: salesforceModes,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields: salesforceConnectionFields,
  checkConfig(config) {
    if ((config.mode ?? 'upsert') === 'upsert' && config.externalIdField === undefined) {
      return [{ path: 'externalIdField', message: 'an upsert needs the external ID field it matches records by' }];
    }
    return [];
  },
  async check(config, ctx) {
    const session = await openSession(config, ctx);
    const objects = new Set([...(config.object ? [config.object] : []), ...Object.values(config.objects ?? {})]);
    for (const object of objects) {
      const description = await describeObject(
        session,
        object,
        ctx,
        config.object === object ? 'config.object' : 'config.objects',
      );
      if ((config.mode ?? 'upsert') !== 'upsert' || config.externalIdField === undefined) continue;
      const key = description.fields.find(
        (field) => field.name.toLowerCase() === config.externalIdField!.toLowerCase(),
      );
      if (!key?.externalId && key?.name !== 'Id') {
        const message = key
          ? `${object}.${key.name} is not an external ID field, so records cannot be upserted by it`
          : `${object} has no field "${config.externalIdField}"`;
        throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
          nodeId: ctx.nodeId,
          details: [{ path: 'config.externalIdField', message }],
        });
      }
    }
  },
  location: (config) => `${config.loginUrl ?? 'https://login.salesforce.com'} ${config.object ?? 'objects by stream'}`,
  open: (config, ctx) => openSalesforceWriter(config, ctx),
});

/** The writer, with `polling` settable so tests need not wait for Bulk API jobs at production pace. */
export async function openSalesforceWriter(
  config: SalesforceDestinationConfig,
  ctx: DestinationContext,
  polling?: PollOptions,
): Promise<DestinationWriter> {
  const [issue] = salesforceDestination.checkConfig?.(config) ?? [];
  if (issue) {
    throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, {
      nodeId: ctx.nodeId,
      details: [{ path: `config.${issue.path}`, message: issue.message }],
    });
  }
  const session = await openSession(config, ctx);
  const threshold = config.bulkThreshold ?? defaultDestinationBulkThreshold;
  const resumed = ctx.resumeState as Partial<WriterState> | undefined;
  const state: WriterState = { records: { ...resumed?.records } };
  const targetOf = (stream: string): SaveTarget => ({
    object: config.objects?.[stream] ?? config.object ?? stream,
    mode: config.mode ?? 'upsert',
    ...(config.externalIdField ? { externalIdField: config.externalIdField } : {}),
  });

  return {
    async write(payload: Payload) {
      if (payload.kind !== 'records') {
        throw new ConfigError(`node "${ctx.nodeId}": Salesforce takes records, not files (${payload.name})`, {
          nodeId: ctx.nodeId,
        });
      }
      const { stream, records } = payload;
      if (records.length === 0) return;
      const target = targetOf(stream);
      const namespace = config.idMap?.object ?? stream;
      const before = state.records[stream] ?? 0;
      const bulk = before + records.length > threshold;
      const resolution = await resolveIds(records, config.idMap, config.lookups, namespace, ctx.idMap);
      const refusals = resolution.refusals;
      const outgoing = resolution.outgoing.map((entry) => ({
        ...entry,
        record: { ...entry.record, ...entry.resolved },
      }));
      // In insert mode, a record the ID map already knows (a replay, a second run) is updated by its Id instead.
      const knownToUpdate = target.mode === 'insert' && config.idMap !== undefined;
      const groups: { target: SaveTarget; sent: Outgoing[] }[] = knownToUpdate
        ? [
            { target, sent: outgoing.filter((entry) => entry.knownId === undefined) },
            {
              target: { ...target, mode: 'update' },
              sent: outgoing
                .filter((entry) => entry.knownId !== undefined)
                .map((entry) => ({ ...entry, record: { ...entry.record, Id: entry.knownId } })),
            },
          ]
        : [{ target, sent: outgoing }];
      const pairs: [string, string][] = [];
      for (const { target: groupTarget, sent } of groups) {
        if (sent.length === 0) continue;
        const sending = sent.map((entry) => entry.record);
        const outcome = bulk
          ? await writeInBulk(groupTarget, sending, stream)
          : await saveRecords(session, groupTarget, sending, ctx.nodeId);
        for (const refusal of outcome.refusals)
          refusals.push({ index: sent[refusal.index]!.index, reason: refusal.reason });
        pairs.push(...savedPairs(sent, outcome.saved));
      }
      if (config.idMap && pairs.length > 0) await ctx.idMap.record(namespace, pairs);
      reject(
        records,
        refusals.sort((a, b) => a.index - b.index),
        payload.locations,
      );
      state.records[stream] = before + records.length;
    },
    state: (): WriterState => structuredClone(state),
    async prepare() {},
    async commit() {},
  };

  /** One ingest job; the records it did not process are saved through sObject Collections. */
  async function writeInBulk(target: SaveTarget, records: Rec[], stream: string): Promise<SaveOutcome> {
    const outcome = await ingestRecords(session, target, records, stream, ctx, polling);
    if (outcome.unprocessed.length === 0) return outcome;
    ctx.log.warn('saving the records a Bulk API job left unprocessed through sObject Collections', {
      stream,
      records: outcome.unprocessed.length,
    });
    const again = await saveRecords(
      session,
      target,
      outcome.unprocessed.map((index) => records[index]!),
      ctx.nodeId,
    );
    const retried = again.refusals.map((refusal) => ({
      index: outcome.unprocessed[refusal.index]!,
      reason: refusal.reason,
    }));
    const savedAgain = again.saved.map((entry) => ({ index: outcome.unprocessed[entry.index]!, id: entry.id }));
    return { saved: [...outcome.saved, ...savedAgain], refusals: [...outcome.refusals, ...retried] };
  }

  function reject(records: Rec[], refusals: Refusal[], locations: RecordLocation[] | undefined) {
    if (refusals.length === 0) return;
    ctx.reject(
      refusals.map((refusal) => records[refusal.index]!),
      refusals.map((refusal) => refusal.reason),
      ...(locations ? [refusals.map((refusal) => locations[refusal.index] ?? {})] : []),
    );
  }
}
