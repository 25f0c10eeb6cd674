/**
 * What a dry run decides a record would become, writing nothing: a record the ID map knows is
 * updated by its Id; an upsert looks its key up in the live org (`SELECT Id, <key> FROM <Object>
 * WHERE <key> IN (...)`) and updates the record found, else creates; an insert creates; an update
 * looks up the `Id` it carries and updates it, or is refused when the org does not hold it. Within one run, two records of one new upsert key both plan a create
 * (the real run would update the second).
 */
import type { Rec } from '../../node-kit/contract.ts';
import type { SaveTarget } from './collections.ts';
import { queryIn } from './rest-query.ts';
import type { SalesforceSession } from './session.ts';

export interface PlannedSave {
  action: 'create' | 'update' | 'reject';
  /** The record an update would change, when it is known. */
  destinationId?: string;
  /** Why a save would be refused (an update of an Id the org does not hold). */
  reason?: string;
}

export async function planSaves(
  session: SalesforceSession,
  target: SaveTarget,
  sending: readonly { record: Rec; knownId?: string }[],
): Promise<PlannedSave[]> {
  const keyField = target.mode === 'update' ? 'Id' : target.externalIdField!;
  const existing =
    target.mode === 'upsert' || target.mode === 'update'
      ? await existingByKey(session, target.object, keyField, sending)
      : new Map<string, string>();
  return sending.map(({ record, knownId }): PlannedSave => {
    if (knownId !== undefined) return { action: 'update', destinationId: knownId };
    if (target.mode === 'insert') return { action: 'create' };
    const id = existing.get(keyOf(record[keyField]));
    if (id !== undefined) return { action: 'update', destinationId: id };
    if (target.mode === 'upsert') return { action: 'create' };
    // Salesforce would refuse it (INVALID_CROSS_REFERENCE_KEY, ENTITY_IS_DELETED): the same reason a real run gives.
    return { action: 'reject', reason: `no ${target.object} record with Id ${String(record.Id)} to update` };
  });
}

/** Key (as compared: text, case-insensitively) → Id of the record holding it in the org. */
async function existingByKey(
  session: SalesforceSession,
  object: string,
  field: string,
  sending: readonly { record: Rec; knownId?: string }[],
): Promise<Map<string, string>> {
  const keys = [
    ...new Set(
      sending
        .filter((entry) => entry.knownId === undefined)
        .map((entry) => entry.record[field])
        .filter((key) => key !== null && key !== undefined && key !== ''),
    ),
  ];
  const found = new Map<string, string>();
  for await (const records of queryIn(session, { fields: [...new Set(['Id', field])], object, field, values: keys })) {
    for (const record of records) found.set(keyOf(record[field]), String(record.Id));
  }
  return found;
}

function keyOf(value: unknown): string {
  return String(value).toLowerCase();
}
