import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import { migrate, StoreTooNewError } from './migrate.ts';
import { migrations } from './migrations.ts';
import { StoreDatabase } from './store-database.ts';

/**
 * The schema as the code before versioned migrations made it: it ran every statement on each open,
 * so a store it last opened holds all of them (`unversioned`); a store from before saved flows holds
 * the first four tables only (`beforeFlows`). Frozen copies: they must not follow the migrations.
 */
const beforeFlows = [
  'create table if not exists runs (id varchar primary key, flow_name varchar not null, status varchar not null, dry_run boolean not null, started_at varchar not null, finished_at varchar, attempts integer not null, flow json not null, summary json, error json)',
  'create table if not exists checkpoints (run_id varchar not null, source_id varchar not null, seq bigint not null, cursor json, states json not null, stats json not null, saved_at varchar not null, primary key (run_id, source_id))',
  'create table if not exists logs (run_id varchar not null, logged_at varchar not null, level varchar not null, node_id varchar, message varchar not null)',
  'create table if not exists rejected (run_id varchar not null, node_id varchar not null, rejected_at varchar not null, record json, reasons json not null, file varchar, line bigint)',
];
const unversioned = [
  ...beforeFlows,
  'alter table runs add column if not exists flow_id varchar',
  'alter table runs add column if not exists base_dir varchar',
  'alter table runs add column if not exists fingerprint json',
  'alter table checkpoints add column if not exists finished boolean default false',
  'alter table rejected add column if not exists seq bigint default 0',
  'alter table rejected add column if not exists raw varchar',
  'create table if not exists publications (run_id varchar not null, node_id varchar not null, published_at varchar not null, primary key (run_id, node_id))',
  'create table if not exists flows (id varchar primary key, name varchar not null, document json not null, version integer not null, created_at varchar not null, updated_at varchar not null, last_fired_at varchar)',
  'create table if not exists flow_versions (flow_id varchar not null, version integer not null, document json not null, saved_at varchar not null, primary key (flow_id, version))',
  'create table if not exists connections (id varchar primary key, name varchar not null, type varchar not null, config json not null, secrets json not null, created_at varchar not null, updated_at varchar not null)',
];

const latest = migrations.at(-1)!.version;
const allVersions = migrations.map((migration) => migration.version);
const instances: DuckDBInstance[] = [];

afterEach(async () => {
  await closeTempStores();
  for (const instance of instances.splice(0)) instance.closeSync();
});

async function tempDir(): Promise<string> {
  return mkdtemp(path.join(tmpdir(), 'backflow-migrate-'));
}

/** A bare database (no migrations run) in `dataDir`'s store file, or in memory. */
async function openDatabase(dataDir?: string): Promise<StoreDatabase> {
  const instance = await DuckDBInstance.create(dataDir ? path.join(dataDir, 'state.duckdb') : ':memory:');
  instances.push(instance);
  return new StoreDatabase(await instance.connect());
}

/** A store file made by the code before versioned migrations: `statements`, then `rows`. */
async function legacyStore(statements: string[], rows: string[]): Promise<string> {
  const dataDir = await tempDir();
  const db = await openDatabase(dataDir);
  for (const statement of [...statements, ...rows]) await db.run(statement);
  await db.run('checkpoint');
  db.connection.closeSync();
  instances.pop()!.closeSync();
  return dataDir;
}

/** Every table's definition (columns, types, defaults, keys) but the migrations' own. */
function tableDefinitions(db: StoreDatabase) {
  return db.serial(() =>
    db.rows(`select table_name, sql from duckdb_tables() where table_name <> 'schema_migrations' order by table_name`),
  );
}

function appliedMigrations(db: StoreDatabase) {
  return db.serial(() => db.rows('select version, name, applied_at from schema_migrations order by version'));
}

