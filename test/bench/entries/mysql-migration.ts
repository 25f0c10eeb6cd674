/**
 * Entry 11: a whole MariaDB database (customers 100k → orders 400k → order_items 500k, foreign keys,
 * secondary indexes, decimal/datetime/tinyint(1)/enum/json/text) migrated into a new Postgres
 * database through `runFlow` (mysql.source tables ["*"] → postgres.destination, tables created,
 * verified before publishing) against Debian's pgloader doing the same with its defaults, alternating
 * the two, each into a fresh database. Ours runs in a child process, for its peak RSS (11b).
 */
import type { RunSummary } from '../../../server/src/service/flow-runner.ts';
import {
  benchDatabase,
  dropPostgresDatabase,
  freshPostgresDatabase,
  mariadbTables,
  mariadbUrl,
  mariadbVersion,
  type PostgresShape,
  postgresRowCounts,
  postgresShape,
  postgresUrl,
  postgresVersion,
  seedMariadb,
  shapeText,
} from '../databases.ts';
import { assertRows, type EntryOutcome, type Figure, ratioOf } from '../entry-result.ts';
import { type FlowChildReport, rowsWritten, runFlowInChild } from '../flow-run.ts';
import { migrationTargetId, mysqlToPostgres } from '../flows.ts';
import { notBuiltYet } from '../not-built.ts';
import { pgloaderTrial, pgloaderVersion } from '../peers.ts';
import { pairTrials } from '../timing.ts';
import { timeFigure } from './duckdb-export.ts';

const entry = '11a MariaDB → Postgres, 3 tables 1M rows, verified';
const maxRatio = 0.7;
const goalText = `ours ≤ ${maxRatio}× peer`;
const peerLabel = 'pgloader mysql://… postgresql://… (Debian package, defaults)';
/** 300 MB in bytes (decimal megabytes, the stricter reading), as entry 4. */
const rssBudgetBytes = 300e6;

/** The target databases, made afresh for each trial and dropped at the end. */
const pgloaderDatabase = 'bench_pgloader';
const backflowDatabase = 'bench_backflow';
/** The variables the flow's URLs refer to (a URL is a secret field, so flows never hold one). */
const sourceEnv = 'BACKFLOW_BENCH_MYSQL_URL';
const targetEnv = 'BACKFLOW_BENCH_POSTGRES_URL';

const totalRows = Object.values(mariadbTables).reduce((sum, rows) => sum + rows, 0);

export async function measureMysqlMigration(): Promise<EntryOutcome[]> {
  await seedMariadb();
  const sourceUrl = mariadbUrl(benchDatabase);
  const peer = () => pgloaderTrial(sourceUrl, pgloaderDatabase, mariadbTables);
  const versions = `${await mariadbVersion()} → ${await postgresVersion()}, ${await pgloaderVersion()}`;
  try {
    const missing = notBuiltYet(['mysql.source', 'postgres.destination']);
    if (missing) {
      const trial = await peer();
      return [
        {
          entry,
          skipped: missing,
          peer: timeFigure(peerLabel, [trial]),
          goalText,
          notes: [
            versions,
            `pgloader loaded ${countsNote(trial.counts)}; measured once, for ours to compare against later`,
          ],
        },
      ];
    }

    process.env[sourceEnv] = sourceUrl;
    process.env[targetEnv] = postgresUrl(backflowDatabase);
    const ours = async (): Promise<FlowChildReport & { shape: PostgresShape }> => {
      await freshPostgresDatabase(backflowDatabase);
      const report = await runFlowInChild(mysqlToPostgres(sourceEnv, targetEnv));
      return { ...report, shape: await checkMigration(report.summary) };
    };
    const trials = await pairTrials(peer, ours);
    const oursFigure = timeFigure('backflow run mysql.source → postgres.destination', trials.ours);
    const peerFigure = timeFigure(peerLabel, trials.peer);
    const ratio = ratioOf(oursFigure, peerFigure);
    const peakRss = Math.max(...trials.ours.map((trial) => trial.maxRssBytes));
    const rss: Figure = {
      label: 'peak RSS of the migration (backflow run: Node, drivers, run)',
      value: peakRss,
      unit: 'bytes',
      samples: trials.ours.map((trial) => trial.maxRssBytes),
    };
    const budget: Figure = { label: 'budget', value: rssBudgetBytes, unit: 'bytes', samples: [rssBudgetBytes] };
    return [
      {
        entry,
        ours: oursFigure,
        peer: peerFigure,
        ratio,
        goal: { text: goalText, pass: ratio <= maxRatio },
        notes: [
          versions,
          `both loaded ${countsNote(trials.peer[0]!.counts)} into a new database`,
          `built: ours ${shapeText(trials.ours[0]!.shape)}; pgloader ${shapeText(trials.peer[0]!.shape)}`,
          'ours verified every table by row count and checksum before publishing, in every trial',
          'ours is timed inside its process (runFlow); pgloader from its start, including its own start-up',
        ],
      },
      {
        entry: '11b MariaDB → Postgres peak RSS',
        ours: rss,
        peer: budget,
        ratio: rss.value / budget.value,
        goal: { text: '≤ 300 MB', pass: rss.value <= rssBudgetBytes },
        notes: ['the highest of the trials'],
      },
    ];
  } finally {
    await dropPostgresDatabase(pgloaderDatabase);
    await dropPostgresDatabase(backflowDatabase);
  }
}

/**
 * A migration that did not land every row is not a result: each table counted, every stream
 * verified, and the keys built as the source has them (3 primary keys, 2 foreign keys).
 */
async function checkMigration(summary: RunSummary): Promise<PostgresShape> {
  assertRows(`${entry} ours (rows written)`, rowsWritten(summary, migrationTargetId), totalRows);
  const counts = await postgresRowCounts(backflowDatabase, Object.keys(mariadbTables));
  for (const [table, rows] of Object.entries(mariadbTables)) {
    assertRows(`${entry} ours, table ${table}`, counts.get(table) ?? 0, rows);
  }
  // The entry times a verified migration: a table the report leaves out was not verified.
  const verified = summary.verification?.[migrationTargetId] ?? [];
  for (const table of Object.keys(mariadbTables)) {
    const stream = verified.find((candidate) => candidate.stream === table);
    if (!stream) throw new Error(`${entry} ours: the run's verification report has no entry for ${table}`);
    if (!stream.ok || stream.checksum === undefined) {
      throw new Error(`${entry} ours: ${table} not verified by checksum: ${JSON.stringify(stream)}`);
    }
  }
  const shape = await postgresShape(backflowDatabase);
  if (shape.primaryKeys !== 3 || shape.foreignKeys !== 2) {
    throw new Error(`${entry} ours: expected 3 primary keys and 2 foreign keys, found ${shapeText(shape)}`);
  }
  return shape;
}

function countsNote(counts: ReadonlyMap<string, number>): string {
  return [...counts].map(([table, rows]) => `${table} ${rows.toLocaleString('en')}`).join(', ');
}
