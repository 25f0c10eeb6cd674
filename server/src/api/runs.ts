import { streamSSE } from 'hono/streaming';
import { BackflowError } from '../errors.ts';
import type { RunSummary } from '../service/flow-runner.ts';
import type { RunEvent } from '../service/run-service.ts';
import type { RunRow } from '../store/run-repository.ts';
import type { ApiContext } from './api-context.ts';
import type { ApiRoutes } from './api-routes.ts';
import { type RejectedFormat, rejectedBody, rejectedFormats } from './rejected-download.ts';
import {
  flowDocumentSchema,
  logLineSchema,
  rejectedRowSchema,
  runEventSchema,
  runIdSchema,
  runStatusSchema,
  runViewSchema,
} from './schemas.ts';

export function runRoutes(routes: ApiRoutes, api: ApiContext): void {
  const load = async (id: string) => {
    const run = await api.store.runs.get(id);
    if (!run) throw new BackflowError('not_found', `no run with id "${id}"`);
    return run;
  };

  /** The run summary (`backflow run --json` shape) plus attempts, live counts and checkpoint age. */
  const view = (run: RunRow) => {
    const summary = run.summary as RunSummary | undefined;
    const live = api.runs.live(run.id);
    const { checkpointAt } = run;
    const finishedAt = run.finishedAt;
    return {
      runId: run.id,
      flow: run.flowName,
      ...(run.flowId ? { flowId: run.flowId } : {}),
      status: live?.status ?? run.status,
      dryRun: run.dryRun,
      resumed: summary?.resumed ?? run.attempts > 1,
      attempts: run.attempts,
      startedAt: run.startedAt,
      ...(finishedAt && !live ? { finishedAt } : {}),
      durationMs: (live || !finishedAt ? Date.now() : Date.parse(finishedAt)) - Date.parse(run.startedAt),
      nodes: live?.stats?.nodes ?? summary?.nodes ?? {},
      edges: live?.stats?.edges ?? summary?.edges ?? [],
      ...(summary?.outputs && !live ? { outputs: summary.outputs } : {}),
      ...(summary?.verification && !live ? { verification: summary.verification } : {}),
      ...(summary?.plan && !live ? { plan: summary.plan } : {}),
      ...(checkpointAt ? { checkpointAt, checkpointAgeMs: Date.now() - Date.parse(checkpointAt) } : {}),
      ...(run.error && !live ? { error: run.error } : {}),
    };
  };

  routes.add<unknown, { flowId?: string; status?: string; limit?: string }>({
    method: 'get',
    path: '/api/runs',
    summary: 'Recent runs, newest first',
    tag: 'runs',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: {
        flowId: { type: 'string' },
        status: runStatusSchema,
        limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$', description: 'At most 9999 (default 50)' },
      },
    },
    responses: { 200: { description: 'The runs', schema: { type: 'array', items: runViewSchema } } },
    handler: async (c, { query }) => {
      const runs = await api.store.runs.list({
        limit: query.limit ? Number(query.limit) : 50,
        ...(query.flowId ? { flowId: query.flowId } : {}),
        ...(query.status ? { status: query.status as RunRow['status'] } : {}),
      });
      return c.json(runs.map(view));
    },
  });

  routes.add<{ flow: unknown; dryRun?: boolean; resume?: boolean; fullResync?: boolean; baseDir?: string }>({
    method: 'post',
    path: '/api/runs',
    summary: 'Run a flow document without saving it (what the CLI does when a server holds the data directory)',
    tag: 'runs',
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['flow'],
      properties: {
        flow: flowDocumentSchema,
        dryRun: { type: 'boolean' },
        resume: { type: 'boolean', description: "Continue the flow's latest unfinished run" },
        fullResync: {
          type: 'boolean',
          description: "Re-read every source in full instead of from where the flow's last succeeded run ended",
        },
        baseDir: { type: 'string', description: 'Directory relative paths in the flow resolve against' },
      },
    },
    responses: { 202: { description: 'The run was queued (or resumed)', schema: runIdSchema } },
    handler: async (c, { body }) => {
      const baseDir = body.baseDir ?? api.baseDir;
      const name = (body.flow as { name: string }).name;
      const unfinished = body.resume && !body.dryRun ? await api.store.runs.latestUnfinished(name) : undefined;
      const started = unfinished
        ? await api.runs.resume(unfinished.id, body.flow)
        : await api.runs.start({
            document: body.flow,
            dryRun: body.dryRun ?? false,
            ...(body.fullResync ? { fullResync: true } : {}),
            baseDir,
          });
      return c.json({ ...started, resumed: Boolean(unfinished) }, 202);
    },
  });

  routes.add({
    method: 'get',
    path: '/api/runs/:id',
    summary: 'A run: its summary, timings, error and checkpoint age (live counts while it runs)',
    tag: 'runs',
    responses: { 200: { description: 'The run', schema: runViewSchema } },
    handler: async (c) => c.json(api.redactor.redactDeep(view(await load(c.req.param('id')!)))),
  });

  routes.add({
    method: 'get',
    path: '/api/runs/:id/events',
    summary: 'Server-sent events of a run: status, per-node counts (twice a second while running), log lines',
    tag: 'runs',
    responses: {
      200: {
        description:
          'An event stream; each event is named by its type and its data is a RunEvent; it ends after the final `summary` event',
        contentType: 'text/event-stream',
        schema: runEventSchema,
      },
    },
    handler: async (c) => {
      const run = await load(c.req.param('id')!);
      return streamSSE(c, async (stream) => {
        const send = (event: RunEvent) =>
          stream.writeSSE({ event: event.type, data: JSON.stringify(api.redactor.redactDeep(event)) });
        const queue: RunEvent[] = [];
        let wake: (() => void) | undefined;
        const unsubscribe = api.runs.subscribe(run.id, (event) => {
          queue.push(event);
          wake?.();
        });
        if (!unsubscribe) {
          // Not active: its record is final.
          const final = view(await load(run.id));
          await send({ type: 'status', runId: run.id, status: final.status, at: new Date().toISOString() });
          if (run.summary) await send({ type: 'summary', runId: run.id, summary: run.summary as RunSummary });
          return;
        }
        stream.onAbort(() => {
          unsubscribe();
          wake?.();
        });
        const current = api.runs.live(run.id);
        await send({
          type: 'status',
          runId: run.id,
          status: current?.status ?? run.status,
          at: new Date().toISOString(),
        });
        for (;;) {
          while (queue.length > 0) {
            const event = queue.shift()!;
            await send(event);
            if (event.type === 'summary') {
              unsubscribe();
              return;
            }
          }
          if (stream.aborted) return;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
        }
      });
    },
  });

  routes.add({
    method: 'post',
    path: '/api/runs/:id/cancel',
    summary: 'Cancel a queued or running run (it stays resumable from its last checkpoint)',
    tag: 'runs',
    responses: { 202: { description: 'Cancelling', schema: runIdSchema } },
    handler: async (c) => {
      const run = await load(c.req.param('id')!);
      if (!api.runs.cancel(run.id)) throw new BackflowError('conflict', `run ${run.id} is not active (${run.status})`);
      return c.json({ runId: run.id }, 202);
    },
  });

  routes.add({
    method: 'post',
    path: '/api/runs/:id/resume',
    summary: 'Resume an interrupted, failed or cancelled run from its checkpoint',
    tag: 'runs',
    responses: { 202: { description: 'Resuming (same run id)', schema: runIdSchema } },
    handler: async (c) => {
      const run = await load(c.req.param('id')!);
      return c.json(await api.runs.resume(run.id), 202);
    },
  });

  routes.add<unknown, { format?: RejectedFormat }>({
    method: 'get',
    path: '/api/runs/:id/rejected',
    summary:
      'The rejected records of a run with their reasons, file, line and raw text, streamed as NDJSON (one JSON object per line) or CSV',
    tag: 'runs',
    query: {
      type: 'object',
      additionalProperties: false,
      properties: { format: { enum: Object.keys(rejectedFormats), description: 'ndjson (default) or csv' } },
    },
    responses: {
      200: {
        description: 'NDJSON, or CSV with the columns nodeId, at, file, line, reasons, record (JSON) and raw',
        contentType: rejectedFormats.ndjson,
        schema: rejectedRowSchema,
      },
    },
    handler: async (c, { query }) => {
      const run = await load(c.req.param('id')!);
      const format = query.format ?? 'ndjson';
      return new Response(rejectedBody(api.store.rejectedRecords.list(run.id), format), {
        headers: { 'Content-Type': rejectedFormats[format] },
      });
    },
  });

  routes.add({
    method: 'get',
    path: '/api/runs/:id/logs',
    summary: "A run's log lines, oldest first",
    tag: 'runs',
    responses: { 200: { description: 'The log lines', schema: { type: 'array', items: logLineSchema } } },
    handler: async (c) => {
      const run = await load(c.req.param('id')!);
      return c.json(await api.store.logs.list(run.id));
    },
  });
}
