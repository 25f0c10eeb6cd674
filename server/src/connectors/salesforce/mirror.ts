/**
 * What a mirror needs of Salesforce beyond saving, all by the key records are matched by (the
 * external ID field, or `Id` for an update):
 * - `deleteByKey`: `SELECT Id, <key> FROM <Object> WHERE <key> IN (...)` finds the records, then
 *   `DELETE /composite/sobjects?ids=…&allOrNone=false` deletes them, 200 a request, each on its own.
 *   A record already deleted (`ENTITY_IS_DELETED`) or gone is no error, so a resumed run may ask
 *   for the same keys again; any other refusal fails the run naming the object and the key.
 * - `listKeys`: every record's key (`WHERE <key> != null`: records without one are skipped);
 * - `currentRecords`: the records of some keys as a save would send them, for a dry run's before → after.
 */
import { DestinationError } from '../../errors.ts';
import type { NodeContext, Rec } from '../../node-kit/contract.ts';
import { collectionRecords } from './collections.ts';
import { describeObject } from './describe.ts';
import { fromRest } from './records.ts';
import { queryIn, queryPages } from './rest-query.ts';
import { reasonOf, type SalesforceErrorItem } from './save-errors.ts';
import type { SalesforceSession } from './session.ts';

/** Refusals of a delete that mean the record is gone already. */
const goneAlready = new Set(['ENTITY_IS_DELETED', 'NOT_FOUND', 'INVALID_CROSS_REFERENCE_KEY']);

interface DeleteResult {
  id?: string | null;
  success: boolean;
  errors?: SalesforceErrorItem[];
}

/** Which records to delete, and where the run stands (for the errors). */
export interface DeleteTarget {
  object: string;
  /** The key field (`External_Id__c`, or `Id`); names checked by the config's pattern. */
  field: string;
  stream: string;
  nodeId: string;
}

/** Deletes the records whose key field holds one of `keys`; returns how many it deleted. */
export async function deleteByKey(
  session: SalesforceSession,
  target: DeleteTarget,
  keys: readonly string[],
): Promise<number> {
  const keyOfId = new Map<string, string>();
  const fields = [...new Set(['Id', target.field])];
  for await (const records of queryIn(session, { fields, object: target.object, field: target.field, values: keys })) {
    for (const record of records) keyOfId.set(String(record.Id), String(record[target.field]));
  }
  const ids = [...keyOfId.keys()];
  let deleted = 0;
  for (let start = 0; start < ids.length; start += collectionRecords) {
    const chunk = ids.slice(start, start + collectionRecords);
    const results = await session.request<DeleteResult[]>({
      method: 'DELETE',
      path: session.dataPath('/composite/sobjects'),
      query: { ids: chunk.join(','), allOrNone: false },
    });
    chunk.forEach((id, position) => {
      const result = results[position];
      if (result?.success) {
        deleted += 1;
        return;
      }
      const errors = result?.errors ?? [];
      if (errors.length > 0 && errors.every((error) => goneAlready.has(error.statusCode ?? error.errorCode ?? ''))) {
        return;
      }
      throw new DestinationError(
        `node "${target.nodeId}": Salesforce refused to delete ${target.object} ${id} (${target.field} ${keyOfId.get(id)}) of stream "${target.stream}": ${reasonOf(errors)}`,
        { nodeId: target.nodeId, stream: target.stream },
      );
    });
  }
  return deleted;
}

/** Every record's key field value, a query page (up to 2,000) at a time; records without one are skipped. */
export async function* listKeys(session: SalesforceSession, object: string, field: string): AsyncGenerator<Rec[]> {
  for await (const records of queryPages(session, `SELECT ${field} FROM ${object} WHERE ${field} != null`)) {
    const keys = records.map((record) => ({ [field]: record[field] }));
    if (keys.length > 0) yield keys;
  }
}

/**
 * The records holding `keys` in `field`, each as a save sends one: the key and the fields a save
 * can set (createable or updateable, per describe) that have a value.
 */
export async function currentRecords(
  session: SalesforceSession,
  object: string,
  field: string,
  keys: readonly string[],
  ctx: NodeContext,
): Promise<Rec[]> {
  const description = await describeObject(session, object, ctx, 'config.object');
  const writable = description.fields
    .filter((described) => described.createable === true || described.updateable === true)
    .map((described) => described.name);
  const fields = [...new Set([field, ...writable])];
  const records: Rec[] = [];
  for await (const page of queryIn(session, { fields, object, field, values: keys })) {
    for (const found of page) {
      const rest = fromRest(found);
      const record: Rec = { [field]: rest[field] ?? null };
      for (const name of writable) {
        const value = rest[name];
        if (name !== field && value !== null && value !== undefined) record[name] = value;
      }
      records.push(record);
    }
  }
  return records;
}
