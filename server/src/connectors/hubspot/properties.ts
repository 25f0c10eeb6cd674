/**
 * An object's properties from HubSpot's properties API (`GET /crm/v3/properties/{object}`): what a
 * full read asks for, what `discover` lists, and how each maps to Backflow's column types.
 */
import type { Column } from '../../node-kit/contract.ts';
import type { HttpApi } from '../../node-kit/http/index.ts';

export interface HubspotProperty {
  name: string;
  label?: string;
  /** string, number, date, datetime, enumeration, bool, phone_number, object_coordinates, json. */
  type: string;
  fieldType?: string;
  /** A unique property: one an upsert can match records by (`idProperty`). */
  hasUniqueValue?: boolean;
  archived?: boolean;
  /** HubSpot computes its value (a rollup, a formula): no write sets it. */
  calculated?: boolean;
  /** `readOnlyValue`: HubSpot keeps the value itself (hs_object_id, createdate…). */
  modificationMetadata?: { readOnlyValue?: boolean };
}

export async function listProperties(api: HttpApi, object: string): Promise<HubspotProperty[]> {
  const answer = await api.request<{ results: HubspotProperty[] }>({
    path: `/crm/v3/properties/${encodeURIComponent(object)}`,
  });
  return answer.results.filter((property) => !property.archived);
}

/**
 * The Backflow type of a property's values. Records carry every property as the text HubSpot
 * gives (a number as `"1200.5"`, a datetime as ISO text): the type says what the text holds.
 */
export function columnType(property: Pick<HubspotProperty, 'type'>): string {
  switch (property.type) {
    case 'number':
      return 'DOUBLE';
    case 'bool':
      return 'BOOLEAN';
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'TIMESTAMPTZ';
    default:
      return 'VARCHAR';
  }
}

/** A record's columns: `id`, the properties, then the record's own times and state. */
export function objectColumns(properties: readonly HubspotProperty[]): Column[] {
  return [
    // HubSpot gives a record its id: a destination's mapping never has to send one.
    { name: 'id', type: 'VARCHAR', notNull: true, autoIncrement: true },
    ...properties.filter((p) => p.name !== 'id').map((p) => ({ name: p.name, type: columnType(p) })),
    { name: 'createdAt', type: 'TIMESTAMPTZ' },
    { name: 'updatedAt', type: 'TIMESTAMPTZ' },
    { name: 'archived', type: 'BOOLEAN' },
  ];
}
