/**
 * `hubspot.source`: CRM objects (contacts, companies, deals, custom objects) as records, one stream
 * per object, in the config's order. A full read pages the list endpoint; an incremental read
 * searches the records modified since the last succeeded run (see pages.ts and cursor.ts), so an
 * interrupted read resumes after its last checkpoint and an incremental one loses no record.
 */
import { ConfigError, type ErrorContext, SourceError } from '../../errors.ts';
import { defineSource, type SourceBatch, type SourceContext } from '../../node-kit/contract.ts';
import { readAssociations } from './associations.ts';
import { connectionFields, type HubspotClient, hubspotClient, hubspotFailure } from './connection.ts';
import { type HubspotCursor, isHubspotCursor, type ObjectCursor, remember, startingCursor } from './cursor.ts';
import { discoverObjects } from './discover.ts';
import type { HubspotObject } from './objects.ts';
import { ownerEmails } from './owners.ts';
import { listLimit, listPage, type Page, searchLimit, searchPage } from './pages.ts';
import { listProperties } from './properties.ts';
import { recordOf } from './record.ts';
import { type HubspotSourceConfig, hubspotSourceConfig } from './source-config.ts';

const defaultLookbackSeconds = 300;
const ownerProperty = 'hubspot_owner_id';
/** The field `ownerEmails` adds beside the owner id. */
const ownerEmailField = 'hubspot_owner_email';

export const hubspotSource = defineSource({
  type: 'hubspot.source',
  title: 'HubSpot source',
  description:
    'Reads HubSpot CRM objects (contacts, companies, deals, custom objects) as records, with their associations; incremental by last modification.',
  config: hubspotSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  async check(config, ctx) {
    const { api } = hubspotClient(config, ctx, { retries: 1 });
    for (const object of config.objects) {
      const properties = await listProperties(api, object).catch((error: unknown) => {
        throw hubspotFailure(error, `reading the properties of "${object}"`, { nodeId: ctx.nodeId });
      });
      const known = new Set(properties.map((property) => property.name));
      const unknown = (config.properties?.[object] ?? []).filter((name) => !known.has(name));
      if (unknown.length > 0) {
        const message = `"${object}" has no propert${unknown.length === 1 ? 'y' : 'ies'} ${unknown.join(', ')}`;
        throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
          nodeId: ctx.nodeId,
          details: [{ path: `config.properties.${object}`, message }],
        });
      }
    }
  },
  discover: async (config, ctx) => {
    const streams = await discoverObjects(
      config,
      config.objects ?? [],
      ctx,
      (object) => config.associations?.[object] !== undefined,
    );
    if (!config.ownerEmails) return streams;
    return streams.map((stream) =>
      stream.columns.some((column) => column.name === ownerProperty)
        ? { ...stream, columns: [...stream.columns, { name: ownerEmailField, type: 'VARCHAR' }] }
        : stream,
    );
  },
  read,
});

async function* read(config: HubspotSourceConfig, ctx: SourceContext): AsyncGenerator<SourceBatch> {
  const client = hubspotClient(config, ctx);
  const resumed = isHubspotCursor(ctx.resumeCursor) ? ctx.resumeCursor : undefined;
  const lastRun = isHubspotCursor(ctx.lastRunCursor) ? ctx.lastRunCursor : undefined;
  const lookbackMs = (config.incremental?.lookbackSeconds ?? defaultLookbackSeconds) * 1000;
  const incremental = config.incremental ? { lookbackMs } : undefined;
  const cursor: HubspotCursor = { objects: { ...resumed?.objects } };
  let owners: Promise<Map<string, string>> | undefined;
  const emails = () => {
    owners ??= ownerEmails(client.api);
    return owners;
  };
  for (const object of config.objects) {
    const state = cursor.objects[object] ?? startingCursor(incremental, lastRun?.objects[object], Date.now());
    if (state.done) continue;
    yield* readObject(config, ctx, client, object, state, cursor, lookbackMs, config.ownerEmails ? emails : undefined);
  }
}

/** One object's pages from `state` on, each a batch carrying the whole cursor after it. */
async function* readObject(
  config: HubspotSourceConfig,
  ctx: SourceContext,
  client: HubspotClient,
  object: string,
  state: ObjectCursor,
  cursor: HubspotCursor,
  lookbackMs: number,
  /** With `ownerEmails`: owner id → email, read once per run. */
  ownerEmailsOf?: () => Promise<Map<string, string>>,
): AsyncGenerator<SourceBatch> {
  const where: ErrorContext = { nodeId: ctx.nodeId, stream: object };
  const failed = (doing: string) => (error: unknown) => {
    throw hubspotFailure(
      error,
      `node "${ctx.nodeId}": ${doing}`,
      where,
      (message, context) => new SourceError(message, context),
    );
  };
  const properties =
    config.properties?.[object] ??
    (await listProperties(client.api, object).catch(failed(`reading the properties of "${object}"`))).map(
      (p) => p.name,
    );
  const targets = config.associations?.[object] ?? [];
  const searching = state.from !== undefined && state.until !== undefined;
  const floor = state.until === undefined ? undefined : state.until - lookbackMs;
  const recent = new Map(Object.entries(state.recent ?? {}));
  const skip = state.skip ?? {};
  let after = state.after;
  for (;;) {
    const page: Page = searching
      ? await searchPage(
          client.search,
          object,
          properties,
          Math.min(searchLimit, ctx.batchSize),
          { from: state.from!, until: state.until! },
          after,
        ).catch(failed(`searching "${object}" for modified records`))
      : await listPage(client.api, object, properties, Math.min(listLimit, ctx.batchSize), after).catch(
          failed(`listing "${object}"`),
        );
    const emitted = page.objects.filter((found) => skip[found.id] !== modifiedMs(found));
    if (floor !== undefined) for (const found of page.objects) remember(recent, found.id, modifiedMs(found), floor);
    const associated = new Map<string, Map<string, string[]>>();
    for (const target of targets) {
      const ids = emitted.map((found) => found.id);
      if (ids.length === 0) continue;
      associated.set(
        target,
        await readAssociations(client.api, object, target, ids).catch(
          failed(`reading the ${target} associated with "${object}"`),
        ),
      );
    }
    const records = emitted.map((found) =>
      recordOf(
        found,
        properties,
        targets.length === 0
          ? undefined
          : Object.fromEntries(targets.map((target) => [target, associated.get(target)?.get(found.id) ?? []])),
      ),
    );
    if (ownerEmailsOf && properties.includes(ownerProperty) && records.length > 0) {
      const emails = await ownerEmailsOf().catch(failed("reading the account's owners"));
      for (const record of records) {
        const id = record[ownerProperty];
        record[ownerEmailField] = typeof id === 'string' ? (emails.get(id) ?? null) : null;
      }
    }
    after = page.next;
    const { after: _previous, ...rest } = state;
    cursor.objects[object] = {
      ...rest,
      ...(after === undefined ? { done: true } : { after }),
      ...(floor === undefined ? {} : { recent: Object.fromEntries(recent) }),
    };
    // A page re-read whole and skipped makes no batch, unless it is the object's last (its cursor must land).
    if (records.length > 0 || after === undefined) {
      yield { kind: 'records', stream: object, records, cursor: { objects: { ...cursor.objects } } };
    }
    if (after === undefined) return;
  }
}

function modifiedMs(found: HubspotObject): number {
  return Date.parse(found.updatedAt);
}
