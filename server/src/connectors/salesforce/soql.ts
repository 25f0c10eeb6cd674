/**
 * The SOQL a read sends: field and object names checked (they come from configs and are spliced
 * into the query, so only names are let through), string and datetime literals written safely.
 */

/** A field (`Name`), a relationship path (`Account.Owner.Name`) or an object name (`Custom__c`). */
const fieldName = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;

/** Whether `name` can stand in a SOQL select list or FROM clause as it is. */
export function isSoqlName(name: string): boolean {
  return fieldName.test(name);
}

/** A string literal: quotes and backslashes escaped, as SOQL reads them. */
export function soqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** A literal for a value compared in a WHERE clause: numbers and booleans as they are, the rest as text. */
export function soqlLiteral(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return soqlString(String(value));
}

/**
 * A datetime literal at the whole second at or before `value` (a record's datetime such as
 * `2024-05-01T10:20:30.456+0000`): SOQL datetime literals carry no fraction, so a range starting
 * here holds every row at or after `value`.
 */
export function soqlDatetimeFloor(value: string): string {
  const millis = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(millis)) throw new Error(`not a datetime: ${value}`);
  return `${new Date(Math.floor(millis / 1000) * 1000).toISOString().slice(0, 19)}Z`;
}

/** `value` moved `seconds` earlier, in the same form as a record's datetime. */
export function datetimeMinus(value: string, seconds: number): string {
  const millis = Date.parse(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (Number.isNaN(millis)) throw new Error(`not a datetime: ${value}`);
  return new Date(millis - Math.ceil(seconds * 1000)).toISOString().replace(/Z$/, '+0000');
}
