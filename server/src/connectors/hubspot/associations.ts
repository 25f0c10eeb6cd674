/**
 * The ids of the objects associated with a page of records, through associations v4's batch read
 * (`POST /crm/v4/associations/{from}/{to}/batch/read`). A record with many associations is paged
 * per record (`paging.next.after`, asked again with `{ id, after }`); one with none comes back as an
 * error of a 207 answer, or not at all: both mean none.
 */
import type { HttpApi } from '../../node-kit/http/index.ts';

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
