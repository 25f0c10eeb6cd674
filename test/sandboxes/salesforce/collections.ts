import type { WriteContext } from './dml.ts';
import { type RecordError, RecordRefused, recordError, SalesforceError } from './errors.ts';
import { type Exchange, type Route, readJsonObject, sendJson } from './http.ts';
import type { Org } from './org.ts';
import { renderRecord } from './render.ts';
import type { SObjectType, StoredRecord } from './schema.ts';
import { writeContext } from './sobjects.ts';

const maxRecords = 200;

/** One record's result in a collection answer; failures carry no id, as in Salesforce. */
type CollectionResult =
  | { id: string; success: true; errors: []; created?: boolean }
  | { success: false; errors: { statusCode: string; message: string; fields: string[] }[] };

const failed = (error: RecordError): CollectionResult => ({
  success: false,
  errors: [{ statusCode: error.code, message: error.message, fields: error.fields }],
});

const rolledBack = failed(
  recordError(
    'ALL_OR_NONE_OPERATION_ROLLED_BACK',
    'Record rolled back because not all records were valid and the request was using AllOrNone header',
  ),
);

function tooMany(count: number): SalesforceError {
  return new SalesforceError(
    400,
    'EXCEEDED_ID_LIMIT',
    `record limit reached. cannot submit more than ${maxRecords} records into this call (got ${count})`,
  );
}

/**
 * sObject Collections: create, update, upsert and delete up to 200 records in one call, each with
 * its own result, or all undone with `allOrNone` (the failures keep their error, the others read
 * ALL_OR_NONE_OPERATION_ROLLED_BACK); and retrieve many records by id.
 */
