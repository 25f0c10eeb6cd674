import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Flow } from '@backflow/flow-model';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../server/src/node-kit/manifest.ts';
import { catalog as defaultCatalog } from '../../server/src/nodes/registry.ts';
import {
  ApiClient,
  exampleFlow,
  filesUnder,
  query,
  type SseEvent,
  sqlString,
  startTestServer,
  type TestServer,
  watchUnhandledRejections,
} from '../../server/src/testing/api-server.ts';
import { heldCatalog, ReadGate } from '../../server/src/testing/held-reads.ts';

let server: TestServer;
let client: ApiClient;
let flowId: string;
/** count, distinct ids, min and max id and total items of the demo warehouse's orders. */
let source: Record<string, unknown>;
// Every unhandled rejection is recorded, so a test can assert there was none.
const unhandled = watchUnhandledRejections();
/** duckdb.source reads pass this gate: a test that needs a run still running holds it there. */
const orders = new ReadGate();
const catalog = heldCatalog(defaultCatalog, 'duckdb.source', orders);

const ordersSummary = (relation: string) =>
  `select count(*)::integer as rows, count(distinct order_id)::integer as ids, min(order_id)::integer as first,
     max(order_id)::integer as last, sum(items)::integer as items from ${relation}`;

beforeAll(async () => {
  server = await startTestServer({ catalog });
  client = new ApiClient(server.url);
  [source] = (await query(ordersSummary('orders'), path.join(server.baseDir, 'demo/warehouse.duckdb'))) as [
    Record<string, unknown>,
  ];
  const flow = await exampleFlow('warehouse-backup');
  // No schedule: a run fired by the clock at 02:00 must not mix into these.
  delete flow.schedule;
  flowId = (await client.post('/api/flows', flow)).json.id;
});

// A test that failed while holding a run must not hold the next ones.
afterEach(() => orders.open());

afterAll(async () => {
  await server?.close();
  unhandled.stop();
});

/** The backup directory a run of warehouse-backup wrote (`backups/{flow}/{runDate}-{runId}`). */
async function backupOf(runId: string): Promise<string> {
  const root = path.join(server.baseDir, 'backups/warehouse-backup');
  const dirs = (await readdir(root)).filter((name) => name.endsWith(`-${runId}`));
  expect(dirs).toHaveLength(1);
  return path.join(root, dirs[0]!);
}

/** Every run of the flow this file started, oldest first. */
const startedRuns: string[] = [];

async function startRun(body: object = {}): Promise<string> {
  const response = await client.post(`/api/flows/${flowId}/runs`, body);
  expect(response.status).toBe(202);
  startedRuns.push(response.json.runId);
  return response.json.runId;
}

const eventsOf = (events: SseEvent[], type: string) => events.filter((e) => e.event === type).map((e) => e.data);

