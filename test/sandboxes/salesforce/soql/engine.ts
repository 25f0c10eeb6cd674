import { SalesforceError } from '../errors.ts';
import { canonicalId } from '../ids.ts';
import type { FieldDef, FieldType, Schema, SObjectType, StoredRecord } from '../schema.ts';
import type { SalesforceStore } from '../store.ts';
import type { Condition, Literal, Path, SoqlStatement } from './ast.ts';
import { parseSoql } from './parser.ts';

/** A field reached from the queried object, through zero or more lookups. */
export interface ResolvedPath {
  /** Lookup fields followed, in order (`AccountId`, then `OwnerId` for `Account.Owner.Name`). */
  lookups: FieldDef[];
  field: FieldDef;
  /** The canonical spelling: `Account.Owner.Name`. */
  name: string;
}

export interface CompiledQuery {
  type: SObjectType;
  /** The selected fields in order; empty for `SELECT COUNT()`. */
  columns: ResolvedPath[];
  /** `SELECT COUNT()`: only `totalSize` is answered. */
  countOnly: boolean;
  /** `SELECT COUNT(Id) alias`: one AggregateResult row. */
  aggregate?: { alias: string; path?: ResolvedPath };
}

export interface QueryOutcome {
  query: CompiledQuery;
  /** The matching records after ORDER BY, OFFSET and LIMIT. */
  records: StoredRecord[];
}

const textTypes = new Set<FieldType>(['string', 'textarea', 'email', 'phone', 'url', 'picklist']);
const numberTypes = new Set<FieldType>(['int', 'double', 'currency', 'percent']);
const idTypes = new Set<FieldType>(['id', 'reference']);

/** Reads fields of stored records, following lookups and computing formula-like fields. */
export class RecordReader {
  constructor(
    readonly schema: Schema,
    readonly store: SalesforceStore,
  ) {}

  /** The record a lookup points at, if it exists and is not deleted. */
  follow(record: StoredRecord | undefined, lookup: FieldDef): StoredRecord | undefined {
    const id = record?.[lookup.name];
    if (typeof id !== 'string' || !lookup.referenceTo) return undefined;
    const target = this.store.table(lookup.referenceTo).get(id);
    return target && !target.IsDeleted ? target : undefined;
  }

  value(record: StoredRecord | undefined, field: FieldDef): unknown {
    if (!record) return null;
    if (field.compute) return field.compute(record);
    return record[field.name] ?? null;
  }

  valueAt(record: StoredRecord, path: ResolvedPath): unknown {
    let current: StoredRecord | undefined = record;
    for (const lookup of path.lookups) current = this.follow(current, lookup);
    return this.value(current, path.field);
  }
}

function invalidField(query: string, column: number, message: string): SalesforceError {
  return new SalesforceError(
    400,
    'INVALID_FIELD',
    `\n${query}\n${' '.repeat(Math.max(0, column - 1))}^\nERROR at Row:1:Column:${column}\n${message}`,
  );
}

