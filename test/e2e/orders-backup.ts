import { link, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'vitest';
import { query, sqlString } from './support.ts';

export const manifestName = '_manifest.json';

/** An orders table in a DuckDB file, and its checksum (see `checksumSql`). */
export interface Orders {
  file: string;
  rows: number;
  checksum: Record<string, unknown>;
}

/** Row count, distinct keys and a checksum over every column of the orders in `from`. */
function checksumSql(from: string): string {
  return `select count(*)::varchar as n, count(distinct order_id)::varchar as keys,
                 sum(hash(order_id, amount, coalesce(note, '∅'), ordered_at))::varchar as checksum from ${from}`;
}

/** A deterministic orders table with awkward values: quotes, commas, newlines, unicode, NULLs. */
export async function createOrders(file: string, rows: number): Promise<Orders> {
  const [checksum] = await query(
    `create table orders as
     select i::bigint as order_id,
            round((hash(i) % 100000) / 100.0, 2)::decimal(12,2) as amount,
            case i % 7 when 0 then null when 1 then 'say "hi", then
leave' when 2 then 'Zoë ✓ 🚀' else 'plain ' || i end as note,
            timestamptz '2024-01-01 00:00:00+00' + to_seconds(i) as ordered_at
     from range(1, ${rows + 1}) t(i);
     ${checksumSql('orders')}`,
    file,
  );
  expect(checksum).toMatchObject({ n: String(rows), keys: String(rows) });
  return { file, rows, checksum: checksum! };
}

/** Makes `orders` the `source.duckdb` of `cwd` (a hard link: one table serves the tests of a file). */
export async function linkOrders(orders: Orders, cwd: string): Promise<void> {
  await link(orders.file, path.join(cwd, 'source.duckdb'));
}

export interface BackupFlowOptions {
  name: string;
  rowsPerFile: number;
  /** files.destination `dir` (default `backups/{runId}`). */
  dir?: string;
  keepLast?: number;
  schedule?: { cron: string };
  /** Take the row path (`settings.pushdown: false`: records cross into JavaScript, much slower than DuckDB's COPY). */
  rowPath?: boolean;
}

/** orders (source.duckdb in the working directory) → CSV.gz parts → files.destination. */
export function ordersBackupFlow(options: BackupFlowOptions) {
  const nodes = [
    { id: 'orders', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'orders', key: 'order_id' } },
    { id: 'fmt', type: 'csv.format', config: { rowsPerFile: options.rowsPerFile, gzip: true } },
    {
      id: 'out',
      type: 'files.destination',
      config: {
        dir: options.dir ?? 'backups/{runId}',
        ...(options.keepLast === undefined ? {} : { keepLast: options.keepLast }),
      },
    },
  ];
  const chain = nodes.map((n) => n.id);
  return {
    name: options.name,
    ...(options.schedule ? { schedule: options.schedule } : {}),
    settings: { batchSize: 5000, ...(options.rowPath ? { pushdown: false } : {}) },
    nodes,
    edges: chain.slice(1).map((to, i) => ({ from: chain[i]!, to })),
  };
}

interface Manifest {
  complete: boolean;
  flow: string;
  runId: string;
  rows: number;
  files: { name: string; rows: number }[];
}

export async function readManifest(backupDir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(backupDir, manifestName), 'utf8')) as Manifest;
}

/**
 * The backup in `backupDir` is complete and exact: its manifest lists each part once and nothing
 * else lies there (no temp files), and the parts hold every row of `orders` exactly once (count,
 * distinct keys and a checksum over every column, compared to the source's).
 */
export async function expectExactBackup(backupDir: string, orders: Orders, rowsPerFile: number): Promise<void> {
  const manifest = await readManifest(backupDir);
  expect(manifest.complete).toBe(true);
  expect(manifest.rows).toBe(orders.rows);
  const names = manifest.files.map((f) => f.name);
  const partCount = Math.ceil(orders.rows / rowsPerFile);
  expect(names).toEqual(
    Array.from({ length: partCount }, (_, i) => `orders/part-${String(i + 1).padStart(5, '0')}.csv.gz`),
  );
  expect(manifest.files.reduce((sum, f) => sum + f.rows, 0)).toBe(orders.rows);
  const onDisk = (await readdir(backupDir, { recursive: true })).sort();
  expect(onDisk).toEqual([manifestName, 'orders', ...names].sort());

  const parts = `[${names.map((name) => sqlString(path.join(backupDir, name))).join(', ')}]`;
  const [backedUp] = await query(
    checksumSql(
      `read_csv(${parts}, header = true, columns = {'order_id': 'BIGINT', 'amount': 'DECIMAL(12,2)', 'note': 'VARCHAR', 'ordered_at': 'TIMESTAMPTZ'})`,
    ),
  );
  expect(backedUp).toEqual(orders.checksum);
}
