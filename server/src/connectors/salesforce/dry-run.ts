/**
 * What a dry run decides a record would become, writing nothing: a record the ID map knows is
 * updated by its Id; an upsert looks its key up in the live org (`SELECT Id, <key> FROM <Object>
 * WHERE <key> IN (...)`) and updates the record found, else creates; an insert creates; an update
 * updates the `Id` it carries. Within one run, two records of one new upsert key both plan a create
 * (the real run would update the second).
 */
import type { Rec } from '../../node-kit/contract.ts';
import type { SaveTarget } from './collections.ts';
import { queryIn } from './rest-query.ts';
import type { SalesforceSession } from './session.ts';

export interface PlannedSave {
  action: 'create' | 'update';
  /** The record an update would change, when it is known. */
  destinationId?: string;
}

export async function planSaves(
  session: SalesforceSession,
  target: SaveTarget,
  sending: readonly { record: Rec; knownId?: string }[],
): Promise<PlannedSave[]> {
  const existing = target.mode === 'upsert' ? await existingByKey(session, target, sending) : new Map();
  return sending.map(({ record, knownId }): PlannedSave => {
    if (knownId !== undefined) return { action: 'update', destinationId: knownId };
    if (target.mode === 'insert') return { action: 'create' };
    const id = target.mode === 'update' ? record.Id : existing.get(keyOf(record[target.externalIdField!]));
    return typeof id === 'string'
      ? { action: 'update', destinationId: id }
      : { action: target.mode === 'update' ? 'update' : 'create' };
  });
}

/** Upsert key (as compared: text, case-insensitively) → Id of the record holding it in the org. */
async function existingByKey(
  session: SalesforceSession,
  target: SaveTarget,
  sending: readonly { record: Rec; knownId?: string }[],
): Promise<Map<string, string>> {
  const field = target.externalIdField!;
  const keys = [
    ...new Set(
      sending
        .filter((entry) => entry.knownId === undefined)
        .map((entry) => entry.record[field])
        .filter((key) => key !== null && key !== undefined && key !== ''),
    ),
  ];
  const found = new Map<string, string>();
  for await (const records of queryIn(session, { fields: ['Id', field], object: target.object, field, values: keys })) {
    for (const record of records) found.set(keyOf(record[field]), String(record.Id));
  }
  return found;
}

function keyOf(value: unknown): string {
  return String(value).toLowerCase();
}
