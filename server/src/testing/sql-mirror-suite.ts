/**
 * Mirror and update through a database destination (node-kit/sql/staged-writer.ts), run as flows
 * from a DuckDB file against a real server with a temporary store: a mirror deletes the rows that
 * vanished from the source and that the flow synced, never a row that was there before the flow
 * (unless `mirrorScope: "all"`, which pages the table's keys); a re-run changes nothing; update
 * changes existing rows and rejects unknown keys with a reason; a dry run counts exactly what the
 * next run does and samples before → after from the table; a run failing before or after its
 * deletes were prepared resumes exact. Each connector's `mirror.test.ts` runs it.
 */
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { sql as duckdb } from '../connectors/duckdb/test-context.ts';
import type { DestinationType, DestinationWriter, PlannedStream, Rec } from '../node-kit/contract.ts';
import { catalog, createCatalog } from '../nodes/registry.ts';
import { runFlow } from '../service/flow-runner.ts';
import type { StateStore } from '../store/state-store.ts';
import { temporaryDirectory, testContext } from './node-context.ts';
import { destinationOpener, publish } from './sql-destination-suite.ts';
import { closeTempStores, openTempStore } from './temp-store.ts';

export interface SqlMirrorSuite {
  type: DestinationType<never>;
  db: { url: string; sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]> };
  /** How the destination names a table in messages (`public.t`, `t`). */
  shown(table: string): string;
  /** The names of the run's tables left in the database (staging and deletes tables). */
  runTables(): Promise<string[]>;
  /** Which tests: a file each keeps both halves quick (each runs about ten flows). */
  part: 'syncs' | 'created and resumed';
}

type Row = [string, string, string];

