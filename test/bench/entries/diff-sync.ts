/**
 * Entry 13: a diffed sync of a 1M-row warehouse table into Postgres (duckdb.source →
 * postgres.destination, one state store across the runs, as a scheduled sync has). 13a: after a
 * first sync (upsert), 1% of the rows change, 0.5% are deleted and 2,000 are added at the source;
 * the re-sync in mode mirror must send exactly those (counts in the summary equal the changes),
 * leave the table equal to the source, and take under 15 s and ≤ 0.2× the time of a full re-sync
 * of the same table (`fullResync`, every row sent again) measured in the same run. 13b: the diff's
 * own peak RSS at 10M keys, in a child process (test/bench/diff-memory-child.ts), ≤ 300 MB.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type RunSummary, runFlow } from '../../../server/src/service/flow-runner.ts';
import { StateStore } from '../../../server/src/store/state-store.ts';
import { envRef } from '../../e2e/support.ts';
import { runBenchChild } from '../child.ts';
import { postgresUrl, withPostgres } from '../databases.ts';
import type { DiffMemoryReport } from '../diff-memory-child.ts';
import type { EntryOutcome, Figure } from '../entry-result.ts';
import { timed } from '../timing.ts';

const rows = 1_000_000;
const changed = rows / 100;
const deleted = rows / 200;
const added = 2_000;
const maxShare = 0.2;
const maxDiffMs = 15_000;
const rssBudgetBytes = 300e6;
const memoryKeys = 10_000_000;
const database = 'backflow_bench_sync';
const targetId = 'crm_customers';
/** The variable the flow reads the database URL from (a secret field never holds a literal). */
const urlEnv = 'BACKFLOW_BENCH_SYNC_URL';

/** Checks the destination equals the source: row count and sums over every column. */
const checksumSql = (table: string, cast: (column: string) => string) =>
  `SELECT count(*) AS n, sum(id) AS ids, sum(${cast('lifetime_value')} * 100) AS value,
          sum(length(email) + length(name) + length(segment)) AS text FROM ${table}`;

function syncFlow(source: string, mode: 'upsert' | 'mirror') {
  return {
    name: 'bench-diff-sync',
    nodes: [
      { id: 'warehouse', type: 'duckdb.source', config: { path: source, table: 'customers' } },
      {
        id: targetId,
        type: 'postgres.destination',
        config: { url: envRef(urlEnv), table: 'customers', mode, key: 'id' },
      },
    ],
    edges: [{ from: 'warehouse', to: targetId }],
  };
}

