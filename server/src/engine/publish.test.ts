/**
 * Publishing is all or nothing per run (two phases: every destination prepares, then each commits),
 * a resume after a partial publish commits only what is left, and a resume never stores a reject
 * twice. Real node types, a real state store and real DuckDB files; the only test double wraps
 * files.destination to break its directory at an exact moment.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Flow } from '@backflow/flow-model';
import { describe, expect, it } from 'vitest';
import { sql } from '../connectors/duckdb/test-context.ts';
import { filesDestination } from '../connectors/files/destination.ts';
import { type DestinationWriter, defineDestination } from '../node-kit/contract.ts';
import type { Manifest } from '../node-kit/manifest.ts';
import { createCatalog, nodeTypes } from '../nodes/registry.ts';
import { runFlow } from '../service/flow-runner.ts';
import { StateStore } from '../store/state-store.ts';
import { temporaryDirectory } from '../testing/node-context.ts';

/** When set, files.destination breaks its directory (moves it away, leaves a plain file) just before that phase. */
let breakArchiveBefore: 'prepare' | 'commit' | undefined;

async function breakDirectory(dir: string): Promise<void> {
  await rename(dir, `${dir}.moved`);
  await writeFile(dir, 'not a directory');
}

async function repairDirectory(dir: string): Promise<void> {
  await rm(dir);
  await rename(`${dir}.moved`, dir);
}

const sabotagedFiles = defineDestination({
  ...filesDestination,
  async open(config: Parameters<typeof filesDestination.open>[0], ctx): Promise<DestinationWriter> {
    const writer = await filesDestination.open(config, ctx);
    const dir = path.resolve(ctx.baseDir, config.dir);
    const phase = (name: 'prepare' | 'commit') => async () => {
      if (breakArchiveBefore === name) await breakDirectory(dir);
      return writer[name]();
    };
    return {
      ...writer,
      write: writer.write.bind(writer),
      state: () => writer.state?.(),
      prepare: phase('prepare'),
      commit: phase('commit'),
    };
  },
});

const catalog = createCatalog([...nodeTypes.filter((t) => t.type !== 'files.destination'), sabotagedFiles]);

async function setUp() {
  const dir = await temporaryDirectory();
  const store = await StateStore.open(path.join(dir, '.backflow'));
  const run = (document: Flow, options: { resume?: boolean } = {}) =>
    runFlow({ store, document, catalog, baseDir: dir, dataDir: path.join(dir, '.backflow'), ...options });
  return { dir, store, run, close: () => store.close() };
}

/** Row count of a table, or undefined when the table does not exist. */
async function tableRows(file: string, table: string): Promise<number | undefined> {
  const [[exists]] = (await sql(file, `select count(*) from duckdb_tables() where table_name = '${table}'`)) as [
    [string],
  ];
  if (exists === '0') return undefined;
  const [[count]] = (await sql(file, `select count(*) from ${table}`)) as [[string]];
  return Number(count);
}

function csvRows(from: number, to: number): string {
  const lines = ['id,name'];
  for (let id = from; id <= to; id++) lines.push(`${id},"name ${id}, ""quoted"""`);
  return `${lines.join('\n')}\n`;
}

