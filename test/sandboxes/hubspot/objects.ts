import { associateOnCreate, associationsV3 } from './associations.ts';
import type { ObjectType } from './catalog.ts';
import { invalidInput, invalidProperties, objectNotFound } from './errors.ts';
import { queryBoolean, queryInteger, queryList, type Route, readJson, sendEmpty, sendJson } from './http.ts';
import { checkProperties } from './property-values.ts';
import { archiveRecord, conflictFor, createRecord, findRecord, recordJson, updateRecord } from './records.ts';
import type { CrmStore } from './store.ts';

const listLimit = 100;

/** The basic objects API: list, get, create, update and archive one record. */
export function objectRoutes(store: CrmStore): Route[] {
  /** Adds the `associations` a read asked for (`associations=companies,deals`), when the record has some. */
  function withAssociations<T extends { id: string }>(from: ObjectType, json: T, toTypes: string[] | undefined) {
    if (!toTypes) return json;
    const associations = associationsV3(store, from, json.id, toTypes);
    return Object.keys(associations).length > 0 ? { ...json, associations } : json;
  }
  return [
    {
      method: 'GET',
      path: /^\/crm\/v3\/objects\/([^/]+)\/?$/,
      async handle({ res, url, params, origin }) {
        const schema = store.schema(params[0] as string);
        const limit = queryInteger(url, 'limit', 10);
        if (limit < 1 || limit > listLimit)
          throw invalidInput(`limit must be between 1 and ${listLimit}, got ${limit}.`);
        const after = url.searchParams.get('after');
        if (after !== null && after !== '' && !/^\d+$/.test(after)) throw invalidInput(`Invalid after: ${after}`);
        const from = after ? Number(after) : 0;
        const archived = queryBoolean(url, 'archived');
        const requested = queryList(url, 'properties');
        const associations = queryList(url, 'associations');
        const page = [];
        let next: string | undefined;
        for (const record of store.all(schema.type)) {
          if (record.archived !== archived || Number(record.id) < from) continue;
          if (page.length === limit) {
            next = record.id;
            break;
          }
          page.push(withAssociations(schema.type, recordJson(schema, record, requested), associations));
        }
        const link = new URL(url.pathname, origin);
        if (next) {
          for (const [key, value] of url.searchParams) if (key !== 'after') link.searchParams.append(key, value);
          link.searchParams.set('after', next);
        }
        sendJson(res, 200, { results: page, ...(next ? { paging: { next: { after: next, link: link.href } } } : {}) });
      },
    },
    {
      method: 'GET',
      path: /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/,
      async handle({ res, url, params }) {
        const schema = store.schema(params[0] as string);
        const id = params[1] as string;
        const idProperty = url.searchParams.get('idProperty') ?? undefined;
        const record = findRecord(store, schema, id, idProperty, queryBoolean(url, 'archived'));
        if (!record) throw objectNotFound(id);
        const json = recordJson(schema, record, queryList(url, 'properties'));
        sendJson(res, 200, withAssociations(schema.type, json, queryList(url, 'associations')));
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/v3\/objects\/([^/]+)\/?$/,
      async handle({ req, res, params }) {
        const schema = store.schema(params[0] as string);
        const body = await readJson(req);
        const { values, problems } = checkProperties(schema, body.properties ?? {}, store);
        if (problems.length > 0) throw invalidProperties(problems);
        const conflict = conflictFor(store, schema, values);
        if (conflict) throw conflict;
        const links = associateOnCreate(store, schema.type, body.associations);
        const record = createRecord(store, schema, values, new Date().toISOString());
        links(record.id);
        await store.flush();
        sendJson(res, 201, recordJson(schema, record, 'all'));
      },
    },
    {
      method: 'PATCH',
      path: /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/,
      async handle({ req, res, url, params }) {
        const schema = store.schema(params[0] as string);
        const id = params[1] as string;
        const record = findRecord(store, schema, id, url.searchParams.get('idProperty') ?? undefined);
        if (!record) throw objectNotFound(id);
        const body = await readJson(req);
        const { values, problems } = checkProperties(schema, body.properties ?? {}, store, record);
        if (problems.length > 0) throw invalidProperties(problems);
        const conflict = conflictFor(store, schema, values, record.id);
        if (conflict) throw conflict;
        const updated = updateRecord(store, schema, record, values, new Date().toISOString());
        await store.flush();
        sendJson(res, 200, recordJson(schema, updated, 'all'));
      },
    },
    {
      method: 'DELETE',
      path: /^\/crm\/v3\/objects\/([^/]+)\/([^/]+)$/,
      async handle({ res, params }) {
        const schema = store.schema(params[0] as string);
        const record = findRecord(store, schema, params[1] as string);
        if (record) archiveRecord(store, schema, record, new Date().toISOString());
        await store.flush();
        sendEmpty(res, 204);
      },
    },
  ];
}
