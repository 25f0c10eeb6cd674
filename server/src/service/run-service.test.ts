import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineSource, type SourceBatch } from '../node-kit/contract.ts';
import { createCatalog } from '../nodes/registry.ts';
import { Redactor } from '../secrets/redactor.ts';
import { StateStore } from '../store/state-store.ts';
import { memoryDestination, memoryTables } from '../testing/memory-nodes.ts';
import { RunActiveError, type RunEvent, RunService } from './run-service.ts';

/**
 * Holds gated sources after their first batch, so a test decides when a run may go on: `reached`
 * resolves once the source waits at the gate (the run is surely running), `open` lets it go on.
 */
interface Gate {
  open(): void;
  opened: Promise<void>;
  arrive(): void;
  reached: Promise<void>;
}

const gates = new Map<string, Gate>();

function gate(name: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let arrive!: () => void;
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  gates.set(name, { open, opened, arrive, reached });
}

/** Ten rows a batch; after the first batch it waits for its gate before each next one. */
const gatedSource = defineSource({
  type: 'gated.source',
  title: 'Gated source',
  description: 'Batches of 10 rows, held at a gate',
  config: Type.Object({ gate: Type.String(), batches: Type.Integer() }),
  outputs: [{ name: 'records', kind: 'records' }],
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    const start = typeof ctx.resumeCursor === 'number' ? ctx.resumeCursor + 1 : 0;
    for (let batch = start; batch < config.batches; batch++) {
      const held = gates.get(config.gate);
      if (batch > start && held) {
        held.arrive();
        await held.opened;
      }
      const records = Array.from({ length: 10 }, (_, i) => ({ id: batch * 10 + i }));
      yield { kind: 'records', stream: 'rows', records, cursor: batch };
    }
  },
});

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
  return store.runs.create({
    id,
    flowName: 'a',
    flow: flow('a'),
    dryRun: options.dryRun ?? false,
    startedAt: '2026-01-01T00:00:00Z',
  });
}

/** Resolves when the store logs a line matching `message`; call it before the run starts. */
function whenLogged(message: RegExp): Promise<void> {
  return new Promise((resolve) => {
    const unwatch = store.logs.watch((line) => {
      if (!message.test(line.message)) return;
      unwatch();
      resolve();
    });
  });
}

async function statusOf(runId: string) {
  await service.settled(runId);
  return (await store.runs.get(runId))?.status;
}

describe('RunService', () => {
  it('queues runs beyond the concurrency limit and starts them as slots free up', async () => {
    service = createService(1);
    gate('a');
    gate('b');
    const a = await service.start({ document: flow('a') });
    const b = await service.start({ document: flow('b') });
    await gates.get('a')!.reached;
    expect(service.live(a.runId)?.status).toBe('running');
    expect(service.live(b.runId)?.status).toBe('queued');
    expect((await store.runs.get(b.runId))?.status).toBe('queued');
    gates.get('a')!.open();
    gates.get('b')!.open();
    expect(await statusOf(a.runId)).toBe('succeeded');
    expect(await statusOf(b.runId)).toBe('succeeded');
    expect(memoryTables.get('a')!.records.map((r) => r.id)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(memoryTables.get('b')!.records).toHaveLength(30);
    expect((await store.runs.get(b.runId))?.attempts).toBe(1);
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
    // Held after its first batch, the run publishes its counts until they show that batch.
    const countedWhileHeld = new Promise<void>((resolve) => {
      service.subscribe(runId, (event) => {
        events.push(event);
        if (event.type === 'stats' && event.nodes.rows?.read === 10) resolve();
      });
    });
    await gates.get('a')!.reached;
    await countedWhileHeld;
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
    const firstCheckpoint = whenLogged(/^checkpoint after batch 1:/);
    const { runId } = await service.start({ document: flow('a', 5) });
    // Cancelled with its first batch checkpointed and the second held back: mid-run, every time.
    await firstCheckpoint;
    await gates.get('a')!.reached;
    expect(service.cancel(runId)).toBe(true);
    gates.get('a')!.open();
    expect(await statusOf(runId)).toBe('cancelled');
    await service.resume(runId);
    expect(await statusOf(runId)).toBe('succeeded');
    const ids = memoryTables.get('a')!.records.map((r) => r.id);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect((await store.runs.get(runId))?.attempts).toBe(2);
  });

  it('marks runs a dead server left running as interrupted and resumes them', async () => {
    await leftRunning('r-dead');
    service = createService();
    gate('a');
    gates.get('a')!.open();
    expect(await service.recover({ resume: true })).toEqual(['r-dead']);
    expect(await statusOf('r-dead')).toBe('succeeded');
    expect((await store.runs.get('r-dead'))?.attempts).toBe(2);
    expect((await store.logs.list('r-dead')).map((l) => l.message).join('\n')).toMatch(
      /server stopped during this run/,
    );
  });

  it('ends an interrupted dry run as cancelled instead of resuming it', async () => {
    await leftRunning('r-dry', { dryRun: true });
    service = createService();
    expect(await service.recover({ resume: true })).toEqual([]);
    expect((await store.runs.get('r-dry'))?.status).toBe('cancelled');
    expect(memoryTables.get('a')).toBeUndefined();
  });

  it('leaves interrupted runs alone when resuming is off', async () => {
    await leftRunning('r-dead');
    service = createService();
    expect(await service.recover({ resume: false })).toEqual(['r-dead']);
    expect((await store.runs.get('r-dead'))?.status).toBe('interrupted');
  });

  it('interrupts active runs on shutdown, so the next start resumes them', async () => {
    service = createService();
    gate('a');
    const { runId } = await service.start({ document: flow('a') });
    await gates.get('a')!.reached;
    const stopping = service.shutdown();
    gates.get('a')!.open();
    await stopping;
    expect((await store.runs.get(runId))?.status).toBe('interrupted');
  });
});
