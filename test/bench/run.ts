/**
 * `npm run bench`: each entry against its peer in the same run, on data generated once into
 * test/bench/.data/. Prints the table and writes it to test-output/bench.json; exits 1 when a goal fails.
 * `npm run bench -- --only=1,3` runs some entries (entry 5 brings entry 2, whose time it reuses).
 */
import path from 'node:path';
import { type BenchData, benchDir, prepareBenchData } from './bench-data.ts';
import { measureCsvToNdjson } from './entries/csv-to-ndjson.ts';
import { csvGzipExportEntry, measureExport, parquetExportEntry } from './entries/duckdb-export.ts';
import { measureDuckdbNodes } from './entries/duckdb-nodes.ts';
import { measureEditor300Nodes } from './entries/editor-300-nodes.ts';
import { measureFilterChain } from './entries/filter-chain.ts';
import { measureGcsUpload } from './entries/gcs-upload.ts';
import { measurePushdownGain } from './entries/pushdown-gain.ts';
import { measureRowPathMemory } from './entries/row-path-memory.ts';
import { type EntryOutcome, type EntryResult, isEntryError } from './entry-result.ts';
import { describeMachine, machineLine } from './machine.ts';
import { formatReport, writeReportJson } from './report.ts';

const reportFile = path.resolve(benchDir, '../../test-output/bench.json');

/** An entry's results may depend on earlier entries' (entry 5 compares against entry 2). */
type EntryRun = (data: BenchData, earlier: Map<number, EntryResult[]>) => Promise<EntryResult[]>;

const entryRuns = new Map<number, { title: string; run: EntryRun }>([
  [
    1,
    {
      title: 'DuckDB 5M → Parquet vs COPY',
      run: async (data) => [await measureExport(parquetExportEntry(data.orders.rows5M), data.orders.rows5M, 5e6)],
    },
  ],
  [
    2,
    {
      title: 'DuckDB 5M → CSV.gz vs COPY',
      run: async (data) => [await measureExport(csvGzipExportEntry(data.orders.rows5M), data.orders.rows5M, 5e6)],
    },
  ],
  [3, { title: 'CSV 1M → NDJSON vs papaparse', run: async (data) => [await measureCsvToNdjson(data.ordersCsv, 1e6)] }],
  [
    4,
    {
      title: 'row-path peak RSS at 1M and 10M (child processes)',
      run: (data) =>
        measureRowPathMemory({
          small: { database: data.orders.rows1M, rows: 1e6 },
          large: { database: data.orders.rows10M, rows: 1e7 },
        }),
    },
  ],
  [
    5,
    {
      title: 'row path vs pushdown, CSV.gz 5M',
      run: async (data, earlier) => {
        const pushdown = earlier.get(2)?.[0];
        if (!pushdown) throw new Error('entry 5 needs entry 2');
        return [await measurePushdownGain(data.orders.rows5M, 5e6, pushdown)];
      },
    },
  ],
  [6, { title: 'GCS backup 1 GiB vs raw client upload', run: async () => [await measureGcsUpload()] }],
  [7, { title: 'editor: 300-node flow in Chromium', run: () => measureEditor300Nodes() }],
  [
    8,
    {
      title: 'duckdb.source read and duckdb.destination load, 1M vs DuckDB',
      run: (data) => measureDuckdbNodes(data.orders.rows1M, 1e6),
    },
  ],
  [9, { title: 'filter: 20,000 or terms × 100 records', run: async () => [await measureFilterChain()] }],
]);

function selectedEntries(argv: string[]): number[] {
  const only = argv.find((arg) => arg.startsWith('--only='));
  const selected = new Set(only ? only.slice('--only='.length).split(',').map(Number) : entryRuns.keys());
  if (selected.has(5)) selected.add(2);
  return [...entryRuns.keys()].filter((entry) => selected.has(entry));
}

async function main(): Promise<void> {
  const started = Date.now();
  const machine = await describeMachine();
  console.log(`machine: ${machineLine(machine)}`);
  console.log(`preparing data in ${path.relative(process.cwd(), path.join(benchDir, '.data'))} (first run only)`);
  const data = await prepareBenchData();

  const earlier = new Map<number, EntryResult[]>();
  const entries: EntryOutcome[] = [];
  for (const entry of selectedEntries(process.argv.slice(2))) {
    const { title, run } = entryRuns.get(entry)!;
    console.log(`running ${entry}: ${title}`);
    // One broken entry (say, a flow that fails mid-edit of the engine) must not lose the others' numbers.
    try {
      const results = await run(data, earlier);
      earlier.set(entry, results);
      entries.push(...results);
    } catch (error) {
      console.log(`  entry ${entry} failed: ${errorText(error)}`);
      entries.push({ entry: `${entry} ${title}`, error: errorText(error) });
    }
  }

  const report = { machine, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, entries };
  console.log(`\n${formatReport(report)}`);
  await writeReportJson(report, reportFile);
  console.log(`written to ${path.relative(process.cwd(), reportFile)}`);
  const failed = entries.some((outcome) => isEntryError(outcome) || (outcome.goal && !outcome.goal.pass));
  if (failed) process.exitCode = 1;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

await main();
