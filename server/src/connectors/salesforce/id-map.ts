/**
 * The flow's ID map at `salesforce.destination`: before a batch is saved, each `lookups` field is
 * set to the Salesforce Id the map holds for the source id in its `from` field (one lookup call per
 * batch and lookup), and `idMap` records whose source id the map already knows are found (so an
 * insert of them becomes an update by Id); after, each record saved is recorded as source id →
 * Salesforce Id. The `from` and `sourceId` fields hold the source system's ids and are not sent.
 */
import type { IdMap, Rec } from '../../node-kit/contract.ts';
import type { Refusal, Saved } from './collections.ts';
import type { SalesforceDestinationConfig } from './destination-config.ts';

type IdMapConfig = SalesforceDestinationConfig['idMap'];
type Lookups = SalesforceDestinationConfig['lookups'];

/** A record to save: its index in the batch, its fields as sent, its source id and the Id the map already holds for it. */
export interface Outgoing {
  index: number;
  record: Rec;
  sourceId?: string;
  knownId?: string;
}

/** A source id as the map keys it: text; the first of an array; none for null or empty. */
export function sourceIdOf(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === null || first === undefined || first === '') return undefined;
  return typeof first === 'object' ? JSON.stringify(first) : String(first);
}

/** The batch's records with their lookups resolved; those whose source ids the map lacks are refused. */
export async function resolveIds(
  records: readonly Rec[],
  idMapConfig: IdMapConfig,
  lookups: Lookups,
  namespace: string,
  idMap: IdMap,
): Promise<{ outgoing: Outgoing[]; refusals: Refusal[] }> {
  const entries = Object.entries(lookups ?? {});
  const found = await Promise.all(
    entries.map(([, lookup]) =>
      idMap.lookup(lookup.object, [...new Set(records.map((record) => sourceIdOf(record[lookup.from])))].filter(isId)),
    ),
  );
  const sourceIds = idMapConfig ? records.map((record) => sourceIdOf(record[idMapConfig.sourceId])) : [];
  const known = idMapConfig ? await idMap.lookup(namespace, [...new Set(sourceIds)].filter(isId)) : new Map();
  const outgoing: Outgoing[] = [];
  const refusals: Refusal[] = [];
  records.forEach((original, index) => {
    const record: Rec = { ...original };
    if (idMapConfig) delete record[idMapConfig.sourceId];
    for (const [, lookup] of entries) delete record[lookup.from];
    const reasons: string[] = [];
    entries.forEach(([field, lookup], position) => {
      const id = sourceIdOf(original[lookup.from]);
      if (id === undefined) return;
      const destinationId = found[position]!.get(id);
      if (destinationId === undefined) {
        reasons.push(`${field}: ${lookup.object} ${id} is not in this flow's ID map (not migrated, or rejected there)`);
      } else {
        record[field] = destinationId;
      }
    });
    if (reasons.length > 0) {
      refusals.push({ index, reason: reasons.join('; ') });
      return;
    }
    const sourceId = sourceIds[index];
    const knownId = sourceId === undefined ? undefined : known.get(sourceId);
    outgoing.push({
      index,
      record,
      ...(sourceId === undefined ? {} : { sourceId }),
      ...(knownId === undefined ? {} : { knownId }),
    });
  });
  return { outgoing, refusals };
}

/** The source id → Salesforce Id pairs of the records saved (`saved` indexes into `sent`). */
export function savedPairs(sent: readonly Outgoing[], saved: readonly Saved[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (const { index, id } of saved) {
    const sourceId = sent[index]?.sourceId;
    if (sourceId !== undefined) pairs.push([sourceId, id]);
  }
  return pairs;
}

function isId(id: string | undefined): id is string {
  return id !== undefined;
}
