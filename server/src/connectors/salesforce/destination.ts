/**
 * `salesforce.destination`: record streams saved into Salesforce objects as each batch comes
 * (`idempotent-batches`: an upsert by external ID or an update by Id overwrites itself when a batch
 * is replayed). Batches go through sObject Collections (200 records a request); once a stream has
 * passed `bulkThreshold` records, the rest of it goes through Bulk API 2.0 ingest jobs, one per
 * batch, acknowledged only once the job's results are in. Refused records go to the rejected port
 * with Salesforce's `errorCode: message (fields)`. With `idMap`, each record saved is recorded in
 * the flow's ID map (source id → Salesforce Id); `lookups` set reference fields such as `AccountId`
 * from it (see node-kit/id-lookups.ts); `owners` sets `OwnerId` from an email (owners.ts).
 *
 * The writer keeps the run's books (node-kit/write-ledger.ts: created and updated as Salesforce
 * answered, refusals, relations set) in its checkpointed state; with `idMap`, `prepare` reads the
 * run back by the Ids it recorded (read-back.ts) for the reconciliation report. A dry run writes
 * nothing: it reads what it must to decide create or update (dry-run.ts) and reports the `plan`.
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
import { type Outgoing, resolveIds, rootOf, savedPairs, sourceIdOf, valueAt } from '../../node-kit/id-lookups.ts';
import type { StreamVerification } from '../../node-kit/verification.ts';
import { type SavedLedger, type StreamBooks, WriteLedger } from '../../node-kit/write-ledger.ts';
import { ingestRecords } from './bulk-ingest.ts';
import type { PollOptions } from './bulk-jobs.ts';
import { type Refusal, type SaveOutcome, type SaveTarget, saveRecords } from './collections.ts';
import { salesforceConnectionFields } from './connection.ts';
import { describeObject } from './describe.ts';
import {
  checkDestinationConfig,
  defaultDestinationBulkThreshold,
  type SalesforceDestinationConfig,
  salesforceDestinationConfig,
  salesforceModes,
  syncKeyOf,
} from './destination-config.ts';
import { planSaves } from './dry-run.ts';
import { currentRecords, deleteByKey, listKeys } from './mirror.ts';
import { ownerDirectory } from './owners.ts';
import { type RelationCheck, readBack } from './read-back.ts';
import { openSession } from './session.ts';

/**
 * What a writer hands the checkpoint: records written per stream (so a resumed run knows which
 * streams went bulk), the books of the reconciliation report, and the Users this run made owners.
 */
interface WriterState {
  records: Record<string, number>;
  ledger: SavedLedger;
  owners: string[];
}

/** A record ready to save: its fields as sent and the relations set on it (lookup field or `owner` → Id). */
interface Sending extends Outgoing {
  relations: Record<string, string>;
}

/** The relation name an owner set by email is counted under. */
const ownerRelation = 'owner';

