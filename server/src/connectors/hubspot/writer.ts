/**
 * `hubspot.destination`'s writer. Per payload: source ids resolved through the flow's ID map
 * (`lookups` set properties to HubSpot ids, `associations` name records to associate with, see
 * node-kit/id-lookups.ts), owners matched by email, then the batch requests (see write-batch.ts);
 * after, the pairs saved are recorded, the associations made, and the books kept (WriteLedger): what
 * was created, updated, refused and related, for the reconciliation report `prepare` reads back.
 * In a dry run nothing is written: each record's fate is decided (the ID map, and for upserts the
 * live records by key) and counted for `plan()`.
 */
import { DestinationError } from '../../errors.ts';
import type {
  DestinationContext,
  DestinationWriter,
  PlannedRecord,
  Rec,
  RecordLocation,
} from '../../node-kit/contract.ts';
import {
  type Lookup,
  type Outgoing,
  type Refusal,
  resolveIds,
  sourceIdOf,
  valueAt,
} from '../../node-kit/id-lookups.ts';
import type { StreamVerification } from '../../node-kit/verification.ts';
import { type SavedLedger, type StreamBooks, WriteLedger } from '../../node-kit/write-ledger.ts';
import { associateDefault } from './associations.ts';
import { type BatchEndpoint, type BatchInput, batchInput, endpointOf } from './batch-inputs.ts';
import { type HubspotClient, hubspotFailure } from './connection.ts';
import { type HubspotDestinationConfig, maxInputs } from './destination-config.ts';
import { archiveByKey } from './mirror.ts';
import { ownerIdsByEmail } from './owners.ts';
import { findExisting, type ReadBackPlan, readBack } from './read-back.ts';
import { writeBatch } from './write-batch.ts';

/** Batch requests a write keeps going at once. */
const requestsAhead = 8;
/** The relation an owner set by email is counted under. */
const ownerRelation = 'owner';
/** Prefix of an association's name among the lookups resolved (HubSpot property names have no dot). */
const associationPrefix = 'associations.';

interface WriterState {
  ledger: SavedLedger;
}

/** A record ready to send: its input and endpoint, and the relations it carries (name → HubSpot id). */
interface Sending {
  entry: Outgoing;
  endpoint: BatchEndpoint;
  input: BatchInput;
  relations: Record<string, string>;
}

