/**
 * What an org says of its objects (`sobjects/<Object>/describe`): the fields a read selects by
 * default, their Backflow column types, and how a Bulk API CSV cell becomes the value the REST API
 * would have given.
 */
import { ConfigError } from '../../errors.ts';
import type { Column, NodeContext } from '../../node-kit/contract.ts';
import { HttpApiError } from '../../node-kit/http/index.ts';
import type { SalesforceSession } from './session.ts';

/** A field as describe lists it (the members Backflow reads). */
export interface FieldDescription {
  name: string;
  type: string;
  label?: string;
  length?: number;
  precision?: number;
  scale?: number;
  nillable?: boolean;
  createable?: boolean;
  updateable?: boolean;
  externalId?: boolean;
  referenceTo?: string[];
  relationshipName?: string | null;
  picklistValues?: { value: string; active?: boolean }[];
}

export interface ObjectDescription {
  name: string;
  label?: string;
  fields: FieldDescription[];
}

/** The describe of `object`; an object the org does not have is a `ConfigError` naming it. */
export async function describeObject(
  session: SalesforceSession,
  object: string,
  ctx: NodeContext,
  path = 'config.objects',
): Promise<ObjectDescription> {
  try {
    return await session.request<ObjectDescription>({
      path: session.dataPath(`/sobjects/${encodeURIComponent(object)}/describe`),
    });
  } catch (error) {
    if (error instanceof HttpApiError && error.status === 404) {
      const message = `the org has no object "${object}" (or this user cannot see it)`;
      throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
        nodeId: ctx.nodeId,
        stream: object,
        details: [{ path, message }],
      });
    }
    throw error;
  }
}

/** The objects this user may query in the org (global describe), by API name: what a picker offers. */
export async function queryableObjects(session: SalesforceSession): Promise<string[]> {
  const answer = await session.request<{ sobjects: { name: string; queryable?: boolean }[] }>({
    path: session.dataPath('/sobjects'),
  });
  return answer.sobjects.filter((object) => object.queryable !== false).map((object) => object.name);
}

/**
 * Compound fields (an address, a geolocation) are read through their parts, which describe lists
 * too; base64 fields hold files a query returns only one at a time. Neither is selected by default.
 */
const notSelectedByDefault = new Set(['address', 'location', 'base64']);

/** The fields a read selects when the config names none: every field but compound and base64 ones, `Id` first. */
export function defaultFields(description: ObjectDescription): string[] {
  const names = description.fields.filter((field) => !notSelectedByDefault.has(field.type)).map((field) => field.name);
  return ['Id', ...names.filter((name) => name !== 'Id')];
}

/** A Salesforce field type as a Backflow column type. */
export function columnType(field: Pick<FieldDescription, 'type' | 'precision' | 'scale'>): string {
  switch (field.type) {
    case 'boolean':
      return 'BOOLEAN';
    case 'int':
      return 'INTEGER';
    case 'long':
      return 'BIGINT';
    case 'double':
    case 'currency':
    case 'percent': {
      const { precision, scale } = field;
      return precision && precision <= 38 && scale !== undefined && scale <= precision
        ? `DECIMAL(${precision},${scale})`
        : 'DOUBLE';
    }
    case 'date':
      return 'DATE';
    case 'datetime':
      return 'TIMESTAMPTZ';
    case 'time':
      return 'TIME';
    case 'address':
    case 'location':
      return 'JSON';
    default:
      // id, reference, string, textarea, picklist, multipicklist, email, phone, url, combobox, base64, …
      return 'VARCHAR';
  }
}

/** The columns of `fields` (names as selected; a relationship path such as `Account.Name` is VARCHAR). */
export function columnsOf(description: ObjectDescription, fields: readonly string[]): Column[] {
  const byName = new Map(description.fields.map((field) => [field.name.toLowerCase(), field]));
  return fields.map((name) => {
    const field = byName.get(name.toLowerCase());
    if (!field) return { name, type: 'VARCHAR' };
    return {
      name: field.name,
      type: columnType(field),
      ...(field.nillable === false && field.type !== 'boolean' ? { notNull: true } : {}),
      ...(field.length ? { maxLength: field.length } : {}),
    };
  });
}

/**
 * A Bulk API CSV cell as the REST API gives the value: empty is null (Salesforce keeps no empty
 * text), booleans and numbers as JSON, a datetime as REST writes it (`…000+0000`), text as it is.
 */
export function cellValue(text: string | null, type: string | undefined): unknown {
  if (text === null || text === '') return null;
  switch (type) {
    case 'boolean':
      return text === 'true';
    case 'int':
    case 'long':
    case 'double':
    case 'currency':
    case 'percent': {
      const number = Number(text);
      return Number.isFinite(number) ? number : text;
    }
    case 'datetime':
      return text.replace(/Z$/, '+0000');
    default:
      return text;
  }
}
