/**
 * The benchmark inputs, generated once into `test/bench/.data/` (gitignored) and reused by later
 * runs: orders tables of 1M, 5M and 10M rows, and a 1M-row CSV export of the smallest.
 */
import { access, mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateOrders } from '../../server/src/demo/warehouse.ts';
import { sqlString } from './sql.ts';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const dataDir = path.join(benchDir, '.data');

export interface BenchData {
  /** DuckDB files holding only an `orders` table, by row count. */
  orders: { rows1M: string; rows5M: string; rows10M: string };
  /** The 1M-row orders table as plain CSV with a header line. */
  ordersCsv: string;
}

/** Builds whatever of the inputs is missing and returns where they are. */
export async function prepareBenchData(): Promise<BenchData> {
  await mkdir(dataDir, { recursive: true });
  const orders = {
    rows1M: await ordersTable(1_000_000),
    rows5M: await ordersTable(5_000_000),
    rows10M: await ordersTable(10_000_000),
  };
  const ordersCsv = path.join(dataDir, 'orders-1m.csv');
  await exportCsvOnce(orders.rows1M, ordersCsv);
  return { orders, ordersCsv };
}

async function ordersTable(rows: number): Promise<string> {
  const file = path.join(dataDir, `orders-${rows / 1_000_000}m.duckdb`);
  await generateOrders(file, rows);
  return file;
}

/** DuckDB writes the CSV under a temporary name, renamed when complete so a crash leaves no half file. */
async function exportCsvOnce(database: string, target: string): Promise<void> {
  if (await exists(target)) return;
  const temporary = `${target}.building`;
  const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    await connection.run(`COPY (SELECT * FROM orders ORDER BY order_id) TO ${sqlString(temporary)} (HEADER)`);
    connection.closeSync();
  } finally {
    instance.closeSync();
  }
  await rename(temporary, target);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
