/**
 * The two ways the source pages through an object, each page keyed by where the next one starts:
 * - `listPage`: the list endpoint (`GET /crm/v3/objects/{object}`), paged by its `after` token;
 * - `searchPage`: the search endpoint, the records modified within a window, in `hs_object_id`
 *   order. Each page is a new search for ids above the last one read (keyset) rather than the
 *   search's own `after` paging: that `after` is an offset, capped at 10,000 results and shifted
 *   when a record leaves the window mid-read (one would be skipped); a keyset search is neither.
 */
import type { HttpApi } from '../../node-kit/http/index.ts';
import { type HubspotObject, modifiedProperty } from './objects.ts';

/** Records per page at most: the list endpoint's and the search endpoint's limits. */
export const listLimit = 100;
export const searchLimit = 200;

export interface Page {
  objects: HubspotObject[];
  /** Where the next page starts; undefined after the last page. */
  next?: string;
}

export async function listPage(
  api: HttpApi,
  object: string,
  properties: readonly string[],
  limit: number,
  after: string | undefined,
): Promise<Page> {
  const answer = await api.request<{ results: HubspotObject[]; paging?: { next?: { after?: string } } }>({
    path: `/crm/v3/objects/${encodeURIComponent(object)}`,
    query: { limit, after, properties: properties.join(','), archived: false },
  });
  const next = answer.paging?.next?.after;
  return { objects: answer.results, ...(next ? { next } : {}) };
}

/** Modification times, epoch milliseconds, both ends included. */
export interface Window {
  from: number;
  until: number;
}

export async function searchPage(
  search: HttpApi,
  object: string,
  properties: readonly string[],
  limit: number,
  window: Window,
  afterId: string | undefined,
): Promise<Page> {
  const modified = modifiedProperty(object);
  const filters = [
    { propertyName: modified, operator: 'GTE', value: String(window.from) },
    { propertyName: modified, operator: 'LTE', value: String(window.until) },
    ...(afterId === undefined ? [] : [{ propertyName: 'hs_object_id', operator: 'GT', value: afterId }]),
  ];
  const answer = await search.request<{ results: HubspotObject[] }>({
    method: 'POST',
    path: `/crm/v3/objects/${encodeURIComponent(object)}/search`,
    body: {
      filterGroups: [{ filters }],
      sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
      properties,
      limit,
    },
  });
  const last = answer.results.at(-1);
  return { objects: answer.results, ...(answer.results.length === limit && last ? { next: last.id } : {}) };
}
