import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { holdBeforePart, holding, query, runCli, spawnCliWithEnv, sqlString, workDir } from './support.ts';

const manifestName = '_manifest.json';

/** A deterministic orders table with awkward values: quotes, commas, newlines, unicode, NULLs. */
async function createOrders(file: string, rows: number): Promise<void> {
  await query(
    `create table orders as
     select i::bigint as order_id,
            round((hash(i) % 100000) / 100.0, 2)::decimal(12,2) as amount,
            case i % 7 when 0 then null when 1 then 'say "hi", then
leave' when 2 then 'Zoë ✓ 🚀' else 'plain ' || i end as note,
            timestamptz '2024-01-01 00:00:00+00' + to_seconds(i) as ordered_at
     from range(1, ${rows + 1}) t(i)`,
    file,
  );
}

function backupFlow(format: 'csv' | 'parquet', rowsPerFile: number, viaRowPath: boolean) {
  const formatNode =
    format === 'csv'
      ? { id: 'fmt', type: 'csv.format', config: { rowsPerFile, gzip: true } }
      : { id: 'fmt', type: 'parquet.format', config: { rowsPerFile } };
  const nodes = [
    { id: 'orders', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'orders', key: 'order_id' } },
    formatNode,
    { id: 'out', type: 'files.destination', config: { dir: 'backups/{runId}' } },
  ];
  const chain = nodes.map((n) => n.id);
  return {
    name: `backup-${format}${viaRowPath ? '-rows' : ''}`,
    settings: { batchSize: 5000, ...(viaRowPath ? { pushdown: false } : {}) },
    nodes,
    edges: chain.slice(1).map((to, i) => ({ from: chain[i]!, to })),
  };
}

async function checkKillAndResume(format: 'csv' | 'parquet', rows: number, rowsPerFile: number, viaRowPath: boolean) {
  const cwd = await workDir(`kill-${format}`);
  await createOrders(path.join(cwd, 'source.duckdb'), rows);
  await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(backupFlow(format, rowsPerFile, viaRowPath)));

  // Held before the third part lands: killed with two parts landed and checkpointed, every time.
  const extension = format === 'csv' ? 'csv.gz' : 'parquet';
  const first = spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, holdBeforePart(`part-00003.${extension}`));
  await holding(first);
  first.child.kill('SIGKILL');
  const killed = await first.done;
  expect(killed.signal).toBe('SIGKILL');
  const [runId, ...others] = await readdir(path.join(cwd, 'backups'));
  expect(others).toEqual([]);
  const backupDir = path.join(cwd, 'backups', runId!);
  expect(existsSync(path.join(backupDir, manifestName))).toBe(false);
  const landed = (await readdir(path.join(backupDir, 'orders'))).filter((name) => name.startsWith('part-'));
  expect(landed.sort()).toEqual([`part-00001.${extension}`, `part-00002.${extension}`]);
  const firstPart = path.join(backupDir, 'orders', `part-00001.${extension}`);
  const beforeResume = await stat(firstPart);

  const resumed = await runCli(['run', 'flow.json', '--resume', '--json'], cwd);
  expect(resumed.stderr).toBe('');
  expect(resumed.code).toBe(0);
  const summary = JSON.parse(resumed.stdout);
  expect(summary).toMatchObject({ runId, status: 'succeeded', resumed: true });
  expect(summary.nodes.orders.read).toBe(rows);
  expect(summary.nodes.out).toMatchObject({ read: rows, written: rows, rejected: 0 });

  // The checkpointed part was not written again: the resume started after it.
  const afterResume = await stat(firstPart);
  expect([afterResume.ino, afterResume.mtimeMs]).toEqual([beforeResume.ino, beforeResume.mtimeMs]);

  const manifest = JSON.parse(await readFile(path.join(backupDir, manifestName), 'utf8'));
  expect(manifest.complete).toBe(true);
  expect(manifest.rows).toBe(rows);
  expect(manifest.files.length).toBe(Math.ceil(rows / rowsPerFile));
  const onDisk = (await readdir(path.join(backupDir, 'orders'))).map((f) => `orders/${f}`).sort();
  expect(onDisk).toEqual(manifest.files.map((f: { name: string }) => f.name).sort());

  const parts = `[${manifest.files.map((f: { name: string }) => sqlString(path.join(backupDir, f.name))).join(', ')}]`;
  const reader =
    format === 'csv'
      ? `read_csv(${parts}, header = true, columns = {'order_id': 'BIGINT', 'amount': 'DECIMAL(12,2)', 'note': 'VARCHAR', 'ordered_at': 'TIMESTAMPTZ'})`
      : `read_parquet(${parts})`;
  const checksum = (from: string) =>
    `select count(*)::varchar as n, count(distinct order_id)::varchar as keys,
            sum(hash(order_id, amount, coalesce(note, '∅'), ordered_at))::varchar as checksum from ${from}`;
  const [backedUp] = await query(checksum(reader));
  const [original] = await query(checksum('orders'), path.join(cwd, 'source.duckdb'));
  expect(backedUp).toEqual(original);
  expect(backedUp!.n).toBe(String(rows));
  expect(backedUp!.keys).toBe(String(rows));
}

describe('kill -9 during a backup, then --resume', () => {
  it('CSV.gz parts (DuckDB COPY pushdown) hold every source row exactly once', async () => {
    await checkKillAndResume('csv', 2_000_000, 100_000, false);
  }, 180_000);

  it('Parquet parts (DuckDB COPY pushdown) hold every source row exactly once', async () => {
    await checkKillAndResume('parquet', 2_000_000, 100_000, false);
  }, 180_000);

  it('CSV.gz parts written row by row through a transform hold every source row exactly once', async () => {
    await checkKillAndResume('csv', 200_000, 20_000, true);
  }, 180_000);
});
