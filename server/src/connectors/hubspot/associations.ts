/**
 * Associations v4, both ways:
 * - read: the ids of the objects associated with a page of records (`POST
 *   /crm/v4/associations/{from}/{to}/batch/read`). A record with many associations is paged per
 *   record (`paging.next.after`, asked again with `{ id, after }`); one with none comes back as an
 *   error of a 207 answer, or not at all: both mean none.
 * - associate: default (unlabeled) associations from records to others (`POST
 *   /crm/v4/associations/{from}/{to}/batch/associate/default`, 100 pairs a request). HubSpot keeps
 *   one association per pair and type, so associating again changes nothing: a replay is harmless.
 */
import { type HttpApi, HttpApiError } from '../../node-kit/http/index.ts';
import { loadIsolatingFailures } from '../../node-kit/isolate-failures.ts';
import { hubspotMessage } from './connection.ts';

/** Pairs a request takes. */
const associateLimit = 100;

interface AssociationsAnswer {
  results?: {
    from: { id: string | number };
    to: { toObjectId: string | number }[];
    paging?: { next?: { after?: string } };
  }[];
}

/** Per id of `ids`, the ids of its associated `to` objects, in HubSpot's order, each once. */
export async function readAssociations(
  api: HttpApi,
  from: string,
  to: string,
  ids: readonly string[],
): Promise<Map<string, string[]>> {
  const found = new Map<string, Set<string>>(ids.map((id) => [id, new Set()]));
  let inputs: { id: string; after?: string }[] = ids.map((id) => ({ id }));
  while (inputs.length > 0) {
    const answer = await api.request<AssociationsAnswer>({
      method: 'POST',
      path: `/crm/v4/associations/${encodeURIComponent(from)}/${encodeURIComponent(to)}/batch/read`,
      body: { inputs },
    });
    const next: { id: string; after: string }[] = [];
    for (const result of answer.results ?? []) {
      const id = String(result.from.id);
      const targets = found.get(id);
      if (!targets) continue;
      for (const { toObjectId } of result.to) targets.add(String(toObjectId));
      const after = result.paging?.next?.after;
      if (after) next.push({ id, after });
    }
    inputs = next;
  }
  return new Map([...found].map(([id, targets]) => [id, [...targets]]));
}

interface AssociateAnswer {
  results?: { from: { id: string | number } }[];
}

/**
 * Associates each `[fromId, toId]` pair; returns the from ids HubSpot associated. A pair HubSpot
 * refuses (a record deleted meanwhile: a 207 error, or a 400 for the whole request, which is then
 * halved until the refused pair stands alone) is left out, for the caller to report.
 */
export async function associateDefault(
  api: HttpApi,
  from: string,
  to: string,
  pairs: readonly (readonly [string, string])[],
): Promise<{ associated: Set<string>; refused: { pair: readonly [string, string]; reason: string }[] }> {
  const associated = new Set<string>();
  const send = async (slice: readonly (readonly [string, string])[]) => {
    const answer = await api.request<AssociateAnswer>({
      method: 'POST',
      path: `/crm/v4/associations/${encodeURIComponent(from)}/${encodeURIComponent(to)}/batch/associate/default`,
      body: { inputs: slice.map(([fromId, toId]) => ({ from: { id: fromId }, to: { id: toId } })) },
    });
    for (const result of answer.results ?? []) associated.add(String(result.from.id));
  };
  const refused: { pair: readonly [string, string]; reason: string }[] = [];
  for (let start = 0; start < pairs.length; start += associateLimit) {
    const chunk = pairs.slice(start, start + associateLimit);
    const failures = await loadIsolatingFailures(
      chunk,
      send,
      (error) => error instanceof HttpApiError && error.status === 400,
    );
    for (const { row, error } of failures)
      refused.push({ pair: chunk[row]!, reason: hubspotMessage(error as HttpApiError) ?? String(error) });
  }
  return { associated, refused };
}
