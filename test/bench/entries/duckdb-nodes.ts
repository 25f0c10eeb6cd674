/**
 * Entry 8: the DuckDB node types on their own, on the 1M-row orders table plus a free-text column
 * (8 columns of BIGINT, TIMESTAMPTZ, VARCHAR, DECIMAL and INTEGER), in batches of 10,000:
 * `duckdb.source` reading records in key order against DuckDB's own JSON conversion of the same
 * ordered query, and `duckdb.destination` loading those records against DuckDB's appender taking
 * every value as text. Every trial's result is checked by row count and `bit_xor(hash(row))`.
 * These are the figures of server/src/connectors/duckdb/README.md ("Load speed").
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { duckdbDestination } from '../../../server/src/connectors/duckdb/destination.ts';
import { duckdbSource } from '../../../server/src/connectors/duckdb/source.ts';
import { sql } from '../../../server/src/connectors/duckdb/test-context.ts';
import type { NodeContext, Rec, RecordBatch, SourceBatch } from '../../../server/src/node-kit/contract.ts';
import { memoryIdMap } from '../../../server/src/node-kit/id-map.ts';
import { assertRows, type EntryResult, ratioOf } from '../entry-result.ts';
import { pairTrials, type Trial, timed } from '../timing.ts';
import { rateFigure } from './csv-to-ndjson.ts';

/** The orders table plus a free-text column with quotes in it. */
const ordersWithNote = `SELECT *, 'order "' || order_id || '"' AS note FROM orders`;
const batchSize = 10_000;

interface RowsTrial extends Trial {
  rows: number;
}

interface ReadTrial extends RowsTrial {
  batches: RecordBatch[];
}

export async function measureDuckdbNodes(database: string, rows: number): Promise<EntryResult[]> {
  const expected = await sourceChecksum(database);
  const label = `${rows / 1e6}M`;

  // The first read's batches are what both sides load; later reads drop theirs at once.
  let batches: RecordBatch[] | undefined;
  const reads = await pairTrials(
    () => streamedRowsTrial(database),
    async (): Promise<RowsTrial> => {
      const trial = await sourceReadTrial(database);
      batches ??= trial.batches;
      return { ms: trial.ms, rows: trial.rows };
    },
  );
  for (const trial of [...reads.peer, ...reads.ours]) assertRows(`8a read ${label}`, trial.rows, rows);
  const loaded = batches ?? [];

  const loads = await pairTrials(
    () => loadTrial(loaded, appendAsText, expected),
    () => loadTrial(loaded, loadWithDestination, expected),
  );
  for (const trial of [...loads.peer, ...loads.ours]) assertRows(`8b load ${label}`, trial.rows, rows);

  const readOurs = rateFigure('duckdb.source read (records, key order)', reads.ours, rows);
  const readPeer = rateFigure('DuckDB stream + getRowObjectsJson per chunk', reads.peer, rows);
  const loadOurs = rateFigure('duckdb.destination open → write → prepare → commit', loads.ours, rows);
  const loadPeer = rateFigure('DuckDB appender, every value as text', loads.peer, rows);
  return [
    {
      entry: `8a duckdb.source read ${label}`,
      ours: readOurs,
      peer: readPeer,
      ratio: ratioOf(readOurs, readPeer),
      notes: [`batches of ${batchSize.toLocaleString('en')}, 8 columns`],
    },
    {
      entry: `8b duckdb.destination load ${label}`,
      ours: loadOurs,
      peer: loadPeer,
      ratio: ratioOf(loadOurs, loadPeer),
      notes: ['both into a new table of the source column types; checksums verified'],
    },
  ];
}

