/**
 * Salesforce records as Backflow records: `attributes` (type and URL of each record and related
 * record) left out, `Id` first; and a Bulk API CSV row made into the same shape, a relationship
 * column such as `Account.Name` nested as the REST API nests it (`Account: { Name }`).
 */
import type { Rec } from '../../node-kit/contract.ts';

/** A REST record without `attributes` (also in related records), `Id` first when it has one. */
export function fromRest(record: Rec): Rec {
  const out: Rec = Object.hasOwn(record, 'Id') ? { Id: record.Id } : {};
  for (const [name, value] of Object.entries(record)) {
    if (name === 'attributes' || name === 'Id') continue;
    out[name] = isPlainObject(value) ? fromRest(value) : value;
  }
  return out;
}

/**
 * A CSV row (column → value already converted) as a record: `A.B` columns nested under `A`; a
 * related record whose every value is null is null, as REST gives an empty lookup.
 */
export function fromColumns(row: Record<string, unknown>): Rec {
  const out: Rec = {};
  for (const [column, value] of Object.entries(row)) {
    const path = column.split('.');
    let target = out;
    for (const segment of path.slice(0, -1)) {
      if (!isPlainObject(target[segment])) target[segment] = {};
      target = target[segment] as Rec;
    }
    target[path[path.length - 1]!] = value;
  }
  for (const [name, value] of Object.entries(out)) if (isPlainObject(value)) out[name] = nullIfEmpty(value);
  return out;
}

function nullIfEmpty(record: Rec): Rec | null {
  for (const [name, value] of Object.entries(record)) if (isPlainObject(value)) record[name] = nullIfEmpty(value);
  return Object.values(record).every((value) => value === null) ? null : record;
}

export function isPlainObject(value: unknown): value is Rec {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