function resolvePath(schema: Schema, type: SObjectType, path: Path, soql: string): ResolvedPath {
  let current = type;
  const lookups: FieldDef[] = [];
  const names: string[] = [];
  const parts = [...path.parts];
  // `Account.Name` FROM Account may name the object itself first.
  if (parts.length > 1 && parts[0]?.toLowerCase() === type.name.toLowerCase() && !type.relationship(parts[0])) {
    parts.shift();
  }
  for (const [position, part] of parts.entries()) {
    if (position === parts.length - 1) {
      const field = current.field(part);
      if (!field) {
        throw invalidField(
          soql,
          path.column,
          `No such column '${part}' on entity '${current.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      names.push(field.name);
      return { lookups, field, name: names.join('.') };
    }
    const lookup = current.relationship(part);
    const target = lookup?.referenceTo ? schema.type(lookup.referenceTo) : undefined;
    if (!lookup || !target) {
      throw invalidField(
        soql,
        path.column,
        `Didn't understand relationship '${part}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    lookups.push(lookup);
    names.push(lookup.relationshipName as string);
    current = target;
  }
  throw invalidField(soql, path.column, 'empty field path');
}

function typeMismatch(field: FieldDef, expected: string, quoted: boolean): SalesforceError {
  return new SalesforceError(
    400,
    'INVALID_QUERY_FILTER_OPERATOR',
    `value of filter criterion for field '${field.name}' must be of type ${expected} and should ${quoted ? '' : 'not '}be enclosed in quotes`,
  );
}

/** Refuses literals of the wrong kind for the field, as Salesforce does before running anything. */
function checkLiteral(field: FieldDef, literal: Literal): void {
  if (literal.kind === 'null') return;
  const type = field.type;
  if (textTypes.has(type) || idTypes.has(type)) {
    if (literal.kind !== 'string') throw typeMismatch(field, idTypes.has(type) ? 'id' : 'string', true);
  } else if (numberTypes.has(type)) {
    if (literal.kind !== 'number') throw typeMismatch(field, type === 'int' ? 'int' : 'double', false);
  } else if (type === 'boolean') {
    if (literal.kind !== 'boolean') throw typeMismatch(field, 'boolean', false);
  } else if (type === 'date') {
    if (literal.kind !== 'date' && literal.kind !== 'dateRange') throw typeMismatch(field, 'date', false);
  } else if (type === 'datetime') {
    if (literal.kind !== 'datetime' && literal.kind !== 'dateRange') throw typeMismatch(field, 'dateTime', false);
  } else {
    throw new SalesforceError(400, 'INVALID_FIELD', `field '${field.name}' can not be filtered in a query call`);
  }
}

const dayMs = 86_400_000;

/** [start, end) in ms of a date range literal, taking `now` as today (UTC). */
function rangeOf(literal: Extract<Literal, { kind: 'dateRange' }>, now: Date): [number, number] {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const month = (offset: number) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1);
  const year = (offset: number) => Date.UTC(now.getUTCFullYear() + offset, 0, 1);
  const weekStart = today - now.getUTCDay() * dayMs;
  const n = literal.n ?? 0;
  switch (literal.name) {
    case 'YESTERDAY':
      return [today - dayMs, today];
    case 'TOMORROW':
      return [today + dayMs, today + 2 * dayMs];
    case 'THIS_WEEK':
      return [weekStart, weekStart + 7 * dayMs];
    case 'LAST_WEEK':
      return [weekStart - 7 * dayMs, weekStart];
    case 'NEXT_WEEK':
      return [weekStart + 7 * dayMs, weekStart + 14 * dayMs];
    case 'THIS_MONTH':
      return [month(0), month(1)];
    case 'LAST_MONTH':
      return [month(-1), month(0)];
    case 'NEXT_MONTH':
      return [month(1), month(2)];
    case 'THIS_YEAR':
      return [year(0), year(1)];
    case 'LAST_YEAR':
      return [year(-1), year(0)];
    case 'NEXT_YEAR':
      return [year(1), year(2)];
    case 'LAST_N_DAYS':
      return [today - n * dayMs, today + dayMs];
    case 'NEXT_N_DAYS':
      return [today + dayMs, today + (n + 1) * dayMs];
    case 'LAST_N_MONTHS':
      return [month(-n), month(0)];
    case 'NEXT_N_MONTHS':
      return [month(1), month(n + 1)];
    default:
      return [today, today + dayMs];
  }
}

/** Orders two non-null values of one field: text case-insensitively, ids by their bytes. */
function compareValues(field: FieldDef, a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const left = String(a);
  const right = String(b);
  if (idTypes.has(field.type) || field.type === 'date' || field.type === 'datetime') {
    return left < right ? -1 : left > right ? 1 : 0;
  }
  return left.localeCompare(right, 'en', { sensitivity: 'accent' });
}

function literalValue(field: FieldDef, literal: Literal): unknown {
  switch (literal.kind) {
    case 'null':
      return null;
    case 'string':
      // Ids compare in their 18-character form, whichever form the query gave.
      return idTypes.has(field.type) ? (canonicalId(literal.value) ?? literal.value) : literal.value;
    case 'dateRange':
      return undefined;
    default:
      return literal.value;
  }
}

function likeMatcher(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '\\' && (pattern[index + 1] === '%' || pattern[index + 1] === '_')) {
      source += pattern[++index];
    } else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 'is');
}

type Predicate = (record: StoredRecord) => boolean;

