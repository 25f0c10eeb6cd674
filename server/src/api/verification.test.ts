/**
 * A destination's verification report travels from the engine to the run summary, the store, the
 * API (`GET /api/runs/:id`, the final `summary` event) and the CLI's plain output, and a mismatch
 * fails the run at the node before anything is published.
 */
import type { Flow } from '@backflow/flow-model';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { printSummary } from '../cli/run-summary.ts';
import { createCatalog } from '../nodes/registry.ts';
import type { RunSummary } from '../service/flow-runner.ts';
import { ApiClient, startTestServer, type TestServer } from '../testing/api-server.ts';
import { memoryDestination, memorySource, memoryTables } from '../testing/memory-nodes.ts';

const catalog = createCatalog([memorySource, memoryDestination]);
let server: TestServer;
let api: ApiClient;

beforeEach(async () => {
  memoryTables.clear();
  server = await startTestServer({ catalog });
  api = new ApiClient(server.url);
});
afterEach(async () => {
  vi.restoreAllMocks();
  await server.close();
});

function verifiedFlow(name: string, verify: Record<string, unknown>): Flow {
  return {
    name,
    settings: { batchSize: 3 },
    nodes: [
      { id: 'src', type: 'memory.source', config: { rows: 9, rejectEvery: 4 } },
      { id: 'warehouse', type: 'memory.destination', config: { name, verify } },
    ],
    edges: [{ from: 'src', to: 'warehouse' }],
  };
}

/** Runs the flow on the server and returns the final summary event and the stored run. */
async function runToEnd(flow: Flow): Promise<{ summary: RunSummary; view: any }> {
  const started = await api.request('POST', '/api/runs', { flow });
  expect(started.status).toBe(202);
  let summary: RunSummary | undefined;
  for await (const event of api.events(`/api/runs/${started.json.runId}/events`)) {
    if (event.event === 'summary') summary = event.data.summary;
  }
  const view = await api.get(`/api/runs/${started.json.runId}`);
  expect(view.status).toBe(200);
  return { summary: summary!, view: view.json };
}

/** What printSummary printed: lines logged and tables drawn, in order. */
function printed(summary: RunSummary): unknown[] {
  const out: unknown[] = [];
  vi.spyOn(console, 'log').mockImplementation((line: unknown) => out.push(line));
  vi.spyOn(console, 'error').mockImplementation((line: unknown) => out.push(line));
  vi.spyOn(console, 'table').mockImplementation((rows: unknown) => out.push(rows));
  printSummary(summary);
  vi.restoreAllMocks();
  return out;
}

describe('the verification report of a run', () => {
  it('is in the summary event, GET /api/runs/:id and the CLI table when every table matches', async () => {
    const { summary, view } = await runToEnd(verifiedFlow('matching', {}));
    expect(view.status).toBe('succeeded');
    const [stream] = view.verification.warehouse;
    expect(stream).toMatchObject({
      stream: 'rows',
      target: 'matching.rows',
      source: 9,
      loaded: 7,
      rejected: 2,
      missing: 0,
      ok: true,
    });
    expect(stream.checksum.source).toMatch(/^[0-9a-f]{16}$/);
    expect(stream.checksum.destination).toBe(stream.checksum.source);
    expect(summary.verification).toEqual(view.verification);
    expect(printed(view)).toContainEqual([
      { table: 'matching.rows', source: 9, loaded: 7, rejected: 2, missing: 0, checksum: 'ok' },
    ]);
  });

  it('fails the run at the node with verification_failed, publishes nothing, and shows MISMATCH with the key', async () => {
    const { view } = await runToEnd(verifiedFlow('broken', { corrupt: 5 }));
    expect(view.status).toBe('failed');
    expect(view.error).toMatchObject({ code: 'verification_failed', nodeId: 'warehouse' });
    expect(view.error.message).toContain('broken.rows differs from what it received at id=5');
    expect(view.verification.warehouse[0]).toMatchObject({
      ok: false,
      firstDifference: { key: 'id=5', message: 'name differs' },
    });
    expect(memoryTables.get('broken')!.committed).toBe(false);
    const out = printed(view);
    expect(out).toContain('verification of warehouse:');
    expect(out).toContainEqual([
      {
        table: 'broken.rows',
        source: 9,
        loaded: 7,
        rejected: 2,
        missing: 0,
        checksum: 'MISMATCH (first differing key id=5)',
      },
    ]);
  });
});
