/**
 * The read-back of a CRM destination's reconciliation report: the pairs this run recorded in the ID
 * map for a stream (200 at a time, never all at once), their HubSpot records read by id (batch read,
 * 100 a request; a record deleted since is absent), and per relation how many of those found have
 * it: a lookup or owner property set, an association of the object named.
 */
import type { IdMap } from '../../node-kit/contract.ts';
import type { HttpApi } from '../../node-kit/http/index.ts';
import { readAssociations } from './associations.ts';
import type { BatchAnswer } from './objects.ts';

const pairsPerPage = 200;
const readLimit = 100;

export interface ReadBackPlan {
  object: string;
  /** ID map namespace the stream's pairs are under. */
  namespace: string;
  /** Relation name → the property it sets. */
  properties: Record<string, string>;
  /** Relation name → the object it associates with. */
  associations: Record<string, string>;
}

export async function readBack(
  api: HttpApi,
  idMap: IdMap,
  plan: ReadBackPlan,
): Promise<{ loaded: number; relations: Record<string, number> }> {
  let loaded = 0;
  const relations: Record<string, number> = {};
  const count = (name: string, found: number) => {
    relations[name] = (relations[name] ?? 0) + found;
  };
  let after: string | undefined;
  for (;;) {
    const pairs = await idMap.recorded(plan.namespace, {
      ...(after === undefined ? {} : { after }),
      limit: pairsPerPage,
    });
    for (let start = 0; start < pairs.length; start += readLimit) {
      const ids = pairs.slice(start, start + readLimit).map(([, id]) => id);
      const found = await readRecords(api, plan.object, [...new Set(ids)], Object.values(plan.properties));
      const present = ids.filter((id) => found.has(id));
      loaded += present.length;
      for (const [name, property] of Object.entries(plan.properties)) {
        count(name, present.filter((id) => Boolean(found.get(id)?.[property])).length);
      }
      for (const [name, to] of Object.entries(plan.associations)) {
        const associated = await readAssociations(api, plan.object, to, [...new Set(present)]);
        count(name, present.filter((id) => (associated.get(id)?.length ?? 0) > 0).length);
      }
    }
    if (pairs.length < pairsPerPage) return { loaded, relations };
    after = pairs.at(-1)![0];
  }
}

/** Id → properties of the records of `ids` that exist (and are not archived). */
async function readRecords(
  api: HttpApi,
  object: string,
  ids: readonly string[],
  properties: readonly string[],
): Promise<Map<string, Record<string, string | null>>> {
  const answer = await api.request<BatchAnswer>({
    method: 'POST',
    path: `/crm/v3/objects/${encodeURIComponent(object)}/batch/read`,
    body: { inputs: ids.map((id) => ({ id })), properties: [...properties] },
  });
  return new Map((answer.results ?? []).map((record) => [String(record.id), record.properties]));
}

/**
 * Per key of `keys`, the id of the live record it names: by `idProperty` (case-insensitively), or
 * by record id when none (a dry run's decision between update, create and not found).
 */
export async function findExisting(
  api: HttpApi,
  object: string,
  idProperty: string | undefined,
  keys: readonly string[],
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Set(keys.map((key) => key.toLowerCase()))];
  for (let start = 0; start < unique.length; start += readLimit) {
    const answer = await api.request<BatchAnswer>({
      method: 'POST',
      path: `/crm/v3/objects/${encodeURIComponent(object)}/batch/read`,
      body: {
        ...(idProperty ? { idProperty } : {}),
        inputs: unique.slice(start, start + readLimit).map((id) => ({ id })),
        properties: idProperty ? [idProperty] : [],
      },
    });
    for (const record of answer.results ?? []) {
      const key = idProperty ? record.properties[idProperty] : record.id;
      if (key) found.set(key.toLowerCase(), String(record.id));
    }
  }
  return found;
}
