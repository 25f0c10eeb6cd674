import type { Rec } from '../../node-kit/contract.ts';
import { recordItem } from '../../testing/conformance/checks.ts';
import { describeConformance } from '../../testing/conformance/describe-conformance.ts';
import { describeWithServices, postgresService } from '../../testing/services.ts';
import { sqlDestinationConformance } from '../../testing/sql-destination-suite.ts';
import { postgresDestination } from './destination.ts';
import { postgresSource } from './source.ts';
import { quoteIdentifier } from './sql.ts';
import { usePostgresDatabase } from './test-database.ts';

/**
 * `postgres.source` and `postgres.destination` against the conformance suite, on a database of their own.
 * A password the trusting test server never asks for: it must still never reach a log line or an error.
 */
const secret = 'conformance-secret-pw';

const customers: Rec[] = Array.from({ length: 12 }, (_, i) => ({
  id: i + 1,
  name: [`plain ${i}`, `"quoted", ${i}`, `two\nlines ${i}`, `ünïcødé ✓ ${i}`][i % 4],
}));
const orders: Rec[] = Array.from({ length: 30 }, (_, i) => ({
  id: String(2n ** 62n + BigInt(i)),
  customer_id: (i % 12) + 1,
  amount: i % 5 === 0 ? null : `${i % 2 ? '-' : ''}${i}.25`,
  placed_at: `2024-01-${String((i % 28) + 1).padStart(2, '0')} 10:00:00+00`,
}));

await describeWithServices('postgres conformance', [postgresService], () => {
  const db = usePostgresDatabase();
  const url = db.url.replace('postgres@', `postgres:${secret}@`);
  describeConformance({
    name: 'postgres',
    source: {
      type: postgresSource,
      async setUp() {
        await db.sql(`
          DROP TABLE IF EXISTS orders, customers;
          CREATE TABLE customers (id integer PRIMARY KEY, name text NOT NULL);
          CREATE TABLE orders (id bigint PRIMARY KEY, customer_id integer REFERENCES customers,
                               amount numeric(12,2), placed_at timestamptz NOT NULL);`);
        for (const c of customers) await db.sql('INSERT INTO customers VALUES ($1, $2)', [c.id, c.name]);
        for (const o of orders) {
          await db.sql('INSERT INTO orders VALUES ($1, $2, $3, $4)', [o.id, o.customer_id, o.amount, o.placed_at]);
        }
        return { config: { url, tables: ['*'] }, expected: [...customers, ...orders].map(recordItem) };
      },
      refused: async () => ({ url: url.replace(db.name, 'bf_no_such_database'), tables: ['*'] }),
    },
    destination: sqlDestinationConformance({
      type: postgresDestination,
      db,
      config: (table) => ({ url: db.url, password: secret, table }),
      // Trust auth accepts any password, so the refused config names a database that is not there.
      refused: async () => ({ url: `postgres://postgres:${secret}@127.0.0.1:5432/bf_missing_database`, table: 'x' }),
      tableExists: async (table) => (await db.sql(`SELECT to_regclass($1) AS t`, [table]))[0]?.t !== null,
      quoteIdentifier,
    }),
    secrets: [secret],
  });
});
