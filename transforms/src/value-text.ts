import { stringifyExactJson } from './exact-json.ts';

/**
 * The text of one record value, as a CSV cell or a template placeholder shows it: null and undefined are
 * empty, booleans `true`/`false`, numbers and bigints plain decimal digits, dates ISO 8601, objects and
 * arrays JSON text.
 */
export function valueToText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      // Integers from 1e21 up would print as `1e+21`; their exact digits are what a reader of the file expects.
      return Number.isInteger(value) && Math.abs(value) >= 1e21 ? BigInt(value).toString() : String(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return '';
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? '' : value.toISOString();
      return stringifyExactJson(value);
    default:
      // undefined, functions and symbols have no data to show.
      return '';
  }
}
