/**
 * `npm run bench`: each entry against its peer in the same run, on data generated once into
 * test/bench/.data/. Prints the table and writes it to test-output/bench.json; exits 1 when a goal fails.
 * `npm run bench -- --only=1,3` (or `--only 1,3`) runs some entries (entry 5 brings entry 2, whose
 * time it reuses). Entries 10, 11 and 13 need PostgreSQL and MariaDB (see databases.ts).
 */
import path from 'node:path';
import { type BenchData, benchDir, prepareBenchData } from './bench-data.ts';
import { measureCsvParseMemory, measureCsvToNdjson } from './entries/csv-to-ndjson.ts';
import { measureDiffSync } from './entries/diff-sync.ts';
import { csvGzipExportEntry, measureExport, parquetExportEntry } from './entries/duckdb-export.ts';
import { measureDuckdbNodes } from './entries/duckdb-nodes.ts';
import { measureEditor300Nodes } from './entries/editor-300-nodes.ts';
import { measureFilterChain } from './entries/filter-chain.ts';
import { measureGcsUpload } from './entries/gcs-upload.ts';
import { measureHubspotSync } from './entries/hubspot-sync.ts';
import { measureMysqlMigration } from './entries/mysql-migration.ts';
import { measurePostgresExport } from './entries/postgres-export.ts';
import { measurePushdownGain } from './entries/pushdown-gain.ts';
import { measureRowPathMemory } from './entries/row-path-memory.ts';
import { measureRowPathNdjson } from './entries/row-path-ndjson.ts';
import { measureStartUp } from './entries/start-up.ts';
import { type EntryOutcome, isEntrySkipped, isFailure } from './entry-result.ts';
import { describeMachine, machineLine } from './machine.ts';
import { formatReport, writeReportJson } from './report.ts';

const reportFile = path.resolve(benchDir, '../../test-output/bench.json');

/**
 * `data()` builds the shared inputs on first call (entries with inputs of their own never wait for
 * them); an entry's results may depend on earlier entries' (entry 5 compares against entry 2).
 */
type EntryRun = (data: () => Promise<BenchData>, earlier: Map<number, EntryOutcome[]>) => Promise<EntryOutcome[]>;

const entryRuns = new Map<number, { title: string; run: EntryRun }>([
  [
    1,
    {
      title: 'DuckDB 5M → Parquet vs COPY',
      run: async (data) => {
        const { orders } = await data();
        return [await measureExport(parquetExportEntry(orders.rows5M), orders.rows5M, 5e6)];
      },
    },
  ],
  [
    2,
    {
      title: 'DuckDB 5M → CSV.gz vs COPY',
      run: async (data) => {
        const { orders } = await data();
        return [await measureExport(csvGzipExportEntry(orders.rows5M), orders.rows5M, 5e6)];
      },
    },
  ],
  [
    3,
    {
      title: 'CSV 1M → map → NDJSON vs papaparse; its peak RSS',
      run: async (data) => {
        const { ordersCsv } = await data();
        return [await measureCsvToNdjson(ordersCsv, 1e6), await measureCsvParseMemory(ordersCsv, 1e6)];
      },
    },
  ],
  [
    4,
    {
      title: 'row-path peak RSS at 1M and 10M (child processes)',
      run: async (data) => {
        const { orders } = await data();
        return measureRowPathMemory({
          small: { database: orders.rows1M, rows: 1e6 },
          large: { database: orders.rows10M, rows: 1e7 },
        });
      },
    },
  ],
  [
    5,
    {
      title: 'row path vs pushdown, CSV.gz 5M',
      run: async (data, earlier) => {
        const pushdown = earlier.get(2)?.[0];
        if (!pushdown || !('ours' in pushdown)) throw new Error('entry 5 needs entry 2');
        return [await measurePushdownGain((await data()).orders.rows5M, 5e6, pushdown)];
      },
    },
  ],
  [6, { title: 'GCS backup 1 GiB vs raw client upload', run: async () => [await measureGcsUpload()] }],
  [7, { title: 'editor: 300-node flow in Chromium', run: () => measureEditor300Nodes() }],
  [
    8,
    {
      title: 'duckdb.source read and duckdb.destination load, 1M vs DuckDB',
      run: async (data) => measureDuckdbNodes((await data()).orders.rows1M, 1e6),
    },
  ],
  [9, { title: 'filter: 20,000 or terms × 100 records', run: async () => [await measureFilterChain()] }],
  [10, { title: 'Postgres 2M rows → CSV.gz vs psql | gzip', run: async () => [await measurePostgresExport()] }],
  [11, { title: 'MariaDB → Postgres, 3 tables 1M rows, vs pgloader', run: () => measureMysqlMigration() }],
  [12, { title: 'warehouse → HubSpot 100k contacts at the rate limit', run: () => measureHubspotSync() }],
  [
    13,
    {
      title: 'diffed re-sync of 1M rows to Postgres vs a full re-sync; diff RSS at 10M keys',
      run: () => measureDiffSync(),
    },
  ],
  [
    14,
    {
      title: 'DuckDB 1M → map → NDJSON vs COPY (FORMAT json)',
      run: async (data) => [await measureRowPathNdjson((await data()).orders.rows1M, 1e6)],
    },
  ],
  [15, { title: 'start-up CPU of backflow node-types and validate vs node', run: () => measureStartUp() }],
]);

function selectedEntries(argv: string[]): number[] {
  const flag = argv.findIndex((arg) => arg === '--only' || arg.startsWith('--only='));
  const only = flag === -1 ? undefined : argv[flag]!.startsWith('--only=') ? argv[flag]!.slice(7) : argv[flag + 1];
  if (flag !== -1 && !only) throw new Error('--only needs entry numbers, e.g. --only 10,11');
  const selected = new Set(only ? only.split(',').map(Number) : entryRuns.keys());
  const unknown = [...selected].filter((entry) => !entryRuns.has(entry));
  if (unknown.length > 0) throw new Error(`no bench entry ${unknown.join(', ')} (entries: ${[...entryRuns.keys()]})`);
  if (selected.has(5)) selected.add(2);
  return [...entryRuns.keys()].filter((entry) => selected.has(entry));
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = await describeMachine();
  console.log(`machine: ${machineLine(machine)}`);
  let prepared: Promise<BenchData> | undefined;
  const data = () => {
    if (!prepared) {
      console.log(`preparing data in ${path.relative(process.cwd(), path.join(benchDir, '.data'))} (first run only)`);
      prepared = prepareBenchData();
    }
    return prepared;
  };

  const earlier = new Map<number, EntryOutcome[]>();
  const entries: EntryOutcome[] = [];
  for (const entry of selectedEntries(process.argv.slice(2))) {
    const { title, run } = entryRuns.get(entry)!;
    console.log(`running ${entry}: ${title}`);
    // One broken entry (say, a flow that fails mid-edit of the engine) must not lose the others' numbers.
    try {
      const results = await run(data, earlier);
      earlier.set(entry, results);
      entries.push(...results);
      for (const result of results.filter(isEntrySkipped)) console.log(`  skipped: ${result.skipped}`);
    } catch (error) {
      console.log(`  entry ${entry} failed: ${errorText(error)}`);
      entries.push({ entry: `${entry} ${title}`, error: errorText(error) });
    }
  }

  const report = { machine, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, entries };
  console.log(`\n${formatReport(report)}`);
  await writeReportJson(report, reportFile);
  console.log(`written to ${path.relative(process.cwd(), reportFile)}`);
  if (entries.some(isFailure)) process.exitCode = 1;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

await main();
