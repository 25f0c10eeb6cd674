/**
 * The ID map (node-kit/contract.ts IdMap): per flow and object, source id → destination id, kept in
 * the store across runs, so a second run of a migration finds what the first created instead of
 * creating it twice, while another flow starts with an empty map.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDestination, type Rec } from '../node-kit/contract.ts';
import { WriteLedger } from '../node-kit/write-ledger.ts';
import { createCatalog } from '../nodes/registry.ts';
import { idMapFlowKey } from '../store/id-map-repository.ts';
import { memorySource } from '../testing/memory-nodes.ts';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import { runFlow } from './flow-runner.ts';

afterEach(closeTempStores);

/** What the test destination did per run: records it found in the map and records it "created". */
const outcomes: { runId: string; found: Map<string, string>; created: string[] }[] = [];

/** Looks each record up by its id in the map; one not there is "created" as `dst-<id>@<run>` and recorded. */
const mappingDestination = defineDestination({
  type: 'mapping.destination',
  title: 'Mapping destination',
  description: 'Creates what the ID map does not know yet',
  config: Type.Object({}),
  publishes: 'idempotent-batches',
  inputs: [{ name: 'records', kind: 'records' }],
  async open(_config, ctx) {
    const outcome = { runId: ctx.runId, found: new Map<string, string>(), created: [] as string[] };
    outcomes.push(outcome);
    return {
      async write(payload) {
        if (payload.kind !== 'records') return;
        const ids = payload.records.map((record: Rec) => String(record.id));
        const known = await ctx.idMap.lookup('things', ids);
        for (const [source, destination] of known) outcome.found.set(source, destination);
        const created = ids.filter((id) => !known.has(id));
        outcome.created.push(...created);
        await ctx.idMap.record(
          'things',
          created.map((id) => [id, `dst-${id}@${ctx.runId}`]),
        );
      },
      async prepare() {},
      async commit() {},
    };
  },
});

/** Plans in a dry run: a record the map knows would be updated, any other created (and recorded, for this run only). */
const planningDestination = defineDestination({
  type: 'planning.destination',
  title: 'Planning destination',
  description: 'Plans what it would create',
  config: Type.Object({}),
  publishes: 'idempotent-batches',
  plansDryRun: true,
  async open(_config, ctx) {
    const ledger = new WriteLedger();
    return {
      async write(payload) {
        if (payload.kind !== 'records') return;
        if (!ctx.dryRun) throw new Error('a dry run only');
        const books = ledger.stream(payload.stream, 'Planned things');
        const ids = payload.records.map((record: Rec) => String(record.id));
        const known = await ctx.idMap.lookup('things', ids);
        books.received += ids.length;
        books.updated += known.size;
        books.created += ids.length - known.size;
        for (const id of ids)
          ledger.sample(books, { action: known.has(id) ? 'update' : 'create', sourceId: id, fields: {} });
        await ctx.idMap.record(
          'things',
          ids.filter((id) => !known.has(id)).map((id) => [id, `new:${id}`]),
        );
      },
      plan: () => ledger.plan(),
      async prepare() {
        throw new Error('a dry run never prepares');
      },
      async commit() {},
    };
  },
  inputs: [{ name: 'records', kind: 'records' }],
});

const catalog = createCatalog([memorySource, mappingDestination, planningDestination]);

function flow(name: string, rows: number) {
  return {
    name,
    settings: { batchSize: 7 },
    nodes: [
      { id: 'things', type: 'memory.source', config: { rows } },
      { id: 'target', type: 'mapping.destination', config: {} },
    ],
    edges: [{ from: 'things', to: 'target' }],
  };
}