describe('publishing a run', () => {
  it('writes no row of a DuckDB table while another source of the run fails, then exactly once (repro A)', async () => {
    const { dir, run, store, close } = await setUp();
    try {
      await writeFile(path.join(dir, 'a.csv'), csvRows(1, 3));
      await mkdir(path.join(dir, 'many'));
      for (let file = 1; file <= 4; file++) {
        await writeFile(path.join(dir, 'many', `${file}.csv`), csvRows(file * 100_000, file * 100_000 + 1_999));
      }
      // The last file (in name order) has one malformed row: with maxRejected 0 the run fails there.
      await writeFile(path.join(dir, 'many', '5.csv'), 'id,name\n7,ok\n8,too,many\n9,ok\n');
      const flow: Flow = {
        name: 'two-sources',
        settings: { maxRejected: 0 },
        nodes: [
          { id: 's1', type: 'files.source', config: { path: 'a.csv' } },
          { id: 'p1', type: 'csv.parse', config: {} },
          { id: 't1', type: 'duckdb.destination', config: { path: 't1.duckdb', table: 't1' } },
          { id: 's2', type: 'files.source', config: { path: 'many' } },
          { id: 'p2', type: 'csv.parse', config: {} },
          { id: 't2', type: 'duckdb.destination', config: { path: 't2.duckdb', table: 't2' } },
        ],
        edges: [
          { from: 's1', to: 'p1' },
          { from: 'p1', to: 't1' },
          { from: 's2', to: 'p2' },
          { from: 'p2', to: 't2' },
        ],
      };
      const t1 = path.join(dir, 't1.duckdb');
      const t2 = path.join(dir, 't2.duckdb');

      const failed = await run(flow);
      expect(failed.status).toBe('failed');
      expect(failed.error?.message).toMatch(/more than 0 records were rejected/);
      expect(failed.nodes.t1!.written).toBe(3);
      expect(await tableRows(t1, 't1')).toBeUndefined();
      expect(await tableRows(t2, 't2')).toBeUndefined();

      const stillFailing = await run(flow, { resume: true });
      expect(stillFailing).toMatchObject({ status: 'failed', resumed: true, runId: failed.runId });
      expect(await tableRows(t1, 't1')).toBeUndefined();

      await writeFile(path.join(dir, 'many', '5.csv'), 'id,name\n7,ok\n8,fixed\n9,ok\n');
      const resumed = await run(flow, { resume: true });
      expect(resumed).toMatchObject({ status: 'succeeded', resumed: true, runId: failed.runId });
      expect(await sql(t1, 'select id, name from t1 order by id')).toEqual([
        ['1', 'name 1, "quoted"'],
        ['2', 'name 2, "quoted"'],
        ['3', 'name 3, "quoted"'],
      ]);
      expect(await sql(t2, 'select count(*), count(distinct id), sum(id::bigint) from t2')).toEqual([
        ['8003', '8003', String([1, 2, 3, 4].reduce((sum, f) => sum + sumOf(f * 100_000, f * 100_000 + 1_999), 24))],
      ]);
      const rejected = [];
      for await (const row of store.rejected(failed.runId)) rejected.push(row);
      expect(rejected).toEqual([]);

      // A new run of an insert flow appends its rows once more: each id exactly twice, no staging left.
      expect((await run(flow)).status).toBe('succeeded');
      expect(await sql(t1, 'select id, count(*) from t1 group by id order by id')).toEqual([
        ['1', '2'],
        ['2', '2'],
        ['3', '2'],
      ]);
      expect(await sql(t1, `select count(*) from duckdb_tables() where table_name like '_backflow_stage_%'`)).toEqual([
        ['0'],
      ]);
    } finally {
      await close();
    }
  });

  const backupAndLoad = (rows: number): Flow => ({
    name: 'load-and-archive',
    settings: { batchSize: 10_000 },
    nodes: [
      { id: 'src', type: 'files.source', config: { path: 'data.csv' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'table', type: 'duckdb.destination', config: { path: 'out.duckdb', table: 'rows' } },
      { id: 'fmt', type: 'csv.format', config: { rowsPerFile: rows / 4 } },
      { id: 'archive', type: 'files.destination', config: { dir: 'archive' } },
    ],
    edges: [
      { from: 'src', to: 'parse' },
      { from: 'parse', to: 'table' },
      { from: 'parse', to: 'fmt' },
      { from: 'fmt', to: 'archive' },
    ],
  });

  it('publishes nothing when one destination cannot prepare, and a resume cannot revive lost parts (repro B)', async () => {
    // 4 parts of 10,000 rows: csv.format closes a part at the end of a batch, so a part holds whole batches.
    const rows = 40_000;
    const { dir, run, close } = await setUp();
    const archive = path.join(dir, 'archive');
    const out = path.join(dir, 'out.duckdb');
    try {
      await writeFile(path.join(dir, 'data.csv'), csvRows(1, rows));
      const flow = backupAndLoad(rows);
      breakArchiveBefore = 'prepare';
      const failed = await run(flow);
      breakArchiveBefore = undefined;
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ nodeId: 'archive' });
      expect(await tableRows(out, 'rows')).toBeUndefined();

      // The parts were moved away with the directory: the backup cannot be completed, nothing lands.
      await rm(archive);
      const refused = await run(flow, { resume: true });
      expect(refused.status).toBe('failed');
      expect(refused.error?.message).toMatch(/data\/part-00001\.csv is gone, .* run the flow again/);
      expect(await tableRows(out, 'rows')).toBeUndefined();

      const again = await run(flow);
      expect(again.status).toBe('succeeded');
      expect(await sql(out, 'select count(*), count(distinct id), sum(id::bigint) from rows')).toEqual([
        [String(rows), String(rows), String(sumOf(1, rows))],
      ]);
      const manifest = JSON.parse(await readFile(path.join(archive, '_manifest.json'), 'utf8')) as Manifest;
      expect(manifest).toMatchObject({ complete: true, runId: again.runId, rows });
      expect(manifest.files).toHaveLength(4);
    } finally {
      breakArchiveBefore = undefined;
      await close();
    }
  });

  it('after a partial publish, a resume commits only the destinations left and the table stays exact', async () => {
    // 4 parts of 10,000 rows: csv.format closes a part at the end of a batch, so a part holds whole batches.
    const rows = 40_000;
    const { dir, run, store, close } = await setUp();
    const archive = path.join(dir, 'archive');
    const out = path.join(dir, 'out.duckdb');
    try {
      await writeFile(path.join(dir, 'data.csv'), csvRows(1, rows));
      const flow = backupAndLoad(rows);
      breakArchiveBefore = 'commit';
      const failed = await run(flow);
      breakArchiveBefore = undefined;
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ nodeId: 'archive' });
      // The table committed before the archive failed to: the store knows it.
      expect(await tableRows(out, 'rows')).toBe(rows);
      expect([...(await store.published(failed.runId))]).toEqual(['table']);

      await repairDirectory(archive);
      const resumed = await run(flow, { resume: true });
      expect(resumed).toMatchObject({ status: 'succeeded', resumed: true });
      expect(resumed.nodes.table).toEqual({ read: rows, written: rows, rejected: 0, filtered: 0 });
      expect(await sql(out, 'select count(*), count(distinct id), sum(id::bigint) from rows')).toEqual([
        [String(rows), String(rows), String(sumOf(1, rows))],
      ]);
      const manifest = JSON.parse(await readFile(path.join(archive, '_manifest.json'), 'utf8')) as Manifest;
      expect(manifest).toMatchObject({ complete: true, runId: failed.runId, rows });
      expect(manifest.files.map((file) => file.rows)).toEqual([rows / 4, rows / 4, rows / 4, rows / 4]);
      expect([...(await store.published(failed.runId))].sort()).toEqual(['archive', 'table']);
    } finally {
      breakArchiveBefore = undefined;
      await close();
    }
  });
});

