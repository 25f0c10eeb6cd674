import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError } from '../../errors.ts';
import type { FilePayload, SourceBatch } from '../../node-kit/contract.ts';
import { collect, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { type CopyFormat, copyParts } from './copy-parts.ts';
import { connectDatabase, disconnect } from './database.ts';
import { duckdbFusions, readParts } from './part-fusions.ts';
import { sql } from './test-context.ts';

const PARQUET: CopyFormat = {
  options: 'format parquet',
  extension: 'parquet',
  contentType: 'application/vnd.apache.parquet',
  rowsPerFile: 10,
};

/** Sales keyed by (region, id): 25 rows, so parts of 10 leave a short last one. */
async function salesDatabase() {
  const dir = await temporaryDirectory();
  await sql(
    join(dir, 'source.duckdb'),
    `CREATE TABLE sales AS SELECT ['eu', 'us', 'x'''][1 + i % 3] AS region, i AS id, i * 1.5 AS amount FROM range(25) t(i)`,
  );
  return dir;
}

const files = (batches: SourceBatch[]) => batches as (FilePayload & { cursor: unknown })[];

/** count(*) and an order-independent checksum of parquet files, read back by DuckDB. */
const parquetChecksum = (dir: string, paths: string[]) =>
  sql(
    join(dir, 'source.duckdb'),
    `SELECT count(*), bit_xor(hash(t)) FROM read_parquet([${paths.map((path) => `'${path}'`).join(', ')}]) t`,
  );

describe('duckdb.source pushed down into a format node', () => {
  it('can cut tables (by key or rowid) and keyed queries, but not a query without a key', () => {
    const intoParquet = duckdbFusions.find((fusion) => fusion.format === 'parquet.format')!;
    const fuses = (config: Record<string, unknown>) => intoParquet.plan(config, {}) !== undefined;
    expect(fuses({ path: 'a.duckdb', table: 'sales' })).toBe(true);
    expect(fuses({ path: 'a.duckdb', query: 'SELECT 1 AS k', key: 'k' })).toBe(true);
    expect(fuses({ path: 'a.duckdb', query: 'SELECT 1 AS k' })).toBe(false);
  });

  it('writes parts of rowsPerFile rows in key order, with exact counts, sizes and checksums', async () => {
    const dir = await salesDatabase();
    const ctx = testContext(dir);
    const parts = files(
      await collect(readParts({ path: 'source.duckdb', table: 'sales', key: ['region', 'id'] }, PARQUET)(ctx)),
    );
    expect(parts.map((part) => [part.name, part.rows, part.cursor])).toEqual([
      ['sales/part-00001.parquet', 10, { after: ['us', '1'], part: 2 }],
      ['sales/part-00002.parquet', 10, { after: ["x'", '8'], part: 3 }],
      ['sales/part-00003.parquet', 5, null],
    ]);
    for (const part of parts) {
      const bytes = await readFile(part.localPath as string);
      expect(part.bytes).toBe(bytes.length);
      expect(part.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(
      await parquetChecksum(
        dir,
        parts.map((part) => part.localPath as string),
      ),
    ).toEqual(await sql(join(dir, 'source.duckdb'), `SELECT count(*), bit_xor(hash(t)) FROM sales t`));
    const [[firstRegion, lastRegion]] = (await sql(
      join(dir, 'source.duckdb'),
      `SELECT min(region), max(region) FROM '${parts[0]?.localPath}'`,
    )) as [[string, string]];
    expect([firstRegion, lastRegion]).toEqual(['eu', 'us']);
  });

  it('resumes after the last delivered part and writes the rest exactly once', async () => {
    const dir = await salesDatabase();
    const config = { path: 'source.duckdb', table: 'sales', key: ['region', 'id'] };
    const all = files(await collect(readParts(config, PARQUET)(testContext(dir))));
    const rest = files(await collect(readParts(config, PARQUET)(testContext(dir, { resumeCursor: all[0]?.cursor }))));
    expect(rest.map((part) => [part.name, part.rows])).toEqual([
      ['sales/part-00002.parquet', 10],
      ['sales/part-00003.parquet', 5],
    ]);
    expect(rest.map((part) => part.sha256)).toEqual(all.slice(1).map((part) => part.sha256));
  });

  it('cuts a table without a key by rowid, and drops an empty last part when the rows divide evenly', async () => {
    const dir = await temporaryDirectory();
    await sql(join(dir, 'source.duckdb'), `CREATE TABLE t AS SELECT i FROM range(20) r(i)`);
    const parts = files(await collect(readParts({ path: 'source.duckdb', table: 't' }, PARQUET)(testContext(dir))));
    expect(parts.map((part) => [part.name, part.rows, part.cursor])).toEqual([
      ['t/part-00001.parquet', 10, { after: ['9'], part: 2 }],
      ['t/part-00002.parquet', 10, { after: ['19'], part: 3 }],
    ]);
  });

  it('writes one (empty) part for an empty table', async () => {
    const dir = await temporaryDirectory();
    await sql(join(dir, 'source.duckdb'), `CREATE TABLE t (i INTEGER)`);
    const csv: CopyFormat = { options: 'format csv, header true', extension: 'csv', contentType: 'text/csv' };
    const parts = files(await collect(readParts({ path: 'source.duckdb', table: 't' }, csv)(testContext(dir))));
    expect(parts.map((part) => [part.name, part.rows, part.cursor])).toEqual([['t/part-00001.csv', 0, null]]);
    expect(await readFile(parts[0]?.localPath as string, 'utf8')).toBe('i\n');
  });
});

describe('copyParts, cancelled', () => {
  it('starts no COPY once cancelled, even when the cancel came between two statements (nothing to interrupt)', async () => {
    const dir = await salesDatabase();
    const connection = await connectDatabase(join(dir, 'source.duckdb'), { mustExist: true, nodeId: 'test' });
    const controller = new AbortController();
    const source = { connection, relation: '"sales"', stream: 'sales', columns: [], keys: [] };
    // Without the source's supervision, so no interrupt: as if the cancel landed while no statement ran.
    const parts = copyParts(
      source,
      [{ name: 'id', type: 'BIGINT' }],
      testContext(dir, { signal: controller.signal }),
      PARQUET,
    );
    try {
      expect((await parts.next()).value).toMatchObject({ name: 'sales/part-00001.parquet', rows: 10 });
      // Part 2 is being written ahead; the cancel comes while the read waits for it.
      const second = parts.next();
      controller.abort();
      await expect(second).rejects.toThrow(CancelledError);
      // Part 2 was under way before the cancel; the last part was never started.
      expect((await readdir(join(dir, 'sales'))).sort()).toEqual(['part-00001.parquet', 'part-00002.parquet']);
    } finally {
      disconnect(connection);
    }
  });
});
