/**
 * `hubspot.destination`: record streams into HubSpot CRM objects through the batch endpoints,
 * 100 records a request (`publishes: 'idempotent-batches'`): each batch lands at once, and in
 * upsert mode a replayed batch overwrites itself. Refused records go to `ctx.reject` with
 * HubSpot's message; everything else that fails fails the run (see write-batch.ts). A mirror
 * upserts and archives what vanished from the source, by `idProperty` (mirror.ts).
 */
import { ConfigError, DestinationError, type ErrorContext } from '../../errors.ts';
import { defineDestination, type NodeContext } from '../../node-kit/contract.ts';
import { connectionFields, defaultBaseUrl, type HubspotClient, hubspotClient, hubspotFailure } from './connection.ts';
import {
  checkDestinationConfig,
  type HubspotDestinationConfig,
  hubspotDestinationConfig,
  hubspotModes,
  matchesById,
  syncKeyOf,
} from './destination-config.ts';
import { discoverObjects } from './discover.ts';
import { currentRecords, listKeys } from './mirror.ts';
import { listProperties } from './properties.ts';
import { openHubspotWriter } from './writer.ts';

export const hubspotDestination = defineDestination({
  type: 'hubspot.destination',
  title: 'HubSpot destination',
  description:
    'Writes records to HubSpot CRM objects (contacts, companies, deals, custom objects): batch insert, update, upsert or mirror by a unique property.',
  config: hubspotDestinationConfig,
  publishes: 'idempotent-batches',
  keysIgnoreCase: true,
  modes: hubspotModes,
  // A sync by a unique property is diffed on it; a migration (idMap) reads back every record it wrote instead.
  syncKey: (config) => syncKeyOf(config),
  reads: {
    async *keys(config, ctx, stream) {
      const { api } = hubspotClient(config, ctx);
      const object = objectOf(config, stream);
      yield* failing(listKeys(api, object, config.idProperty!), `listing the ${config.idProperty} of ${object}`, ctx);
    },
    async current(config, ctx, stream, keys) {
      const { api } = hubspotClient(config, ctx);
      const object = objectOf(config, stream);
      const [field] = syncKeyOf(config) ?? [];
      if (field === undefined || field === 'id') return [];
      const values = keys.map((key) => key[field]).filter((value) => value !== null && value !== undefined);
      return currentRecords(api, object, field, values.map(String)).catch((error: unknown) => {
        throw hubspotFailure(
          error,
          `node "${ctx.nodeId}": reading ${object} records by ${field}`,
          { nodeId: ctx.nodeId, stream },
          destinationError,
        );
      });
    },
  },
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  checkConfig: checkDestinationConfig,
  async check(config, ctx) {
    const { api } = hubspotClient(config, ctx, { retries: 1 });
    for (const object of new Set([...(config.object ? [config.object] : []), ...Object.values(config.objects ?? {})])) {
      await checkObject(api, object, config, ctx);
    }
    if (!config.object && !config.objects) {
      // streams name the objects: the token is checked against one every account has
      await listProperties(api, 'contacts').catch((error: unknown) => {
        throw hubspotFailure(error, `node "${ctx.nodeId}": reaching HubSpot`, { nodeId: ctx.nodeId });
      });
    }
  },
  discover: (config, ctx) =>
    discoverObjects(
      config,
      [...new Set([...(config.object ? [config.object] : []), ...Object.values(config.objects ?? {})])],
      ctx,
    ),
  location(config) {
    const host = new URL(config.baseUrl ?? defaultBaseUrl).host;
    const objects = config.objects
      ? [...new Set(Object.values(config.objects))].join(', ')
      : (config.object ?? 'objects named by the streams');
    return `HubSpot ${host}: ${objects}`;
  },
  plansDryRun: true,
  async open(config, ctx) {
    const issue = checkDestinationConfig(config)[0];
    if (issue)
      throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, { nodeId: ctx.nodeId, details: [issue] });
    const client = hubspotClient(config, ctx);
    const checked = new Map<string, Promise<void>>();
    return openHubspotWriter(config, ctx, client, (object) => {
      let ready = checked.get(object);
      if (!ready) {
        ready = checkObject(client.api, object, config, ctx);
        checked.set(object, ready);
      }
      return ready;
    });
  },
});

/** The CRM object a stream is written to. */
function objectOf(config: HubspotDestinationConfig, stream: string): string {
  return config.objects?.[stream] ?? config.object ?? stream;
}

/** The pages of `pages`, a failed request as an error naming what was done and HubSpot's answer. */
async function* failing<T>(pages: AsyncIterable<T>, doing: string, ctx: NodeContext): AsyncGenerator<T> {
  try {
    yield* pages;
  } catch (error) {
    throw hubspotFailure(error, `node "${ctx.nodeId}": ${doing}`, { nodeId: ctx.nodeId }, destinationError);
  }
}

const destinationError = (message: string, context: ErrorContext) => new DestinationError(message, context);

/**
 * The object exists for this token, and the property records are matched by is one of its
 * properties: a typo there would have HubSpot refuse every record, one by one.
 */
async function checkObject(
  api: HubspotClient['api'],
  object: string,
  config: HubspotDestinationConfig,
  ctx: NodeContext,
): Promise<void> {
  const properties = await listProperties(api, object).catch((error: unknown) => {
    throw hubspotFailure(error, `node "${ctx.nodeId}": reading the properties of "${object}"`, { nodeId: ctx.nodeId });
  });
  if (config.mode === 'insert' || matchesById(config)) return;
  if (!properties.some((property) => property.name === config.idProperty)) {
    const message = `"${object}" has no property "${config.idProperty}" to match records by`;
    throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.idProperty', message }],
    });
  }
}
