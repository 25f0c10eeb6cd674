import { type ObjectType, schemaFor } from './catalog.ts';
import { HubspotError, invalidInput } from './errors.ts';
import { type Route, readJson, sendEmpty, sendJson } from './http.ts';
import type { CrmStore } from './store.ts';

interface AssociationType {
  id: number;
  from: ObjectType;
  to: ObjectType;
  /** The type of the same link seen from the other side. */
  inverse: number;
  label: string | null;
  /** The unlabeled type `associate/default` uses. */
  isDefault: boolean;
}

const type = (
  id: number,
  from: ObjectType,
  to: ObjectType,
  inverse: number,
  label: string | null,
  isDefault: boolean,
) => ({
  id,
  from,
  to,
  inverse,
  label,
  isDefault,
});

/** HubSpot-defined association types between contacts, companies and deals (ids as in every portal). */
const associationTypes: AssociationType[] = [
  type(279, 'contacts', 'companies', 280, null, true),
  type(280, 'companies', 'contacts', 279, null, true),
  type(1, 'contacts', 'companies', 2, 'Primary', false),
  type(2, 'companies', 'contacts', 1, 'Primary', false),
  type(4, 'contacts', 'deals', 3, null, true),
  type(3, 'deals', 'contacts', 4, null, true),
  type(341, 'deals', 'companies', 342, null, true),
  type(342, 'companies', 'deals', 341, null, true),
  type(5, 'deals', 'companies', 6, 'Primary', false),
  type(6, 'companies', 'deals', 5, 'Primary', false),
];

const typeById = (id: number) => associationTypes.find((entry) => entry.id === id);

const singular: Record<ObjectType, string> = { contacts: 'contact', companies: 'company', deals: 'deal' };

/**
 * The v3 name of a type, as the objects API's `associations` parameter shows it:
 * `contact_to_company` for the labelled (Primary) type and `contact_to_company_unlabeled` beside
 * it; a pair with one type has the plain name.
 */
function v3Name(entry: AssociationType): string {
  const name = `${singular[entry.from]}_to_${singular[entry.to]}`;
  const labelled = associationTypes.some(
    (other) => other.from === entry.from && other.to === entry.to && !other.isDefault,
  );
  return entry.isDefault && labelled ? `${name}_unlabeled` : name;
}

/**
 * A record's associations as the v3 objects API returns them for `associations=companies,…`:
 * `{ companies: { results: [{ id, type }] } }`, one entry per type, live records only.
 */
export function associationsV3(store: CrmStore, from: ObjectType, fromId: string, toTypes: string[]) {
  const result: Record<string, { results: { id: string; type: string }[] }> = {};
  for (const name of toTypes) {
    const to = schemaFor(name).type;
    const results = [...store.associationsOf(from, fromId, to)]
      .filter(([toId]) => store.get(to, toId)?.archived === false)
      .sort(([a], [b]) => Number(a) - Number(b))
      .flatMap(([toId, typeIds]) => typeIds.map((id) => ({ id: toId, type: v3Name(typeById(id) as AssociationType) })));
    if (results.length > 0) result[name] = { results };
  }
  return result;
}

export const defaultAssociationType = (from: ObjectType, to: ObjectType) =>
  associationTypes.find((entry) => entry.from === from && entry.to === to && entry.isDefault) as AssociationType;

/** Links `from` to `to` with the given types (and the inverse types back), as HubSpot keeps both sides. */
export function link(
  store: CrmStore,
  from: ObjectType,
  fromId: string,
  to: ObjectType,
  toId: string,
  typeIds: number[],
): void {
  store.associate({ fromType: from, fromId, toType: to, toId, typeIds });
  const inverse = typeIds.map((id) => (typeById(id) as AssociationType).inverse);
  store.associate({ fromType: to, fromId: toId, toType: from, toId: fromId, typeIds: inverse });
}

