import type { Column, Rec } from '../../node-kit/contract.ts';
import { recordItem } from '../../testing/conformance/checks.ts';
import { describeConformance } from '../../testing/conformance/describe-conformance.ts';
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { mysqlDestination } from './destination.ts';
import { useMysqlDatabase } from './test-database.ts';

const db = useMysqlDatabase();
const password = 'conformance-secret-pw';

/** Built in code, with the nasty cases: quotes, newlines, unicode, nulls, big numbers as text. */
const rows: Rec[] = Array.from({ length: 30 }, (_, i) => ({
  id: i + 1,
  name: [`plain ${i}`, `"quoted", ${i}`, `two\nlines\t${i} \\`, `ünïcødé ✓ ${i}`][i % 4],
  amount: i % 5 === 0 ? null : String(2n ** 62n + BigInt(i)),
}));
const schema: Column[] = [
  { name: 'id', type: 'INTEGER', notNull: true },
  { name: 'name', type: 'VARCHAR' },
  { name: 'amount', type: 'BIGINT' },
];

let tableNumber = 0;

await describeWithServices('mysql.destination conformance', [mariadbService], () => {
  describeConformance({
    name: 'mysql',
    destination: {
      type: mysqlDestination,
      async setUp() {
        const table = `conformance_${++tableNumber}`;
        return {
          config: { url: db.url, table },
          payloads: [0, 1, 2, 3, 4].map((b) => ({
            kind: 'records' as const,
            stream: 'rows',
            records: rows.slice(b * 6, b * 6 + 6),
            schema,
            shape: { primaryKey: ['id'] },
          })),
          async readBack() {
            const exists = await db.sql(
              `SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`,
              [table],
            );
            if (exists.length === 0) return [];
            const found = await db.sql(`SELECT id, name, amount FROM \`${table}\``);
            return found.map((row) => recordItem({ id: Number(row.id), name: row.name, amount: row.amount }));
          },
        };
      },
      // root has no password: one given is refused.
      refused: async () => ({ url: `mysql://root:${password}@127.0.0.1:3306/bf_missing_database`, table: 'x' }),
      async refusable() {
        const table = `conformance_refusable_${++tableNumber}`;
        return {
          config: { url: db.url, table },
          payload: {
            kind: 'records',
            stream: 'rows',
            records: [
              { id: 1, name: 'ok', amount: '1' },
              { id: 2, name: 'bad amount', amount: 'not a number' },
              { id: null, name: 'no id', amount: '3' },
              { id: 4, name: 'ok', amount: '4' },
            ],
            schema,
          },
          refused: 2,
        };
      },
    },
    secrets: [password],
  });
});
