import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { createCsvParser } from '@backflow/transforms';
import { expect, it } from 'vitest';
import type { EdgePayload, FilePayload } from '../../node-kit/contract.ts';
import { csvFormat } from '../../nodes/csv-format.ts';
import { collect, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { describeWithServices, postgresService } from '../../testing/services.ts';
import { postgresFusions } from './part-fusions.ts';
import { postgresSource } from './source.ts';
import type { PostgresSourceConfig } from './source-config.ts';
import { usePostgresDatabase } from './test-database.ts';

const intoCsv = postgresFusions[0]!;
type Csv = { rowsPerFile?: number; gzip?: boolean; header?: boolean; delimiter?: string };
type Part = FilePayload & { cursor?: unknown };

/** The parts the row path writes: the source's batches through a csv.format node, batches aligned as the engine asks. */
async function rowPathParts(source: PostgresSourceConfig, csv: Csv): Promise<Part[]> {
  const dir = await temporaryDirectory();
  const ctx = testContext(dir, { batchSize: 4, ...(csv.rowsPerFile ? { alignRows: csv.rowsPerFile } : {}) });
  const format = await csvFormat.create(csv, ctx);
  const parts: Part[] = [];
  const emit = async (_port: string, payload: EdgePayload) => {
    if (payload.kind === 'file') parts.push(payload);
  };
  for await (const batch of postgresSource.read(source, ctx)) await format.process(batch, emit);
  await format.flush?.(emit);
  return parts;
}

async function fusedParts(source: PostgresSourceConfig, csv: Csv, resumeCursor?: unknown): Promise<Part[]> {
  const read = intoCsv.plan(source as Record<string, unknown>, csv)!;
  const ctx = testContext(await temporaryDirectory(), { batchSize: 4, resumeCursor });
  return (await collect(read(ctx))) as Part[];
}

/** A part's rows as parsed cells (gunzipped first when gzipped). */
async function cells(part: Part): Promise<unknown[]> {
  const bytes = await readFile(part.localPath!);
  const text = (part.name.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  const parser = createCsvParser({ header: false });
  return [...parser.write(text).records, ...parser.end().records];
}

const described = async (parts: Part[]) =>
  Promise.all(parts.map(async (part) => ({ name: part.name, rows: part.rows, cells: await cells(part) })));

await describeWithServices('postgres.source fused into csv.format', [postgresService], () => {
  const db = usePostgresDatabase();

  it('fuses plain CSV configs only, and not incremental reads or queries without a key', () => {
    const url = 'postgres://h/db';
    expect(intoCsv.plan({ url, table: 't' }, { gzip: true, rowsPerFile: 5, delimiter: ';' })).toBeDefined();
    expect(intoCsv.plan({ url, query: 'SELECT 1 AS k', key: 'k' }, {})).toBeDefined();
    expect(intoCsv.plan({ url, query: 'SELECT 1 AS k' }, {})).toBeUndefined();
    expect(intoCsv.plan({ url, table: 't', incremental: { cursor: 'u' } }, {})).toBeUndefined();
    expect(intoCsv.plan({ url, table: 't' }, { escapeFormulae: true })).toBeUndefined();
    expect(intoCsv.plan({ url, table: 't' }, { quoteAll: true })).toBeUndefined();
    expect(intoCsv.plan({ url, table: 't' }, { newline: '\r\n' })).toBeUndefined();
  });

  it('writes the parts the row path writes: same names, rows and cells for every type, gzipped or not', async () => {
    await db.sql(`
      CREATE TYPE tone AS ENUM ('low', 'it''s "high"');
      CREATE TABLE things (
        id bigint PRIMARY KEY, label text, flag boolean, n numeric(30,6), r real, d double precision, by bytea,
        ts timestamp, tstz timestamptz, dt date, iv interval, j jsonb, u uuid, t tone, ia integer[], ta text[],
        ba boolean[], ip inet);
      CREATE TABLE parts_of_nothing (id int PRIMARY KEY);
      CREATE TABLE heap (v text);
      INSERT INTO heap SELECT 'h' || i FROM generate_series(1, 7) i;`);
    const doubles = [0.1, -0, 1e16, 1.5e-7, 1e21, -1e300, 123456789012345680000, 5e-324, 0.000001, Number.NaN, 1 / 0];
    const labels = [
      'plain',
      ' padded ',
      'a,"quoted"',
      'two\nlines\r\n',
      '',
      null,
      '\uFEFFbom',
      'ünï 😀',
      '=1+1',
      '\\.',
    ];
    for (let i = 0; i < 23; i++) {
      await db.sql(
        `INSERT INTO things VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
        [
          String(2n ** 62n + BigInt(i * 1000)),
          labels[i % labels.length],
          i % 3 === 0 ? null : i % 2 === 0,
          i % 4 === 0 ? null : `${i % 2 ? '-' : ''}${i}.${String(i).padStart(6, '0')}`,
          [0.1, 1e6, 3.4e38, -1.17e-38, 16777217][i % 5],
          String(doubles[i % doubles.length]),
          i % 5 === 0 ? null : Buffer.from([0, i, 0x5c, 0x22, 0x27, 0x7f, 65]),
          '2024-01-02 03:04:05.5',
          `2024-01-02 03:04:05.${i}+05:30`,
          i === 7 ? 'infinity' : '2024-02-29',
          `${i} years ${-i} days ${i}:00:00.25`,
          JSON.stringify({ b: [1, 2.5, null], a: `x"${i}\n` }),
          `a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a${String(i).padStart(2, '0')}`,
          i % 2 ? 'low' : `it's "high"`,
          [i, null, -i],
          ['a,b', `c"${i}`, null, ''],
          [true, null, false],
          `10.0.0.${i}`,
        ],
      );
    }
    const source: PostgresSourceConfig = { url: db.url, tables: ['*'] };
    for (const csv of [
      { rowsPerFile: 5, gzip: true },
      { header: false, delimiter: ';' },
    ] as Csv[]) {
      const fused = await fusedParts(source, csv);
      const rowPath = await rowPathParts(source, csv);
      expect(fused.map((part) => part.name)).toEqual(rowPath.map((part) => part.name));
      expect(await described(fused)).toEqual(await described(rowPath));
    }
    const fused = await fusedParts(source, { rowsPerFile: 5, gzip: true });
    expect(fused.map((part) => [part.name, part.rows])).toEqual([
      ['heap/part-00001.csv.gz', 5],
      ['heap/part-00002.csv.gz', 2],
      ['things/part-00001.csv.gz', 5],
      ['things/part-00002.csv.gz', 5],
      ['things/part-00003.csv.gz', 5],
      ['things/part-00004.csv.gz', 5],
      ['things/part-00005.csv.gz', 3],
    ]);
  });

  it('resumes after any part and writes the rest exactly once, with the same names', async () => {
    const source: PostgresSourceConfig = { url: db.url, tables: ['things', 'heap'] };
    const csv: Csv = { rowsPerFile: 4 };
    const all = await fusedParts(source, csv);
    for (let delivered = 1; delivered < all.length; delivered++) {
      const rest = await fusedParts(source, csv, JSON.parse(JSON.stringify(all[delivered - 1]!.cursor)));
      const resumed = [...all.slice(0, delivered), ...rest];
      expect(
        resumed.map((part) => [part.name, part.sha256]),
        `resumed after part ${delivered}`,
      ).toEqual(all.map((part) => [part.name, part.sha256]));
    }
  });
});
