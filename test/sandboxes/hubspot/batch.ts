import { associateOnCreate } from './associations.ts';
import type { ObjectSchema } from './catalog.ts';
import { type HubspotError, invalidInput, invalidProperties, PropertyValuesError } from './errors.ts';
import { queryBoolean, type Route, readJson, sendEmpty, sendJson } from './http.ts';
import { checkProperties } from './property-values.ts';
import {
  archiveRecord,
  checkIdProperty,
  claimUniqueValues,
  conflictFor,
  createRecord,
  findRecord,
  recordJson,
  updateRecord,
} from './records.ts';
import type { CrmRecord, CrmStore } from './store.ts';

const batchLimit = 100;

/** What one input of a write batch will do, decided before anything is written. */
type Plan = (
  | { kind: 'create'; values: Record<string, string>; link: (id: string) => void; id: string }
  | { kind: 'update'; record: CrmRecord; values: Record<string, string> }
) & { traceId?: string | undefined };

/** An input that fails: its error, and the trace id it carried (multi-status answers name it). */
interface Failure {
  error: HubspotError;
  traceId?: string;
}

/** An input naming a record that does not exist: reported per record, never failing the batch. */
interface Missing {
  missing: string;
}

function inputsOf(body: Record<string, unknown>): Record<string, unknown>[] {
  const inputs = body.inputs;
  if (!Array.isArray(inputs)) throw invalidInput('inputs must be an array.');
  if (inputs.length > batchLimit) {
    throw invalidInput(`Too many inputs: ${inputs.length}. A batch takes at most ${batchLimit} inputs.`);
  }
  return inputs.map((input) => {
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      throw invalidInput('Each input must be an object.');
    return input as Record<string, unknown>;
  });
}

function rejectDuplicateIds(ids: string[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const id of ids) (seen.has(id.toLowerCase()) ? duplicates : seen).add(id.toLowerCase());
  if (duplicates.size > 0) {
    throw invalidInput(`Duplicate IDs found in batch input: [${[...duplicates].join(', ')}]. IDs must be unique`);
  }
}

const notFound = (schema: ObjectSchema, ids: string[]) => ({
  status: 'error',
  category: 'OBJECT_NOT_FOUND',
  message: `Could not get some ${schema.label} objects, they may be deleted or not exist. Check that ids are valid.`,
  context: { ids },
});

/**
 * Answers a write batch the way HubSpot does. Missing records are reported per record (207 with
 * `errors`). Invalid values and unique-value conflicts refuse the whole batch (400 / 409, nothing
 * written) unless every input carries an `objectWriteTraceId`: then the valid inputs are written and
 * each failure is reported in a 207 under its trace id.
 */
function answerWrites(
  store: CrmStore,
  schema: ObjectSchema,
  plans: (Plan | Failure | Missing)[],
  multiStatus: boolean,
  startedAt: string,
  successStatus: number,
  upsert: boolean,
) {
  const failures = plans.filter((plan): plan is Failure => 'error' in plan);
  if (!multiStatus && failures.length > 0) {
    const problems = failures.flatMap((failure) =>
      failure.error instanceof PropertyValuesError ? failure.error.problems : [],
    );
    if (problems.length > 0) throw invalidProperties(problems);
    throw (failures[0] as Failure).error;
  }
  const now = new Date().toISOString();
  const results = [];
  const missing: string[] = [];
  for (const plan of plans) {
    if ('missing' in plan) missing.push(plan.missing);
    if (!('kind' in plan)) continue;
    const record =
      plan.kind === 'create'
        ? createRecord(store, schema, plan.values, now, plan.id)
        : updateRecord(store, schema, plan.record, plan.values, now);
    if (plan.kind === 'create') plan.link(record.id);
    // HubSpot echoes each input's trace id on its result, so a client ties results to inputs.
    results.push({
      ...recordJson(schema, record, 'all'),
      ...(upsert ? { new: plan.kind === 'create' } : {}),
      ...(plan.traceId ? { objectWriteTraceId: plan.traceId } : {}),
    });
  }
  const errors = [
    ...(missing.length > 0 ? [notFound(schema, missing)] : []),
    ...failures.map((failure) => ({
      ...failure.error.body,
      ...(failure.traceId ? { context: { objectWriteTraceId: [failure.traceId] } } : {}),
    })),
  ];
  const body = {
    status: 'COMPLETE',
    results,
    ...(errors.length > 0 ? { numErrors: errors.length, errors } : {}),
    startedAt,
    completedAt: new Date().toISOString(),
  };
  return { status: errors.length > 0 ? 207 : successStatus, body };
}

/**
 * Decides what one input will do: its properties checked, its unique values checked against the
 * store and the inputs before it (`claimed`), then an update of `record` or a create. A `Failure`
 * carries HubSpot's error for the input instead.
 */
