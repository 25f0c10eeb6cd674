import { MultipleMatches, type WriteContext } from './dml.ts';
import { notFound, type RecordError, RecordRefused, SalesforceError } from './errors.ts';
import { type Exchange, type Route, readJsonObject, sendEmpty, sendJson } from './http.ts';
import { canonicalId } from './ids.ts';
import type { Org } from './org.ts';
import { recordUrl, renderRecord } from './render.ts';
import type { FieldDef, SObjectType, StoredRecord } from './schema.ts';

/** A record error of a single-record call, answered as the whole request's 400. */
export function refusal(error: RecordError): SalesforceError {
  return new SalesforceError(400, error.code, error.message, error.fields);
}

/** Runs a DML step of a single-record call, turning a refused record into the 400 answer. */
function single<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof RecordRefused) throw refusal(error.error);
    throw error;
  }
}

/** The API version as a number (`59.0` → 59). */
export const versionNumber = (version: string) => Number.parseFloat(version);

export function writeContext(exchange: Exchange): WriteContext {
  return { userId: exchange.session.userId, source: 'json' };
}

/** sObject Rows (create, retrieve, update, delete) and sObject Rows by External ID (upsert). */
export function sobjectRoutes(org: Org): Route[] {
  const typeOf = (name: string): SObjectType => {
    const type = org.schema.type(name);
    if (!type) throw notFound();
    return type;
  };

  /** The record a URL names by id: 404 as Salesforce answers for a malformed, missing or deleted id. */
  const recordAt = (type: SObjectType, id: string): StoredRecord => {
    const canonical = canonicalId(id);
    if (!canonical?.startsWith(type.def.keyPrefix)) {
      throw new SalesforceError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${id}`,
      );
    }
    const record = org.store.table(type.name).get(canonical);
    if (!record) throw notFound();
    if (record.IsDeleted) throw new SalesforceError(404, 'ENTITY_IS_DELETED', 'entity is deleted');
    return record;
  };

  const externalIdField = (type: SObjectType, name: string): FieldDef => {
    const field = type.field(name);
    if (!field || !(field.externalId || field.name === 'Id')) {
      throw new SalesforceError(
        404,
        'NOT_FOUND',
        `Provided external ID field does not exist or is not accessible: ${name}`,
      );
    }
    return field;
  };

  const matchesOf = (type: SObjectType, field: FieldDef, value: string): StoredRecord[] =>
    field.name === 'Id' ? [recordAt(type, value)] : org.store.table(type.name).findByExternalId(field.name, value);

  const multipleChoices = (exchange: Exchange, type: SObjectType, matches: StoredRecord[]) =>
    sendJson(
      exchange.res,
      300,
      matches.map((record) => recordUrl(exchange.version, type.name, record.Id)),
    );

  /**
   * The one record `/sobjects/{type}/{field}/{value}` names; `undefined` when several match and
   * the 300 (their URLs) has been sent.
   */
  const externalIdMatch = (exchange: Exchange): { type: SObjectType; record: StoredRecord } | undefined => {
    const type = typeOf(exchange.params[0] as string);
    const field = externalIdField(type, exchange.params[1] as string);
    const matches = matchesOf(type, field, exchange.params[2] as string);
    if (matches.length > 1) {
      multipleChoices(exchange, type, matches);
      return undefined;
    }
    if (!matches[0]) throw notFound();
    return { type, record: matches[0] };
  };

  const selectFields = (exchange: Exchange, type: SObjectType, record: StoredRecord) => {
    const body = renderRecord(org.reader, type, record, exchange.version);
    const wanted = exchange.url.searchParams.get('fields');
    if (!wanted) return body;
    const picked: Record<string, unknown> = { attributes: body.attributes };
    for (const name of wanted.split(',').map((part) => part.trim())) {
      const field = type.field(name);
      if (!field)
        throw new SalesforceError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${type.name}`);
      picked[field.name] = body[field.name];
    }
    return picked;
  };

  return [
    {
      method: 'POST',
      path: /^\/sobjects\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = typeOf(exchange.params[0] as string);
        const body = await readJsonObject(exchange.req);
        const record = single(() => org.dml.insert(type, body, writeContext(exchange)));
        sendJson(exchange.res, 201, { id: record.Id, success: true, errors: [] });
      },
    },
    {
      method: 'GET',
      path: /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = typeOf(exchange.params[0] as string);
        const record = recordAt(type, exchange.params[1] as string);
        sendJson(exchange.res, 200, selectFields(exchange, type, record));
      },
    },
    {
      method: 'PATCH',
      path: /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = typeOf(exchange.params[0] as string);
        const record = recordAt(type, exchange.params[1] as string);
        const body = await readJsonObject(exchange.req);
        single(() => org.dml.update(type, record.Id, body, writeContext(exchange)));
        sendEmpty(exchange.res, 204);
      },
    },
    {
      method: 'DELETE',
      path: /^\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = typeOf(exchange.params[0] as string);
        const record = recordAt(type, exchange.params[1] as string);
        single(() => org.dml.delete(type, record.Id, writeContext(exchange)));
        sendEmpty(exchange.res, 204);
      },
    },
    {
      method: 'GET',
      path: /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
      async handle(exchange) {
        const match = externalIdMatch(exchange);
        if (match) sendJson(exchange.res, 200, selectFields(exchange, match.type, match.record));
      },
    },
    {
      method: 'PATCH',
      path: /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = typeOf(exchange.params[0] as string);
        const field = externalIdField(type, exchange.params[1] as string);
        const body = await readJsonObject(exchange.req);
        let outcome: { record: StoredRecord; created: boolean };
        try {
          outcome = org.dml.upsert(type, field, exchange.params[2] as string, body, writeContext(exchange));
        } catch (error) {
          if (error instanceof MultipleMatches) return multipleChoices(exchange, type, error.matches);
          if (error instanceof RecordRefused) throw refusal(error.error);
          throw error;
        }
        const result = { id: outcome.record.Id, success: true, errors: [], created: outcome.created };
        if (outcome.created) return sendJson(exchange.res, 201, result);
        // API 46.0 and later answer an update with 200 and `created: false`; earlier ones with 204.
        if (versionNumber(exchange.version) >= 46) return sendJson(exchange.res, 200, result);
        sendEmpty(exchange.res, 204);
      },
    },
    {
      method: 'DELETE',
      path: /^\/sobjects\/([^/]+)\/([^/]+)\/([^/]+)\/?$/,
      async handle(exchange) {
        const match = externalIdMatch(exchange);
        if (!match) return;
        single(() => org.dml.delete(match.type, match.record.Id, writeContext(exchange)));
        sendEmpty(exchange.res, 204);
      },
    },
  ];
}