describe('resuming a run', () => {
  /** 15 files of 100 rows, 6 malformed in each (90 in all); maxRejected stops the run at file 14. */
  async function filesWithBadRows(dir: string): Promise<void> {
    await mkdir(path.join(dir, 'in'));
    for (let file = 1; file <= 15; file++) {
      const lines = ['id,name'];
      for (let row = 1; row <= 100; row++) {
        const id = file * 1000 + row;
        lines.push(row % 16 === 0 ? `${id},bad,extra` : `${id},ok`);
      }
      await writeFile(path.join(dir, 'in', `part-${String(file).padStart(2, '0')}.csv`), `${lines.join('\n')}\n`);
    }
  }

  const loadFlow = (maxRejected: number, table = 't'): Flow => ({
    name: 'load',
    settings: { maxRejected, checkpointIntervalMs: 0 },
    nodes: [
      { id: 'src', type: 'files.source', config: { path: 'in' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'load', type: 'duckdb.destination', config: { path: 'out.duckdb', table, mode: 'insert' } },
    ],
    edges: [
      { from: 'src', to: 'parse' },
      { from: 'parse', to: 'load' },
    ],
  });

  it('lists each rejected record once after a resume replays the batches after its checkpoint', async () => {
    const { dir, run, store, close } = await setUp();
    try {
      await filesWithBadRows(dir);
      const failed = await run(loadFlow(80));
      expect(failed.status).toBe('failed');
      expect(failed.error?.message).toMatch(/more than 80 records were rejected/);

      // Raising the limit is not a change of what the run writes: the resume continues.
      const resumed = await run(loadFlow(100), { resume: true });
      expect(resumed).toMatchObject({ status: 'succeeded', runId: failed.runId });
      expect(resumed.nodes.parse).toMatchObject({ read: 1500, written: 1410, rejected: 90 });
      const places: string[] = [];
      for await (const row of store.rejected(failed.runId)) places.push(`${row.file}:${row.line}`);
      expect(places).toHaveLength(90);
      expect(new Set(places).size).toBe(90);
      expect(places).toContain('part-14.csv:33');
      expect(await sql(path.join(dir, 'out.duckdb'), 'select count(*), count(distinct id) from t')).toEqual([
        ['1410', '1410'],
      ]);
    } finally {
      await close();
    }
  });

  it('refuses a flow whose nodes changed since the run started, naming them, and leaves the run as it was', async () => {
    const { dir, run, store, close } = await setUp();
    try {
      await filesWithBadRows(dir);
      const failed = await run(loadFlow(80));
      expect(failed.status).toBe('failed');

      await expect(run(loadFlow(100, 'other'), { resume: true })).rejects.toMatchObject({
        code: 'flow_changed',
        message: expect.stringMatching(
          new RegExp(`cannot resume run ${failed.runId}: the flow changed since it started \\(node "load" changed`),
        ),
      });
      expect(await store.getRun(failed.runId)).toMatchObject({ status: 'failed', attempts: 1 });

      const resumed = await run(loadFlow(100), { resume: true });
      expect(resumed).toMatchObject({ status: 'succeeded', runId: failed.runId });
    } finally {
      await close();
    }
  });
});

function sumOf(first: number, last: number): number {
  return ((first + last) * (last - first + 1)) / 2;
}
