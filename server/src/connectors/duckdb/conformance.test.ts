import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Rec } from '../../node-kit/contract.ts';
import { recordItem } from '../../testing/conformance/checks.ts';
import { describeConformance } from '../../testing/conformance/describe-conformance.ts';
import { duckdbDestination } from './destination.ts';
import { duckdbSource } from './source.ts';
import { sql } from './test-context.ts';

/** 40 rows with the nasty cases: quotes, a newline, unicode, a NULL. */
const rows: Rec[] = Array.from({ length: 40 }, (_, i) => ({
  id: i + 1,
  name: [`plain ${i}`, `it's "quoted", ${i}`, `two\nlines ${i}`, `ünïcødé ✓ ${i}`][i % 4]!,
  active: i % 3 === 0,
  note: i % 5 === 0 ? null : `note ${i}`,
}));

const literal = (value: unknown) =>
  value === null ? 'NULL' : typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);

describeConformance({
  name: 'duckdb',
  source: {
    type: duckdbSource,
    async setUp(dir) {
      await sql(
        path.join(dir, 'source.duckdb'),
        `CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR, active BOOLEAN, note VARCHAR);
         INSERT INTO items VALUES ${rows.map((r) => `(${[r.id, r.name, r.active, r.note].map(literal).join(', ')})`).join(', ')};`,
      );
      return { config: { path: 'source.duckdb', table: 'items', key: 'id' }, expected: rows.map(recordItem) };
    },
    refused: async () => ({ path: 'no-such.duckdb', table: 'items' }),
  },
  destination: {
    type: duckdbDestination,
    async setUp(dir) {
      const file = path.join(dir, 'target.duckdb');
      const batches = [0, 1, 2, 3, 4].map((b) => rows.slice(b * 8, b * 8 + 8));
      return {
        config: { path: 'target.duckdb', table: 'items' },
        payloads: batches.map((records) => ({ kind: 'records' as const, stream: 'items', records })),
        async readBack() {
          if (!existsSync(file)) return [];
          const exists = await sql(file, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'items'");
          if (Number(exists[0]![0]) === 0) return [];
          const back = await sql(file, 'SELECT id, name, active, note FROM items ORDER BY id');
          return back.map(([id, name, active, note]) => recordItem({ id, name, active, note }));
        },
      };
    },
    async refused(dir) {
      await writeFile(path.join(dir, 'a-file'), 'not a directory');
      return { path: 'a-file/target.duckdb', table: 'items' };
    },
    async refusable(dir) {
      await sql(path.join(dir, 'typed.duckdb'), 'CREATE TABLE items (id INTEGER NOT NULL, amount DECIMAL(10,2))');
      const records = [
        { id: 1, amount: '1.50' },
        { id: 'two', amount: '2.00' },
        { id: 3, amount: 'lots' },
        { id: null, amount: '4.00' },
        { id: 5, amount: '5.25' },
      ];
      return {
        config: { path: 'typed.duckdb', table: 'items' },
        payload: { kind: 'records', stream: 'items', records },
        refused: 3,
      };
    },
  },
});
