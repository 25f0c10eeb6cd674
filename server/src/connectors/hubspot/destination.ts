/**
 * `hubspot.destination`: record streams into HubSpot CRM objects through the batch endpoints,
 * 100 records a request (`publishes: 'idempotent-batches'`): each batch lands at once, and in
 * upsert mode a replayed batch overwrites itself. Refused records go to `ctx.reject` with
 * HubSpot's message; everything else that fails fails the run (see write-batch.ts).
 */
import { ConfigError } from '../../errors.ts';
import { defineDestination, type NodeContext } from '../../node-kit/contract.ts';
import { connectionFields, defaultBaseUrl, type HubspotClient, hubspotClient, hubspotFailure } from './connection.ts';
import {
  checkDestinationConfig,
  type HubspotDestinationConfig,
  hubspotDestinationConfig,
  hubspotModes,
  matchesById,
} from './destination-config.ts';
import { discoverObjects } from './discover.ts';
import { listProperties } from './properties.ts';
import { openHubspotWriter } from './writer.ts';

export const hubspotDestination = defineDestination({
  type: 'hubspot.destination',
  title: 'HubSpot destination',
  description:
    'Writes records to HubSpot CRM objects (contacts, companies, deals, custom objects): batch insert, update or upsert by a unique property.',
  config: hubspotDestinationConfig,
  publishes: 'idempotent-batches',
  modes: hubspotModes,
  // A sync upserting by a unique property is diffed on it; a migration (idMap) reads back every record it wrote instead.
  syncKey: (config) =>
    config.mode === 'upsert' && config.idProperty && !config.idMap ? [config.idProperty] : undefined,
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
