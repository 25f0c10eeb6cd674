import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeType, SourceBatch } from '../nodes/contract.ts';
import { createCatalog } from '../nodes/registry.ts';
import { Redactor } from '../secrets/redactor.ts';
import { StateStore } from '../store/state-store.ts';
import { memoryDestination, memoryTables } from '../testing/memory-nodes.ts';
import { RunActiveError, type RunEvent, RunService } from './run-service.ts';

/** Releases the batches of gated sources one by one, so a test decides when a run may go on. */
const gates = new Map<string, { open: () => void; opened: Promise<void> }>();

function gate(name: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  gates.set(name, { open, opened });
}

/** Ten rows a batch; after the first batch it waits for its gate before each next one. */
const gatedSource: NodeType<{ gate: string; batches: number }> = {
  type: 'gated.source',
  role: 'source',
  title: 'Gated source',
  description: 'Batches of 10 rows, held at a gate',
  config: { type: 'object', required: ['gate', 'batches'] },
  inputs: [],
  outputs: [{ name: 'records', kind: 'records' }],
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    const start = typeof ctx.resumeCursor === 'number' ? ctx.resumeCursor + 1 : 0;
    for (let batch = start; batch < config.batches; batch++) {
      if (batch > start) await gates.get(config.gate)?.opened;
      const records = Array.from({ length: 10 }, (_, i) => ({ id: batch * 10 + i }));
      yield { kind: 'records', stream: 'rows', records, cursor: batch };
    }
  },
};

const catalog = createCatalog([gatedSource, memoryDestination]);

function flow(name: string, batches = 3) {
  return {
    name,
    settings: { checkpointIntervalMs: 0 },
    nodes: [
      { id: 'rows', type: 'gated.source', config: { gate: name, batches } },
      { id: 'out', type: 'memory.destination', config: { name } },
    ],
    edges: [{ from: 'rows', to: 'out' }],
  };
}

let dataDir: string;
let store: StateStore;
let service: RunService;

function createService(maxConcurrentRuns = 4) {
  return new RunService({
    store,
    catalog,
    dataDir,
    baseDir: dataDir,
    redactor: new Redactor(),
    connections: async () => new Map(),
    maxConcurrentRuns,
    statsIntervalMs: 20,
  });
}

beforeEach(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'backflow-runs-'));
  store = await StateStore.open(dataDir);
  memoryTables.clear();
  gates.clear();
});

afterEach(async () => {
  for (const { open } of gates.values()) open();
  await service?.shutdown();
  await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A run of flow `a` as a process that died mid-run leaves it in the store: `running`. */
function leftRunning(id: string, options: { dryRun?: boolean } = {}) {
  return store.createRun({
    id,
    flowName: 'a',
    flow: flow('a'),
    dryRun: options.dryRun ?? false,
    startedAt: '2026-01-01T00:00:00Z',
  });
}

async function statusOf(runId: string) {
  await service.settled(runId);
  return (await store.getRun(runId))?.status;
}

describe('RunService', () => {
  it('queues runs beyond the concurrency limit and starts them as slots free up', async () => {
    service = createService(1);
    gate('a');
    gate('b');
    const a = await service.start({ document: flow('a') });
    const b = await service.start({ document: flow('b') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(service.live(a.runId)?.status).toBe('running');
    expect(service.live(b.runId)?.status).toBe('queued');
    expect((await store.getRun(b.runId))?.status).toBe('queued');
    gates.get('a')!.open();
    gates.get('b')!.open();
    expect(await statusOf(a.runId)).toBe('succeeded');
    expect(await statusOf(b.runId)).toBe('succeeded');
    expect(memoryTables.get('a')!.records.map((r) => r.id)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(memoryTables.get('b')!.records).toHaveLength(30);
    expect((await store.getRun(b.runId))?.attempts).toBe(1);
  });

  it('refuses a second run of a flow that has an active one, naming the active run', async () => {
    service = createService();
    gate('a');
    const first = await service.start({ document: flow('a') });
    const second = service.start({ document: flow('a') });
    await expect(second).rejects.toBeInstanceOf(RunActiveError);
    await expect(second).rejects.toMatchObject({ runId: first.runId, code: 'run_active' });
    gates.get('a')!.open();
    expect(await statusOf(first.runId)).toBe('succeeded');
  });

  it('streams status, counts and log events, ending with the summary', async () => {
    service = createService();
    gate('a');
    const { runId } = await service.start({ document: flow('a') });
    const events: RunEvent[] = [];
    service.subscribe(runId, (event) => events.push(event));
    await new Promise((resolve) => setTimeout(resolve, 60));
    gates.get('a')!.open();
    await service.settled(runId);
    const types = events.map((e) => e.type);
    expect(types).toContain('stats');
    expect(types).toContain('log');
    expect(types.at(-1)).toBe('summary');
    const last = events.at(-1) as Extract<RunEvent, { type: 'summary' }>;
    expect(last.summary.nodes.out).toMatchObject({ read: 30, written: 30 });
    const counts = events.filter((e) => e.type === 'stats').map((e) => e.nodes.rows?.read ?? 0);
    expect(counts).toEqual([...counts].sort((x, y) => x - y));
  });

  it('cancels a running run and resumes it under the same id without loss or duplicates', async () => {
    service = createService();
    gate('a');
    const { runId } = await service.start({ document: flow('a', 5) });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(service.cancel(runId)).toBe(true);
    gates.get('a')!.open();
    expect(await statusOf(runId)).toBe('cancelled');
    await service.resume(runId);
    expect(await statusOf(runId)).toBe('succeeded');
    const ids = memoryTables.get('a')!.records.map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((await store.getRun(runId))?.attempts).toBe(2);
  });

  it('marks runs a dead server left running as interrupted and resumes them', async () => {
    await leftRunning('r-dead');
    service = createService();
    gate('a');
    gates.get('a')!.open();
    expect(await service.recover({ resume: true })).toEqual(['r-dead']);
    expect(await statusOf('r-dead')).toBe('succeeded');
    expect((await store.getRun('r-dead'))?.attempts).toBe(2);
    expect((await store.listLogs('r-dead')).map((l) => l.message).join('\n')).toMatch(/server stopped during this run/);
  });

  it('ends an interrupted dry run as cancelled instead of resuming it', async () => {
    await leftRunning('r-dry', { dryRun: true });
    service = createService();
    expect(await service.recover({ resume: true })).toEqual([]);
    expect((await store.getRun('r-dry'))?.status).toBe('cancelled');
    expect(memoryTables.get('a')).toBeUndefined();
  });

  it('leaves interrupted runs alone when resuming is off', async () => {
    await leftRunning('r-dead');
    service = createService();
    expect(await service.recover({ resume: false })).toEqual(['r-dead']);
    expect((await store.getRun('r-dead'))?.status).toBe('interrupted');
  });

  it('interrupts active runs on shutdown, so the next start resumes them', async () => {
    service = createService();
    gate('a');
    const { runId } = await service.start({ document: flow('a') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const stopping = service.shutdown();
    gates.get('a')!.open();
    await stopping;
    expect((await store.getRun(runId))?.status).toBe('interrupted');
  });
});