function compileCondition(
  condition: Condition,
  resolve: (path: Path) => ResolvedPath,
  reader: RecordReader,
  now: Date,
): Predicate {
  switch (condition.kind) {
    case 'and': {
      const items = condition.items.map((item) => compileCondition(item, resolve, reader, now));
      return (record) => items.every((item) => item(record));
    }
    case 'or': {
      const items = condition.items.map((item) => compileCondition(item, resolve, reader, now));
      return (record) => items.some((item) => item(record));
    }
    case 'not': {
      const item = compileCondition(condition.item, resolve, reader, now);
      return (record) => !item(record);
    }
    case 'like': {
      const path = resolve(condition.path);
      if (!textTypes.has(path.field.type) && !idTypes.has(path.field.type)) {
        throw new SalesforceError(
          400,
          'INVALID_QUERY_FILTER_OPERATOR',
          `invalid operator on field '${path.field.name}': LIKE`,
        );
      }
      const matcher = likeMatcher(condition.pattern);
      return (record) => {
        const value = reader.valueAt(record, path);
        return typeof value === 'string' && matcher.test(value);
      };
    }
    case 'in': {
      const path = resolve(condition.path);
      for (const literal of condition.values) checkLiteral(path.field, literal);
      const values = condition.values.map((literal) => literalValue(path.field, literal));
      const matches = (value: unknown) =>
        values.some((candidate) =>
          candidate === null ? value === null : value !== null && compareValues(path.field, value, candidate) === 0,
        );
      return (record) => matches(reader.valueAt(record, path)) !== condition.negated;
    }
    case 'compare': {
      const path = resolve(condition.path);
      checkLiteral(path.field, condition.value);
      const { operator, value: literal } = condition;
      if (literal.kind === 'dateRange') {
        const [start, end] = rangeOf(literal, now);
        return (record) => {
          const value = reader.valueAt(record, path);
          if (typeof value !== 'string') return operator === '!=';
          const time = Date.parse(path.field.type === 'date' ? `${value}T00:00:00Z` : value);
          const inside = time >= start && time < end;
          if (operator === '=') return inside;
          if (operator === '!=') return !inside;
          if (operator === '<') return time < start;
          if (operator === '<=') return time < end;
          if (operator === '>') return time >= end;
          return time >= start;
        };
      }
      const expected = literalValue(path.field, literal);
      return (record) => {
        const value = reader.valueAt(record, path);
        if (expected === null) return operator === '=' ? value === null : operator === '!=' ? value !== null : false;
        if (value === null) return operator === '!=';
        const order = compareValues(path.field, value, expected);
        switch (operator) {
          case '=':
            return order === 0;
          case '!=':
            return order !== 0;
          case '<':
            return order < 0;
          case '<=':
            return order <= 0;
          case '>':
            return order > 0;
          default:
            return order >= 0;
        }
      };
    }
  }
}

export interface RunOptions {
  /** `queryAll`: records in the recycle bin count too. */
  includeDeleted: boolean;
  now: Date;
}

/** Parses, checks and runs a SOQL statement against the store. */
export function runSoql(soql: string, reader: RecordReader, options: RunOptions): QueryOutcome {
  const statement: SoqlStatement = parseSoql(soql);
  const type = reader.schema.type(statement.from);
  if (!type) {
    throw new SalesforceError(
      400,
      'INVALID_TYPE',
      `\n${soql}\n^\nERROR at Row:1:Column:1\nsObject type '${statement.from}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
    );
  }
  const resolve = (path: Path) => resolvePath(reader.schema, type, path, soql);
  const query: CompiledQuery = { type, columns: [], countOnly: false };
  for (const item of statement.select) {
    if (item.kind === 'field') query.columns.push(resolve(item.path));
    else if (statement.select.length > 1) {
      throw new SalesforceError(400, 'MALFORMED_QUERY', 'COUNT() and other fields cannot be selected together');
    } else if (item.path) query.aggregate = { alias: item.alias ?? 'expr0', path: resolve(item.path) };
    else query.countOnly = true;
  }
  const where = statement.where ? compileCondition(statement.where, resolve, reader, options.now) : () => true;
  const order = statement.orderBy.map((item) => ({ ...item, resolved: resolve(item.path) }));

  let records = [...reader.store.table(type.name).records.values()].filter(
    (record) => (options.includeDeleted || !record.IsDeleted) && where(record),
  );
  if (order.length > 0) {
    records.sort((a, b) => {
      for (const item of order) {
        const left = reader.valueAt(a, item.resolved);
        const right = reader.valueAt(b, item.resolved);
        if (left === null && right === null) continue;
        if (left === null || right === null) return (left === null) === item.nullsLast ? 1 : -1;
        const result = compareValues(item.resolved.field, left, right);
        if (result !== 0) return item.descending ? -result : result;
      }
      return 0;
    });
  }
  records = records.slice(
    statement.offset ?? 0,
    statement.limit === undefined ? undefined : (statement.offset ?? 0) + statement.limit,
  );
  return { query, records };
}