/** What a user would write without Backflow: the ordered query streamed, each chunk turned into JSON objects. */
async function streamedRowsTrial(database: string): Promise<RowsTrial> {
  const { ms, value: rows } = await timed(async () => {
    const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
    try {
      const connection = await instance.connect();
      try {
        const result = await connection.stream(`SELECT * FROM (${ordersWithNote}) ORDER BY order_id`);
        let count = 0;
        for await (const chunk of result.yieldRowObjectJson()) count += chunk.length;
        return count;
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  });
  return { ms, rows };
}

async function sourceReadTrial(database: string): Promise<ReadTrial> {
  return inWorkDir(async (dir) => {
    const context = { ...nodeContext(dir), batchSize };
    const config = { path: database, query: ordersWithNote, key: 'order_id' };
    const { ms, value: batches } = await timed(async () => {
      const read: RecordBatch[] = [];
      for await (const batch of duckdbSource.read(config, context)) read.push(recordsOf(batch));
      return read;
    });
    return { ms, batches, rows: batches.reduce((sum, batch) => sum + batch.records.length, 0) };
  });
}

type Load = (batches: RecordBatch[], file: string, dir: string) => Promise<void>;

/** Times one load into a new file, then checks the table holds exactly the source's rows. */
async function loadTrial(batches: RecordBatch[], load: Load, expected: [string, string]): Promise<RowsTrial> {
  return inWorkDir(async (dir) => {
    const file = path.join(dir, 'copy.duckdb');
    const { ms } = await timed(() => load(batches, file, dir));
    const [[rows, checksum]] = (await sql(file, checksumOf('orders'))) as [[string, string]];
    if (checksum !== expected[1]) throw new Error(`load into ${file}: checksum ${checksum}, expected ${expected[1]}`);
    return { ms, rows: Number(rows) };
  });
}

const loadWithDestination: Load = async (batches, file, dir) => {
  const rejected: Rec[] = [];
  const context = { ...nodeContext(dir), idMap: memoryIdMap(), reject: (records: Rec[]) => rejected.push(...records) };
  const writer = await duckdbDestination.open({ path: file, table: 'orders' }, context);
  for (const [index, batch] of batches.entries()) await writer.write(batch, index + 1);
  await writer.prepare();
  await writer.commit();
  if (rejected.length > 0) throw new Error(`duckdb.destination rejected ${rejected.length} records`);
};

/** The table created with the first batch's column types, then DuckDB's appender casting each text value. */
const appendAsText: Load = async (batches, file) => {
  const columns = batches[0]?.schema ?? [];
  const instance = await DuckDBInstance.create(file);
  try {
    const connection = await instance.connect();
    try {
      const definition = columns.map((column) => `"${column.name}" ${column.type}`).join(', ');
      await connection.run(`CREATE TABLE orders (${definition})`);
      const appender = await connection.createAppender('orders');
      for (const batch of batches) {
        for (const record of batch.records) {
          for (const column of columns) {
            const value = record[column.name];
            if (value === null || value === undefined) appender.appendNull();
            else appender.appendVarchar(String(value));
          }
          appender.endRow();
        }
      }
      appender.closeSync();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
};

function recordsOf(batch: SourceBatch): RecordBatch {
  if (batch.kind !== 'records') throw new Error(`duckdb.source gave a ${batch.kind} batch`);
  return batch;
}

/** The source query's checksum, read through a read-only instance as the peer reads it. */
async function sourceChecksum(database: string): Promise<[string, string]> {
  const instance = await DuckDBInstance.create(database, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      const rows = (await connection.runAndReadAll(checksumOf(`(${ordersWithNote})`))).getRowsJson();
      return rows[0] as [string, string];
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

function checksumOf(relation: string): string {
  return `SELECT count(*), bit_xor(hash(t)) FROM ${relation} t`;
}

function nodeContext(dir: string): NodeContext {
  const ignore = () => undefined;
  return {
    runId: 'bench',
    flowName: 'bench-duckdb-nodes',
    nodeId: 'orders',
    runDate: new Date().toISOString().slice(0, 10),
    tempDir: dir,
    baseDir: dir,
    signal: new AbortController().signal,
    log: { info: ignore, warn: ignore, error: ignore },
  };
}

async function inWorkDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'backflow-bench-duckdb-'));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
