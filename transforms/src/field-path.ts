/**
 * Reading fields of a record the safe way: own data only, so `__proto__`, `constructor` or `toString`
 * are simply missing unless the record really has such a field.
 */

/** The record's own field `name`, or undefined. */
export function ownField(record: object, name: string): unknown {
  return Object.hasOwn(record, name) ? (record as Record<string, unknown>)[name] : undefined;
}

/**
 * The value at a dotted path such as `address.city`: a field literally named `address.city` wins (CSV
 * headers are flat), otherwise the path walks nested objects and array indexes. Undefined when missing.
 */
export function readField(record: object, segments: readonly string[]): unknown {
  if (segments.length !== 1) {
    const flat = ownField(record, segments.join('.'));
    if (flat !== undefined) return flat;
  }
  let current: unknown = record;
  for (const segment of segments) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = ownField(current, segment);
  }
  return current;
}

/** Sets an own field, even one called `__proto__` (plain assignment would replace the prototype). */
export function writeField(record: Record<string, unknown>, name: string, value: unknown): void {
  if (name === '__proto__')
    Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
  else record[name] = value;
}
