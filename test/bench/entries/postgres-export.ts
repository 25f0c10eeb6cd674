/**
 * Entry 10: a 2M-row Postgres table (bigint key, text, numeric, timestamptz, boolean, jsonb) backed up
 * through `runFlow` (postgres.source → csv.format gzip → files) against what a user types without
 * Backflow, psql's `\copy … TO STDOUT` piped into gzip, alternating the two.
 */
import {
  benchDatabase,
  postgresRows,
  postgresTable,
  postgresUrl,
  postgresVersion,
  seedPostgres,
} from '../databases.ts';
import { assertRows, type EntryOutcome, ratioOf } from '../entry-result.ts';
import { rowsWritten, runFlowTrial, wasPushedDown } from '../flow-run.ts';
import { postgresToCsvGzip, sourceId } from '../flows.ts';
import { notBuiltYet } from '../not-built.ts';
import { psqlCopyGzipTrial } from '../peers.ts';
import { pairTrials } from '../timing.ts';
import { timeFigure } from './duckdb-export.ts';

const entry = '10 Postgres 2M rows → CSV.gz';
const maxRatio = 1.2;
const goalText = `ours ≤ ${maxRatio}× peer`;
const peerLabel = 'psql \\copy (… ORDER BY id) TO STDOUT csv | gzip';
/** The variable the flow's `url` refers to (a URL is a secret field, so flows never hold one). */
const urlEnv = 'BACKFLOW_BENCH_POSTGRES_URL';
const key = 'id';

export async function measurePostgresExport(): Promise<EntryOutcome> {
  await seedPostgres();
  const peer = () => psqlCopyGzipTrial(benchDatabase, postgresTable, key);
  const server = await postgresVersion();

  const missing = notBuiltYet(['postgres.source']);
  if (missing) {
    const trial = await peer();
    assertRows(`${entry} peer`, trial.rows, postgresRows);
    return {
      entry,
      skipped: missing,
      peer: timeFigure(peerLabel, [trial]),
      goalText,
      notes: [server, 'peer measured once, for a run of ours to compare against when the node type is registered'],
    };
  }

  process.env[urlEnv] = postgresUrl(benchDatabase);
  const trials = await pairTrials(peer, () => runFlowTrial(postgresToCsvGzip(urlEnv, postgresTable, key)));
  for (const trial of trials.peer) assertRows(`${entry} peer`, trial.rows, postgresRows);
  for (const trial of trials.ours) assertRows(`${entry} ours`, rowsWritten(trial.summary, sourceId), postgresRows);
  const ours = timeFigure('runFlow postgres.source → csv.format gzip → files', trials.ours);
  const peerFigure = timeFigure(peerLabel, trials.peer);
  const ratio = ratioOf(ours, peerFigure);
  const pushedDown = trials.ours.every((trial) => wasPushedDown(trial.summary, sourceId));
  return {
    entry,
    ours,
    peer: peerFigure,
    ratio,
    goal: { text: goalText, pass: ratio <= maxRatio },
    notes: [
      server,
      pushedDown
        ? 'ran as COPY pushdown (Postgres wrote each part as CSV, gzipped in a stream)'
        : 'ran on the row path: the engine did not push csv.format down to Postgres',
      'parts of 1,000,000 rows, the peer one file; both gzip at level 6',
    ],
  };
}