const firstRows = [
  `insert into runs (id, flow_name, status, dry_run, started_at, finished_at, attempts, flow, summary, error)
   values ('r1', 'nightly', 'failed', false, '2026-01-01T00:00:00Z', '2026-01-01T00:01:00Z', 2,
     '{"name":"nightly","note":"zoë \\"quoted\\""}', '{"nodes":{"a":{"read":9007199254740991}}}', '{"code":"x","message":"boom"}')`,
  `insert into checkpoints (run_id, source_id, seq, cursor, states, stats, saved_at)
   values ('r1', 'a', 3, '["9007199254740993","zoë"]', '{"b":{"part":4}}', '{"nodes":{}}', '2026-01-01T00:00:30Z')`,
  `insert into logs (run_id, logged_at, level, node_id, message) values ('r1', '2026-01-01T00:00:01Z', 'warn', 'a', 'line one\nline two ✓')`,
  `insert into rejected (run_id, node_id, rejected_at, record, reasons, file, line)
   values ('r1', 'check', '2026-01-01T00:00:02Z', '{"email":null}', '["/email must be string"]', 'a.csv', 7)`,
];

describe('migrate', () => {
  it('numbers its migrations 1, 2, 3… in order, each once', () => {
    expect(allVersions).toEqual(migrations.map((_, index) => index + 1));
  });

  it('brings a fresh store to the latest version, with exactly the tables the unversioned code made and what came after', async () => {
    const fresh = await openDatabase();
    expect(await migrate(fresh)).toEqual(allVersions);
    expect((await appliedMigrations(fresh)).map((row) => [row.version, row.name])).toEqual(
      migrations.map((migration) => [migration.version, migration.name]),
    );
    const old = await openDatabase();
    for (const statement of unversioned) await old.run(statement);
    // Versions 1–5 are what the unversioned code made; later ones change it on purpose.
    for (const migration of migrations.filter((m) => m.version > 5)) {
      for (const statement of migration.statements) await old.run(statement);
    }
    expect(await tableDefinitions(fresh)).toEqual(await tableDefinitions(old));
  });

  it('adopts a store the unversioned code made, keeping every row of every table', async () => {
    const dataDir = await legacyStore(unversioned, [
      ...firstRows,
      `update runs set flow_id = 'fl_1', base_dir = '/data', fingerprint = '{"nodes":{"a":"h"},"edges":"e"}'`,
      `update checkpoints set finished = true`,
      `insert into rejected values ('r1', 'parse', 'x', null, '["unbalanced quotes"]', 'a.csv', 9, 5, '9,"open')`,
      `insert into publications values ('r1', 'table', '2026-01-01T00:00:40Z')`,
      `insert into flows values ('fl_1', 'nightly', '{"name":"nightly","nodes":[],"edges":[]}', 2, 'c', 'u', '2026-01-01T02:00:00Z')`,
      `insert into flow_versions values ('fl_1', 1, '{"name":"nightly"}', 'c'), ('fl_1', 2, '{"name":"nightly","nodes":[]}', 'u')`,
      `insert into connections values ('cn_1', 'warehouse', 'postgres', '{"host":"db"}', '{"password":"sealed"}', 'c', 'u')`,
    ]);
    const { store } = await openTempStore(dataDir);
    expect(await store.runs.get('r1')).toEqual({
      id: 'r1',
      flowId: 'fl_1',
      flowName: 'nightly',
      baseDir: '/data',
      checkpointAt: '2026-01-01T00:00:30Z',
      status: 'failed',
      dryRun: false,
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:01:00Z',
      attempts: 2,
      flow: { name: 'nightly', note: 'zoë "quoted"' },
      fingerprint: { nodes: { a: 'h' }, edges: 'e' },
      summary: { nodes: { a: { read: 9007199254740991 } } },
      error: { code: 'x', message: 'boom' },
    });
    expect(await store.checkpoints.load('r1')).toEqual([
      {
        sourceId: 'a',
        seq: 3,
        cursor: ['9007199254740993', 'zoë'],
        states: { b: { part: 4 } },
        stats: { nodes: {} },
        savedAt: '2026-01-01T00:00:30Z',
        finished: true,
      },
    ]);
    expect(await store.logs.list('r1')).toEqual([
      { runId: 'r1', at: '2026-01-01T00:00:01Z', level: 'warn', nodeId: 'a', message: 'line one\nline two ✓' },
    ]);
    const rejected = [];
    for await (const row of store.rejectedRecords.list('r1')) rejected.push(row);
    expect(rejected).toEqual([
      {
        nodeId: 'check',
        at: '2026-01-01T00:00:02Z',
        record: { email: null },
        reasons: ['/email must be string'],
        file: 'a.csv',
        line: 7,
      },
      {
        nodeId: 'parse',
        at: 'x',
        record: null,
        raw: '9,"open',
        reasons: ['unbalanced quotes'],
        file: 'a.csv',
        line: 9,
      },
    ]);
    expect(await store.publications.destinations('r1')).toEqual(new Set(['table']));
    expect(await store.flows.get('fl_1')).toMatchObject({ name: 'nightly', version: 2, document: { nodes: [] } });
    expect((await store.flows.versions('fl_1')).map((row) => row.version)).toEqual([2, 1]);
    expect(await store.flows.lastFired('fl_1')).toEqual(new Date('2026-01-01T02:00:00Z'));
    expect(await store.connections.get('cn_1')).toMatchObject({
      name: 'warehouse',
      config: { host: 'db' },
      secrets: { password: 'sealed' },
    });
    await store.close();
    const db = await openDatabase(dataDir);
    expect((await appliedMigrations(db)).map((row) => row.version)).toEqual(allVersions);
  });

  it('upgrades a store from before saved flows: its rows stay, with the later columns’ defaults', async () => {
    const dataDir = await legacyStore(beforeFlows, firstRows);
    const { store } = await openTempStore(dataDir);
    const run = await store.runs.get('r1');
    expect(run).toMatchObject({ flowName: 'nightly', attempts: 2, flow: { note: 'zoë "quoted"' } });
    expect(run).not.toHaveProperty('flowId');
    expect(run).not.toHaveProperty('fingerprint');
    expect(await store.runs.latestUnfinished('nightly')).toMatchObject({ id: 'r1' });
    const [checkpoint] = await store.checkpoints.load('r1');
    expect(checkpoint).toMatchObject({ sourceId: 'a', seq: 3, cursor: ['9007199254740993', 'zoë'] });
    expect(checkpoint).not.toHaveProperty('finished');
    await store.rejectedRecords.discard('r1', ['check'], 0);
    const rejected = [];
    for await (const row of store.rejectedRecords.list('r1')) rejected.push(row);
    expect(rejected.map((row) => row.line)).toEqual([7]);
    expect((await store.logs.list('r1')).map((line) => line.message)).toEqual(['line one\nline two ✓']);
    const flow = await store.flows.create({ name: 'new', nodes: [], edges: [] });
    expect(await store.flows.get(flow.id)).toMatchObject({ name: 'new', version: 1 });
  });

  it('applies nothing and changes nothing the second time', async () => {
    const db = await openDatabase();
    await migrate(db);
    await db.run(firstRows[0]!);
    const applied = await appliedMigrations(db);
    const tables = await tableDefinitions(db);
    expect(await migrate(db)).toEqual([]);
    expect(await appliedMigrations(db)).toEqual(applied);
    expect(await tableDefinitions(db)).toEqual(tables);
    expect(await db.serial(() => db.rows('select id, attempts from runs'))).toEqual([{ id: 'r1', attempts: 2 }]);
  });

  it('applies a migration entirely or not at all', async () => {
    const db = await openDatabase();
    const failing = {
      version: latest + 1,
      name: 'half done',
      statements: ['create table extra (a int)', 'select nope'],
    };
    await expect(migrate(db, [...migrations, failing])).rejects.toThrow(/nope/);
    expect((await appliedMigrations(db)).map((row) => row.version)).toEqual(allVersions);
    const tables = await db.serial(() => db.rows(`select table_name from duckdb_tables() where table_name = 'extra'`));
    expect(tables).toEqual([]);
    const fixed = { ...failing, statements: ['create table extra (a int)'] };
    expect(await migrate(db, [...migrations, fixed])).toEqual([latest + 1]);
  });

  it('refuses to open a store a newer Backflow migrated', async () => {
    const dataDir = await tempDir();
    const db = await openDatabase(dataDir);
    await migrate(db, [...migrations, { version: latest + 1, name: 'from the future', statements: [] }]);
    db.connection.closeSync();
    instances.pop()!.closeSync();
    const refused = await openTempStore(dataDir).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreTooNewError);
    expect(refused).toMatchObject({
      code: 'store_too_new',
      message: expect.stringMatching(new RegExp(`version ${latest + 1},.* up to ${latest}\\)`)),
    });
  });
});
