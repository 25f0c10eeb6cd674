/**
 * `hubspot.destination`: record streams into HubSpot CRM objects through the batch endpoints,
 * 100 records a request (`publishes: 'idempotent-batches'`): each batch lands at once, and in
 * upsert mode a replayed batch overwrites itself. Refused records go to `ctx.reject` with
 * HubSpot's message; everything else that fails fails the run (see write-batch.ts).
 */
import { ConfigError, DestinationError } from '../../errors.ts';
import {
  type DestinationContext,
  defineDestination,
  type NodeContext,
  type Rec,
  type RecordLocation,
} from '../../node-kit/contract.ts';
import { type BatchInput, batchInput, endpointOf } from './batch-inputs.ts';
import { connectionFields, defaultBaseUrl, type HubspotClient, hubspotClient, hubspotFailure } from './connection.ts';
import {
  checkDestinationConfig,
  type HubspotDestinationConfig,
  hubspotDestinationConfig,
  hubspotModes,
  matchesById,
  maxInputs,
} from './destination-config.ts';
import { discoverObjects } from './discover.ts';
import { listProperties } from './properties.ts';
import { writeBatch } from './write-batch.ts';

/** Batch requests a write keeps going at once. */
const requestsAhead = 8;

export const hubspotDestination = defineDestination({
  type: 'hubspot.destination',
  title: 'HubSpot destination',
  description:
    'Writes records to HubSpot CRM objects (contacts, companies, deals, custom objects): batch insert, update or upsert by a unique property.',
  config: hubspotDestinationConfig,
  publishes: 'idempotent-batches',
  modes: hubspotModes,
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
  async open(config, ctx) {
    const issue = checkDestinationConfig(config)[0];
    if (issue)
      throw new ConfigError(`node "${ctx.nodeId}": ${issue.message}`, { nodeId: ctx.nodeId, details: [issue] });
    const client = hubspotClient(config, ctx);
    const checked = new Map<string, Promise<void>>();
    const batchSize = Math.min(config.batchSize ?? maxInputs, maxInputs);
    return {
      async write(payload) {
        if (payload.kind !== 'records' || payload.records.length === 0) return;
        const object = config.objects?.[payload.stream] ?? config.object ?? payload.stream;
        let ready = checked.get(object);
        if (!ready) {
          ready = checkObject(client.api, object, config, ctx);
          checked.set(object, ready);
        }
        await ready;
        const starts: number[] = [];
        for (let start = 0; start < payload.records.length; start += batchSize) starts.push(start);
        // A few requests ahead of the limiter's concurrency keep it busy; more would only wait in its queue.
        const workers = Array.from({ length: Math.min(requestsAhead, starts.length) }, async () => {
          for (let start = starts.shift(); start !== undefined; start = starts.shift()) {
            const records = payload.records.slice(start, start + batchSize);
            const locations = payload.locations?.slice(start, start + batchSize);
            await writeRecords(client, object, config, ctx, payload.stream, records, locations);
          }
        });
        await Promise.all(workers);
      },
      async prepare() {},
      async commit() {},
    };
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

/** One request's worth of records (and any halves HubSpot makes of it); refused records rejected with their reasons. */
async function writeRecords(
  client: HubspotClient,
  object: string,
  config: HubspotDestinationConfig,
  ctx: DestinationContext,
  stream: string,
  records: Rec[],
  locations: RecordLocation[] | undefined,
): Promise<void> {
  const refused: { index: number; reason: string }[] = [];
  const inputs: BatchInput[] = [];
  const recordIndex: number[] = [];
  records.forEach((record, index) => {
    const input = batchInput(record, String(index), config);
    if ('problem' in input) refused.push({ index, reason: input.problem });
    else {
      inputs.push(input);
      recordIndex.push(index);
    }
  });
  if (inputs.length > 0) {
    try {
      for (const { index, reason } of await writeBatch(client.api, object, endpointOf[config.mode], inputs)) {
        refused.push({ index: recordIndex[index]!, reason });
      }
    } catch (error) {
      throw hubspotFailure(
        error,
        `node "${ctx.nodeId}": writing ${inputs.length} record(s) of stream "${stream}" to ${object}`,
        { nodeId: ctx.nodeId, stream },
        (message, context) => new DestinationError(message, context),
      );
    }
  }
  if (refused.length === 0) return;
  refused.sort((a, b) => a.index - b.index);
  ctx.reject(
    refused.map(({ index }) => records[index]!),
    refused.map(({ reason }) => reason),
    locations ? refused.map(({ index }) => locations[index] ?? {}) : undefined,
  );
}