export const salesforceDestination = defineDestination({
  type: 'salesforce.destination',
  title: 'Salesforce',
  description:
    'Inserts, updates, upserts or mirrors records into Salesforce objects (sObject Collections, Bulk API 2.0 for big streams).',
  config: salesforceDestinationConfig,
  publishes: 'idempotent-batches',
  keysIgnoreCase: true,
  plansDryRun: true,
  modes: salesforceModes,
  // A sync by external ID (or an update by Id) is diffed on it; a migration (idMap) reads back every record it wrote instead.
  syncKey: (config) => syncKeyOf(config),
  reads: {
    async *keys(config, ctx, stream) {
      const [field] = syncKeyOf(config) ?? [];
      if (field === undefined) return;
      yield* listKeys(await openSession(config, ctx), objectOf(config, stream), field);
    },
    async current(config, ctx, stream, keys) {
      const [field] = syncKeyOf(config) ?? [];
      if (field === undefined) return [];
      const values = keys.map((key) => key[field]).filter((value) => value !== null && value !== undefined);
      return currentRecords(await openSession(config, ctx), objectOf(config, stream), field, values.map(String), ctx);
    },
  },
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields: salesforceConnectionFields,
  checkConfig: checkDestinationConfig,
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
      const mode = config.mode ?? 'upsert';
      if ((mode !== 'upsert' && mode !== 'mirror') || config.externalIdField === undefined) continue;
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

/** The object a stream is saved to. */
function objectOf(config: SalesforceDestinationConfig, stream: string): string {
  return config.objects?.[stream] ?? config.object ?? stream;
}

/** Refusals of an update that mean the org holds no record with the Id given. */
const noSuchRecord = /^(ENTITY_IS_DELETED|INVALID_CROSS_REFERENCE_KEY|MALFORMED_ID|NOT_FOUND)\b/;

/** Why Salesforce refused a record: its message, and for an update of a record the org does not hold, first which. */
function refusalReason(target: SaveTarget, record: Rec, reason: string): string {
  if (target.mode !== 'update' || !noSuchRecord.test(reason)) return reason;
  return `no ${target.object} record with Id ${String(record.Id)} to update (${reason})`;
}

/** The writer, with `polling` settable so tests need not wait for Bulk API jobs at production pace. */
export async function openSalesforceWriter(
  config: SalesforceDestinationConfig,
  ctx: DestinationContext,
  polling?: PollOptions,
): Promise<DestinationWriter> {
  const [issue] = checkDestinationConfig(config);
  if (issue) {
    throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, {
      nodeId: ctx.nodeId,
      details: [{ path: `config.${issue.path}`, message: issue.message }],
    });
  }
  const session = await openSession(config, ctx);
  const threshold = config.bulkThreshold ?? defaultDestinationBulkThreshold;
  const resumed = ctx.resumeState as Partial<WriterState> | undefined;
  const written: Record<string, number> = { ...resumed?.records };
  const ledger = new WriteLedger(resumed?.ledger);
  const assignedOwners = new Set(resumed?.owners);
  const owners = config.owners ? ownerDirectory(session) : undefined;
  const ownerField = config.owners?.field ?? 'OwnerId';
  let verifications: StreamVerification[] | undefined;
  const targetOf = (stream: string): SaveTarget => ({
    object: objectOf(config, stream),
    // A mirror saves as an upsert; its deletes come apart (`delete`).
    mode: config.mode === 'mirror' ? 'upsert' : (config.mode ?? 'upsert'),
    ...(config.externalIdField ? { externalIdField: config.externalIdField } : {}),
  });
  const namespaceOf = (stream: string) => config.idMap?.object ?? stream;

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
      const books = ledger.stream(stream, `Salesforce ${target.object}`);
      books.received += records.length;
      const before = written[stream] ?? 0;
      const resolution = await resolveIds(records, config.idMap, config.lookups, namespaceOf(stream), ctx.idMap);
      const refusals = resolution.refusals;
      const sending = await toSend(records, resolution.outgoing, target);
      const pairs = ctx.dryRun
        ? await plan(target, sending, books, refusals)
        : await save(target, sending, before + records.length > threshold, stream, books, refusals);
      if (config.idMap && pairs.length > 0) await ctx.idMap.record(namespaceOf(stream), pairs);
      refusals.sort((a, b) => a.index - b.index);
      ledger.refused(
        books,
        refusals.map((refusal) => refusal.reason),
      );
      if (ctx.dryRun) sampleRefusals(books, records, refusals);
      reject(records, refusals, payload.locations);
      written[stream] = before + records.length;
    },
    state: (): WriterState => ({ records: { ...written }, ledger: ledger.save(), owners: [...assignedOwners] }),
    async prepare() {
      if (ctx.dryRun || !config.idMap) return;
      verifications = [];
      for (const stream of ledger.names()) {
        const read = await readBack(
          session,
          ctx.idMap,
          { namespace: namespaceOf(stream), object: targetOf(stream).object },
          relationChecks(ledger.relationNames(stream)),
        );
        verifications.push(ledger.verification(stream, read));
      }
    },
    async commit() {},
    ...(config.mode === 'mirror' ? { delete: deleteVanished } : {}),
    // Without the ID map there is nothing to read the run back by.
    ...(config.idMap ? { verification: () => verifications ?? [] } : {}),
    plan: () => ledger.plan(),
  };

  /** A mirror's deletes: the records holding these external IDs are deleted (a key none holds is no error). */
  async function deleteVanished(stream: string, keys: Rec[]): Promise<void> {
    const field = config.externalIdField!;
    const values = keys.map((key) => key[field]).filter((value) => value !== null && value !== undefined);
    await deleteByKey(
      session,
      { object: objectOf(config, stream), field, stream, nodeId: ctx.nodeId },
      values.map(String),
    );
  }

  /**
   * The records as sent: lookups set; with `owners`, the owner set from the email they hold; an
   * upsert key that is also the source id field kept (resolveIds leaves the source id out).
   */
  async function toSend(records: readonly Rec[], outgoing: Outgoing[], target: SaveTarget): Promise<Sending[]> {
    const emailOf = (entry: Outgoing) => {
      const email = config.owners ? valueAt(records[entry.index]!, config.owners.from) : undefined;
      return typeof email === 'string' && email !== '' ? email : undefined;
    };
    const found = owners
      ? await owners.ownersOf(outgoing.map(emailOf).filter((email) => email !== undefined))
      : new Map<string, string>();
    return outgoing.map((entry) => {
      const original = records[entry.index]!;
      const record: Rec = { ...entry.record, ...entry.resolved };
      const key = target.mode === 'upsert' ? target.externalIdField : undefined;
      if (key !== undefined && !(key in record) && key in original) record[key] = original[key];
      const relations: Record<string, string> = { ...entry.resolved };
      if (config.owners) {
        delete record[rootOf(original, config.owners.from)];
        const ownerId = found.get(emailOf(entry)?.toLowerCase() ?? '');
        if (ownerId !== undefined) {
          record[ownerField] = ownerId;
          relations[ownerRelation] = ownerId;
        }
      }
      return { ...entry, record, relations };
    });
  }

  /** Saves a batch (insert mode: records the ID map knows are updated by their Id); the pairs to record. */
  async function save(
    target: SaveTarget,
    sending: Sending[],
    bulk: boolean,
    stream: string,
    books: StreamBooks,
    refusals: Refusal[],
  ): Promise<[string, string][]> {
    const knownToUpdate = target.mode === 'insert' && config.idMap !== undefined;
    const groups: { target: SaveTarget; sent: Sending[] }[] = knownToUpdate
      ? [
          { target, sent: sending.filter((entry) => entry.knownId === undefined) },
          {
            target: { ...target, mode: 'update' },
            sent: sending
              .filter((entry) => entry.knownId !== undefined)
              .map((entry) => ({ ...entry, record: { ...entry.record, Id: entry.knownId } })),
          },
        ]
      : [{ target, sent: sending }];
    const pairs: [string, string][] = [];
    for (const { target: groupTarget, sent } of groups) {
      if (sent.length === 0) continue;
      const records = sent.map((entry) => entry.record);
      const outcome = bulk
        ? await writeInBulk(groupTarget, records, stream)
        : await saveRecords(session, groupTarget, records, ctx.nodeId);
      for (const refusal of outcome.refusals) {
        const entry = sent[refusal.index]!;
        refusals.push({ index: entry.index, reason: refusalReason(groupTarget, entry.record, refusal.reason) });
      }
      const saved = outcome.saved.map((entry) => sent[entry.index]!);
      const created = outcome.saved.filter((entry) => entry.created).length;
      books.created += created;
      books.updated += outcome.saved.length - created;
      countRelations(books, saved);
      pairs.push(...savedPairs(sent, outcome.saved));
    }
    return pairs;
  }

  /** A dry run's batch: what each record would become, counted and sampled; the pairs it would record. */
  async function plan(
    target: SaveTarget,
    sending: Sending[],
    books: StreamBooks,
    refusals: Refusal[],
  ): Promise<[string, string][]> {
    const decisions = await planSaves(session, target, sending);
    const pairs: [string, string][] = [];
    const planned: Sending[] = [];
    sending.forEach((entry, position) => {
      const { action, destinationId, reason } = decisions[position]!;
      if (action === 'reject') {
        refusals.push({ index: entry.index, reason: reason ?? 'Salesforce would refuse it' });
        return;
      }
      planned.push(entry);
      if (action === 'create') books.created += 1;
      else books.updated += 1;
      if (entry.sourceId !== undefined) pairs.push([entry.sourceId, destinationId ?? `new:${entry.sourceId}`]);
      ledger.sample(books, {
        action,
        ...(entry.sourceId === undefined ? {} : { sourceId: entry.sourceId }),
        ...(destinationId === undefined ? {} : { destinationId }),
        fields: entry.record,
        ...(Object.keys(entry.relations).length > 0 ? { relations: entry.relations } : {}),
      });
    });
    countRelations(books, planned);
    return pairs;
  }

  /** A dry run's refused records, sampled as they came (with their source id when the ID map is on). */
  function sampleRefusals(books: StreamBooks, records: readonly Rec[], refusals: readonly Refusal[]) {
    for (const refusal of refusals) {
      const record = records[refusal.index]!;
      const sourceId = config.idMap ? sourceIdOf(valueAt(record, config.idMap.sourceId)) : undefined;
      ledger.sample(books, {
        action: 'reject',
        ...(sourceId === undefined ? {} : { sourceId }),
        fields: record,
        reason: refusal.reason,
      });
    }
  }

  /** Per relation, the records saved with it set; the Users made owners are remembered for the read-back. */
  function countRelations(books: StreamBooks, saved: readonly Sending[]) {
    const counts = new Map<string, number>();
    for (const entry of saved) {
      for (const name of Object.keys(entry.relations)) counts.set(name, (counts.get(name) ?? 0) + 1);
      const ownerId = entry.relations[ownerRelation];
      if (ownerId !== undefined && !ctx.dryRun) assignedOwners.add(ownerId);
    }
    for (const [name, count] of counts) ledger.related(books, name, count);
  }

  /**
   * What the read-back checks, of the relations a stream's records were sent with (another's field,
   * such as Contact's AccountId on Account, is not its object's): each lookup field is set; the owner
   * field holds a User this run made an owner (every record has an owner, so only one the run set counts).
   */
  function relationChecks(sent: ReadonlySet<string>): RelationCheck[] {
    const checks: RelationCheck[] = Object.keys(config.lookups ?? {}).map((field) => ({
      name: field,
      field,
      isSet: (value) => value !== null && value !== undefined,
    }));
    if (config.owners) {
      checks.push({
        name: ownerRelation,
        field: ownerField,
        isSet: (value) => typeof value === 'string' && assignedOwners.has(value),
      });
    }
    return checks.filter((check) => sent.has(check.name));
  }

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
    const savedAgain = again.saved.map((entry) => ({ ...entry, index: outcome.unprocessed[entry.index]! }));
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
