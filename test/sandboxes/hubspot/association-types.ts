import type { ObjectType } from './catalog.ts';
import { invalidInput } from './errors.ts';

export interface AssociationType {
  id: number;
  from: ObjectType;
  to: ObjectType;
  /** The type of the same link seen from the other side. */
  inverse: number;
  label: string | null;
  /** The unlabeled type `associate/default` uses. */
  isDefault: boolean;
}

const type = (
  id: number,
  from: ObjectType,
  to: ObjectType,
  inverse: number,
  label: string | null,
  isDefault: boolean,
) => ({
  id,
  from,
  to,
  inverse,
  label,
  isDefault,
});

/** HubSpot-defined association types between contacts, companies and deals (ids as in every portal). */
const associationTypes: AssociationType[] = [
  type(279, 'contacts', 'companies', 280, null, true),
  type(280, 'companies', 'contacts', 279, null, true),
  type(1, 'contacts', 'companies', 2, 'Primary', false),
  type(2, 'companies', 'contacts', 1, 'Primary', false),
  type(4, 'contacts', 'deals', 3, null, true),
  type(3, 'deals', 'contacts', 4, null, true),
  type(341, 'deals', 'companies', 342, null, true),
  type(342, 'companies', 'deals', 341, null, true),
  type(5, 'deals', 'companies', 6, 'Primary', false),
  type(6, 'companies', 'deals', 5, 'Primary', false),
];

export const typeById = (id: number) => associationTypes.find((entry) => entry.id === id);

const singular: Record<ObjectType, string> = { contacts: 'contact', companies: 'company', deals: 'deal' };

/**
 * The v3 name of a type, as the objects API's `associations` parameter shows it:
 * `contact_to_company` for the labelled (Primary) type and `contact_to_company_unlabeled` beside
 * it; a pair with one type has the plain name.
 */
export function v3Name(entry: AssociationType): string {
  const name = `${singular[entry.from]}_to_${singular[entry.to]}`;
  const labelled = associationTypes.some(
    (other) => other.from === entry.from && other.to === entry.to && !other.isDefault,
  );
  return entry.isDefault && labelled ? `${name}_unlabeled` : name;
}

export const defaultAssociationType = (from: ObjectType, to: ObjectType) =>
  associationTypes.find((entry) => entry.from === from && entry.to === to && entry.isDefault) as AssociationType;

/** The HubSpot-defined type ids an input's `types` name, checked to link `from` to `to`. */
export function checkTypes(from: ObjectType, to: ObjectType, types: unknown): number[] {
  if (!Array.isArray(types) || types.length === 0) throw invalidInput('types must list at least one association type.');
  return types.map((entry) => {
    const spec = entry as { associationCategory?: unknown; associationTypeId?: unknown };
    const found = typeById(Number(spec.associationTypeId));
    if (spec.associationCategory !== 'HUBSPOT_DEFINED' || !found || found.from !== from || found.to !== to) {
      throw invalidInput(
        `${String(spec.associationCategory)} ${String(spec.associationTypeId)} is not a valid association type between ${from} and ${to}.`,
      );
    }
    return found.id;
  });
}