export function sqlMirrorSuite(suite: SqlMirrorSuite): void {
  const { db } = suite;
  afterEach(closeTempStores);

  /** A target table as users make it, with rows already in it. */
  async function targetTable(table: string, rows: Row[]): Promise<void> {
    await db.sql(`CREATE TABLE ${table} (id bigint PRIMARY KEY, name varchar(100), spend integer)`);
    for (const [id, name, spend] of rows) {
      await db.sql(`INSERT INTO ${table} VALUES (${id}, '${name.replaceAll("'", "''")}', ${spend})`);
    }
  }

  /** The table's rows in key order, every value as text: the destination's whole content. */
  async function rowsOf(table: string): Promise<Row[]> {
    const rows = await db.sql(`SELECT id, name, spend FROM ${table} ORDER BY id`);
    return rows.map((row) => [String(row.id), String(row.name), String(row.spend)]);
  }

  /** A DuckDB source of customers, and a flow syncing it into `table`. */
  async function syncSetup(table: string, destination: Record<string, unknown>, types = catalog) {
    const dir = await temporaryDirectory();
    const source = path.join(dir, 'source.duckdb');
    const { store, dataDir } = await openTempStore();
    // A URL is a secret: the flow names it by an environment variable.
    const variable = `BACKFLOW_TEST_${suite.type.type.replace(/\W/g, '_').toUpperCase()}_URL`;
    process.env[variable] = db.url;
    const document = {
      name: `${table}-sync`,
      settings: { batchSize: 7 },
      nodes: [
        { id: 'warehouse', type: 'duckdb.source', config: { path: source, table: 'customers' } },
        {
          id: 'app',
          type: suite.type.type,
          config: { url: `\${env:${variable}}`, table, key: 'id', ...destination },
        },
      ],
      edges: [{ from: 'warehouse', to: 'app' }],
    };
    const run = (options: { dryRun?: boolean; resume?: boolean } = {}) =>
      runFlow({ store, document, baseDir: dir, dataDir, catalog: types, ...options });
    const change = (statements: string) => duckdb(source, statements);
    return { run, change, store };
  }

  const customers = (from: number, to: number, name = 'name') =>
    `create or replace table customers as
       select i::integer as id, '${name} ' || i || ' ''quoted'' ü' as name, (i * 10)::integer as spend from range(${from}, ${to + 1}) t(i)`;
  const expected = (ids: number[], name = 'name'): Row[] =>
    ids.map((id) => [String(id), `${name} ${id} 'quoted' ü`, String(id * 10)]);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, index) => from + index);
  /** `it` for the tests of `part`, nothing for the others'. */
  const test = (part: SqlMirrorSuite['part'], name: string, body: () => Promise<void> | void) => {
    if (suite.part === part) it(name, body);
  };

  test('syncs', 'checks its config: update and mirror need a key, mirrorScope belongs to mirror', () => {
    const check = (config: Record<string, unknown>) => suite.type.checkConfig?.(config as never) ?? [];
    expect(check({ table: 't', mode: 'mirror' })).toEqual([
      { path: 'key', message: expect.stringMatching(/mirror needs a key/) },
    ]);
    expect(check({ table: 't', mode: 'update' })).toEqual([
      { path: 'key', message: expect.stringMatching(/update needs a key/) },
    ]);
    expect(check({ table: 't', mode: 'upsert', mirrorScope: 'all' })).toEqual([
      { path: 'mirrorScope', message: expect.stringMatching(/mode mirror only/) },
    ]);
    expect(check({ table: 't', mode: 'mirror', key: 'id', mirrorScope: 'all' })).toEqual([]);
    expect(suite.type.modes).toEqual(['insert', 'update', 'upsert', 'mirror', 'replace']);
  });

  test(
    'syncs',
    'mirror deletes the rows that vanished from the source and it synced, never one there before the flow; a dry run counts what the run then does, with before → after read from the table; a re-run changes nothing',
    async () => {
      const before: Row = ['900', 'there before the flow', '0'];
      await targetTable('mir_customers', [before]);
      const { run, change } = await syncSetup('mir_customers', { mode: 'mirror' });
      await change(customers(1, 20));

      const first = await run();
      expect(first.status).toBe('succeeded');
      expect(first.nodes.app).toMatchObject({ read: 20, written: 20, inserted: 20, deleted: 0 });
      expect(await rowsOf('mir_customers')).toEqual([...expected(range(1, 20)), before]);

      const again = await run();
      expect(again.nodes.app).toMatchObject({ read: 20, written: 0, unchanged: 20, deleted: 0 });
      expect(await rowsOf('mir_customers')).toEqual([...expected(range(1, 20)), before]);

      // 1–3 vanish, 4 changes, 21 is new.
      await change(`delete from customers where id <= 3; update customers set spend = 41 where id = 4;
                  insert into customers values (21, 'new 21', 210)`);
      const held = await rowsOf('mir_customers');
      const dry = await run({ dryRun: true });
      expect(dry.status).toBe('succeeded');
      expect(dry.nodes.app).toMatchObject({ read: 18, written: 0, inserted: 1, updated: 1, deleted: 3, unchanged: 16 });
      expect(await rowsOf('mir_customers')).toEqual(held);
      const plan = dry.plan?.app?.[0] as PlannedStream;
      expect(plan).toMatchObject({ create: 1, update: 1, delete: 3, unchanged: 16 });
      const changeOf = (action: string, id: number) =>
        plan.changes?.find((sample) => sample.action === action && String(sample.key.id) === String(id));
      expect(texts(changeOf('update', 4)?.before)).toEqual(texts(rowRecord(held[3] as Row)));
      expect(texts(changeOf('update', 4)?.after)).toEqual({ id: '4', name: "name 4 'quoted' ü", spend: '41' });
      expect(changeOf('insert', 21)?.before).toBeUndefined();
      for (const id of [1, 2, 3])
        expect(texts(changeOf('delete', id)?.before)).toEqual(texts(rowRecord(held[id - 1] as Row)));

      const real = await run();
      expect(real.status).toBe('succeeded');
      expect(real.nodes.app).toMatchObject({
        read: 18,
        written: 2,
        inserted: 1,
        updated: 1,
        deleted: 3,
        unchanged: 16,
      });
      const after = await rowsOf('mir_customers');
      expect(after).toEqual([
        ...expected([4]).map(([id, name]): Row => [id, name, '41']),
        ...expected(range(5, 20)),
        ['21', 'new 21', '210'],
        before,
      ]);
      expect(texts(rowRecord(after[0] as Row))).toEqual(texts(changeOf('update', 4)?.after));
      expect(real.verification?.app?.[0]).toMatchObject({ source: 2, loaded: 2, ok: true });
      expect(await suite.runTables()).toEqual([]);

      const quiet = await run();
      expect(quiet.nodes.app).toMatchObject({ read: 18, written: 0, deleted: 0, unchanged: 18 });
      expect(await rowsOf('mir_customers')).toEqual(after);
    },
  );

  test(
    'created and resumed',
    'mirror into a table it creates: the first run makes it keyed by the newest row per key, the next deletes what vanished',
    async () => {
      const { run, change } = await syncSetup('new_customers', { mode: 'mirror' });
      await change(`${customers(1, 8)}; insert into customers values (8, 'newer 8', 81)`);
      const first = await run();
      expect(first.status).toBe('succeeded');
      expect(await rowsOf('new_customers')).toEqual([...expected(range(1, 7)), ['8', 'newer 8', '81']]);
      await change(`delete from customers where id in (2, 8)`);
      const second = await run();
      expect(second.nodes.app).toMatchObject({ read: 6, written: 0, deleted: 2, unchanged: 6 });
      expect(await rowsOf('new_customers')).toEqual(expected([1, 3, 4, 5, 6, 7]));
      await expect(db.sql(`INSERT INTO new_customers (id, name, spend) VALUES (1, 'twice', 0)`)).rejects.toThrow();
    },
  );

  test(
    'syncs',
    'mirrorScope all also deletes rows that were there before the flow, paging the keys of the table',
    async () => {
      await targetTable('all_customers', []);
      await db.sql(`INSERT INTO all_customers SELECT 10000 + id, 'old', 0 FROM (${seriesSql(2500)}) ids`);
      await db.sql(`INSERT INTO all_customers VALUES (3, 'there before, kept', 0)`);
      const { run, change } = await syncSetup('all_customers', { mode: 'mirror', mirrorScope: 'all' });
      await change(customers(1, 5));
      const dry = await run({ dryRun: true });
      expect(dry.nodes.app).toMatchObject({ read: 5, inserted: 5, deleted: 2500 });
      expect((await rowsOf('all_customers')).length).toBe(2501);

      const first = await run();
      expect(first.status).toBe('succeeded');
      expect(first.nodes.app).toMatchObject({ read: 5, written: 5, deleted: 2500 });
      expect(await rowsOf('all_customers')).toEqual(expected(range(1, 5)));
    },
  );

  test(
    'syncs',
    'update changes existing rows and rejects records whose key the table lacks, naming table and key; the counts add up',
    async () => {
      await targetTable('upd_customers', expected(range(1, 5), 'old'));
      const { run, change, store } = await syncSetup('upd_customers', { mode: 'update' });
      await change(`${customers(1, 3)}; insert into customers values (42, 'unknown', 420), (43, 'unknown', 430)`);
      const result = await run();
      expect(result.status).toBe('succeeded');
      const counts = result.nodes.app as { read: number; written: number; rejected: number; filtered?: number };
      expect(counts).toMatchObject({ read: 5, rejected: 2 });
      expect(counts.read).toBe(counts.written + counts.rejected + (counts.filtered ?? 0));
      expect(await rowsOf('upd_customers')).toEqual([...expected(range(1, 3)), ...expected([4, 5], 'old')]);
      expect(result.verification?.app?.[0]).toMatchObject({ source: 5, loaded: 3, rejected: 2, ok: true });
      const reasons = await rejectedReasons(store, result.runId);
      expect(reasons).toEqual([
        `no row with key (id)=(42) in table ${suite.shown('upd_customers')}: mode update changes existing rows only`,
        `no row with key (id)=(43) in table ${suite.shown('upd_customers')}: mode update changes existing rows only`,
      ]);
      expect(await suite.runTables()).toEqual([]);

      const missing = await syncSetup('upd_nowhere', { mode: 'update' });
      await missing.change(customers(1, 2));
      const refused = await missing.run();
      expect(refused.status).toBe('failed');
      expect(refused.error?.message).toMatch(
        /mode update changes existing rows, but table \S*upd_nowhere does not exist/,
      );
    },
  );

  test(
    'syncs',
    "a writer's deletes: a stream with no batch deletes at publish, a missing table is no error, a resume before prepare drops what the dead attempt staged and one after applies it once",
    async () => {
      await targetTable('del_customers', expected(range(1, 6)));
      const open = destinationOpener(suite.type as DestinationType<{ url?: string }>, db);
      const config = { table: 'del_customers', mode: 'mirror', key: 'id' };

      const nowhere = await open({ table: 'del_nowhere', mode: 'mirror', key: 'id' });
      await nowhere.writer.delete?.('customers', [{ id: '1' }]);
      await publish(nowhere.writer);
      expect(await rowsOf('del_customers')).toEqual(expected(range(1, 6)));

      // The dead attempt staged 1 and 2; after the replay the mirror asks for 2 (twice) and 99 only: 1 stays.
      const dead = await open(config, { runId: 'del-1' });
      await dead.writer.delete?.('customers', [{ id: '1' }, { id: '2' }]);
      const checkpoint = JSON.parse(JSON.stringify(dead.writer.state?.()));
      await dead.writer.abort?.();
      expect(await suite.runTables()).toHaveLength(1);
      const resumed = await open(config, { runId: 'del-1', resumeSeq: 0, resumeState: checkpoint });
      await resumed.writer.delete?.('customers', [{ id: '2' }]);
      await resumed.writer.delete?.('customers', [{ id: '2' }, { id: '99' }]);
      await publish(resumed.writer);
      expect(await rowsOf('del_customers')).toEqual(expected([1, 3, 4, 5, 6]));
      expect(await suite.runTables()).toEqual([]);

      // Prepared, then the process died before the commit: the reopened commit deletes 3, and a second one nothing more.
      const prepared = await open(config, { runId: 'del-2' });
      await prepared.writer.delete?.('customers', [{ id: '3' }]);
      await prepared.writer.prepare?.();
      const state = JSON.parse(JSON.stringify(prepared.writer.state?.()));
      await prepared.writer.abort?.();
      expect(await rowsOf('del_customers')).toEqual(expected([1, 3, 4, 5, 6]));
      for (let attempt = 0; attempt < 2; attempt++) {
        const reopened = await open(config, { runId: 'del-2', resumeSeq: 0, resumeState: state, prepared: true });
        await reopened.writer.commit?.();
        expect(await rowsOf('del_customers')).toEqual(expected([1, 4, 5, 6]));
      }
      expect(await suite.runTables()).toEqual([]);
    },
  );

  test('syncs', 'deletes by a date-time key given as an ISO instant, as the engine compares keys', async () => {
    await db.sql(`CREATE TABLE ts_customers (at timestamp NOT NULL PRIMARY KEY, name varchar(10))`);
    await db.sql(`INSERT INTO ts_customers VALUES ('2024-01-31 10:00:00', 'a'), ('2024-02-01 00:00:00', 'b')`);
    const open = destinationOpener(suite.type as DestinationType<{ url?: string }>, db);
    const { writer } = await open({ table: 'ts_customers', mode: 'mirror', key: 'at' });
    await writer.delete?.('customers', [{ at: '2024-01-31T10:00:00.000Z' }]);
    await publish(writer);
    expect((await db.sql(`SELECT name FROM ts_customers`)).map((row) => row.name)).toEqual(['b']);
  });

  test(
    'syncs',
    'reads every key of a composite-key table in pages of 1000 and the rows of given keys; deletes by a composite key',
    async () => {
      await db.sql(
        `CREATE TABLE reg_customers (region varchar(20) NOT NULL, id integer NOT NULL, name varchar(100), PRIMARY KEY (region, id))`,
      );
      await db.sql(
        `INSERT INTO reg_customers SELECT CASE WHEN id % 2 = 0 THEN 'eu' ELSE 'us' END, id, 'n' FROM (${seriesSql(2100)}) ids`,
      );
      await db.sql(`INSERT INTO reg_customers VALUES ('it''s', 1, 'quoted')`);
      const config = { url: db.url, table: 'reg_customers', mode: 'mirror', key: ['region', 'id'] } as never;
      const ctx = testContext(await temporaryDirectory());
      const pages: Rec[][] = [];
      for await (const page of suite.type.reads?.keys?.(config, ctx, 'customers') ?? []) pages.push(page);
      expect(pages.map((page) => page.length)).toEqual([1000, 1000, 101]);
      const listed = pages.flat().map((key) => `${key.region}/${key.id}`);
      expect(new Set(listed).size).toBe(2101);
      expect(listed.slice(0, 2)).toEqual(['eu/2', 'eu/4']);
      expect(listed.at(-1)).toBe('us/2099');

      const current = await suite.type.reads?.current?.(config, ctx, 'customers', [
        { region: "it's", id: '1' },
        { region: 'eu', id: '4' },
        { region: 'eu', id: '5' },
      ]);
      expect(current?.map((row) => `${row.region}/${row.id}/${row.name}`).sort()).toEqual(['eu/4/n', "it's/1/quoted"]);

      const open = destinationOpener(suite.type as DestinationType<{ url?: string }>, db);
      const { writer } = await open({ table: 'reg_customers', mode: 'mirror', key: ['region', 'id'] });
      await writer.delete?.('customers', [
        { region: "it's", id: '1' },
        { region: 'eu', id: '4' },
        { region: 'us', id: '4' },
      ]);
      await publish(writer);
      const left = await db.sql(
        `SELECT count(*) AS n FROM reg_customers WHERE (region = 'eu' AND id = 4) OR region = 'it''s'`,
      );
      expect(Number(left[0]?.n)).toBe(0);
      expect(Number((await db.sql(`SELECT count(*) AS n FROM reg_customers`))[0]?.n)).toBe(2099);
    },
  );

  test(
    'created and resumed',
    'a mirror run failing after its deletes were staged (before prepare, or after it) resumes and ends exact',
    async () => {
      for (const failing of ['prepare', 'commit'] as const) {
        const table = `res_${failing}_customers`;
        const before: Row = ['900', 'there before the flow', '0'];
        await targetTable(table, [before]);
        const failure = { armed: false };
        const types = createCatalog(
          catalog.types.map((type) =>
            type.type === suite.type.type ? failingOnce(suite.type, failing, failure) : type,
          ),
        );
        const { run, change } = await syncSetup(table, { mode: 'mirror' }, types);
        await change(customers(1, 30));
        expect((await run()).status).toBe('succeeded');
        await change(`delete from customers where id > 25; update customers set spend = 1 where id <= 2`);
        failure.armed = true;
        const failed = await run();
        expect(failure.armed).toBe(false);
        expect(failed.status).toBe('failed');
        expect(await rowsOf(table)).toEqual([...expected(range(1, 30)), before]);
        const resumed = await run({ resume: true });
        expect(resumed.status).toBe('succeeded');
        expect(resumed.resumed).toBe(true);
        expect(resumed.nodes.app).toMatchObject({ deleted: 5, updated: 2 });
        expect(await rowsOf(table)).toEqual([
          ...expected([1, 2]).map(([id, name]): Row => [id, name, '1']),
          ...expected(range(3, 25)),
          before,
        ]);
        expect(await suite.runTables()).toEqual([]);
        const quiet = await run();
        expect(quiet.nodes.app).toMatchObject({ written: 0, deleted: 0, unchanged: 25 });
      }
    },
  );
}

