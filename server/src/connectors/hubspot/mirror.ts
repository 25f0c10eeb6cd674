/**
 * What a mirror needs of HubSpot beyond writing, all by the unique property records are matched by
 * (`idProperty`):
 * - `archiveByKey`: HubSpot deletes only by record id, so the keys are batch-read by `idProperty`
 *   (`POST /crm/v3/objects/{object}/batch/read`, 100 a request: a key no live record holds is
 *   listed among the 207's errors and simply not found) and the ids found archived
 *   (`POST …/batch/archive`, 100 a request, 204 with no body: the record goes to the recycling bin).
 *   Archiving an id again is no error, so a resumed run may ask for the same keys again.
 * - `listKeys`: every live record's key, paging the list endpoint (a record without a value is skipped);
 * - `currentRecords`: the records of some keys as a write would send them, for a dry run's before → after.
 */
import type { Rec } from '../../node-kit/contract.ts';
import type { HttpApi } from '../../node-kit/http/index.ts';
import type { BatchAnswer } from './objects.ts';
import { listLimit, listPage } from './pages.ts';
import { type HubspotProperty, listProperties } from './properties.ts';
import { findExisting } from './read-back.ts';

/** Inputs per batch archive request: HubSpot's limit. */
const archiveLimit = 100;
/** Keys per page `listKeys` yields: about what the engine compares at once. */
const keysPerPage = 1000;

/** Archives the live records whose `idProperty` holds one of `keys`; returns how many it archived. */
export async function archiveByKey(
  api: HttpApi,
  object: string,
  idProperty: string,
  keys: readonly string[],
): Promise<number> {
  const ids = [...new Set((await findExisting(api, object, idProperty, keys)).values())];
  for (let start = 0; start < ids.length; start += archiveLimit) {
    await api.request({
      method: 'POST',
      path: `/crm/v3/objects/${encodeURIComponent(object)}/batch/archive`,
      body: { inputs: ids.slice(start, start + archiveLimit).map((id) => ({ id })) },
    });
  }
  return ids.length;
}

/** Every live record's `idProperty` value, about 1000 a page; records without one are skipped. */
export async function* listKeys(api: HttpApi, object: string, idProperty: string): AsyncGenerator<Rec[]> {
  let page: Rec[] = [];
  let after: string | undefined;
  do {
    const listed = await listPage(api, object, [idProperty], listLimit, after);
    for (const record of listed.objects) {
      const key = record.properties[idProperty];
      if (key !== null && key !== undefined && key !== '') page.push({ [idProperty]: key });
    }
    if (page.length >= keysPerPage) {
      yield page;
      page = [];
    }
    after = listed.next;
  } while (after !== undefined);
  if (page.length > 0) yield page;
}

/**
 * The live records holding `keys` in `idProperty`, each as a write sends a record: the key and the
 * properties a write can set (HubSpot's read-only ones left out) that have a value, as text.
 */
export async function currentRecords(
  api: HttpApi,
  object: string,
  idProperty: string,
  keys: readonly string[],
): Promise<Rec[]> {
  const properties = (await listProperties(api, object)).filter(writable).map((property) => property.name);
  const records: Rec[] = [];
  const unique = [...new Set(keys)];
  for (let start = 0; start < unique.length; start += archiveLimit) {
    const answer = await api.request<BatchAnswer>({
      method: 'POST',
      path: `/crm/v3/objects/${encodeURIComponent(object)}/batch/read`,
      body: {
        idProperty,
        inputs: unique.slice(start, start + archiveLimit).map((id) => ({ id })),
        properties: [...new Set([idProperty, ...properties])],
      },
    });
    for (const found of answer.results ?? []) {
      const record: Rec = { [idProperty]: found.properties[idProperty] ?? null };
      for (const name of properties) {
        const value = found.properties[name];
        if (name !== idProperty && value !== null && value !== undefined && value !== '') record[name] = value;
      }
      records.push(record);
    }
  }
  return records;
}

/** A property a write can set: not one HubSpot calculates or keeps read-only. */
function writable(property: HubspotProperty): boolean {
  return property.calculated !== true && property.modificationMetadata?.readOnlyValue !== true;
}