function checkTypes(from: ObjectType, to: ObjectType, types: unknown): number[] {
  if (!Array.isArray(types) || types.length === 0) throw invalidInput('types must list at least one association type.');
  return types.map((entry) => {
    const spec = entry as { associationCategory?: unknown; associationTypeId?: unknown };
    const found = typeById(Number(spec.associationTypeId));
    if (spec.associationCategory !== 'HUBSPOT_DEFINED' || !found || found.from !== from || found.to !== to) {
      throw invalidInput(
        `${String(spec.associationCategory)} ${String(spec.associationTypeId)} is not a valid association type between ${from} and ${to}.`,
      );
    }
    return found.id;
  });
}

/**
 * Checks the `associations` of a create (`[{ to: { id }, types: [...] }]`) before the record is
 * made; the returned function links the new record once it has its id.
 */
export function associateOnCreate(store: CrmStore, from: ObjectType, associations: unknown): (id: string) => void {
  if (associations === undefined || associations === null) return () => {};
  if (!Array.isArray(associations)) throw invalidInput('associations must be an array.');
  const links = associations.map((entry) => {
    const { to, types } = entry as { to?: { id?: unknown }; types?: unknown };
    const toId = String(to?.id ?? '');
    const first = (Array.isArray(types) ? types[0] : undefined) as { associationTypeId?: unknown } | undefined;
    const target = typeById(Number(first?.associationTypeId))?.to;
    if (!target) throw invalidInput(`${String(first?.associationTypeId)} is not a valid association type id.`);
    const typeIds = checkTypes(from, target, types);
    const record = store.get(target, toId);
    if (!record || record.archived) throw invalidInput(`No ${target} with ID ${toId} exists to associate with.`);
    return { target, toId, typeIds };
  });
  return (id) => {
    for (const entry of links) link(store, from, id, entry.target, entry.toId, entry.typeIds);
  };
}

function inputsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw invalidInput('inputs must be an array.');
  if (inputs.length > 1000) throw invalidInput(`Too many inputs: ${inputs.length}; the limit is 1000.`);
  return inputs as Record<string, unknown>[];
}

const idOf = (value: unknown) => String((value as { id?: unknown } | undefined)?.id ?? '');

function batchTimes(startedAt: string) {
  return { startedAt, completedAt: new Date().toISOString() };
}

const pageSize = 500;

function associationsJson(store: CrmStore, from: ObjectType, fromId: string, to: ObjectType, after?: string) {
  const targets = [...store.associationsOf(from, fromId, to)]
    .filter(([toId]) => store.get(to, toId)?.archived === false)
    .sort(([a], [b]) => Number(a) - Number(b))
    .filter(([toId]) => after === undefined || Number(toId) > Number(after));
  const page = targets.slice(0, pageSize).map(([toId, typeIds]) => ({
    toObjectId: Number(toId),
    associationTypes: typeIds.map((id) => ({
      category: 'HUBSPOT_DEFINED',
      typeId: id,
      label: typeById(id)?.label ?? null,
    })),
  }));
  const last = page.at(-1);
  const next = targets.length > pageSize && last ? { next: { after: String(last.toObjectId) } } : undefined;
  return { total: targets.length, page, next };
}