describe('a run of warehouse-backup', () => {
  let runId: string;
  let events: SseEvent[];

  beforeAll(async () => {
    // Held before its first batch until the stream is open, so the stream shows every batch.
    orders.close();
    runId = await startRun();
    await orders.reached;
    events = [];
    for await (const event of client.events(`/api/runs/${runId}/events`)) {
      events.push(event);
      if (events.length === 1) orders.open();
    }
  });

  it('streams status running, stats, log lines, then succeeded and the summary', () => {
    expect(runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    for (const event of events) expect(event.data.runId).toBe(runId);
    expect(events[0]).toMatchObject({ event: 'status', data: { status: 'running' } });
    expect(events.at(-2)).toMatchObject({ event: 'status', data: { status: 'succeeded' } });
    expect(events.at(-1)!.event).toBe('summary');
    expect(eventsOf(events, 'summary')).toHaveLength(1);

    const written = eventsOf(events, 'stats').map((stats) => stats.nodes.archive.written as number);
    expect(written.length).toBeGreaterThanOrEqual(1);
    for (let i = 1; i < written.length; i++) expect(written[i]).toBeGreaterThanOrEqual(written[i - 1]!);
    expect(written.at(-1)).toBe(source.rows);
    expect(eventsOf(events, 'stats').at(-1).nodes).toEqual(events.at(-1)!.data.summary.nodes);

    // One checkpoint per 50,000-row part, its count growing each time.
    const logs = eventsOf(events, 'log').map((line) => line.message as string);
    expect(logs.filter((message) => message.startsWith('checkpoint'))).toEqual([
      'checkpoint after batch 1: 50000 records read',
      'checkpoint after batch 2: 100000 records read',
      'checkpoint after batch 3: 150000 records read',
      'checkpoint after batch 4: 200000 records read',
    ]);
    expect(logs.at(-1)).toBe('run succeeded');
  });

  it('counts exactly the rows written to the CSV parts and the manifest', async () => {
    const { summary } = events.at(-1)!.data;
    expect(summary).toMatchObject({ runId, flow: 'warehouse-backup', status: 'succeeded', dryRun: false });
    expect(source.rows).toBe(200_000);
    expect(summary.nodes.orders).toMatchObject({ read: source.rows, written: source.rows, rejected: 0 });
    expect(summary.nodes['as-csv']).toMatchObject({ read: source.rows, written: source.rows, files: 4 });
    expect(summary.nodes.archive).toMatchObject({ read: source.rows, written: source.rows, files: 4 });
    expect(summary.edges.find((e: { from: string }) => e.from === 'as-csv:files')).toMatchObject({
      files: 4,
      rows: source.rows,
    });

    const dir = await backupOf(runId);
    // The summary names where the backup went, as the flow names it (relative to the run's directory).
    expect(summary.outputs).toEqual({ archive: path.relative(server.baseDir, dir) });
    const manifest = JSON.parse(await readFile(path.join(dir, '_manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ complete: true, flow: 'warehouse-backup', runId, rows: source.rows });
    expect(await filesUnder(dir)).toEqual(['_manifest.json', ...manifest.files.map((f) => f.name)]);
    let rows = 0;
    for (const file of manifest.files) {
      const bytes = await readFile(path.join(dir, file.name));
      const lines = gunzipSync(bytes).toString('utf8').split('\n');
      expect(lines[0]).toBe('order_id,customer_id,ordered_at,status,amount,currency,items');
      expect(lines.at(-1)).toBe('');
      expect(lines.length - 2, file.name).toBe(file.rows);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
      rows += lines.length - 2;
    }
    expect(rows).toBe(source.rows);
    const [written] = await query(ordersSummary(`read_csv(${sqlString(path.join(dir, 'orders/*.csv.gz'))})`));
    expect(written).toEqual(source);
  });

  it('shows the same counts in GET /api/runs/:id, with one attempt and a checkpoint age', async () => {
    const { summary } = events.at(-1)!.data;
    const response = await client.get(`/api/runs/${runId}`);
    expect(response.status).toBe(200);
    const run = response.json;
    expect(run).toMatchObject({ runId, flowId, flow: 'warehouse-backup', status: 'succeeded', attempts: 1 });
    expect(run).toMatchObject({ dryRun: false, resumed: false });
    expect(run.nodes).toEqual(summary.nodes);
    expect(run.edges).toEqual(summary.edges);
    expect(run.outputs).toEqual(summary.outputs);
    expect(run.checkpointAgeMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(run.finishedAt)).toBeGreaterThanOrEqual(Date.parse(run.checkpointAt));
    expect(run.error).toBeUndefined();
  });

  it('is listed under its flow, newest first', async () => {
    const listed = await client.get(`/api/runs?flowId=${flowId}`);
    expect(listed.status).toBe(200);
    // Exactly the flow's runs, whichever suites ran before this one: this run, then any older ones.
    expect(startedRuns.at(-1)).toBe(runId);
    expect(listed.json.map((r: { runId: string }) => r.runId)).toEqual([...startedRuns].reverse());
    expect((await client.get('/api/runs?flowId=fl_000000000000')).json).toEqual([]);
    expect((await client.get('/api/runs?status=failed')).json).toEqual([]);
  });

  it('keeps its log lines, oldest first', async () => {
    const response = await client.get(`/api/runs/${runId}/logs`);
    expect(response.status).toBe(200);
    const lines = response.json as { runId: string; at: string; level: string; message: string; nodeId?: string }[];
    expect(lines[0]).toMatchObject({ runId, level: 'info', message: 'run started' });
    expect(lines.at(-1)).toMatchObject({ runId, level: 'info', message: 'run succeeded' });
    const sourceLines = lines.filter((line) => line.nodeId === 'orders').map((line) => line.message);
    // That it writes the parts itself (pushdown), a checkpoint after each of the 4 parts, then the
    // line that says the source ended and its destinations prepared.
    expect(sourceLines).toHaveLength(6);
    expect(sourceLines[0]).toBe('writes the parts of "as-csv" itself (pushdown)');
    expect(sourceLines.at(-1)).toMatch(
      /^source ended after batch 4 \(\d+ records read\); its destinations are ready to publish$/,
    );
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.at >= lines[i - 1]!.at).toBe(true);
    // Every line the event stream showed is stored.
    for (const line of eventsOf(events, 'log')) expect(lines.map((l) => l.message)).toContain(line.message);
  });

  it('replays a finished run as its final status and summary', async () => {
    const replay = await client.runEvents(runId);
    expect(replay.map((e) => [e.event, e.data.status])).toEqual([
      ['status', 'succeeded'],
      ['summary', undefined],
    ]);
    expect(replay[1]!.data.summary.nodes).toEqual(events.at(-1)!.data.summary.nodes);
    const again = await client.post(`/api/runs/${runId}/resume`);
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('conflict');
  });
});

describe('runs of one flow', () => {
  it('refuses a second run while one is active with 409 run_active naming the active run', async () => {
    orders.close();
    const first = await startRun();
    await orders.reached;
    const second = await client.post(`/api/flows/${flowId}/runs`, {});
    expect(second.status).toBe(409);
    expect(second.json.error).toMatchObject({ code: 'run_active', details: [{ path: 'runId', message: first }] });
    expect((await client.get(`/api/flows/${flowId}`)).json.activeRunId).toBe(first);
    const removal = await client.delete(`/api/flows/${flowId}`);
    expect(removal.status).toBe(409);
    expect(removal.json.error.message).toContain(first);
    orders.open();
    const events = await client.runEvents(first);
    expect(events.at(-2)!.data.status).toBe('succeeded');
    expect((await client.get(`/api/flows/${flowId}`)).json.activeRunId).toBeUndefined();
    expect((await client.get(`/api/runs?flowId=${flowId}`)).json[0].runId).toBe(first);
  });

  it('writes nothing on a dry run', async () => {
    const root = path.join(server.baseDir, 'backups');
    const before = await filesUnder(root);
    const runId = await startRun({ dryRun: true });
    const events = await client.runEvents(runId);
    const { summary } = events.at(-1)!.data;
    expect(summary).toMatchObject({ status: 'succeeded', dryRun: true });
    expect(summary.nodes.orders.read).toBe(source.rows);
    // The destination wrote nothing: what it would have written is counted as such, and still reconciles.
    expect(summary.nodes.archive).toEqual({
      read: source.rows,
      written: 0,
      wouldWrite: source.rows,
      rejected: 0,
      filtered: 0,
      files: 0,
    });
    expect(summary.nodes['as-csv']).toEqual({
      read: source.rows,
      written: source.rows,
      rejected: 0,
      filtered: 0,
      files: 4,
    });
    expect(summary.outputs.archive).toMatch(new RegExp(`^backups/warehouse-backup/\\d{4}-\\d{2}-\\d{2}-${runId}$`));
    expect(await filesUnder(root)).toEqual(before);
    expect(before.some((file) => file.includes(runId))).toBe(false);
    expect((await client.get(`/api/runs/${runId}`)).json).toMatchObject({ dryRun: true, status: 'succeeded' });
  });

  // No gate here: the source reads as fast as it can, and the cancel races it as a person's would.
  it.each([
    ['pushed down (DuckDB writes each part with COPY)', (flow: Flow) => flow],
    ['row by row (pushdown off)', rowPath],
  ])('stops at the next batch when cancelled after the first checkpoint, %s', async (_path, shape) => {
    const flow = shape(await exampleFlow('warehouse-backup'));
    delete flow.schedule;
    const started = await client.post('/api/runs', { flow: { ...flow, name: `${flow.name}-cancelled` } });
    expect(started.status).toBe(202);
    const { runId } = started.json;
    let cancelledAt: number | undefined;
    let summary: any;
    for await (const event of client.events(`/api/runs/${runId}/events`)) {
      if (event.event === 'log' && cancelledAt === undefined && event.data.message.startsWith('checkpoint after')) {
        cancelledAt = Number(/(\d+) records read/.exec(event.data.message)![1]);
        expect((await client.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
      }
      if (event.event === 'summary') summary = event.data.summary;
    }
    expect(cancelledAt).toBe(50_000);
    expect(summary.status).toBe('cancelled');
    // The first part (50,000 rows) was checkpointed; the cancel stops the read at the next batch, far from the end.
    expect(summary.nodes.orders.read).toBeGreaterThanOrEqual(50_000);
    expect(summary.nodes.orders.read).toBeLessThanOrEqual(100_000);
    expect(summary.nodes.archive.written).toBeLessThanOrEqual(100_000);
  });

  it('cancels a run and resumes it under the same id to an exact backup', async () => {
    // Held after its first batch: the cancel lands mid-run, with one part checkpointed.
    orders.close(1);
    const runId = await startRun();
    const statuses: string[] = [];
    for await (const event of client.events(`/api/runs/${runId}/events`)) {
      if (event.event === 'status') statuses.push(event.data.status);
      if (event.event === 'log' && event.data.message.startsWith('checkpoint after batch 1:')) {
        await orders.reached;
        expect((await client.post(`/api/runs/${runId}/cancel`)).status).toBe(202);
        orders.open();
      }
    }
    expect(statuses).toEqual(['running', 'cancelled']);
    const cancelled = (await client.get(`/api/runs/${runId}`)).json;
    expect(cancelled).toMatchObject({ status: 'cancelled', attempts: 1, error: { code: 'cancelled' } });
    expect(cancelled.nodes.archive.written).toBeGreaterThanOrEqual(50_000);
    expect(cancelled.nodes.archive.written).toBeLessThan(source.rows as number);
    const dir = await backupOf(runId);
    expect(await filesUnder(dir)).not.toContain('_manifest.json');
    expect((await client.post(`/api/runs/${runId}/cancel`)).status).toBe(409);

    const resumed = await client.post(`/api/runs/${runId}/resume`);
    expect(resumed.status).toBe(202);
    expect(resumed.json).toEqual({ runId });
    const events = await client.runEvents(runId);
    expect(events.at(-1)!.data.summary).toMatchObject({ runId, status: 'succeeded', resumed: true });
    const run = (await client.get(`/api/runs/${runId}`)).json;
    expect(run).toMatchObject({ status: 'succeeded', attempts: 2, resumed: true });
    expect(run.nodes.archive.written).toBe(source.rows);

    const manifest = JSON.parse(await readFile(path.join(dir, '_manifest.json'), 'utf8')) as Manifest;
    expect(manifest.rows).toBe(source.rows);
    expect(manifest.files.map((f) => f.name)).toEqual([1, 2, 3, 4].map((n) => `orders/part-0000${n}.csv.gz`));
    // Every order exactly once: as many rows as distinct ids as the source has.
    const [written] = await query(ordersSummary(`read_csv(${sqlString(path.join(dir, 'orders/*.csv.gz'))})`));
    expect(written).toEqual(source);
  });
});

describe('the list of flows', () => {
  it('gives each flow its latest run, and none to a flow that never ran', async () => {
    const copy = await client.post('/api/flows', {
      name: 'customers-copy',
      nodes: [
        { id: 'customers', type: 'duckdb.source', config: { path: 'demo/warehouse.duckdb', table: 'customers' } },
        { id: 'as-json', type: 'json.format', config: {} },
        { id: 'copy', type: 'files.destination', config: { dir: 'copies/{runId}' } },
      ],
      edges: [
        { from: 'customers', to: 'as-json' },
        { from: 'as-json', to: 'copy' },
      ],
    });
    const never = await client.post('/api/flows?draft=true', { name: 'never-run', nodes: [], edges: [] });
    const runIds: string[] = [];
    for (const dryRun of [false, true]) {
      const { runId } = (await client.post(`/api/flows/${copy.json.id}/runs`, { dryRun })).json;
      await client.runEvents(runId);
      runIds.push(runId);
    }
    const latest = (await client.get(`/api/runs/${runIds[1]}`)).json;
    // The backup flow's latest run: whichever test of this file ran it last (none when run alone).
    const backup = (await client.get(`/api/runs?flowId=${flowId}&limit=1`)).json[0];
    const list = (await client.get('/api/flows')).json as { name: string; lastRun?: unknown }[];
    expect(list.map((flow) => [flow.name, flow.lastRun])).toEqual([
      [
        'customers-copy',
        {
          runId: runIds[1],
          status: 'succeeded',
          dryRun: true,
          startedAt: latest.startedAt,
          finishedAt: latest.finishedAt,
        },
      ],
      ['never-run', undefined],
      [
        'warehouse-backup',
        backup && {
          runId: backup.runId,
          status: backup.status,
          dryRun: backup.dryRun,
          startedAt: backup.startedAt,
          finishedAt: backup.finishedAt,
        },
      ],
    ]);
    for (const id of [copy.json.id, never.json.id]) expect((await client.delete(`/api/flows/${id}`)).status).toBe(204);
  });
});

describe('rejected records', () => {
  const csv = [
    'id,name,score',
    '1,Ada,10',
    '2,"O\'Brien, ""Bob""",20',
    '3,Zoë,abc',
    '4,too,many,fields',
    '5,short',
    '6,"multi',
    'line",30',
    '7,日本,40',
    '8,,50',
    '',
  ].join('\n');
  const flow: Flow = {
    name: 'people-import',
    nodes: [
      { id: 'file', type: 'files.source', config: { path: 'input/people.csv' } },
      { id: 'parse', type: 'csv.parse', config: { header: true } },
      {
        id: 'check',
        type: 'schema.validate',
        config: {
          schema: {
            type: 'object',
            required: ['id', 'name', 'score'],
            properties: { name: { type: 'string', minLength: 1 }, score: { type: 'string', pattern: '^[0-9]+$' } },
          },
        },
      },
      { id: 'valid-json', type: 'json.format', config: {} },
      { id: 'valid-out', type: 'files.destination', config: { dir: 'out/valid/{runId}' } },
      { id: 'rejects-json', type: 'json.format', config: {} },
      { id: 'rejects-out', type: 'files.destination', config: { dir: 'out/rejected/{runId}' } },
    ],
    edges: [
      { from: 'file', to: 'parse' },
      { from: 'parse:records', to: 'check' },
      { from: 'check:valid', to: 'valid-json' },
      { from: 'valid-json', to: 'valid-out' },
      { from: 'parse:rejected', to: 'rejects-json' },
      { from: 'check:rejected', to: 'rejects-json' },
      { from: 'rejects-json', to: 'rejects-out' },
    ],
  };

  /** Runs people-import once for the tests of this group: its run id and summary. */
  let imported: Promise<{ runId: string; summary: any }> | undefined;
  const runImport = () => {
    imported ??= (async () => {
      await mkdir(path.join(server.baseDir, 'input'), { recursive: true });
      await writeFile(path.join(server.baseDir, 'input/people.csv'), csv);
      const started = await client.post('/api/runs', { flow });
      expect(started.status).toBe(202);
      const { runId } = started.json;
      return { runId, summary: (await client.runEvents(runId)).at(-1)!.data.summary };
    })();
    return imported;
  };

  it('stream as NDJSON with reasons and line numbers, as many as the summary rejected', async () => {
    const { runId, summary } = await runImport();
    expect(summary.status).toBe('succeeded');
    const rejectedCount = Object.values(summary.nodes as Record<string, { rejected: number }>).reduce(
      (sum, counts) => sum + counts.rejected,
      0,
    );
    expect(rejectedCount).toBe(4);

    const response = await client.get(`/api/runs/${runId}/rejected`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/x-ndjson');
    expect(response.text.endsWith('\n')).toBe(true);
    const lines = response.text
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines).toHaveLength(rejectedCount);
    for (const line of lines) {
      expect(line.reasons.length).toBeGreaterThan(0);
      expect(line.file).toBe('people.csv');
    }
    // A line that did not parse has no record: its text as it stood in the file says what was wrong.
    expect(lines.map((l) => [l.nodeId, l.line, l.record, l.raw])).toEqual([
      ['parse', 5, null, '4,too,many,fields'],
      ['parse', 6, null, '5,short'],
      ['check', 4, { id: '3', name: 'Zoë', score: 'abc' }, undefined],
      ['check', 10, { id: '8', name: null, score: '50' }, undefined],
    ]);
    expect(lines[0].reasons).toEqual(['people.csv: line 5: expected 3 fields, found 4']);
    expect(lines[2].reasons).toEqual(['people.csv:4: /score must match pattern "^[0-9]+$"']);

    // The valid rows, quotes, newline and unicode intact, landed in order.
    const validDir = path.join(server.baseDir, 'out/valid', runId);
    const parts = (await filesUnder(validDir)).filter((name) => name !== '_manifest.json');
    expect(parts).toHaveLength(1);
    const written = (await readFile(path.join(validDir, parts[0]!), 'utf8'))
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(written).toEqual([
      { id: '1', name: 'Ada', score: '10' },
      { id: '2', name: 'O\'Brien, "Bob"', score: '20' },
      { id: '6', name: 'multi\nline', score: '30' },
      { id: '7', name: '日本', score: '40' },
    ]);
  });
  it('download as CSV: a header, then one row per reject with its reasons, record as JSON and raw text', async () => {
    const { runId } = await runImport();
    const response = await client.get(`/api/runs/${runId}/rejected?format=csv`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const [header, ...rows] = response.text.split('\n');
    expect(header).toBe('nodeId,at,file,line,reasons,record,raw');
    // Each row without its `at` column (the time the reject was stored).
    expect(rows.map((row) => row.replace(/^(\w+),[^,]+,/, '$1,'))).toEqual([
      'parse,people.csv,5,"people.csv: line 5: expected 3 fields, found 4",,"4,too,many,fields"',
      'parse,people.csv,6,"people.csv: line 6: expected 3 fields, found 2",,"5,short"',
      'check,people.csv,4,"people.csv:4: /score must match pattern ""^[0-9]+$""","{""id"":""3"",""name"":""Zoë"",""score"":""abc""}",',
      'check,people.csv,10,people.csv:10: /name must be string,"{""id"":""8"",""name"":null,""score"":""50""}",',
      '',
    ]);
    const refused = await client.get(`/api/runs/${runId}/rejected?format=xml`);
    expect(refused.status).toBe(400);
    expect(refused.json.error.details).toEqual([{ path: 'format', message: 'must be one of: "ndjson", "csv"' }]);
  });
});

/** The flow with pushdown off (`settings.pushdown: false`), so rows cross JavaScript. */
function rowPath(flow: Flow): Flow {
  return { ...flow, settings: { ...flow.settings, pushdown: false } };
}
