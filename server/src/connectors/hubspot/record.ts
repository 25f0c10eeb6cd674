import type { Rec } from '../../node-kit/contract.ts';
import type { HubspotObject } from './objects.ts';

/**
 * A CRM object as a record: `id`, every property asked for (as the text HubSpot gives, `null` when
 * unset or not in the answer, so every record of a stream has the same fields), `createdAt`,
 * `updatedAt`, `archived`, and the ids of associated objects when asked.
 */
export function recordOf(
  object: HubspotObject,
  properties: readonly string[],
  associations?: Record<string, string[]>,
): Rec {
  const record: Rec = { id: object.id };
  for (const name of properties) record[name] = object.properties[name] ?? null;
  record.createdAt = object.createdAt;
  record.updatedAt = object.updatedAt;
  record.archived = object.archived ?? false;
  if (associations) record.associations = associations;
  return record;
}
