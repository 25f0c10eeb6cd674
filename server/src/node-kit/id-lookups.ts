/**
 * What a CRM destination does with the flow's ID map (contract.ts IdMap), shared by every CRM:
 * before a batch is saved, each lookup (a reference field such as Salesforce's `AccountId`, or a
 * HubSpot association) is resolved from the source id in its `from` field (one map lookup per batch
 * and lookup), and records whose own source id the map already knows are found (so an insert of
 * them becomes an update); after, each record saved is recorded as source id → destination id.
 * The `from` and `sourceId` fields hold the source system's ids and are not sent.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { IdMap, Rec } from './contract.ts';
import { oneOf, recordOf } from './schema.ts';

/** The `idMap` config of a CRM destination: where a record's source id is, and the namespace it goes under. */
export function idMapProperty(system: string) {
  return Type.Optional(
    Type.Object(
      {
        sourceId: Type.String({
          minLength: 1,
          title: 'Source id field',
          description: `The record field holding the source system's id (e.g. HubSpot's id); not sent to ${system}.`,
        }),
        object: Type.Optional(
          Type.String({
            minLength: 1,
            title: 'ID map object',
            description: "The ID map namespace the pairs go under; the stream's name by default.",
          }),
        ),
      },
      {
        additionalProperties: false,
        title: 'ID map',
        description: `Records source id → ${system} id of every record saved in this flow's ID map, for later lookups (and, in insert mode, so a replay updates instead of inserting again).`,
      },
    ),
  );
}

/** One lookup: the field (a dotted path, e.g. `associations.companies`) holding a source id, and the namespace it is looked up in. */
export const lookupSchema = Type.Object(
  {
    from: Type.String({
      minLength: 1,
      title: 'From field',
      description:
        'The record field holding the source id (a dotted path such as associations.companies reaches inside; of an array the first is used); not sent.',
    }),
    object: Type.String({ minLength: 1, title: 'ID map object', description: 'The ID map namespace to look in.' }),
    missing: Type.Optional(
      oneOf(['reject', 'skip'], {
        title: 'When the id is not in the map',
        description: 'reject the record (default), or save it without this reference',
        default: 'reject',
      }),
    ),
  },
  { additionalProperties: false },
);

export type Lookup = Static<typeof lookupSchema>;

export function lookupsProperty(options: { title: string; description: string }) {
  return Type.Optional(recordOf(lookupSchema, options));
}

export interface IdMapConfig {
  sourceId: string;
  object?: string;
}

/** A record to save: its index in the batch, its fields as sent, its source id and the id the map already holds for it. */
export interface Outgoing {
  index: number;
  record: Rec;
  sourceId?: string;
  knownId?: string;
  /** Per lookup name, the destination id it resolved to (lookups whose `from` was empty are absent). */
  resolved: Record<string, string>;
}

/** A record refused before it was sent: its index in the batch and why. */
export interface Refusal {
  index: number;
  reason: string;
}

/** A source id as the map keys it: text; the first of an array; none for null or empty. */
export function sourceIdOf(value: unknown): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === null || first === undefined || first === '') return undefined;
  return typeof first === 'object' ? JSON.stringify(first) : String(first);
}

/** The value at a dotted path of a record (`associations.companies`); a field named with the dot wins. */
export function valueAt(record: Rec, path: string): unknown {
  if (path in record || !path.includes('.')) return record[path];
  let value: unknown = record;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** The top-level field a dotted path lives in (`Owner` of `Owner.Email`): what is left out of the record sent. */
export function rootOf(record: Rec, path: string): string {
  return path in record ? path : path.split('.')[0]!;
}

/**
 * The batch's records with their lookups resolved; records whose lookup ids the map lacks are
 * refused (or, with `missing: 'skip'`, sent without that reference). `lookups` are named (the
 * field or association they set); what to do with `resolved` is the caller's.
 */
export async function resolveIds(
  records: readonly Rec[],
  idMapConfig: IdMapConfig | undefined,
  lookups: Record<string, Lookup> | undefined,
  namespace: string,
  idMap: IdMap,
): Promise<{ outgoing: Outgoing[]; refusals: Refusal[] }> {
  const entries = Object.entries(lookups ?? {});
  const found = await Promise.all(
    entries.map(([, lookup]) =>
      idMap.lookup(
        lookup.object,
        [...new Set(records.map((record) => sourceIdOf(valueAt(record, lookup.from))))].filter(isId),
      ),
    ),
  );
  const sourceIds = idMapConfig ? records.map((record) => sourceIdOf(valueAt(record, idMapConfig.sourceId))) : [];
  const known = idMapConfig ? await idMap.lookup(namespace, [...new Set(sourceIds)].filter(isId)) : new Map();
  const outgoing: Outgoing[] = [];
  const refusals: Refusal[] = [];
  records.forEach((original, index) => {
    const record: Rec = { ...original };
    if (idMapConfig) delete record[rootOf(original, idMapConfig.sourceId)];
    for (const [, lookup] of entries) delete record[rootOf(original, lookup.from)];
    const reasons: string[] = [];
    const resolved: Record<string, string> = {};
    entries.forEach(([name, lookup], position) => {
      const id = sourceIdOf(valueAt(original, lookup.from));
      if (id === undefined) return;
      const destinationId = found[position]!.get(id);
      if (destinationId !== undefined) resolved[name] = destinationId;
      else if ((lookup.missing ?? 'reject') === 'reject') {
        reasons.push(`${name}: ${lookup.object} ${id} is not in this flow's ID map (not migrated, or rejected there)`);
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
      resolved,
      ...(sourceId === undefined ? {} : { sourceId }),
      ...(knownId === undefined ? {} : { knownId }),
    });
  });
  return { outgoing, refusals };
}

/** The source id → destination id pairs of the records saved (`saved` indexes into `sent`). */
export function savedPairs(
  sent: readonly Outgoing[],
  saved: readonly { index: number; id: string }[],
): [string, string][] {
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
