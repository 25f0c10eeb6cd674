/**
 * Throughput of the two node types on an 8-column orders table, checked for exactness. The row
 * count defaults to 200k to keep `npm test` quick; README.md's figures come from
 * `BACKFLOW_DUCKDB_BENCH_ROWS=1000000 npx vitest run server/src/connectors/duckdb/throughput.test.ts`.
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { generateOrders } from '../../demo/warehouse.ts';
import type { SourceBatch } from '../../node-kit/contract.ts';
import { temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { duckdbDestination } from './destination.ts';
import { duckdbSource } from './source.ts';
import { sql } from './test-context.ts';

const ROWS = Number(process.env.BACKFLOW_DUCKDB_BENCH_ROWS ?? 200_000);

/** The orders table plus a free-text column: 8 columns of BIGINT, TIMESTAMPTZ, VARCHAR, DECIMAL and INTEGER. */
const ORDERS_WITH_NOTE = `SELECT *, 'order "' || order_id || '"' AS note FROM orders`;

it(`reads and loads ${ROWS} orders exactly, and reports rows/s`, async () => {
  const dir = await temporaryDirectory();
  await generateOrders(join(dir, 'orders.duckdb'), ROWS);
  const ctx = testContext(dir, { batchSize: 10_000 });
  const source = { path: 'orders.duckdb', query: ORDERS_WITH_NOTE, key: 'order_id' };

  let started = performance.now();
  const batches: SourceBatch[] = [];
  for await (const batch of duckdbSource.read!(source, ctx)) batches.push(batch);
  const readSeconds = (performance.now() - started) / 1000;

  started = performance.now();
  const writer = await duckdbDestination.open!({ path: 'copy.duckdb', table: 'orders' }, ctx);
  for (const [index, batch] of batches.entries()) await writer.write(batch, index + 1);
  await writer.prepare();
  await writer.commit();
  const loadSeconds = (performance.now() - started) / 1000;

  const checksum = `SELECT count(*), bit_xor(hash(t)) FROM (${ORDERS_WITH_NOTE}) t`;
  expect(await sql(join(dir, 'copy.duckdb'), `SELECT count(*), bit_xor(hash(t)) FROM orders t`)).toEqual(
    await sql(join(dir, 'orders.duckdb'), checksum),
  );
  expect(ctx.rejected).toEqual([]);
  const rate = (seconds: number) => Math.round(ROWS / seconds).toLocaleString('en');
  console.info(
    `duckdb ${ROWS} rows × 8 columns: source read ${rate(readSeconds)} rows/s, destination load ${rate(loadSeconds)} rows/s`,
  );
}, 300_000);