/** The destination type, its writer failing at `step` once `failure` is armed (which disarms it). */
function failingOnce(
  type: DestinationType<never>,
  step: 'prepare' | 'commit',
  failure: { armed: boolean },
): DestinationType<never> {
  return {
    ...type,
    async open(config, ctx) {
      const writer = await type.open(config, ctx);
      return new Proxy(writer, {
        get(target, property) {
          const value = Reflect.get(target, property) as unknown;
          if (property !== step || !failure.armed || typeof value !== 'function') {
            return typeof value === 'function' ? value.bind(target) : value;
          }
          return async () => {
            failure.armed = false;
            if (step === 'commit') throw new Error('injected: the process died before the commit');
            throw new Error('injected: the process died before prepare');
          };
        },
      }) as DestinationWriter;
    },
  };
}

/** Numbers 1..n as a derived table `ids(id)`, in SQL both servers run. */
function seriesSql(count: number): string {
  const digits =
    'SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9';
  return `SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS id FROM (${digits}) a, (${digits}) b, (${digits}) c, (${digits}) e WHERE 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d <= ${count}`;
}

function rowRecord([id, name, spend]: Row): Rec {
  return { id, name, spend };
}

/** A record's values as text (each side's driver types numbers its own way). */
function texts(record: Rec | undefined): Record<string, string> | undefined {
  if (record === undefined) return undefined;
  return Object.fromEntries(Object.entries(record).map(([field, value]) => [field, String(value)]));
}

async function rejectedReasons(store: StateStore, runId: string): Promise<string[]> {
  const reasons: string[] = [];
  for await (const row of store.rejected(runId)) reasons.push(...row.reasons);
  return reasons.sort();
}
