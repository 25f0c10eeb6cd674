import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { startProgress } from './cli/progress.ts';
import { type RunSummary, runFlow, validateFlow } from './engine/flow-runner.ts';
import { BackflowError, errorMessage } from './errors.ts';
import { describeNodeType, nodeTypes } from './nodes/registry.ts';
import { StateStore } from './store/state-store.ts';

/** Exit codes: 0 succeeded, 1 the run failed or was cancelled, 2 the flow or the command line is invalid. */
const exit = { ok: 0, failed: 1, invalid: 2 } as const;

function dataDir(): string {
  return path.resolve(process.env.BACKFLOW_DATA_DIR ?? '.backflow');
}

async function readFlowFile(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch((error) => {
    throw new UsageError(`cannot read ${file}: ${errorMessage(error)}`);
  });
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not valid JSON: ${errorMessage(error)}`);
  }
}

class UsageError extends Error {}

/** Opens the state store for one command and always closes it (DuckDB holds the file while open). */
async function withStore<T>(work: (store: StateStore) => Promise<T>): Promise<T> {
  const store = await StateStore.open(dataDir());
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function printSummary(summary: RunSummary): void {
  const rows = Object.entries(summary.nodes).map(([id, c]) => ({
    node: id,
    read: c.read,
    written: c.written,
    rejected: c.rejected,
    filtered: c.filtered,
    files: c.files ?? '',
  }));
  console.log(
    `run ${summary.runId} ${summary.status}${summary.resumed ? ' (resumed)' : ''} in ${summary.durationMs} ms`,
  );
  console.table(rows);
  if (summary.error) console.error(`error: ${summary.error.message}`);
  const rejected = Object.values(summary.nodes).reduce((sum, c) => sum + c.rejected, 0);
  if (rejected > 0) console.error(`${rejected} record(s) rejected; see: backflow rejected ${summary.runId}`);
}

const program = new Command('backflow')
  .description('Backups, migrations and reverse ETL as flows of streaming nodes')
  .exitOverride()
  .showHelpAfterError();

program
  .command('run')
  .description('run a flow file to the end')
  .argument('<flow>', 'flow JSON file')
  .option('--resume', "continue the flow's latest unfinished run from its checkpoint")
  .option('--dry-run', 'read and transform, but write nothing at destinations')
  .option('--json', 'print the final summary as one JSON document on stdout')
  .action(async (file: string, options: { resume?: boolean; dryRun?: boolean; json?: boolean }) => {
    const document = await readFlowFile(file);
    const store = await StateStore.open(dataDir());
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let stopProgress: () => void = () => undefined;
    try {
      const summary = await runFlow({
        store,
        document,
        baseDir: process.cwd(),
        dataDir: dataDir(),
        signal: controller.signal,
        ...(options.resume ? { resume: true } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
        onNotice: (message) => console.error(`backflow: ${message}`),
        onStart: ({ stats }) => {
          if (!options.json) stopProgress = startProgress(stats);
        },
      });
      stopProgress();
      if (options.json) console.log(JSON.stringify(summary));
      else printSummary(summary);
      process.exitCode = summary.status === 'succeeded' ? exit.ok : exit.failed;
    } finally {
      stopProgress();
      await store.close();
    }
  });

program
  .command('validate')
  .description('check a flow file: document, node configs, ports and cycles')
  .argument('<flow>', 'flow JSON file')
  .option('--json', 'print the issues as JSON')
  .action(async (file: string, options: { json?: boolean }) => {
    const { issues } = validateFlow(await readFlowFile(file));
    if (options.json) console.log(JSON.stringify({ valid: issues.length === 0, issues }));
    else if (issues.length === 0) console.log(`${file}: valid`);
    else for (const issue of issues) console.error(`${file}: ${issue.path}: ${issue.message}`);
    process.exitCode = issues.length === 0 ? exit.ok : exit.invalid;
  });

program
  .command('node-types')
  .description('list the node types')
  .option('--json', 'print them with their config schemas and ports')
  .action((options: { json?: boolean }) => {
    if (options.json) {
      console.log(JSON.stringify(nodeTypes.map(describeNodeType), null, 2));
      return;
    }
    for (const type of nodeTypes) console.log(`${type.type.padEnd(22)} ${type.role.padEnd(12)} ${type.title}`);
  });

program
  .command('runs')
  .description('list recent runs')
  .option('--flow <name>', 'only runs of this flow')
  .option('--limit <n>', 'how many', '20')
  .option('--json', 'print as JSON')
  .action((options: { flow?: string; limit: string; json?: boolean }) =>
    withStore(async (store) => {
      const runs = await store.listRuns({
        limit: Number(options.limit),
        ...(options.flow ? { flowName: options.flow } : {}),
      });
      const rows = runs.map((run) => ({
        runId: run.id,
        flow: run.flowName,
        status: run.status,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt ?? null,
        attempts: run.attempts,
        nodes: (run.summary as RunSummary | undefined)?.nodes ?? {},
      }));
      if (options.json) console.log(JSON.stringify(rows));
      else console.table(rows.map(({ nodes: _nodes, ...row }) => row));
    }),
  );

program
  .command('rejected')
  .description('print the rejected records of a run as NDJSON')
  .argument('<runId>')
  .action((runId: string) =>
    withStore(async (store) => {
      for (const row of await store.listRejected(runId, 1_000_000)) console.log(JSON.stringify(row));
    }),
  );

program
  .command('logs')
  .description("print a run's log lines")
  .argument('<runId>')
  .action((runId: string) =>
    withStore(async (store) => {
      for (const line of await store.listLogs(runId)) {
        console.log(`${line.at} ${line.level.padEnd(5)} ${line.nodeId ?? '-'} ${line.message}`);
      }
    }),
  );

program
  .command('serve')
  .description('serve the editor and the API (runs flows, their schedules and resumes interrupted runs)')
  .option('--port <port>', 'port', '8787')
  .option('--host <host>', 'address to bind (anything but loopback needs BACKFLOW_TOKEN)', '127.0.0.1')
  .option('--max-runs <n>', 'runs executing at once; more wait as queued', '4')
  .option('--no-resume', 'do not resume runs that were running when the server stopped')
  .action(async (options: { port: string; host: string; maxRuns: string; resume: boolean }) => {
    const { serve } = await import('./api/serve.ts');
    const env = process.env;
    const server = await serve({
      port: Number(options.port),
      host: options.host,
      dataDir: dataDir(),
      maxConcurrentRuns: Number(options.maxRuns),
      resumeInterrupted: options.resume,
      ...(env.BACKFLOW_TOKEN ? { token: env.BACKFLOW_TOKEN } : {}),
      ...(env.BACKFLOW_MAX_BODY_BYTES ? { maxBodyBytes: Number(env.BACKFLOW_MAX_BODY_BYTES) } : {}),
      ...(env.BACKFLOW_CORS_ORIGINS ? { corsOrigins: env.BACKFLOW_CORS_ORIGINS.split(',').map((o) => o.trim()) } : {}),
    });
    const stop = () => {
      console.error('backflow: stopping; active runs are interrupted and resume on the next start');
      void server.close().then(() => process.exit(0));
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode === 0 ? exit.ok : exit.invalid;
  } else if (error instanceof UsageError) {
    console.error(`backflow: ${error.message}`);
    process.exitCode = exit.invalid;
  } else if (error instanceof BackflowError) {
    console.error(`backflow: ${error.message}`);
    process.exitCode = error.code === 'flow_invalid' ? exit.invalid : exit.failed;
  } else {
    console.error(`backflow: ${errorMessage(error)}`);
    process.exitCode = exit.failed;
  }
}
