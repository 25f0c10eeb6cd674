import type { Rec } from '../../node-kit/contract.ts';
import { recordItem } from '../../testing/conformance/checks.ts';
import { describeConformance } from '../../testing/conformance/describe-conformance.ts';
import { describeWithServices, mariadbService } from '../../testing/services.ts';
import { sqlDestinationConformance } from '../../testing/sql-destination-suite.ts';
import { mysqlDestination } from './destination.ts';
import { mysqlSource } from './source.ts';
import { quoteIdentifier } from './sql.ts';
import { useMysqlDatabase } from './test-database.ts';

/**
 * `mysql.source` and `mysql.destination` against the conformance suite, on a database of their own.
 * The wrong password of the refused configs (root has none): it must never reach a log line or an error.
 */
const secret = 'conformance-secret-pw';

const customers: Rec[] = Array.from({ length: 12 }, (_, i) => ({
  id: i + 1,
  name: [`plain ${i}`, `"quoted", ${i}`, `two\nlines ${i}`, `ünïcødé ✓ ${i}`][i % 4],
  vip: i % 3 === 0,
}));
const orders: Rec[] = Array.from({ length: 30 }, (_, i) => ({
  id: String(2n ** 62n + BigInt(i)),
  customer_id: (i % 12) + 1,
  amount: i % 5 === 0 ? null : `${i % 2 ? '-' : ''}${i}.25`,
  placed_at: `2024-01-${String((i % 28) + 1).padStart(2, '0')} 10:00:00+00`,
}));

await describeWithServices('mysql conformance', [mariadbService], () => {
  const db = useMysqlDatabase();
  describeConformance({
    name: 'mysql',
    source: {
      type: mysqlSource,
      async setUp() {
        await db.sql(`
          DROP TABLE IF EXISTS orders, customers;
          CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL, vip tinyint(1) NOT NULL);
          CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, amount decimal(12,2), placed_at timestamp NOT NULL,
                               FOREIGN KEY (customer_id) REFERENCES customers (id));
          SET time_zone = '+00:00';`);
        for (const c of customers) await db.sql('INSERT INTO customers VALUES (?, ?, ?)', [c.id, c.name, c.vip]);
        for (const o of orders) {
          const placed = String(o.placed_at).replace('+00', '');
          await db.sql('INSERT INTO orders VALUES (?, ?, ?, ?)', [o.id, o.customer_id, o.amount, placed]);
        }
        return { config: { url: db.url, tables: ['*'] }, expected: [...customers, ...orders].map(recordItem) };
      },
      refused: async () => ({ url: db.url.replace('root@', `root:${secret}@`), tables: ['*'] }),
    },
    destination: sqlDestinationConformance({
      type: mysqlDestination,
      db,
      config: (table) => ({ url: db.url, table }),
      refused: async () => ({ url: `mysql://root:${secret}@127.0.0.1:3306/bf_missing_database`, table: 'x' }),
      tableExists: async (table) =>
        (
          await db.sql(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, [
            table,
          ])
        ).length > 0,
      quoteIdentifier,
    }),
    secrets: [secret],
  });
});
