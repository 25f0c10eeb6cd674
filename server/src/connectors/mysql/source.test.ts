import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import type { SourceBatch } from '../../node-kit/contract.ts';
import { collect, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { mysqlSource } from './source.ts';
import { useMysqlDatabase } from './test-database.ts';

const records = (batches: SourceBatch[]) => batches.flatMap((batch) => (batch.kind === 'records' ? batch.records : []));

await describeWithServices('mysql.source', [mariadbService], () => {
  const db = useMysqlDatabase();

  describe('values', () => {
    it('reads every type as its record form, zero dates as NULL with a counted warning', async () => {
      await db.sql(`
        SET SESSION sql_mode = '';
        CREATE TABLE kinds (
          id int unsigned NOT NULL AUTO_INCREMENT PRIMARY KEY, flag tinyint(1), ti tinyint, uti tinyint unsigned,
          si smallint, mi mediumint, i int NOT NULL DEFAULT 0, bi bigint, ubi bigint unsigned, dec1 decimal(20,4),
          wide decimal(65,30), f float, d double, c char(3), vc varchar(10), tt tinytext, t text, lt longtext,
          j json, bin varbinary(8), bl blob, dt date, dtm datetime(6), ts timestamp(3) NULL, tm time, y year,
          e enum('a','it''s "b"'), st set('x','y','z'), b1 bit(1), b10 bit(10), u uuid
        ) CHARACTER SET utf8mb4;
        SET time_zone = '+05:00';
        INSERT INTO kinds VALUES
          (1, 1, -128, 255, -32768, -8388608, -2147483648, -9223372036854775808, 18446744073709551615,
           -1234567890123456.7891, 12345678901234567890123456789012345.123456789012345678901234567890,
           0.5, 1e300, 'ab', 'a"b''c', 'tiny', 'line1\\nline2, "quoted"\\r\\n😀 ünï', repeat('x', 3), '{"b": [1, 2.50], "a": "x"}',
           x'00ff5c2227', x'616200', '2024-02-29', '2024-01-02 03:04:05.123456', '2024-01-02 08:04:05.5', '-838:59:59',
           2024, 'it''s "b"', 'x,z', b'1', b'0000000101', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'),
          (2, 0, 127, 0, 32767, 8388607, 2147483647, 9223372036854775807, 0, 0.0001, -0.5, -1.25, -0, '', '', '', '',
           '', '[]', '', '', '0000-00-00', '0000-00-00 00:00:00', '0000-00-00 00:00:00', '00:00:00', 0, 'a', '', b'0',
           b'0', '00000000-0000-0000-0000-000000000000'),
          (3, NULL, NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
           NULL, NULL, '2024-00-15', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
      `);
      const dir = await temporaryDirectory();
      const warnings: { message: string; fields?: Record<string, unknown> }[] = [];
      const ctx = testContext(dir, {
        log: {
          info: () => undefined,
          error: () => undefined,
          warn: (message, fields) => warnings.push({ message, fields }),
        },
      });
      const batches = await collect(mysqlSource.read({ url: db.url, table: 'kinds' }, ctx));
      const rows = records(batches);
      expect(rows[0]).toEqual({
        id: 1,
        flag: true,
        ti: -128,
        uti: 255,
        si: -32768,
        mi: -8388608,
        i: -2147483648,
        bi: '-9223372036854775808',
        ubi: '18446744073709551615',
        dec1: '-1234567890123456.7891',
        wide: '12345678901234567890123456789012345.123456789012345678901234567890',
        f: 0.5,
        d: 1e300,
        c: 'ab',
        vc: `a"b'c`,
        tt: 'tiny',
        t: 'line1\nline2, "quoted"\r\n😀 ünï',
        lt: 'xxx',
        j: '{"b": [1, 2.50], "a": "x"}',
        bin: '\\x00\\xFF\\x5C\\x22\\x27',
        bl: 'ab\\x00',
        dt: '2024-02-29',
        dtm: '2024-01-02 03:04:05.123456',
        ts: '2024-01-02 03:04:05.500+00',
        tm: '-838:59:59',
        y: 2024,
        e: `it's "b"`,
        st: ['x', 'z'],
        b1: true,
        b10: '0000000101',
        u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      });
      expect(rows[1]).toMatchObject({
        flag: false,
        ti: 127,
        bi: '9223372036854775807',
        ubi: '0',
        dec1: '0.0001',
        wide: '-0.500000000000000000000000000000',
        f: -1.25,
        vc: '',
        bin: '',
        dt: null,
        dtm: null,
        ts: null,
        tm: '00:00:00',
        st: [],
        b1: false,
        b10: '0000000000',
      });
      expect(rows[2]).toMatchObject({ dt: null, flag: null, j: null, st: null });
      expect(warnings.map((warning) => warning.fields)).toEqual([
        { table: 'kinds', column: 'dt', count: 2 },
        { table: 'kinds', column: 'dtm', count: 1 },
        { table: 'kinds', column: 'ts', count: 1 },
      ]);
      const batch = batches[0] as Extract<SourceBatch, { kind: 'records' }>;
      expect(batch.schema).toEqual([
        { name: 'id', type: 'UINTEGER', notNull: true, autoIncrement: true },
        { name: 'flag', type: 'BOOLEAN' },
        { name: 'ti', type: 'TINYINT' },
        { name: 'uti', type: 'UTINYINT' },
        { name: 'si', type: 'SMALLINT' },
        { name: 'mi', type: 'INTEGER' },
        { name: 'i', type: 'INTEGER', notNull: true },
        { name: 'bi', type: 'BIGINT' },
        { name: 'ubi', type: 'UBIGINT' },
        { name: 'dec1', type: 'DECIMAL(20,4)' },
        { name: 'wide', type: 'VARCHAR' },
        { name: 'f', type: 'FLOAT' },
        { name: 'd', type: 'DOUBLE' },
        { name: 'c', type: 'VARCHAR', maxLength: 3 },
        { name: 'vc', type: 'VARCHAR', maxLength: 10 },
        { name: 'tt', type: 'VARCHAR', maxLength: 255 },
        { name: 't', type: 'VARCHAR', maxLength: 65535 },
        { name: 'lt', type: 'VARCHAR', maxLength: 4294967295 },
        { name: 'j', type: 'JSON' },
        { name: 'bin', type: 'BLOB' },
        { name: 'bl', type: 'BLOB' },
        { name: 'dt', type: 'DATE' },
        { name: 'dtm', type: 'TIMESTAMP' },
        { name: 'ts', type: 'TIMESTAMPTZ' },
        { name: 'tm', type: 'TIME' },
        { name: 'y', type: 'SMALLINT' },
        { name: 'e', type: `ENUM('a', 'it''s "b"')` },
        { name: 'st', type: 'VARCHAR[]' },
        { name: 'b1', type: 'BOOLEAN' },
        { name: 'b10', type: 'BIT', maxLength: 10 },
        { name: 'u', type: 'UUID' },
      ]);
      expect(batch.shape).toEqual({ primaryKey: ['id'], indexes: [], foreignKeys: [] });
    });

    it("types a query's columns from its result metadata", async () => {
      const batches = await collect(
        mysqlSource.read(
          { url: db.url, query: 'SELECT id, flag, bi, dec1, j, ts, st, bl, u FROM kinds WHERE id = 1', key: 'id' },
          testContext(await temporaryDirectory()),
        ),
      );
      const batch = batches[0] as Extract<SourceBatch, { kind: 'records' }>;
      expect(batch.schema?.map((column) => `${column.name} ${column.type}`)).toEqual([
        'id UINTEGER',
        'flag BOOLEAN',
        'bi BIGINT',
        'dec1 DECIMAL(20,4)',
        'j JSON',
        'ts TIMESTAMPTZ',
        'st VARCHAR[]',
        'bl BLOB',
        'u UUID',
      ]);
      expect(batch.records).toEqual([
        {
          id: 1,
          flag: true,
          bi: '-9223372036854775808',
          dec1: '-1234567890123456.7891',
          j: '{"b": [1, 2.50], "a": "x"}',
          ts: '2024-01-02 03:04:05.500+00',
          st: ['x', 'z'],
          bl: 'ab\\x00',
          u: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        },
      ]);
    });
  });

  describe('errors', () => {
    it('refuses a wrong password and a missing table readably, never showing the password', async () => {
      const dir = await temporaryDirectory();
      const wrong = db.url.replace('root@', 'root:hunter2-secret@');
      const refusal = await mysqlSource.check!({ url: wrong, table: 'kinds' }, testContext(dir)).catch(
        (e: unknown) => e,
      );
      expect(refusal).toBeInstanceOf(ConfigError);
      expect((refusal as Error).message).toMatch(
        /^node "node-1": cannot connect to mysql:\/\/root:\*\*\*@127\.0\.0\.1:3306\/bf_test_\w+: Access denied/,
      );
      expect((refusal as Error).message).not.toContain('hunter2');
      await expect(mysqlSource.check!({ url: db.url, table: 'missing' }, testContext(dir))).rejects.toThrow(
        `node "node-1": table "missing" does not exist in ${db.name}`,
      );
    });
  });
});
