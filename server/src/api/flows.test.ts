import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateFlow } from '../service/flow-runner.ts';
import {
  ApiClient,
  exampleFlow,
  filesUnder,
  query,
  startTestServer,
  type TestServer,
  watchUnhandledRejections,
} from '../testing/api-server.ts';

let server: TestServer;
let client: ApiClient;
// Every unhandled rejection is recorded, so a test can assert there was none.
const unhandled = watchUnhandledRejections();

beforeAll(async () => {
  server = await startTestServer();
  client = new ApiClient(server.url);
});

afterAll(async () => {
  await server?.close();
  unhandled.stop();
});

const day = 24 * 60 * 60 * 1000;

// One flow's life, step by step: each test builds on the one before, so they never run shuffled.
describe('saving flows', { shuffle: false }, () => {
  let saved: Flow;
  let flowId: string;
  let second: Flow;

  it('creates a flow from examples/warehouse-backup.json as version 1 with the next runs of its cron', async () => {
    saved = await exampleFlow('warehouse-backup');
    const before = Date.now();
    const response = await client.post('/api/flows', saved);
    expect(response.status).toBe(201);
    const flow = response.json;
    flowId = flow.id;
    expect(flow).toMatchObject({ name: 'warehouse-backup', version: 1, document: saved, issues: [] });
    expect(flow.id).toMatch(/^fl_[0-9a-f]{12}$/);
    expect(flow.createdAt).toBe(flow.updatedAt);
    expect(flow.activeRunId).toBeUndefined();
    // "0 2 * * *" in UTC: five consecutive days at 02:00, the first within a day.
    const nextRuns = (flow.nextRuns as string[]).map((at) => Date.parse(at));
    expect(flow.nextRuns).toHaveLength(5);
    for (const at of flow.nextRuns as string[]) expect(at).toMatch(/T02:00:00\.000Z$/);
    expect(nextRuns[0]).toBeGreaterThan(before);
    expect(nextRuns[0]! - before).toBeLessThanOrEqual(day);
    for (let i = 1; i < 5; i++) expect(nextRuns[i]! - nextRuns[i - 1]!).toBe(day);
  });

  it('gets and lists the saved flow', async () => {
    const one = await client.get(`/api/flows/${flowId}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ id: flowId, name: 'warehouse-backup', version: 1, document: saved });
    expect(one.json.nextRuns).toHaveLength(5);
    const list = await client.get('/api/flows');
    expect(list.status).toBe(200);
    expect(list.json).toEqual([one.json]);
  });

  it('saves an update as version 2, exactly as sent', async () => {
    // No description, no time zone, a csv.format without gzip: any default filled in would show.
    const { description: _description, ...withoutDescription } = saved;
    second = {
      ...withoutDescription,
      schedule: { cron: '30 4 * * 1' },
      nodes: saved.nodes.map((node) => (node.id === 'as-csv' ? { ...node, config: { rowsPerFile: 1000 } } : node)),
    };
    const response = await client.put(`/api/flows/${flowId}`, second);
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ id: flowId, version: 2, document: second, issues: [] });
    expect(response.json.document).toEqual(second);
    expect(response.json.nextRuns).toHaveLength(5);
    for (const at of response.json.nextRuns as string[]) {
      expect(new Date(at).getUTCDay()).toBe(1);
      expect(at).toMatch(/T04:30:00\.000Z$/);
    }
  });

  it('keeps every version, newest first, each the document as saved', async () => {
    const response = await client.get(`/api/flows/${flowId}/versions`);
    expect(response.status).toBe(200);
    const versions = response.json as { version: number; savedAt: string; document: unknown }[];
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(versions[0]!.document).toStrictEqual(second);
    expect(versions[1]!.document).toStrictEqual(saved);
    expect(Date.parse(versions[0]!.savedAt)).toBeGreaterThanOrEqual(Date.parse(versions[1]!.savedAt));
  });

  it('exports the current document as an attachment, identical to what was saved', async () => {
    const response = await client.get(`/api/flows/${flowId}/export`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="warehouse-backup.json"');
    expect(response.json).toStrictEqual(second);
  });

  it('refuses a second flow with a taken name, naming the field', async () => {
    const response = await client.post('/api/flows', { ...saved, description: 'a copy' });
    expect(response.status).toBe(409);
    expect(response.json.error).toMatchObject({ code: 'conflict', details: [{ path: 'name', message: 'is taken' }] });
    const other = await client.post('/api/flows', { ...saved, name: 'warehouse-backup-2' });
    expect(other.status).toBe(201);
    const rename = await client.put(`/api/flows/${other.json.id}`, { ...saved, name: 'warehouse-backup' });
    expect(rename.status).toBe(409);
    expect(rename.json.error.details).toEqual([{ path: 'name', message: 'is taken' }]);
    expect((await client.get(`/api/flows/${other.json.id}`)).json.version).toBe(1);
    expect((await client.delete(`/api/flows/${other.json.id}`)).status).toBe(204);
  });

  it('deletes a flow with its versions: 204, then 404', async () => {
    const response = await client.delete(`/api/flows/${flowId}`);
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    for (const route of [`/api/flows/${flowId}`, `/api/flows/${flowId}/versions`, `/api/flows/${flowId}/export`]) {
      const gone = await client.get(route);
      expect(gone.status, route).toBe(404);
      expect(gone.json.error.code).toBe('not_found');
    }
    expect((await client.delete(`/api/flows/${flowId}`)).status).toBe(404);
    expect((await client.get('/api/flows')).json).toEqual([]);
    // The name is free again.
    const again = await client.post('/api/flows', saved);
    expect(again.status).toBe(201);
    expect(again.json.version).toBe(1);
    expect((await client.delete(`/api/flows/${again.json.id}`)).status).toBe(204);
  });
});

describe('invalid flows', () => {
  const withRowsPerFile = async (rowsPerFile: unknown) => {
    const flow = await exampleFlow('warehouse-backup');
    flow.name = 'invalid-backup';
    flow.nodes[1]!.config = { rowsPerFile, gzip: true };
    return flow;
  };

  it('are refused with 400 flow_invalid naming the node path', async () => {
    const flowsBefore = (await client.get('/api/flows')).json;
    const response = await client.post('/api/flows', await withRowsPerFile(0));
    expect(response.status).toBe(400);
    expect(response.json.error.code).toBe('flow_invalid');
    expect(response.json.error.details).toEqual([
      { path: 'nodes[1].config.rowsPerFile', message: 'must be >= 1', nodeId: 'as-csv' },
    ]);
    expect((await client.get('/api/flows')).json).toEqual(flowsBefore);
  });

  it('are saved as drafts with ?draft=true, with their issues', async () => {
    const draft = await withRowsPerFile('many');
    const response = await client.post('/api/flows?draft=true', draft);
    expect(response.status).toBe(201);
    expect(response.json.document).toStrictEqual(draft);
    expect(response.json.issues).toEqual([
      { path: 'nodes[1].config.rowsPerFile', message: 'must be integer', nodeId: 'as-csv' },
    ]);
    // Fixing the draft without ?draft saves version 2 with no issues.
    const fixed = await client.put(`/api/flows/${response.json.id}`, await withRowsPerFile(500));
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({ version: 2, issues: [] });
    // Breaking it again without ?draft is refused and keeps version 2.
    const broken = await client.put(`/api/flows/${response.json.id}`, await withRowsPerFile(-1));
    expect(broken.status).toBe(400);
    expect(broken.json.error.details[0].path).toBe('nodes[1].config.rowsPerFile');
    expect((await client.get(`/api/flows/${response.json.id}`)).json.version).toBe(2);
    expect((await client.delete(`/api/flows/${response.json.id}`)).status).toBe(204);
  });

  it('get the same issues from POST /api/flows/validate as from backflow validate', async () => {
    const valid = await exampleFlow('warehouse-backup');
    const unknownType = await exampleFlow('warehouse-backup');
    unknownType.nodes[2]!.type = 'ftp.destination';
    const wrongPort = await exampleFlow('warehouse-backup');
    wrongPort.edges[1] = { from: 'as-csv:nope', to: 'archive' };
    const cycle = await exampleFlow('csv-to-duckdb');
    cycle.edges.push({ from: 'typed:records', to: 'check' });
    const noEdges = { name: 'no-edges', nodes: [{ id: 'a', type: 'csv.parse' }] };
    const documents = [valid, await withRowsPerFile(0), unknownType, wrongPort, cycle, noEdges];
    for (const document of documents) {
      const expected = validateFlow(document).issues;
      const response = await client.post('/api/flows/validate', document);
      expect(response.status).toBe(200);
      expect(response.json).toEqual({ valid: expected.length === 0, issues: expected });
    }
    // The comparison is not vacuous: every document but the first has issues.
    expect(documents.map((d) => validateFlow(d).issues.length > 0)).toEqual([false, true, true, true, true, true]);
  });

  it('report an invalid cron at schedule.cron', async () => {
    const flow = await exampleFlow('warehouse-backup');
    flow.name = 'invalid-cron-backup';
    flow.schedule = { cron: '61 2 * * *' };
    const checked = await client.post('/api/flows/validate', flow);
    expect(checked.json.valid).toBe(false);
    expect(checked.json.issues.map((i: { path: string }) => i.path)).toEqual(['schedule.cron']);
    const saved = await client.post('/api/flows', flow);
    expect(saved.status).toBe(400);
    expect(saved.json.error.details.map((d: { path: string }) => d.path)).toEqual(['schedule.cron']);
    // A draft with a broken cron is saved but not scheduled.
    const draft = await client.post('/api/flows?draft=true', flow);
    expect(draft.status).toBe(201);
    expect(draft.json.nextRuns).toEqual([]);
    expect((await client.delete(`/api/flows/${draft.json.id}`)).status).toBe(204);
  });
});

describe('POST /api/flows/:id/preview', () => {
  let flowId: string;

  beforeAll(async () => {
    const flow = await exampleFlow('warehouse-backup');
    delete flow.schedule;
    flow.name = 'preview-backup';
    // Parts of 1,000 rows (the example's are 50,000) keep each preview quick: a preview writes its
    // first parts all the same, and stops the run there.
    flow.nodes[1]!.config = { rowsPerFile: 1000, gzip: true };
    flowId = (await client.post('/api/flows', flow)).json.id;
  });

  afterAll(async () => {
    await client.delete(`/api/flows/${flowId}`);
  });

  it('lists the file names a csv.format node would write', async () => {
    const response = await client.post(`/api/flows/${flowId}/preview`, { nodeId: 'as-csv', limit: 2 });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ nodeId: 'as-csv', port: 'files', kind: 'files' });
    const files = response.json.files as { name: string; stream: string; rows: number; bytes: number }[];
    expect(files.map((f) => [f.name, f.stream, f.rows])).toEqual([
      ['orders/part-00001.csv.gz', 'orders', 1000],
      ['orders/part-00002.csv.gz', 'orders', 1000],
    ]);
    for (const file of files) expect(file.bytes).toBeGreaterThan(0);
  });

  it('writes nothing and records no run', async () => {
    const runsBefore = (await client.get('/api/runs')).json;
    for (const nodeId of ['as-csv', 'archive']) {
      const response = await client.post(`/api/flows/${flowId}/preview`, { nodeId, limit: 1 });
      expect(response.status, nodeId).toBe(200);
      expect(response.json.files.map((f: { name: string }) => f.name)).toEqual(['orders/part-00001.csv.gz']);
    }
    expect(await filesUnder(path.join(server.baseDir, 'backups'))).toEqual([]);
    expect(await filesUnder(path.join(server.dataDir, 'tmp'))).toEqual([]);
    expect((await client.get('/api/runs')).json).toEqual(runsBefore);
    expect(runsBefore).toEqual([]);
  });

  it('previews a document that was never saved, and saves nothing', async () => {
    const flow = await exampleFlow('warehouse-backup');
    flow.name = 'never-saved';
    flow.nodes[1]!.config = { rowsPerFile: 1000, gzip: true };
    const flowsBefore = (await client.get('/api/flows')).json.length;
    const response = await client.post('/api/preview', { flow, nodeId: 'as-csv', limit: 1 });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ kind: 'files', truncated: true });
    expect(response.json.files.map((f: { name: string }) => f.name)).toEqual(['orders/part-00001.csv.gz']);
    expect((await client.get('/api/flows')).json).toHaveLength(flowsBefore);
    const missing = await client.post('/api/preview', { nodeId: 'as-csv' });
    expect(missing.status).toBe(400);
    expect(missing.json.error.details).toEqual([{ path: 'flow', message: 'required' }]);
  });

  it('needs only the node and what feeds it to be valid; an issue upstream names its node and place', async () => {
    const flow = await exampleFlow('warehouse-backup');
    flow.name = 'half-built';
    // An unfinished filter beside the backup, fed by the same source, and an archive with no dir.
    flow.nodes.push({ id: 'big-ones', type: 'filter', config: {} });
    flow.edges.push({ from: 'orders', to: 'big-ones' });
    flow.nodes[1]!.config = { rowsPerFile: 1000, gzip: true };
    flow.nodes[2]!.config = {};
    const source = await client.post('/api/preview', { flow, nodeId: 'orders', limit: 2 });
    expect(source.status).toBe(200);
    expect(source.json.records).toHaveLength(2);
    const files = await client.post('/api/preview', { flow, nodeId: 'as-csv', limit: 1 });
    expect(files.status).toBe(200);
    // The destination receives what as-csv makes: its own missing dir does not matter to a preview.
    const destination = await client.post('/api/preview', { flow, nodeId: 'archive', limit: 1 });
    expect(destination.status).toBe(200);
    expect(destination.json.files.map((f: { name: string }) => f.name)).toEqual(['orders/part-00001.csv.gz']);
    const filter = await client.post('/api/preview', { flow, nodeId: 'big-ones', limit: 1 });
    expect(filter.status).toBe(400);
    // Its path is its place in the whole document (the preview ran a part of it).
    expect(filter.json.error.message).toBe('flow is invalid:\n  big-ones: give at least one of expression or where');
    expect(filter.json.error.details).toEqual([
      { path: 'nodes[3].config', message: 'give at least one of expression or where', nodeId: 'big-ones' },
    ]);
  });

  it('refuses an unknown node id with 400 at path nodeId', async () => {
    const response = await client.post(`/api/flows/${flowId}/preview`, { nodeId: 'nope', limit: 5 });
    expect(response.status).toBe(400);
    expect(response.json.error.details).toEqual([{ path: 'nodeId', message: 'no such node' }]);
  });

  // A stopped run's prefetched batch rejects while nobody awaits it: unobserved, that would kill
  // `backflow serve` (Node's default --unhandled-rejections=throw).
  it('leaves no unhandled promise rejection when a preview of a files node stops the run', async () => {
    const before = unhandled.rejections.length;
    for (let i = 0; i < 8; i++) {
      const response = await client.post(`/api/flows/${flowId}/preview`, { nodeId: 'as-csv', limit: 1 });
      expect(response.status).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(unhandled.rejections.slice(before)).toEqual([]);
  }, 120_000);

  describe('of a records node', () => {
    let sample: { status: number; json: any };
    let expected: Record<string, unknown>[];

    beforeAll(async () => {
      const warehouse = path.join(server.baseDir, 'demo/warehouse.duckdb');
      expected = await query('select * from orders order by order_id limit 5', warehouse);
      sample = await client.post(`/api/flows/${flowId}/preview`, { nodeId: 'orders', limit: 5 });
    });

    it('samples exactly limit records with the columns of orders', () => {
      expect(sample.status).toBe(200);
      expect(sample.json).toMatchObject({ nodeId: 'orders', port: 'records', kind: 'records' });
      const records = sample.json.records as Record<string, unknown>[];
      expect(records).toHaveLength(5);
      expect(records.map((r) => Object.keys(r))).toEqual(expected.map((r) => Object.keys(r)));
      expect(Object.keys(records[0]!)).toEqual([
        'order_id',
        'customer_id',
        'ordered_at',
        'status',
        'amount',
        'currency',
        'items',
      ]);
      expect(records.map((r) => String(r.order_id))).toEqual(['1', '2', '3', '4', '5']);
      for (const [i, record] of records.entries()) {
        for (const column of ['customer_id', 'status', 'amount', 'currency', 'items']) {
          expect(String(record[column]), column).toBe(String(expected[i]![column]));
        }
      }
    });

    it('says truncated when the node has more records than the limit', () => {
      expect(sample.json.records).toHaveLength(5);
      expect(sample.json.truncated).toBe(true);
    });
  });
});
