import type { FieldDef, SObjectType, StoredRecord } from './schema.ts';
import type { RecordReader, ResolvedPath } from './soql/engine.ts';

/** `/services/data/v59.0/sobjects/Account/001…`: a record's `attributes.url`. */
export function recordUrl(version: string, object: string, id: string): string {
  return `/services/data/v${version}/sobjects/${object}/${id}`;
}

/** A value as REST JSON carries it: datetimes as `2024-01-15T10:30:00.000+0000`. */
export function jsonValue(field: FieldDef, value: unknown): unknown {
  if (field.type === 'datetime' && typeof value === 'string') return value.replace(/Z$/, '+0000');
  return value ?? null;
}

/** A whole record, every field, as `GET /sobjects/<Object>/<id>` answers it. */
export function renderRecord(reader: RecordReader, type: SObjectType, record: StoredRecord, version: string) {
  const body: Record<string, unknown> = {
    attributes: { type: type.name, url: recordUrl(version, type.name, record.Id) },
  };
  for (const field of type.fields) body[field.name] = jsonValue(field, reader.value(record, field));
  return body;
}

/**
 * A query row: the selected fields in order, relationship fields nested under the relationship
 * name with their own `attributes` (or null when the lookup is empty), as REST query answers.
 */
export function renderRow(
  reader: RecordReader,
  type: SObjectType,
  record: StoredRecord,
  columns: ResolvedPath[],
  version: string,
) {
  const row: Record<string, unknown> = {
    attributes: { type: type.name, url: recordUrl(version, type.name, record.Id) },
  };
  for (const column of columns) {
    let target: Record<string, unknown> | null = row;
    let current: StoredRecord | undefined = record;
    for (const lookup of column.lookups) {
      current = reader.follow(current, lookup);
      const key = lookup.relationshipName as string;
      if (!current) {
        if (target && !(key in target)) target[key] = null;
        target = null;
        break;
      }
      const existing: unknown = target?.[key];
      if (existing && typeof existing === 'object') {
        target = existing as Record<string, unknown>;
      } else {
        const object = lookup.referenceTo as string;
        const nested: Record<string, unknown> = {
          attributes: { type: object, url: recordUrl(version, object, current.Id) },
        };
        if (target) target[key] = nested;
        target = nested;
      }
    }
    if (target) target[column.field.name] = jsonValue(column.field, reader.value(current, column.field));
  }
  return row;
}