describe('the ID map', () => {
  it('keeps pairs per flow and object, the last one recorded for a source id winning, in chunks past 500', async () => {
    const { store } = await openTempStore();
    const first = store.idMaps.forRun('flow:a', 'run-1');
    const ids = Array.from({ length: 1_203 }, (_, i) => String(i + 1));
    await first.record(
      'contacts',
      ids.map((id) => [id, `c-${id}`]),
    );
    await first.record('contacts', [
      ['7', 'old'],
      ['7', 'new'],
    ]);
    await first.record('companies', [['7', 'company-7']]);
    const found = await first.lookup('contacts', [...ids, 'missing']);
    expect(found.size).toBe(1_203);
    expect(found.get('1203')).toBe('c-1203');
    expect(found.get('7')).toBe('new');
    expect(found.has('missing')).toBe(false);
    expect(await first.lookup('companies', ['7', '8'])).toEqual(new Map([['7', 'company-7']]));
    // Another flow has a map of its own.
    expect(await store.idMaps.forRun('flow:b', 'run-2').lookup('contacts', ['7'])).toEqual(new Map());
    // What a run recorded, paged in source id order; another run's pairs are not listed.
    const second = store.idMaps.forRun('flow:a', 'run-2');
    await second.record('contacts', [
      ['9', 'c-9'],
      ['10', 'c-10'],
      ['11', 'c-11'],
    ]);
    expect(await second.recorded('contacts', { limit: 2 })).toEqual([
      ['10', 'c-10'],
      ['11', 'c-11'],
    ]);
    expect(await second.recorded('contacts', { after: '11', limit: 2 })).toEqual([['9', 'c-9']]);
    expect((await first.recorded('contacts', { limit: 5_000 })).length).toBe(1_200);
    expect(idMapFlowKey({ flowId: 'f1', flowName: 'x' })).toBe('flow:f1');
    expect(idMapFlowKey({ flowName: 'x' })).toBe('name:x');
  });

  it("lets a flow's second run find what its first created, and another flow none of it", async () => {
    const { store, dataDir } = await openTempStore();
    const baseDir = await mkdtemp(path.join(tmpdir(), 'backflow-id-map-'));
    outcomes.splice(0);
    const run = (name: string, rows: number) =>
      runFlow({ store, document: flow(name, rows), catalog, baseDir, dataDir });

    const first = await run('migrate-things', 20);
    expect(first.status).toBe('succeeded');
    const second = await run('migrate-things', 25);
    expect(second.status).toBe('succeeded');
    const other = await run('another-flow', 5);
    expect(other.status).toBe('succeeded');

    const [one, two, three] = outcomes;
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
    expect(one?.created).toEqual(range(1, 20));
    expect(one?.found.size).toBe(0);
    // The second run finds the first run's 20 (with the ids the first run gave them) and creates the 5 new ones.
    expect([...(two?.found.keys() ?? [])].sort((a, b) => Number(a) - Number(b))).toEqual(range(1, 20));
    expect(two?.found.get('13')).toBe(`dst-13@${first.runId}`);
    expect(two?.created).toEqual(range(21, 25));
    expect(three?.found.size).toBe(0);
    expect(three?.created).toEqual(range(1, 5));
  });

  it('gives a dry run the flow map to read and keeps what it records to itself; its plan lands in the summary', async () => {
    const { store, dataDir } = await openTempStore();
    const baseDir = await mkdtemp(path.join(tmpdir(), 'backflow-id-map-'));
    const known = store.idMaps.forRun(idMapFlowKey({ flowName: 'plan-things' }), 'earlier-run');
    await known.record('things', [
      ['2', 'dst-2'],
      ['3', 'dst-3'],
    ]);
    const document = {
      name: 'plan-things',
      settings: { batchSize: 4 },
      nodes: [
        { id: 'things', type: 'memory.source', config: { rows: 10 } },
        { id: 'target', type: 'planning.destination', config: {} },
      ],
      edges: [{ from: 'things', to: 'target' }],
    };
    const dry = await runFlow({ store, document, catalog, baseDir, dataDir, dryRun: true });
    expect(dry.status).toBe('succeeded');
    const [stream] = dry.plan?.target ?? [];
    expect(stream).toMatchObject({ target: 'Planned things', create: 8, update: 2, reject: 0 });
    expect(stream?.samples.filter((sample) => sample.action === 'create').map((sample) => sample.sourceId)).toEqual([
      '1',
      '4',
      '5',
      '6',
      '7',
    ]);
    // Nothing the dry run planned reached the flow's map.
    expect(await known.lookup('things', ['1', '2', '4'])).toEqual(new Map([['2', 'dst-2']]));
    expect(dry.nodes.target).toMatchObject({ read: 10, written: 0, wouldWrite: 10 });
  });
});
