import { type ObjectSchema, propertyOf } from './catalog.ts';
import { HubspotError, invalidInput } from './errors.ts';
import type { CrmRecord, CrmStore } from './store.ts';

/** HubSpot adds these to every read, whatever `properties` asked for. */
const alwaysReturned = (schema: ObjectSchema) => ['createdate', 'hs_object_id', schema.lastModifiedProperty];

/**
 * A record as the objects APIs return it. `requested` (the `properties` parameter) picks the
 * properties, each present (null when unset); without it, the object's default properties that
 * hold a value. `'all'` returns every property that holds a value (what creates and updates answer).
 */
export function recordJson(schema: ObjectSchema, record: CrmRecord, requested?: string[] | 'all') {
  const properties: Record<string, string | null> = {};
  if (requested === 'all') {
    // Values of archived custom properties stay on the record but are not shown, as on HubSpot.
    for (const [name, value] of Object.entries(record.properties)) {
      if (value !== '' && propertyOf(schema, name)) properties[name] = value;
    }
  } else if (requested) {
    for (const name of [...requested, ...alwaysReturned(schema)]) {
      if (propertyOf(schema, name)) properties[name] = nonEmpty(record.properties[name]);
    }
  } else {
    for (const name of schema.defaultProperties) {
      const value = nonEmpty(record.properties[name]);
      if (value !== null) properties[name] = value;
    }
  }
  return {
    id: record.id,
    properties,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    archived: record.archived,
    ...(record.archivedAt ? { archivedAt: record.archivedAt } : {}),
  };
}

const nonEmpty = (value: string | undefined) => (value === undefined || value === '' ? null : value);

/**
 * Finds a record by its id, or by the value of a unique property when `idProperty` names one
 * (`hs_object_id` is the id itself). Archived records are found only when `archived` is asked for.
 */
export function findRecord(
  store: CrmStore,
  schema: ObjectSchema,
  id: string,
  idProperty?: string,
  archived = false,
): CrmRecord | undefined {
  let record: CrmRecord | undefined;
  if (!idProperty || idProperty === 'hs_object_id') record = store.get(schema.type, id);
  else {
    checkIdProperty(schema, idProperty);
    record = store.findUnique(schema.type, idProperty, id);
  }
  return record && record.archived === archived ? record : undefined;
}

export function checkIdProperty(schema: ObjectSchema, idProperty: string): void {
  if (idProperty === 'hs_object_id') return;
  const property = propertyOf(schema, idProperty);
  if (!property?.hasUniqueValue) {
    throw invalidInput(
      `${idProperty} is not a unique property of ${schema.type}; idProperty must name a property with unique values.`,
    );
  }
}

/**
 * The 409 HubSpot answers when `values` would give a unique property (email, domain, a custom
 * property with `hasUniqueValue`) a value
 * another live record holds. `claimed` holds values earlier inputs of the same batch take.
 */
export function conflictFor(
  store: CrmStore,
  schema: ObjectSchema,
  values: Record<string, string>,
  selfId?: string,
  claimed?: Map<string, string>,
): HubspotError | undefined {
  for (const property of schema.properties) {
    if (!property.hasUniqueValue) continue;
    const value = values[property.name];
    if (!value) continue;
    const holder =
      store.findUnique(schema.type, property.name, value)?.id ?? claimed?.get(uniqueClaim(property.name, value));
    if (holder !== undefined && holder !== selfId) {
      const message =
        schema.type === 'contacts'
          ? `Contact already exists. Existing ID: ${holder}`
          : `${schema.conflictNoun} already exists. Existing ID: ${holder}`;
      return new HubspotError(409, 'CONFLICT', message, {
        errors: [
          {
            message: `A ${schema.conflictNoun.toLowerCase()} with ${property.name} ${value} already exists. Existing ID: ${holder}`,
            in: property.name,
          },
        ],
      });
    }
  }
  return undefined;
}

/** Records the unique values an accepted batch input takes, for `conflictFor` on later inputs. */
export function claimUniqueValues(
  schema: ObjectSchema,
  values: Record<string, string>,
  id: string,
  claimed: Map<string, string>,
) {
  for (const property of schema.properties) {
    const value = values[property.name];
    if (property.hasUniqueValue && value) claimed.set(uniqueClaim(property.name, value), id);
  }
}

const uniqueClaim = (property: string, value: string) => `${property}\u0000${value.toLowerCase()}`;

/** Stores a new record; HubSpot sets its id, `hs_object_id`, `createdate` (unless given) and last-modified date. */
export function createRecord(
  store: CrmStore,
  schema: ObjectSchema,
  values: Record<string, string>,
  now: string,
  id = store.newId(),
): CrmRecord {
  const properties: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) if (value !== '') properties[name] = value;
  if (schema.type === 'deals' && properties.dealstage && !properties.pipeline) properties.pipeline = 'default';
  const createdAt = properties.createdate ?? now;
  Object.assign(properties, { hs_object_id: id, createdate: createdAt, [schema.lastModifiedProperty]: now });
  const record: CrmRecord = { id, properties, createdAt, updatedAt: now, archived: false };
  store.put(schema.type, record);
  return record;
}

/** Applies `values` (`""` clears) and moves the last-modified date. */
export function updateRecord(
  store: CrmStore,
  schema: ObjectSchema,
  record: CrmRecord,
  values: Record<string, string>,
  now: string,
): CrmRecord {
  const properties = { ...record.properties };
  for (const [name, value] of Object.entries(values)) {
    if (value === '') delete properties[name];
    else properties[name] = value;
  }
  properties[schema.lastModifiedProperty] = now;
  const createdAt = properties.createdate ?? record.createdAt;
  properties.createdate = createdAt;
  const updated: CrmRecord = { ...record, properties, createdAt, updatedAt: now };
  store.put(schema.type, updated);
  return updated;
}

export function archiveRecord(store: CrmStore, schema: ObjectSchema, record: CrmRecord, now: string): void {
  if (record.archived) return;
  store.put(schema.type, { ...record, archived: true, archivedAt: now, updatedAt: now });
}
