/**
 * PostgreSQL and the DuckDB warehouse, both ways, through the CLI: every Postgres type survives
 * Postgres → DuckDB → Postgres (a table created from the types the warehouse kept), and an
 * incremental sync of a Postgres table into the warehouse picks up exactly the rows inserted and
 * updated since the last succeeded run, including rows sharing the last cursor value.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { usePostgresDatabase } from '../../server/src/connectors/postgres/test-database.ts';
import { canonicalValue } from '../../server/src/node-kit/verification.ts';
import { describeWithServices, postgresService } from '../../server/src/testing/services.ts';
import { envRef, query, spawnCliWithEnv, withPostgres, workDir } from './support.ts';

/** Column → (Postgres type, Backflow type the comparison canonicalises by). */
const columns: [string, string, string][] = [
  ['id', 'integer primary key', 'INTEGER'],
  ['small', 'smallint', 'SMALLINT'],
  ['big', 'bigint', 'BIGINT'],
  ['money', 'numeric(14,2)', 'DECIMAL(14,2)'],
  ['ratio', 'real', 'FLOAT'],
  ['score', 'double precision', 'DOUBLE'],
  ['flag', 'boolean', 'BOOLEAN'],
  ['code', 'varchar(20)', 'VARCHAR'],
  ['body', 'text', 'VARCHAR'],
  ['bytes', 'bytea', 'BLOB'],
  ['day', 'date', 'DATE'],
  ['moment', 'timestamp(6)', 'TIMESTAMP'],
  ['instant', 'timestamptz', 'TIMESTAMPTZ'],
  ['clock', 'time', 'TIME'],
  ['doc', 'jsonb', 'JSON'],
  ['uid', 'uuid', 'UUID'],
  ['numbers', 'integer[]', 'INTEGER[]'],
  ['words', 'text[]', 'VARCHAR[]'],
  ['mood', 'mood', 'VARCHAR'],
];

const rows = 5000;

const fill = `
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE everything (${columns.map(([name, type]) => `${name} ${type}`).join(', ')});
INSERT INTO everything VALUES
  (1, 32767, 9223372036854775807, 999999999999.99, 3.4e38, 1.7976931348623157e308, true, 'a "b", c', E'line\\nbreak, "quoted" \\\\ Zoë 🚀',
   '\\x00ff5c27'::bytea, '2024-02-29', '2024-02-29 23:59:59.123456', '2024-02-29 23:59:59.123456+05:30', '23:59:59.999999',
   '{"b": [1, "two", null], "a": {"é": true}}', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', '{1,NULL,-3}', '{"x,y","",NULL}', 'happy'),
  (2, -32768, -9223372036854775808, -0.01, -1.5, 0.1, false, '', '', ''::bytea, '0001-01-01', '1970-01-01 00:00:00',
   '1969-12-31 23:59:59+00', '00:00:00', '[]', '00000000-0000-0000-0000-000000000000', '{}', '{}', 'sad'),
  (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
INSERT INTO everything
SELECT i, (i % 30000)::smallint, i::bigint * 1000003, (i * 7919 % 2000000) / 100.0 - 10000, i / 8.0, i * 1e-3 + 0.1, i % 2 = 0,
       'code ' || i, repeat(md5(i::text), 1 + i % 4), decode(md5(i::text), 'hex'), date '1950-01-01' + i,
       timestamp '2020-01-01' + i * interval '1.000001 second', timestamptz '2020-01-01 00:00:00+00' + i * interval '61 seconds',
       time '00:00' + (i % 86400) * interval '1 second', jsonb_build_object('n', i, 'tags', jsonb_build_array('a', i)),
       md5((i * 31)::text)::uuid, ARRAY[i, -i], ARRAY['w' || i], (ARRAY['sad', 'ok', 'happy'])[1 + i % 3]::mood
  FROM generate_series(4, ${rows}) i;`;

const source = usePostgresDatabase();
const target = usePostgresDatabase();