export async function openHubspotWriter(
  config: HubspotDestinationConfig,
  ctx: DestinationContext,
  client: HubspotClient,
  ready: (object: string) => Promise<void>,
): Promise<DestinationWriter> {
  const ledger = new WriteLedger((ctx.resumeState as Partial<WriterState> | undefined)?.ledger);
  const batchSize = Math.min(config.batchSize ?? maxInputs, maxInputs);
  const lookups = relationLookups(config);
  const ownerProperty = config.owners?.property ?? 'hubspot_owner_id';
  let owners: Promise<Map<string, string>> | undefined;
  let verifications: StreamVerification[] | undefined;
  const objectOf = (stream: string) => config.objects?.[stream] ?? config.object ?? stream;
  const namespaceOf = (stream: string) => config.idMap?.object ?? stream;
  const failed = (doing: string, stream: string) => (error: unknown) => {
    throw hubspotFailure(
      error,
      `node "${ctx.nodeId}": ${doing}`,
      { nodeId: ctx.nodeId, stream },
      (message, context) => new DestinationError(message, context),
    );
  };

  return {
    async write(payload) {
      if (payload.kind !== 'records' || payload.records.length === 0) return;
      const { stream, records } = payload;
      const object = objectOf(stream);
      await ready(object);
      const books = ledger.stream(stream, `HubSpot ${object}`);
      books.received += records.length;
      const { sending, refusals } = await prepareRecords(records, stream);
      if (ctx.dryRun) await planRecords(object, books, stream, records, sending, refusals);
      else await writeRecords(object, books, stream, sending, refusals);
      refuse(books, records, refusals, payload.locations);
    },
    state: (): WriterState => ({ ledger: ledger.save() }),
    async prepare() {
      if (ctx.dryRun || !config.idMap) return;
      verifications = [];
      for (const stream of ledger.names()) {
        const found = await readBack(client.api, ctx.idMap, readBackPlan(stream)).catch(
          failed(`reading back what stream "${stream}" wrote`, stream),
        );
        verifications.push(ledger.verification(stream, found));
      }
    },
    async commit() {},
    ...(config.mode === 'mirror' ? { delete: archiveVanished } : {}),
    // Without an ID map there is nothing to read the records back by: no report.
    ...(config.idMap ? { verification: () => verifications ?? [] } : {}),
    plan: () => ledger.plan(),
  };

  /** A mirror's deletes: the records holding these keys in `idProperty` are archived (a key none holds is no error). */
  async function archiveVanished(stream: string, keys: Rec[]): Promise<void> {
    const object = objectOf(stream);
    const idProperty = config.idProperty!;
    await ready(object);
    const values = keys.map((key) => key[idProperty]).filter((value) => value !== null && value !== undefined);
    await archiveByKey(client.api, object, idProperty, values.map(String)).catch(
      failed(`archiving ${values.length} record(s) of stream "${stream}" in ${object} by ${idProperty}`, stream),
    );
  }

  /** Each record's input and relations; records refused on the way (an id not in the map, no key). */
  async function prepareRecords(records: Rec[], stream: string): Promise<{ sending: Sending[]; refusals: Refusal[] }> {
    const resolution = await resolveIds(records, config.idMap, lookups, namespaceOf(stream), ctx.idMap);
    const refusals = [...resolution.refusals];
    if (config.owners && !owners) owners = ownerIdsByEmail(client.api);
    const ownerIds = await owners?.catch(failed("reading the account's owners", stream));
    const sending: Sending[] = [];
    for (const entry of resolution.outgoing) {
      const record: Rec = { ...entry.record };
      const relations: Record<string, string> = { ...entry.resolved };
      for (const [name, id] of Object.entries(entry.resolved))
        if (!name.startsWith(associationPrefix)) record[name] = id;
      if (config.owners && ownerIds) {
        const original = records[entry.index]!;
        delete record[config.owners.from in original ? config.owners.from : config.owners.from.split('.')[0]!];
        const email = valueAt(original, config.owners.from);
        const ownerId = typeof email === 'string' ? ownerIds.get(email.trim().toLowerCase()) : undefined;
        if (ownerId !== undefined) {
          record[ownerProperty] = ownerId;
          relations[ownerRelation] = ownerId;
        }
      }
      // In insert mode, a record the ID map already knows (a replay, a second run) is updated by its HubSpot id.
      const byKnownId = config.mode === 'insert' && entry.knownId !== undefined;
      const input = byKnownId
        ? batchInput({ ...record, id: entry.knownId }, String(entry.index), { mode: 'update' })
        : batchInput(record, String(entry.index), config);
      if ('problem' in input) refusals.push({ index: entry.index, reason: input.problem });
      else sending.push({ entry, input, relations, endpoint: byKnownId ? 'update' : endpointOf[config.mode] });
    }
    return { sending, refusals };
  }

  async function writeRecords(
    object: string,
    books: StreamBooks,
    stream: string,
    sending: Sending[],
    refusals: Refusal[],
  ): Promise<void> {
    const requests: Sending[][] = [];
    for (const endpoint of ['create', 'update', 'upsert'] as const) {
      const group = sending.filter((item) => item.endpoint === endpoint);
      for (let start = 0; start < group.length; start += batchSize)
        requests.push(group.slice(start, start + batchSize));
    }
    const saved: { item: Sending; id: string }[] = [];
    // A few requests ahead of the limiter's concurrency keep it busy; more would only wait in its queue.
    const workers = Array.from({ length: Math.min(requestsAhead, requests.length) }, async () => {
      for (let request = requests.shift(); request !== undefined; request = requests.shift()) {
        const items = request;
        const answer = await writeBatch(
          client.api,
          object,
          items[0]!.endpoint,
          items.map((item) => item.input),
        ).catch(failed(`writing ${items.length} record(s) of stream "${stream}" to ${object}`, stream));
        for (const { index, reason } of answer.refused) {
          const item = items[index]!;
          refusals.push({ index: item.entry.index, reason: refusalReason(object, item, reason) });
        }
        const pairs: [string, string][] = [];
        for (const { index, id, created } of answer.saved) {
          const item = items[index]!;
          saved.push({ item, id });
          if (item.entry.sourceId !== undefined) pairs.push([item.entry.sourceId, id]);
          if (created) books.created += 1;
          else books.updated += 1;
        }
        // Recorded as each request lands: should a later one fail the run, the replay finds these.
        if (config.idMap && pairs.length > 0) await ctx.idMap.record(namespaceOf(stream), pairs);
      }
    });
    await Promise.all(workers);
    for (const name of propertyRelations()) {
      ledger.related(books, name, saved.filter(({ item }) => name in item.relations).length);
    }
    for (const [name, to] of Object.entries(associationTargets())) {
      const links = saved.flatMap(({ item, id }) => {
        const target = item.relations[name];
        return target === undefined ? [] : [[id, target] as [string, string]];
      });
      if (links.length === 0) continue;
      const { associated, refused } = await associateDefault(client.api, object, to, links).catch(
        failed(`associating ${object} of stream "${stream}" with ${to}`, stream),
      );
      ledger.related(books, name, associated.size);
      if (refused.length > 0) {
        // The records are saved: they stay saved, and the report shows the relation short.
        ctx.log.warn('HubSpot refused some associations', {
          stream,
          association: name,
          refused: refused.length,
          first: refused[0]!.reason,
        });
      }
    }
  }

  /** A dry run: what each record would become, counted and sampled; its pair recorded for children to resolve. */
  async function planRecords(
    object: string,
    books: StreamBooks,
    stream: string,
    records: Rec[],
    sending: Sending[],
    refusals: Refusal[],
  ): Promise<void> {
    const existing = await liveRecords(object, stream, sending);
    const pairs: [string, string][] = [];
    for (const item of sending) {
      const destinationId = existing.get(item);
      if (item.endpoint === 'update' && destinationId === undefined) {
        // HubSpot would answer OBJECT_NOT_FOUND for it.
        refusals.push({
          index: item.entry.index,
          reason: `no ${object} record with ${item.input.idProperty ?? 'id'} ${item.input.id} to update`,
        });
        continue;
      }
      const action = destinationId === undefined ? 'create' : 'update';
      if (action === 'create') books.created += 1;
      else books.updated += 1;
      const { sourceId } = item.entry;
      if (sourceId !== undefined) pairs.push([sourceId, destinationId ?? `new:${sourceId}`]);
      ledger.sample(books, {
        action,
        ...(sourceId === undefined ? {} : { sourceId }),
        ...(destinationId === undefined ? {} : { destinationId }),
        fields: item.input.properties,
        ...(Object.keys(item.relations).length > 0 ? { relations: item.relations } : {}),
      });
    }
    if (config.idMap && pairs.length > 0) await ctx.idMap.record(namespaceOf(stream), pairs);
    const planned = sending.filter((item) => !refusals.some((refusal) => refusal.index === item.entry.index));
    for (const name of [...propertyRelations(), ...Object.keys(associationTargets())]) {
      ledger.related(books, name, planned.filter((item) => name in item.relations).length);
    }
    for (const { index, reason } of refusals) {
      const sample: PlannedRecord = { action: 'reject', fields: records[index]!, reason };
      const sourceId = config.idMap ? sourceIdOf(valueAt(records[index]!, config.idMap.sourceId)) : undefined;
      ledger.sample(books, sourceId === undefined ? sample : { ...sample, sourceId });
    }
  }

  /** The HubSpot id of the live record each update or upsert names (absent: none). */
  async function liveRecords(object: string, stream: string, sending: Sending[]): Promise<Map<Sending, string>> {
    const found = new Map<Sending, string>();
    const keyed = sending.filter((item) => item.endpoint !== 'create');
    for (const idProperty of new Set(keyed.map((item) => item.input.idProperty))) {
      const items = keyed.filter((item) => item.input.idProperty === idProperty);
      const ids = await findExisting(
        client.api,
        object,
        idProperty,
        items.map((item) => item.input.id!),
      ).catch(failed(`looking up records of stream "${stream}" in ${object} by ${idProperty ?? 'id'}`, stream));
      for (const item of items) {
        const id = ids.get(item.input.id!.toLowerCase());
        if (id !== undefined) found.set(item, id);
      }
    }
    return found;
  }

  function refuse(books: StreamBooks, records: Rec[], refusals: Refusal[], locations: RecordLocation[] | undefined) {
    if (refusals.length === 0) return;
    refusals.sort((a, b) => a.index - b.index);
    const reasons = refusals.map((refusal) => refusal.reason);
    ledger.refused(books, reasons);
    ctx.reject(
      refusals.map((refusal) => records[refusal.index]!),
      reasons,
      locations ? refusals.map((refusal) => locations[refusal.index] ?? {}) : undefined,
    );
  }

  /** Relations that set a property: each lookup, and the owner. */
  function propertyRelations(): string[] {
    return [...Object.keys(config.lookups ?? {}), ...(config.owners ? [ownerRelation] : [])];
  }

  /** Association relation name → the object it associates with. */
  function associationTargets(): Record<string, string> {
    return Object.fromEntries(
      Object.entries(config.associations ?? {}).map(([name, association]) => [
        `${associationPrefix}${name}`,
        association.to ?? name,
      ]),
    );
  }

  /** What to read back for a stream: the relations its records were sent with. */
  function readBackPlan(stream: string): ReadBackPlan {
    const sent = ledger.relationNames(stream);
    const properties: [string, string][] = [
      ...Object.keys(config.lookups ?? {}).map((name): [string, string] => [name, name]),
      ...(config.owners ? [[ownerRelation, ownerProperty] as [string, string]] : []),
    ];
    return {
      object: objectOf(stream),
      namespace: namespaceOf(stream),
      properties: Object.fromEntries(properties.filter(([name]) => sent.has(name))),
      associations: Object.fromEntries(Object.entries(associationTargets()).filter(([name]) => sent.has(name))),
    };
  }
}

/**
 * Why HubSpot refused a record: its message, and for an update of a record HubSpot does not hold,
 * first which (the same reason a dry run gives).
 */
function refusalReason(object: string, item: Sending, reason: string): string {
  if (item.endpoint !== 'update' || !reason.includes('OBJECT_NOT_FOUND')) return reason;
  return `no ${object} record with ${item.input.idProperty ?? 'id'} ${item.input.id} to update (${reason})`;
}

/** The lookups and the associations as one set of lookups for resolveIds, associations under their prefix. */
function relationLookups(config: HubspotDestinationConfig): Record<string, Lookup> {
  return {
    ...config.lookups,
    ...Object.fromEntries(
      Object.entries(config.associations ?? {}).map(([name, { to: _to, ...lookup }]) => [
        `${associationPrefix}${name}`,
        lookup,
      ]),
    ),
  };
}
