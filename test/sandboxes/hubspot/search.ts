import { type ObjectSchema, type PropertyDefinition, propertyOf } from './catalog.ts';
import { HubspotError, invalidInput } from './errors.ts';
import { type Route, readJson, sendJson } from './http.ts';
import { parseTime } from './property-values.ts';
import { recordJson } from './records.ts';
import type { CrmRecord, CrmStore } from './store.ts';

/** HubSpot's search limits: 200 a page, 5 filter groups of up to 6 filters (18 in all), 10,000 results a query. */
const pageLimit = 200;
const groupLimit = 5;
const filtersPerGroup = 6;
const filtersLimit = 18;
const resultCap = 10_000;

const operators = new Set([
  'EQ',
  'NEQ',
  'LT',
  'LTE',
  'GT',
  'GTE',
  'BETWEEN',
  'IN',
  'NOT_IN',
  'HAS_PROPERTY',
  'NOT_HAS_PROPERTY',
  'CONTAINS_TOKEN',
  'NOT_CONTAINS_TOKEN',
]);

/** The properties a free-text `query` looks in, per object. */
const queryProperties: Record<string, string[]> = {
  contacts: ['firstname', 'lastname', 'email', 'phone', 'company'],
  companies: ['name', 'domain', 'phone'],
  deals: ['dealname'],
};

interface Filter {
  property: PropertyDefinition;
  operator: string;
  value?: string;
  highValue?: string;
  values: string[];
}

type Comparable = number | string;

/** A value in the order its property sorts and compares by: numbers and dates as numbers, text folded to lower case. */
function comparable(property: PropertyDefinition, text: string): Comparable | undefined {
  if (property.type === 'number') return Number.isNaN(Number(text)) ? undefined : Number(text);
  if (property.type === 'datetime' || property.type === 'date') return parseTime(text);
  return text.toLowerCase();
}

function parseFilters(schema: ObjectSchema, body: Record<string, unknown>): Filter[][] {
  const groups = body.filterGroups ?? [];
  if (!Array.isArray(groups)) throw invalidInput('filterGroups must be an array.');
  if (groups.length > groupLimit)
    throw invalidInput(`Too many filter groups: ${groups.length}; the limit is ${groupLimit}.`);
  let total = 0;
  return groups.map((group) => {
    const filters = (group as { filters?: unknown }).filters ?? [];
    if (!Array.isArray(filters)) throw invalidInput('filters must be an array.');
    if (filters.length > filtersPerGroup) {
      throw invalidInput(`Too many filters in a group: ${filters.length}; the limit is ${filtersPerGroup}.`);
    }
    total += filters.length;
    if (total > filtersLimit) throw invalidInput(`Too many filters: the limit is ${filtersLimit} across all groups.`);
    return filters.map((raw) => {
      const filter = raw as Record<string, unknown>;
      const operator = String(filter.operator ?? 'EQ');
      if (!operators.has(operator))
        throw invalidInput(`Unknown operator ${operator} in filter on ${String(filter.propertyName)}.`);
      const property = propertyOf(schema, String(filter.propertyName));
      if (!property)
        throw invalidInput(`There is no property ${String(filter.propertyName)} on ${schema.type} to filter by.`);
      const values = Array.isArray(filter.values) ? filter.values.map(String) : [];
      if ((operator === 'IN' || operator === 'NOT_IN') && values.length === 0) {
        throw invalidInput(`${operator} on ${property.name} needs values.`);
      }
      const needsValue = !['IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY'].includes(operator);
      if (needsValue && (filter.value === undefined || filter.value === null)) {
        throw invalidInput(`${operator} on ${property.name} needs a value.`);
      }
      if (operator === 'BETWEEN' && (filter.highValue === undefined || filter.highValue === null)) {
        throw invalidInput(`BETWEEN on ${property.name} needs a highValue.`);
      }
      return {
        property,
        operator,
        values,
        ...(filter.value !== undefined ? { value: String(filter.value) } : {}),
        ...(filter.highValue !== undefined ? { highValue: String(filter.highValue) } : {}),
      };
    });
  });
}

/** Whether a token filter (`*` as a wildcard) matches a word of the value, or the whole value. */
function containsToken(text: string, token: string): boolean {
  const lower = text.toLowerCase();
  const wanted = token.toLowerCase();
  if (wanted.includes('*')) {
    const pattern = new RegExp(`^${wanted.split('*').map(escapeRegExp).join('.*')}$`);
    return pattern.test(lower) || lower.split(/[\s@.,;:/-]+/).some((word) => pattern.test(word));
  }
  return lower === wanted || lower.split(/[\s@.,;:/-]+/).includes(wanted);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function matches(record: CrmRecord, filter: Filter): boolean {
  const raw = record.properties[filter.property.name];
  const present = raw !== undefined && raw !== '';
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return present;
    case 'NOT_HAS_PROPERTY':
      return !present;
    case 'CONTAINS_TOKEN':
      return present && containsToken(raw, filter.value as string);
    case 'NOT_CONTAINS_TOKEN':
      return !present || !containsToken(raw, filter.value as string);
  }
  const value = valueFor(record, filter.property);
  const equal = (text: string) => value !== undefined && value === comparable(filter.property, text);
  switch (filter.operator) {
    case 'EQ':
      return equal(filter.value as string);
    case 'NEQ':
      return !equal(filter.value as string);
    case 'IN':
      return filter.values.some(equal);
    case 'NOT_IN':
      return !filter.values.some(equal);
  }
  const bound = comparable(filter.property, filter.value as string);
  if (value === undefined || bound === undefined) return false;
  switch (filter.operator) {
    case 'LT':
      return value < bound;
    case 'LTE':
      return value <= bound;
    case 'GT':
      return value > bound;
    case 'GTE':
      return value >= bound;
    default: {
      const high = comparable(filter.property, filter.highValue as string);
      return high !== undefined && value >= bound && value <= high;
    }
  }
}

