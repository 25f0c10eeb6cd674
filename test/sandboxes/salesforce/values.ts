import { type RecordError, recordError } from './errors.ts';
import type { FieldDef } from './schema.ts';

/** Where a value comes from: JSON bodies carry typed values, Bulk CSV carries text only. */
export type ValueSource = 'json' | 'csv';

export type Converted = { value: string | number | boolean | null } | { error: RecordError };

const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const datePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const dateTimePattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

const wrongType = (field: FieldDef, raw: unknown) =>
  recordError('INVALID_TYPE_ON_FIELD_IN_RECORD', `${field.label}: value not of required type: ${String(raw)}`, [
    field.name,
  ]);

/** A valid calendar date as `YYYY-MM-DD`, or undefined. */
export function parseDate(text: string): string | undefined {
  const match = datePattern.exec(text);
  if (!match) return undefined;
  const date = new Date(`${text}T00:00:00Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? undefined : text;
}

/** An ISO datetime (with `Z` or an offset) as UTC ISO text with milliseconds, or undefined. */
export function parseDateTime(text: string): string | undefined {
  if (!dateTimePattern.test(text)) return undefined;
  const normalized = text.replace(/([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = Date.parse(normalized);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/**
 * Checks and converts a value written to `field` (not references: dml.ts resolves those). Empty
 * text is null, as Salesforce stores it.
 */
export function convertValue(field: FieldDef, raw: unknown, source: ValueSource): Converted {
  if (raw === null || raw === undefined || raw === '') return { value: null };
  switch (field.type) {
    case 'boolean': {
      if (typeof raw === 'boolean') return { value: raw };
      if (source === 'csv' && typeof raw === 'string' && /^(true|false|1|0)$/i.test(raw)) {
        return { value: /^(true|1)$/i.test(raw) };
      }
      return { error: wrongType(field, raw) };
    }
    case 'int':
    case 'double':
    case 'currency':
    case 'percent': {
      const number = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (!Number.isFinite(number) || (field.type === 'int' && !Number.isInteger(number))) {
        return { error: wrongType(field, raw) };
      }
      return { value: number };
    }
    case 'date': {
      const date = typeof raw === 'string' ? parseDate(raw) : undefined;
      return date ? { value: date } : { error: wrongType(field, raw) };
    }
    case 'datetime': {
      const dateTime = typeof raw === 'string' ? parseDateTime(raw) : undefined;
      return dateTime ? { value: dateTime } : { error: wrongType(field, raw) };
    }
    default:
      return convertText(field, raw);
  }
}

function convertText(field: FieldDef, raw: unknown): Converted {
  if (typeof raw === 'object') return { error: wrongType(field, JSON.stringify(raw)) };
  const text = String(raw);
  if (field.length !== undefined && text.length > field.length) {
    return {
      error: recordError(
        'STRING_TOO_LONG',
        `${field.label}: data value too large: ${text.slice(0, 100)} (max length=${field.length})`,
        [field.name],
      ),
    };
  }
  if (field.type === 'email' && !emailPattern.test(text)) {
    return {
      error: recordError('INVALID_EMAIL_ADDRESS', `${field.label}: invalid email address: ${text}`, [field.name]),
    };
  }
  if (field.type === 'picklist' && field.restricted && !field.picklist?.includes(text)) {
    return {
      error: recordError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `${field.label}: bad value for restricted picklist field: ${text}`,
        [field.name],
      ),
    };
  }
  return { value: text };
}