async function duckdb<T>(file: string, work: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    return await work(async (sql) => (await connection.runAndReadAll(sql)).getRows());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function sourceChecksum(file: string): Promise<string> {
  return duckdb(file, async (run) =>
    JSON.stringify((await run(checksumSql('customers', (c) => c)))[0]!.map(wholeNumber)),
  );
}

async function destinationChecksum(): Promise<string> {
  return withPostgres(database, async (client) => {
    const found = await client.query({ text: checksumSql('customers', (c) => c), rowMode: 'array' });
    return JSON.stringify((found.rows[0] as unknown[]).map(wholeNumber));
  });
}

function counts(summary: RunSummary) {
  const node = summary.nodes[targetId];
  return {
    inserted: node?.inserted ?? 0,
    updated: node?.updated ?? 0,
    deleted: node?.deleted ?? 0,
    written: node?.written ?? 0,
  };
}

export async function measureDiffSync(): Promise<EntryOutcome[]> {
  const entry = `13a re-sync of 1M rows to Postgres after ${changed} changes, ${deleted} deletes, ${added} inserts`;
  process.env[urlEnv] = postgresUrl(database);
  const dir = await mkdtemp(path.join(tmpdir(), 'backflow-bench-sync-'));
  try {
    await withPostgres('postgres', async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${database}`);
      await client.query(`CREATE DATABASE ${database}`);
    });
    const source = path.join(dir, 'warehouse.duckdb');
    await duckdb(source, async (run) => {
      await run(`CREATE TABLE customers AS
        SELECT i::BIGINT AS id, 'customer.' || i || '@example.com' AS email, 'Customer ' || i AS name,
               ['smb', 'mid-market', 'enterprise'][1 + i % 3] AS segment,
               (i % 10000)::DECIMAL(12,2) AS lifetime_value
          FROM range(1, ${rows} + 1) r(i)`);
      await run('ALTER TABLE customers ADD PRIMARY KEY (id)');
    });
    const dataDir = path.join(dir, '.backflow');
    const store = await StateStore.open(dataDir);
    try {
      const sync = async (mode: 'upsert' | 'mirror', fullResync = false) => {
        const { ms, value } = await timed(() =>
          runFlow({ store, document: syncFlow(source, mode), baseDir: dir, dataDir, fullResync }),
        );
        if (value.status !== 'succeeded') throw new Error(`sync ${value.status}: ${value.error?.message}`);
        return { ms, summary: value };
      };
      const first = await sync('upsert');
      await duckdb(source, async (run) => {
        await run(`UPDATE customers SET lifetime_value = lifetime_value + 1 WHERE id % 100 = 7`);
        await run(`DELETE FROM customers WHERE id % 200 = 3`);
        await run(`INSERT INTO customers SELECT i, 'new.' || i || '@example.com', 'New ' || i, 'smb', 1
                     FROM range(${rows} + 1, ${rows + added} + 1) r(i)`);
      });
      const diff = await sync('mirror');
      const diffCounts = counts(diff.summary);
      const expected = { inserted: added, updated: changed, deleted, written: added + changed };
      if (JSON.stringify(diffCounts) !== JSON.stringify(expected)) {
        throw new Error(`the re-sync sent ${JSON.stringify(diffCounts)}, expected ${JSON.stringify(expected)}`);
      }
      const [want, got] = [await sourceChecksum(source), await destinationChecksum()];
      if (want !== got) throw new Error(`Postgres differs from the source after the re-sync: ${got} vs ${want}`);
      const again = await sync('mirror');
      if (counts(again.summary).written + counts(again.summary).deleted !== 0) {
        throw new Error(`a re-sync without changes sent ${JSON.stringify(counts(again.summary))}`);
      }
      const full = await sync('mirror', true);
      const share = diff.ms / full.ms;
      const figure = (label: string, ms: number): Figure => ({ label, value: ms, unit: 'ms', samples: [ms] });
      return [
        {
          entry,
          ours: figure('diffed re-sync', diff.ms),
          peer: figure('full re-sync (fullResync)', full.ms),
          ratio: share,
          goal: {
            text: `≤ ${maxShare}× full and < ${maxDiffMs / 1000} s`,
            pass: share <= maxShare && diff.ms < maxDiffMs,
          },
          notes: [
            `first sync ${seconds(first.ms)}; re-sync sent ${added + changed} rows, deleted ${deleted}; unchanged re-sync ${seconds(again.ms)}`,
            'destination checksum equals the source',
          ],
        },
        await measureDiffMemory(),
      ];
    } finally {
      await store.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** 13b: the diff alone at 10M keys in a child process; a failure there is its own line, not 13a's. */
async function measureDiffMemory(): Promise<EntryOutcome> {
  const entry = `13b diff peak RSS at ${memoryKeys / 1e6}M keys (child process)`;
  try {
    const memory = await runBenchChild<DiffMemoryReport>('diff-memory-child.ts', [String(memoryKeys)]);
    return {
      entry,
      ours: { label: 'peak RSS', value: memory.maxRssBytes, unit: 'bytes', samples: [memory.maxRssBytes] },
      peer: { label: 'budget', value: rssBudgetBytes, unit: 'bytes', samples: [rssBudgetBytes] },
      ratio: memory.maxRssBytes / rssBudgetBytes,
      goal: { text: '≤ 300 MB', pass: memory.maxRssBytes <= rssBudgetBytes },
      notes: [
        `first pass ${seconds(memory.firstMs)}, re-diff ${seconds(memory.secondMs)} (${memory.changed} changed, ${memory.vanished} vanished)`,
      ],
    };
  } catch (error) {
    return { entry, error: error instanceof Error ? error.message : String(error) };
  }
}

/** A sum as both databases print it (`12.00`, `12`), as one whole number. */
function wholeNumber(value: unknown): string {
  return String(BigInt(String(value).split('.')[0]!));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