interface Sort {
  property: PropertyDefinition;
  descending: boolean;
}

/**
 * `sorts` as objects (`{ propertyName, direction }`) or strings (`"-createdate"`); HubSpot applies
 * one sort rule per search, so a second is refused.
 */
function parseSort(schema: ObjectSchema, sorts: unknown): Sort | undefined {
  if (sorts === undefined) return undefined;
  if (!Array.isArray(sorts)) throw invalidInput('sorts must be an array.');
  if (sorts.length > 1) throw invalidInput(`Only one sort is allowed per search, got ${sorts.length}.`);
  const [sort] = sorts as unknown[];
  if (sort === undefined) return undefined;
  const text = typeof sort === 'string' ? sort : undefined;
  const name = text ? text.replace(/^-/, '') : String((sort as { propertyName?: unknown }).propertyName);
  const descending = text ? text.startsWith('-') : (sort as { direction?: unknown }).direction === 'DESCENDING';
  const property = propertyOf(schema, name);
  if (!property) throw invalidInput(`There is no property ${name} on ${schema.type} to sort by.`);
  return { property, descending };
}

/**
 * Orders records by the sort's property (each value parsed once), records without a value last
 * whichever the direction, ties in id order (HubSpot promises no order for ties).
 */
function sortRecords(records: CrmRecord[], sort: Sort): CrmRecord[] {
  const keyed = records.map((record) => ({ record, key: valueFor(record, sort.property) }));
  const direction = sort.descending ? -1 : 1;
  keyed.sort((a, b) => {
    if (a.key === undefined || b.key === undefined) {
      if (a.key !== b.key) return a.key === undefined ? 1 : -1;
    } else if (a.key !== b.key) {
      return (a.key < b.key ? -1 : 1) * direction;
    }
    return Number(a.record.id) - Number(b.record.id);
  });
  return keyed.map(({ record }) => record);
}

function valueFor(record: CrmRecord, property: PropertyDefinition): Comparable | undefined {
  const raw = record.properties[property.name];
  return raw === undefined || raw === '' ? undefined : comparable(property, raw);
}

function matchesQuery(schema: ObjectSchema, record: CrmRecord, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = (queryProperties[schema.type] ?? [])
    .map((name) => record.properties[name] ?? '')
    .join(' ')
    .toLowerCase();
  const tokens = text.split(/[\s@.,;:/-]+/);
  return words.every((word) => text.includes(word) || tokens.some((token) => token.startsWith(word)));
}

/**
 * `POST /crm/v3/objects/{type}/search`: filter groups (OR of ANDs), sorts, free-text `query`,
 * `after` as an offset, at most 200 a page and never past the 10,000th result: a page reaching
 * beyond it is refused with a 400, as HubSpot does, while `total` still counts every match.
 */
export function searchRoutes(store: CrmStore): Route[] {
  return [
    {
      method: 'POST',
      path: /^\/crm\/v3\/objects\/([^/]+)\/search$/,
      async handle({ req, res, params }) {
        const schema = store.schema(params[0] as string);
        const body = await readJson(req);
        const limit = body.limit === undefined ? 10 : Number(body.limit);
        if (!Number.isInteger(limit) || limit < 0 || limit > pageLimit) {
          throw invalidInput(`limit must be between 0 and ${pageLimit}, got ${String(body.limit)}.`);
        }
        const afterText =
          body.after === undefined || body.after === null || body.after === '' ? '0' : String(body.after);
        if (!/^\d+$/.test(afterText)) throw invalidInput(`Invalid after: ${afterText}`);
        const after = Number(afterText);
        if (after + limit > resultCap) {
          throw new HubspotError(
            400,
            'VALIDATION_ERROR',
            `Search results are limited to ${resultCap} per query: after ${after} with limit ${limit} goes beyond them.`,
          );
        }
        const groups = parseFilters(schema, body);
        const sort = parseSort(schema, body.sorts);
        const query = typeof body.query === 'string' ? body.query.trim() : '';
        const requested =
          Array.isArray(body.properties) && body.properties.length > 0 ? body.properties.map(String) : undefined;
        const found = [...store.all(schema.type)].filter(
          (record) =>
            !record.archived &&
            (groups.length === 0 || groups.some((group) => group.every((filter) => matches(record, filter)))) &&
            (!query || matchesQuery(schema, record, query)),
        );
        const ordered = sort ? sortRecords(found, sort) : found;
        const page = ordered.slice(after, after + limit);
        const nextAfter = after + limit;
        sendJson(res, 200, {
          total: found.length,
          results: page.map((record) => recordJson(schema, record, requested)),
          ...(limit > 0 && nextAfter < found.length ? { paging: { next: { after: String(nextAfter) } } } : {}),
        });
      },
    },
  ];
}