await describeWithServices('PostgreSQL ⇄ DuckDB warehouse', [postgresService], () => {
  it('keeps every Postgres type through Postgres → DuckDB → Postgres', async () => {
    await source.sql(fill);
    const cwd = await workDir('pg-duckdb-pg');
    await writeFlow(cwd, 'load.json', 'pg-to-warehouse', [
      { id: 'pg', type: 'postgres.source', config: { url: envRef('SOURCE_URL'), table: 'everything' } },
      { id: 'warehouse', type: 'duckdb.destination', config: { path: 'warehouse.duckdb', table: 'everything' } },
    ]);
    await writeFlow(cwd, 'restore.json', 'warehouse-to-pg', [
      { id: 'warehouse', type: 'duckdb.source', config: { path: 'warehouse.duckdb', table: 'everything', key: 'id' } },
      { id: 'pg', type: 'postgres.destination', config: { url: envRef('TARGET_URL'), table: 'everything' } },
    ]);
    const env = { SOURCE_URL: source.url, TARGET_URL: target.url };
    for (const flow of ['load.json', 'restore.json']) {
      const run = await spawnCliWithEnv(['run', flow, '--json'], cwd, env).done;
      expect(run.code, `${flow}: ${run.stderr}${run.stdout}`).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(Object.values(summary.nodes).map((node) => (node as { written: number }).written)).toEqual([rows, rows]);
    }
    // The warehouse kept the types, not text: a second run of nothing but SQL on it proves it.
    const [typed] = await query(
      `SELECT typeof(big) AS big, typeof(money) AS money, typeof(instant) AS instant, typeof(numbers) AS numbers, typeof(bytes) AS bytes FROM everything LIMIT 1`,
      path.join(cwd, 'warehouse.duckdb'),
    );
    expect(typed).toEqual({
      big: 'BIGINT',
      money: 'DECIMAL(14,2)',
      instant: 'TIMESTAMP WITH TIME ZONE',
      numbers: 'INTEGER[]',
      bytes: 'BLOB',
    });
    expect(await canonicalTable(target.url)).toEqual(await canonicalTable(source.url));
    // The restored table was created with the types the data came with (an enum lands as text).
    const created = await target.sql(
      `SELECT attname AS name, format_type(atttypid, atttypmod) AS type FROM pg_attribute
        WHERE attrelid = 'everything'::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    );
    expect(Object.fromEntries(created.map((row) => [row.name, row.type]))).toMatchObject({
      big: 'bigint',
      money: 'numeric(14,2)',
      ratio: 'real',
      flag: 'boolean',
      bytes: 'bytea',
      moment: 'timestamp without time zone',
      instant: 'timestamp with time zone',
      doc: 'jsonb',
      uid: 'uuid',
      numbers: 'integer[]',
      words: 'text[]',
    });
  }, 300_000);

  it('syncs only the rows inserted and updated since the last run, rows sharing the last cursor value included', async () => {
    await source.sql(`CREATE TABLE events (id integer primary key, updated_at timestamptz not null, body text);
      INSERT INTO events SELECT i, timestamptz '2024-01-01 00:00:00+00' + (i / 10) * interval '1 minute', 'v1 ' || i
        FROM generate_series(1, 1000) i;`);
    const cwd = await workDir('pg-incremental');
    await writeFlow(cwd, 'sync.json', 'events-sync', [
      {
        id: 'events',
        type: 'postgres.source',
        config: { url: envRef('SOURCE_URL'), table: 'events', incremental: { cursor: 'updated_at' } },
      },
      {
        id: 'warehouse',
        type: 'duckdb.destination',
        config: { path: 'warehouse.duckdb', table: 'events', mode: 'upsert', key: 'id' },
      },
    ]);
    const sync = async () => {
      const run = await spawnCliWithEnv(['run', 'sync.json', '--json'], cwd, { SOURCE_URL: source.url }).done;
      expect(run.code, run.stderr + run.stdout).toBe(0);
      return JSON.parse(run.stdout) as { nodes: Record<string, { read: number }> };
    };
    expect((await sync()).nodes.events?.read).toBe(1000);
    // The last run ended at 10:00 (ids 1000); rows 1001–1004 share that very cursor value, 1005 is later,
    // and ten old rows are updated to a later time.
    await source.sql(`INSERT INTO events SELECT i, timestamptz '2024-01-01 01:40:00+00', 'v1 ' || i FROM generate_series(1001, 1004) i;
      INSERT INTO events VALUES (1005, timestamptz '2024-01-01 02:00:00+00', 'v1 1005');
      UPDATE events SET updated_at = timestamptz '2024-01-02 00:00:00+00', body = 'v2 ' || id WHERE id % 100 = 7;`);
    expect((await sync()).nodes.events?.read).toBe(4 + 1 + 10);
    expect((await sync()).nodes.events?.read).toBe(0);
    const warehouse = await query(`SELECT id, body FROM events ORDER BY id`, path.join(cwd, 'warehouse.duckdb'));
    const expected = await source.sql(`SELECT id, body FROM events ORDER BY id`);
    expect(warehouse).toEqual(expected.map((row) => ({ id: Number(row.id), body: row.body })));
  }, 300_000);
});

async function writeFlow(cwd: string, file: string, name: string, nodes: object[]): Promise<void> {
  const ids = nodes.map((node) => (node as { id: string }).id);
  const edges = ids.slice(1).map((id, index) => ({ from: ids[index], to: id }));
  await writeFile(path.join(cwd, file), JSON.stringify({ name, settings: { batchSize: 700 }, nodes, edges }, null, 2));
}

/** Every row of `everything` in canonical form, in key order. */
async function canonicalTable(url: string): Promise<string[]> {
  return withPostgres(url, async (client) => {
    const result = await client.query(`SELECT ${columns.map(([name]) => name).join(', ')} FROM everything ORDER BY id`);
    return result.rows.map((row: Record<string, unknown>) =>
      JSON.stringify(columns.map(([name, , type]) => canonicalValue(row[name], type))),
    );
  });
}
