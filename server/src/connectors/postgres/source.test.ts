import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import type { Rec, SourceBatch } from '../../node-kit/contract.ts';
import { collect, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { describeWithServices, postgresService } from '../../testing/services.ts';
import { postgresSource } from './source.ts';
import { usePostgresDatabase } from './test-database.ts';

const records = (batches: SourceBatch[]) => batches.flatMap((batch) => (batch.kind === 'records' ? batch.records : []));

await describeWithServices('postgres.source', [postgresService], () => {
  const db = usePostgresDatabase();

  describe('values', () => {
    it('reads every type as its record form, nasty values included', async () => {
      await db.sql(`
        CREATE TYPE mood AS ENUM ('happy', 'it''s "ok"');
        CREATE TABLE kinds (
          id serial PRIMARY KEY, i2 smallint, i4 integer NOT NULL DEFAULT 0, i8 bigint, n numeric(20,4), nu numeric,
          r real, d double precision, b boolean, vc varchar(10), ch char(3), t text, by bytea, dt date,
          ts timestamp(6), tstz timestamptz, tm time, tmtz timetz, iv interval, j json, jb jsonb, u uuid, e mood,
          ia integer[], ta text[], i8a bigint[], grid integer[][], moods mood[], ip inet, bits bit varying(8)
        );
        INSERT INTO kinds VALUES
          (1, 32767, -2147483648, 9223372036854775807, -1234567890123456.7891, 123456789012345678901234567890.123456789,
           0.1, 1e300, true, 'a"b''c', 'ab', E'line1\\nline2, "quoted"\\r\\n😀 ünï', '\\x00ff5c2227', '2024-02-29',
           '2024-01-02 03:04:05.123456', '2024-01-02 03:04:05+05:30', '13:14:15.5', '13:14:15+05:30',
           '1 year 2 mons -3 days 04:05:06.789', '{"b": [1, 2.50], "a": "x"}', '{"b": [1, 2.50], "a": "x"}',
           'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', 'it''s "ok"',
           '{1,NULL,-3}', '{"a,b","c\\"d",NULL,""}', '{9223372036854775807}', '{{1,2},{3,4}}', '{happy}', '10.0.0.1/8', B'101'),
          (2, -32768, 2147483647, -9223372036854775808, 0.0001, 'NaN', '-Infinity', 'NaN', false, '', '', '', '', 'infinity',
           '-infinity', '2024-06-30 23:59:59.999999+00', '00:00:00', '00:00:00-08', '-00:00:01', 'null', '[]',
           '00000000-0000-0000-0000-000000000000', 'happy', '{}', '{}', '{}', '{}', '{}', '::1', B''),
          (3, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      `);
      const dir = await temporaryDirectory();
      const batches = await collect(postgresSource.read({ url: db.url, table: 'kinds' }, testContext(dir)));
      const rows = records(batches);
      expect(rows[0]).toEqual({
        id: 1,
        i2: 32767,
        i4: -2147483648,
        i8: '9223372036854775807',
        n: '-1234567890123456.7891',
        nu: '123456789012345678901234567890.123456789',
        r: 0.1,
        d: 1e300,
        b: true,
        vc: `a"b'c`,
        ch: 'ab ',
        t: 'line1\nline2, "quoted"\r\n😀 ünï',
        by: '\\x00\\xFF\\x5C\\x22\\x27',
        dt: '2024-02-29',
        ts: '2024-01-02 03:04:05.123456',
        tstz: '2024-01-01 21:34:05+00',
        tm: '13:14:15.5',
        tmtz: '13:14:15+05:30',
        iv: { months: 14, days: -3, micros: '14706789000' },
        j: '{"b": [1, 2.50], "a": "x"}',
        jb: '{"a": "x", "b": [1, 2.50]}',
        u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        e: `it's "ok"`,
        ia: [1, null, -3],
        ta: ['a,b', 'c"d', null, ''],
        i8a: ['9223372036854775807'],
        grid: [
          [1, 2],
          [3, 4],
        ],
        moods: ['happy'],
        ip: '10.0.0.1/8',
        bits: '101',
      });
      expect(rows[1]).toMatchObject({
        i2: -32768,
        i4: 2147483647,
        i8: '-9223372036854775808',
        n: '0.0001',
        nu: 'NaN',
        r: '-Infinity',
        d: 'NaN',
        b: false,
        vc: '',
        ch: '   ',
        t: '',
        by: '',
        dt: 'infinity',
        ts: '-infinity',
        tstz: '2024-06-30 23:59:59.999999+00',
        iv: { months: 0, days: 0, micros: '-1000000' },
        j: 'null',
        jb: '[]',
        ia: [],
        bits: '',
      });
      expect(Object.values(rows[2] as Rec).filter((value) => value !== null)).toEqual([3, 0]);
      const batch = batches[0] as Extract<SourceBatch, { kind: 'records' }>;
      expect(batch.stream).toBe('kinds');
      expect(batch.schema).toEqual([
        { name: 'id', type: 'INTEGER', notNull: true, autoIncrement: true },
        { name: 'i2', type: 'SMALLINT' },
        { name: 'i4', type: 'INTEGER', notNull: true },
        { name: 'i8', type: 'BIGINT' },
        { name: 'n', type: 'DECIMAL(20,4)' },
        { name: 'nu', type: 'DECIMAL(38,10)' },
        { name: 'r', type: 'FLOAT' },
        { name: 'd', type: 'DOUBLE' },
        { name: 'b', type: 'BOOLEAN' },
        { name: 'vc', type: 'VARCHAR', maxLength: 10 },
        { name: 'ch', type: 'VARCHAR', maxLength: 3 },
        { name: 't', type: 'VARCHAR' },
        { name: 'by', type: 'BLOB' },
        { name: 'dt', type: 'DATE' },
        { name: 'ts', type: 'TIMESTAMP' },
        { name: 'tstz', type: 'TIMESTAMPTZ' },
        { name: 'tm', type: 'TIME' },
        { name: 'tmtz', type: 'TIMETZ' },
        { name: 'iv', type: 'INTERVAL' },
        { name: 'j', type: 'JSON' },
        { name: 'jb', type: 'JSON' },
        { name: 'u', type: 'UUID' },
        { name: 'e', type: `ENUM('happy', 'it''s "ok"')` },
        { name: 'ia', type: 'INTEGER[]' },
        { name: 'ta', type: 'VARCHAR[]' },
        { name: 'i8a', type: 'BIGINT[]' },
        { name: 'grid', type: 'INTEGER[]' },
        { name: 'moods', type: `ENUM('happy', 'it''s "ok"')[]` },
        { name: 'ip', type: 'VARCHAR' },
        { name: 'bits', type: 'BIT' },
      ]);
      expect(batch.shape).toEqual({ primaryKey: ['id'], indexes: [], foreignKeys: [] });
    });
  });

  describe('errors and discover', () => {
    it('refuses an unreachable server and a missing table readably, never showing the password', async () => {
      const dir = await temporaryDirectory();
      const down = 'postgres://app:hunter2-secret@127.0.0.1:1/shop';
      const refusal = await postgresSource.check!({ url: down }, testContext(dir)).catch((e: unknown) => e);
      expect(refusal).toBeInstanceOf(ConfigError);
      expect((refusal as Error).message).toMatch(
        /^node "node-1": cannot connect to postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/shop: /,
      );
      expect((refusal as Error).message).not.toContain('hunter2');
      await expect(postgresSource.check!({ url: db.url, table: 'missing' }, testContext(dir))).rejects.toThrow(
        'node "node-1": table "missing" does not exist in public',
      );
      // One statement only: a second one in the query is refused, not run.
      await expect(
        postgresSource.check!({ url: db.url, query: 'SELECT 1 AS a; DROP TABLE kinds' }, testContext(dir)),
      ).rejects.toThrow(/the query cannot be read/);
      expect(await db.sql('SELECT count(*) AS n FROM kinds')).toEqual([{ n: '3' }]);
    });

    it('discovers tables of every schema with columns, keys and foreign keys', async () => {
      await db.sql(`
        CREATE SCHEMA sales;
        CREATE TABLE sales.regions (code char(2) PRIMARY KEY, name text NOT NULL);
        CREATE TABLE sales.orders (id bigserial PRIMARY KEY, region char(2) REFERENCES sales.regions ON DELETE CASCADE);
        CREATE UNIQUE INDEX regions_name ON sales.regions (name);`);
      const streams = await postgresSource.discover!({ url: db.url }, testContext(await temporaryDirectory()));
      expect(streams.find((stream) => stream.name === 'sales.orders')).toEqual({
        name: 'sales.orders',
        key: ['id'],
        columns: [
          { name: 'id', type: 'BIGINT', notNull: true, autoIncrement: true },
          { name: 'region', type: 'VARCHAR', maxLength: 2 },
        ],
        shape: {
          primaryKey: ['id'],
          indexes: [],
          foreignKeys: [
            {
              name: 'orders_region_fkey',
              columns: ['region'],
              referencedStream: 'sales.regions',
              referencedColumns: ['code'],
              onDelete: 'CASCADE',
              onUpdate: 'NO ACTION',
            },
          ],
        },
      });
      expect(streams.find((stream) => stream.name === 'sales.regions')?.shape?.indexes).toEqual([
        { name: 'regions_name', columns: ['name'], unique: true },
      ]);
      expect(streams.map((stream) => stream.name)).toContain('kinds');
    });
  });
});