function planWrite(
  store: CrmStore,
  schema: ObjectSchema,
  input: Record<string, unknown>,
  claimed: Map<string, string>,
  record?: CrmRecord,
  forced: Record<string, string> = {},
): Plan | Failure {
  const traceId = typeof input.objectWriteTraceId === 'string' ? input.objectWriteTraceId : undefined;
  const properties = { ...(input.properties as Record<string, unknown> | undefined), ...forced };
  const { values, problems } = checkProperties(schema, properties, store, record);
  if (problems.length > 0) return { error: invalidProperties(problems), traceId };
  const conflict = conflictFor(store, schema, values, record?.id, claimed);
  if (conflict) return { error: conflict, traceId };
  if (record) {
    claimUniqueValues(schema, values, record.id, claimed);
    return { kind: 'update', record, values, traceId };
  }
  const link = associateOnCreate(store, schema.type, input.associations);
  const id = store.newId();
  claimUniqueValues(schema, values, id, claimed);
  return { kind: 'create', values, link, id, traceId };
}

const everyTraced = (inputs: Record<string, unknown>[]) =>
  inputs.length > 0 && inputs.every((input) => typeof input.objectWriteTraceId === 'string');

/** `POST /crm/v3/objects/{type}/batch/{read,create,update,upsert,archive}`. */
export function batchRoutes(store: CrmStore): Route[] {
  const path = (action: string) => new RegExp(`^\\/crm\\/v3\\/objects\\/([^/]+)\\/batch\\/${action}$`);
  /** A batch write: plans every input (`claimed` holds the unique values taken so far), then answers for all. */
  const writeRoute = (
    action: 'create' | 'update' | 'upsert',
    plan: (
      schema: ObjectSchema,
      input: Record<string, unknown>,
      claimed: Map<string, string>,
    ) => Plan | Failure | Missing,
  ): Route => ({
    method: 'POST',
    path: path(action),
    async handle({ req, res, params }) {
      const startedAt = new Date().toISOString();
      const schema = store.schema(params[0] as string);
      const inputs = inputsOf(await readJson(req));
      // Update and upsert name their records: one input a record.
      if (action !== 'create') rejectDuplicateIds(inputs.map((input) => String(input.id ?? '')));
      const claimed = new Map<string, string>();
      const plans = inputs.map((input) => plan(schema, input, claimed));
      const successStatus = action === 'create' ? 201 : 200;
      const answer = answerWrites(
        store,
        schema,
        plans,
        everyTraced(inputs),
        startedAt,
        successStatus,
        action === 'upsert',
      );
      await store.flush();
      sendJson(res, answer.status, answer.body);
    },
  });
  return [
    {
      method: 'POST',
      path: path('read'),
      async handle({ req, res, url, params }) {
        const startedAt = new Date().toISOString();
        const schema = store.schema(params[0] as string);
        const body = await readJson(req);
        const inputs = inputsOf(body);
        const idProperty = typeof body.idProperty === 'string' ? body.idProperty : undefined;
        if (idProperty) checkIdProperty(schema, idProperty);
        const ids = inputs.map((input) => String(input.id ?? ''));
        rejectDuplicateIds(ids);
        const requested =
          Array.isArray(body.properties) && body.properties.length > 0 ? body.properties.map(String) : undefined;
        const archived = queryBoolean(url, 'archived');
        const results = [];
        const missing = [];
        for (const id of ids) {
          const record = findRecord(store, schema, id, idProperty, archived);
          if (record) results.push(recordJson(schema, record, requested));
          else missing.push(id);
        }
        const errors = missing.length > 0 ? [notFound(schema, missing)] : [];
        sendJson(res, errors.length ? 207 : 200, {
          status: 'COMPLETE',
          results,
          ...(errors.length ? { numErrors: errors.length, errors } : {}),
          startedAt,
          completedAt: new Date().toISOString(),
        });
      },
    },
    writeRoute('create', (schema, input, claimed) => planWrite(store, schema, input, claimed)),
    writeRoute('update', (schema, input, claimed) => {
      const id = String(input.id ?? '');
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : undefined;
      const record = findRecord(store, schema, id, idProperty);
      return record ? planWrite(store, schema, input, claimed, record) : { missing: id };
    }),
    writeRoute('upsert', (schema, input, claimed) => {
      const id = String(input.id ?? '');
      const idProperty = typeof input.idProperty === 'string' ? input.idProperty : 'hs_object_id';
      checkIdProperty(schema, idProperty);
      const record = findRecord(store, schema, id, idProperty);
      if (record) return planWrite(store, schema, input, claimed, record);
      // Upserting by record id can only update: HubSpot gives new records their ids itself.
      if (idProperty === 'hs_object_id') return { missing: id };
      return planWrite(store, schema, input, claimed, undefined, { [idProperty]: id });
    }),
    {
      method: 'POST',
      path: path('archive'),
      async handle({ req, res, params }) {
        const schema = store.schema(params[0] as string);
        const now = new Date().toISOString();
        for (const input of inputsOf(await readJson(req))) {
          const record = findRecord(store, schema, String(input.id ?? ''));
          if (record) archiveRecord(store, schema, record, now);
        }
        await store.flush();
        sendEmpty(res, 204);
      },
    },
  ];
}