/** The v4 associations API: batch read, create, default create and archive, and one record's list. */
export function associationRoutes(store: CrmStore): Route[] {
  const pair = (params: string[]) =>
    [schemaFor(params[0] as string).type, schemaFor(params[1] as string).type] as const;
  const base = '^\\/crm\\/v4\\/associations\\/([^/]+)\\/([^/]+)\\/batch';
  return [
    {
      method: 'POST',
      path: new RegExp(`${base}\\/read$`),
      async handle({ req, res, params }) {
        const startedAt = new Date().toISOString();
        const [from, to] = pair(params);
        const results = [];
        const errors = [];
        for (const input of inputsOf(await readJson(req))) {
          const fromId = String(input.id ?? '');
          const after = typeof input.after === 'string' ? input.after : undefined;
          const { total, page, next } = associationsJson(store, from, fromId, to, after);
          if (total === 0) {
            errors.push({
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              subCategory: 'crm.associations.NO_ASSOCIATIONS_FOUND',
              context: { fromObjectId: [fromId] },
              message: `No ${schemaFor(to).label.toLowerCase()} is associated with ${schemaFor(from).label.toLowerCase()} ${fromId}.`,
            });
            continue;
          }
          results.push({ from: { id: fromId }, to: page, ...(next ? { paging: next } : {}) });
        }
        const body = {
          status: 'COMPLETE',
          results,
          ...(errors.length ? { numErrors: errors.length, errors } : {}),
          ...batchTimes(startedAt),
        };
        sendJson(res, errors.length ? 207 : 200, body);
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${base}\\/create$`),
      async handle({ req, res, params }) {
        const startedAt = new Date().toISOString();
        const [from, to] = pair(params);
        const inputs = inputsOf(await readJson(req)).map((input) => ({
          fromId: idOf(input.from),
          toId: idOf(input.to),
          typeIds: checkTypes(from, to, input.types),
        }));
        const results = [];
        const errors = [];
        for (const { fromId, toId, typeIds } of inputs) {
          const missing = [
            ...(store.get(from, fromId)?.archived === false ? [] : [fromId]),
            ...(store.get(to, toId)?.archived === false ? [] : [toId]),
          ];
          if (missing.length > 0) {
            errors.push({
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              context: { ids: missing },
              message: `Could not find objects with ids: ${missing.join(', ')}`,
            });
            continue;
          }
          link(store, from, fromId, to, toId, typeIds);
          results.push({
            fromObjectTypeId: schemaFor(from).objectTypeId,
            fromObjectId: Number(fromId),
            toObjectTypeId: schemaFor(to).objectTypeId,
            toObjectId: Number(toId),
            labels: typeIds.map((id) => typeById(id)?.label).filter((label): label is string => Boolean(label)),
          });
        }
        const body = {
          status: 'COMPLETE',
          results,
          ...(errors.length ? { numErrors: errors.length, errors } : {}),
          ...batchTimes(startedAt),
        };
        await store.flush();
        sendJson(res, errors.length ? 207 : 201, body);
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${base}\\/associate\\/default$`),
      async handle({ req, res, params }) {
        const startedAt = new Date().toISOString();
        const [from, to] = pair(params);
        const spec = defaultAssociationType(from, to);
        const results = [];
        for (const input of inputsOf(await readJson(req))) {
          const fromId = idOf(input.from);
          const toId = idOf(input.to);
          if (store.get(from, fromId)?.archived !== false || store.get(to, toId)?.archived !== false) {
            throw new HubspotError(400, 'VALIDATION_ERROR', `Could not find objects with ids: ${fromId}, ${toId}`);
          }
          link(store, from, fromId, to, toId, [spec.id]);
          results.push({
            from: { id: fromId },
            to: { id: toId },
            associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: spec.id },
          });
        }
        await store.flush();
        sendJson(res, 200, { status: 'COMPLETE', results, ...batchTimes(startedAt) });
      },
    },
    {
      method: 'POST',
      path: new RegExp(`${base}\\/archive$`),
      async handle({ req, res, params }) {
        const [from, to] = pair(params);
        for (const input of inputsOf(await readJson(req))) {
          const fromId = idOf(input.from);
          const targets = Array.isArray(input.to) ? input.to : [];
          for (const target of targets) {
            store.dissociate(from, fromId, to, idOf(target));
            store.dissociate(to, idOf(target), from, fromId);
          }
        }
        await store.flush();
        sendEmpty(res, 204);
      },
    },
    {
      method: 'GET',
      path: /^\/crm\/v4\/objects\/([^/]+)\/([^/]+)\/associations\/([^/]+)$/,
      async handle({ res, url, params }) {
        const from = schemaFor(params[0] as string).type;
        const to = schemaFor(params[2] as string).type;
        const { page, next } = associationsJson(
          store,
          from,
          params[1] as string,
          to,
          url.searchParams.get('after') ?? undefined,
        );
        sendJson(res, 200, { results: page, ...(next ? { paging: next } : {}) });
      },
    },
  ];
}