export function collectionRoutes(org: Org): Route[] {
  const typeOf = (name: unknown): SObjectType => {
    const type = typeof name === 'string' ? org.schema.type(name) : undefined;
    if (!type) throw new RecordRefused(recordError('INVALID_TYPE', `sObject type '${String(name)}' is not supported.`));
    return type;
  };

  /** Runs `step` for each item; a refused item gets its error, others their result. */
  function saveEach<T>(
    items: T[],
    allOrNone: boolean,
    step: (item: T) => { record: StoredRecord; created?: boolean },
  ): CollectionResult[] {
    return org.dml.transaction(() => {
      const results = items.map((item): CollectionResult => {
        try {
          const { record, created } = step(item);
          return { id: record.Id, success: true, errors: [], ...(created === undefined ? {} : { created }) };
        } catch (error) {
          if (error instanceof RecordRefused) return failed(error.error);
          throw error;
        }
      });
      const anyFailed = results.some((result) => !result.success);
      if (!allOrNone || !anyFailed) return { result: results, commit: true };
      return { result: results.map((result) => (result.success ? rolledBack : result)), commit: false };
    });
  }

  /** Answers a body of `{ records, allOrNone }` with `save` run for each record (see `saveEach`). */
  async function saveRecords(
    exchange: Exchange,
    save: (record: Record<string, unknown>, context: WriteContext) => { record: StoredRecord; created?: boolean },
  ) {
    const body = await readJsonObject(exchange.req);
    const records = body.records;
    if (!Array.isArray(records))
      throw new SalesforceError(400, 'JSON_PARSER_ERROR', 'records: a list of sObjects is required');
    if (records.length > maxRecords) throw tooMany(records.length);
    const context = writeContext(exchange);
    sendJson(
      exchange.res,
      200,
      saveEach(records as Record<string, unknown>[], body.allOrNone === true, (record) => save(record, context)),
    );
  }

  const typeOfRecord = (record: Record<string, unknown>) =>
    typeOf((record.attributes as { type?: unknown } | undefined)?.type);

  function retrieveMany(exchange: Exchange, type: SObjectType, ids: string[], fields: string[] | undefined) {
    if (ids.length > 2000) throw tooMany(ids.length);
    const answer = ids.map((id) => {
      const record = org.store.table(type.name).get(id);
      if (!record || record.IsDeleted) return null;
      const full = renderRecord(org.reader, type, record, exchange.version);
      if (!fields) return full;
      const picked: Record<string, unknown> = { attributes: full.attributes };
      for (const name of fields) {
        const field = type.field(name);
        if (!field)
          throw new SalesforceError(400, 'INVALID_FIELD', `No such column '${name}' on sobject of type ${type.name}`);
        picked[field.name] = full[field.name];
      }
      return picked;
    });
    sendJson(exchange.res, 200, answer);
  }

  const urlType = (exchange: Exchange) => {
    const type = org.schema.type(exchange.params[0] as string);
    if (!type) throw new SalesforceError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return type;
  };

  return [
    {
      method: 'POST',
      path: /^\/composite\/sobjects\/?$/,
      async handle(exchange) {
        await saveRecords(exchange, (record, context) => {
          const { attributes: _attributes, ...fields } = record;
          if (Object.keys(fields).some((key) => key.toLowerCase() === 'id')) {
            throw new RecordRefused(recordError('INVALID_FIELD', 'cannot specify Id in an insert call', ['Id']));
          }
          return { record: org.dml.insert(typeOfRecord(record), fields, context) };
        });
      },
    },
    {
      method: 'PATCH',
      path: /^\/composite\/sobjects\/?$/,
      async handle(exchange) {
        await saveRecords(exchange, (record, context) => {
          const { attributes: _attributes, id, Id, ...fields } = record;
          const target = id ?? Id;
          if (typeof target !== 'string' || !target) {
            throw new RecordRefused(recordError('MISSING_ARGUMENT', 'Id not specified in an update call', ['Id']));
          }
          return { record: org.dml.update(typeOfRecord(record), target, fields, context) };
        });
      },
    },
    {
      method: 'DELETE',
      path: /^\/composite\/sobjects\/?$/,
      async handle(exchange) {
        const ids = (exchange.url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
        if (ids.length > maxRecords) throw tooMany(ids.length);
        const allOrNone = exchange.url.searchParams.get('allOrNone') === 'true';
        const context = writeContext(exchange);
        sendJson(
          exchange.res,
          200,
          saveEach(ids, allOrNone, (id) => {
            const type = org.schema.typeOfId(id);
            if (!type) throw new RecordRefused(recordError('MALFORMED_ID', `malformed id ${id}`, ['Id']));
            return { record: org.dml.delete(type, id, context) };
          }),
        );
      },
    },
    {
      method: 'PATCH',
      path: /^\/composite\/sobjects\/([^/]+)\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = urlType(exchange);
        const field = type.field(exchange.params[1] as string);
        if (!field || !(field.externalId || field.name === 'Id')) {
          throw new SalesforceError(
            400,
            'INVALID_FIELD',
            `Field name provided, ${exchange.params[1]} is not an External ID or indexed field for ${type.name}`,
          );
        }
        await saveRecords(exchange, (record, context) => {
          const { attributes: _attributes, ...fields } = record;
          const key = Object.keys(fields).find((name) => name.toLowerCase() === field.name.toLowerCase());
          const value = key === undefined ? undefined : fields[key];
          if (field.name !== 'Id' && (value === undefined || value === null || value === '')) {
            throw new RecordRefused(recordError('MISSING_ARGUMENT', `${field.name} not specified`, [field.name]));
          }
          return org.dml.upsert(
            type,
            field,
            value === undefined || value === null ? '' : String(value),
            fields,
            context,
          );
        });
      },
    },
    {
      method: 'POST',
      path: /^\/composite\/sobjects\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = urlType(exchange);
        const body = await readJsonObject(exchange.req);
        const ids = Array.isArray(body.ids) ? body.ids.map(String) : [];
        const fields = Array.isArray(body.fields) ? body.fields.map(String) : undefined;
        retrieveMany(exchange, type, ids, fields);
      },
    },
    {
      method: 'GET',
      path: /^\/composite\/sobjects\/([^/]+)\/?$/,
      async handle(exchange) {
        const type = urlType(exchange);
        const ids = (exchange.url.searchParams.get('ids') ?? '').split(',').filter(Boolean);
        const fields = exchange.url.searchParams.get('fields')?.split(',').filter(Boolean);
        retrieveMany(exchange, type, ids, fields);
      },
    },
  ];
}
