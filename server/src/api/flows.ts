import type { JSONSchema } from '@backflow/flow-model';
import { type Flow, validateSchedule } from '@backflow/flow-model';
import { BackflowError, FlowValidationError } from '../errors.ts';
import { inlineSecretMessage } from '../flow/validate.ts';
import { validatorFor } from '../service/flow-runner.ts';
import { previewNode } from '../service/preview.ts';
import type { FlowRow } from '../store/flow-repository.ts';
import type { ApiContext } from './api-context.ts';
import type { ApiRoutes } from './api-routes.ts';
import {
  flowDocumentSchema,
  flowVersionSchema,
  flowViewSchema,
  issuesSchema,
  previewResultSchema,
  runIdSchema,
} from './schemas.ts';

const draftQuery = {
  type: 'object',
  properties: { draft: { enum: ['true', 'false'], description: 'Save even when the flow does not validate' } },
};

export function flowRoutes(routes: ApiRoutes, api: ApiContext): void {
  const view = (row: FlowRow) => ({
    id: row.id,
    name: row.name,
    version: row.version,
    document: row.document,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    nextRuns: api.scheduler.nextRuns(row.id, 5),
    ...activeRun(row.name),
  });
  const activeRun = (name: string) => {
    const runId = api.runs.activeRunOf(name);
    return runId ? { activeRunId: runId } : {};
  };
  const load = async (id: string) => {
    const row = await api.store.flows.get(id);
    if (!row) throw new BackflowError('not_found', `no flow with id "${id}"`);
    return row;
  };
  /** Every problem of a flow: document, configs, connections, graph and schedule. */
  const issuesOf = async (document: unknown) =>
    validatorFor(api.catalog)(document, {
      connections: await api.connections.resolved(),
      files: { baseDir: api.baseDir, roots: api.fileRoots },
    }).issues;
  const checkSavable = async (document: Flow, draft: boolean) => {
    const issues = await issuesOf(document);
    // A draft may be unfinished, but never holds a literal secret: the store keeps every version.
    const refused = draft ? issues.filter((issue) => issue.message === inlineSecretMessage) : issues;
    if (refused.length > 0) throw new FlowValidationError(refused);
    return issues;
  };
  const schedule = (row: FlowRow) => {
    const planned = row.document.schedule;
    if (planned && validateSchedule(planned).length === 0)
      api.scheduler.set({ id: row.id, name: row.name, schedule: planned });
    else void api.scheduler.remove(row.id);
  };

  routes.add({
    method: 'get',
    path: '/api/flows',
    summary: 'List saved flows',
    tag: 'flows',
    responses: {
      200: {
        description: 'The flows, by name, each with its latest run',
        schema: { type: 'array', items: flowViewSchema },
      },
    },
    handler: async (c) => {
      const [rows, lastRuns] = await Promise.all([api.store.flows.list(), api.store.runs.latestPerFlow()]);
      return c.json(
        rows.map((row) => {
          const run = lastRuns.get(row.id);
          if (!run) return view(row);
          const { id: runId, ...lastRun } = run;
          return { ...view(row), lastRun: { runId, ...lastRun } };
        }),
      );
    },
  });

  routes.add<Flow, { draft?: string }>({
    method: 'post',
    path: '/api/flows',
    summary: 'Save a new flow',
    tag: 'flows',
    body: flowDocumentSchema,
    query: draftQuery,
    responses: {
      201: { description: 'The saved flow, version 1, with any issues of a draft', schema: flowViewSchema },
    },
    handler: async (c, { body, query }) => {
      const issues = await checkSavable(body, query.draft === 'true');
      const row = await api.store.flows.create(body);
      schedule(row);
      return c.json({ ...view(row), issues }, 201);
    },
  });

  routes.add<unknown>({
    method: 'post',
    path: '/api/flows/validate',
    summary: 'Validate a flow document (the same checks as `backflow validate`)',
    tag: 'flows',
    body: { type: 'object' },
    responses: { 200: { description: 'Whether it is valid, and every issue with its path', schema: issuesSchema } },
    handler: async (c, { body }) => {
      const issues = await issuesOf(body);
      return c.json({ valid: issues.length === 0, issues });
    },
  });

  routes.add({
    method: 'get',
    path: '/api/flows/:id',
    summary: 'Get a flow with its next scheduled runs',
    tag: 'flows',
    responses: { 200: { description: 'The flow', schema: flowViewSchema } },
    handler: async (c) => c.json(view(await load(c.req.param('id')!))),
  });

  routes.add<Flow, { draft?: string }>({
    method: 'put',
    path: '/api/flows/:id',
    summary: 'Save a new version of a flow',
    tag: 'flows',
    body: flowDocumentSchema,
    query: draftQuery,
    responses: { 200: { description: 'The saved flow', schema: flowViewSchema } },
    handler: async (c, { body, query }) => {
      const id = c.req.param('id')!;
      await load(id);
      const issues = await checkSavable(body, query.draft === 'true');
      const row = await api.store.flows.update(id, body);
      if (!row) throw new BackflowError('not_found', `no flow with id "${id}"`);
      schedule(row);
      return c.json({ ...view(row), issues });
    },
  });

  routes.add({
    method: 'delete',
    path: '/api/flows/:id',
    summary: 'Delete a flow and its versions (its runs stay)',
    tag: 'flows',
    responses: { 204: { description: 'Deleted' } },
    handler: async (c) => {
      const row = await load(c.req.param('id')!);
      // Its job stops first and a scheduled start under way is waited for, so that no run of the
      // flow can start once it is deleted (nor slip past the active-run check below).
      await api.scheduler.remove(row.id);
      const activeRunId = api.runs.activeRunOf(row.name);
      if (activeRunId) {
        schedule(row);
        throw new BackflowError('conflict', `flow ${row.name} has an active run (${activeRunId}); cancel it first`);
      }
      await api.store.flows.delete(row.id);
      return c.body(null, 204);
    },
  });

  routes.add({
    method: 'get',
    path: '/api/flows/:id/versions',
    summary: 'Every saved version of a flow, newest first',
    tag: 'flows',
    responses: { 200: { description: 'The versions', schema: { type: 'array', items: flowVersionSchema } } },
    handler: async (c) => {
      const row = await load(c.req.param('id')!);
      return c.json(await api.store.flows.versions(row.id));
    },
  });

  routes.add({
    method: 'get',
    path: '/api/flows/:id/export',
    summary: 'The flow document as a file (connections by name, never secrets)',
    tag: 'flows',
    responses: { 200: { description: 'The flow document', schema: flowDocumentSchema } },
    handler: async (c) => {
      const row = await load(c.req.param('id')!);
      c.header('Content-Disposition', `attachment; filename="${row.name}.json"`);
      return c.json(row.document);
    },
  });

  routes.add<{ dryRun?: boolean; fullResync?: boolean; flow?: unknown }>({
    method: 'post',
    path: '/api/flows/:id/runs',
    summary:
      'Start a run of the saved flow, or of an unsaved version of it (what is saved and scheduled stays as it is)',
    tag: 'runs',
    body: {
      type: 'object',
      additionalProperties: false,
      properties: {
        dryRun: { type: 'boolean' },
        fullResync: {
          type: 'boolean',
          description: "Re-read every source in full instead of from where the flow's last succeeded run ended",
        },
        flow: {
          type: 'object',
          description: 'An unsaved version of the flow to run instead; the run is listed under the flow',
        },
      },
    },
    responses: {
      202: {
        description: 'The run was queued',
        schema: runIdSchema,
      },
      409: { description: 'The flow already has an active run (its id is in the error details)' },
    },
    handler: async (c, { body }) => {
      const row = await load(c.req.param('id')!);
      const started = await api.runs.start({
        document: body.flow ?? row.document,
        flowId: row.id,
        dryRun: body.dryRun ?? false,
        ...(body.fullResync ? { fullResync: true } : {}),
      });
      return c.json(started, 202);
    },
  });

  const preview = async (document: unknown, body: PreviewBody) =>
    api.redactor.redactDeep(
      await previewNode(
        { document, nodeId: body.nodeId, limit: body.limit ?? 20, ...(body.port ? { port: body.port } : {}) },
        {
          catalog: api.catalog,
          connections: await api.connections.resolved(),
          baseDir: api.baseDir,
          fileRoots: api.fileRoots,
          dataDir: api.dataDir,
          redactor: api.redactor,
        },
      ),
    );
  const previewSummary = 'Sample records (or file names) at a node, running only what feeds it and writing nothing';

  routes.add<PreviewBody>({
    method: 'post',
    path: '/api/flows/:id/preview',
    summary: previewSummary,
    tag: 'flows',
    body: previewBodySchema({
      flow: { type: 'object', description: 'An unsaved version of the flow to preview instead' },
    }),
    responses: { 200: { description: 'The sample', schema: previewResultSchema } },
    handler: async (c, { body }) => {
      const row = await load(c.req.param('id')!);
      return c.json(await preview(body.flow ?? row.document, body));
    },
  });

  routes.add<PreviewBody & { flow: unknown }>({
    method: 'post',
    path: '/api/preview',
    summary: `${previewSummary} (a flow document that was never saved)`,
    tag: 'flows',
    body: previewBodySchema({ flow: { type: 'object' } }, ['flow']),
    responses: { 200: { description: 'The sample', schema: previewResultSchema } },
    handler: async (c, { body }) => c.json(await preview(body.flow, body)),
  });
}

interface PreviewBody {
  nodeId: string;
  port?: string;
  limit?: number;
  flow?: unknown;
}

function previewBodySchema(extra: Record<string, JSONSchema>, required: string[] = []): JSONSchema {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['nodeId', ...required],
    properties: {
      nodeId: { type: 'string', minLength: 1 },
      port: { type: 'string', minLength: 1 },
      limit: { type: 'integer', minimum: 1, maximum: 1000 },
      ...extra,
    },
  };
}
