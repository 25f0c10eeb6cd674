import { readFile } from 'node:fs/promises';
import { describeIssue, type Flow } from '@backflow/flow-model';
import { Command, CommanderError } from 'commander';
import { connectionsCommand } from './cli/connections.ts';
import { startProgress } from './cli/progress.ts';
import { ServerClient } from './cli/server-client.ts';
import {
  dataDir,
  openStoreOrServer,
  redactingStore,
  storedConnections,
  UsageError,
  withStore,
} from './cli/store-access.ts';
import { type RunSummary, runFlow, validateFlow } from './engine/flow-runner.ts';
import type { NodeCounts } from './engine/run-stats.ts';
import { BackflowError, errorMessage, type FlowIssueDetail } from './errors.ts';
import { describeNodeType, nodeTypes } from './nodes/registry.ts';
import type { RunRow } from './store/state-store.ts';

/** Exit codes: 0 succeeded, 1 the run failed or was cancelled, 2 the flow or the command line is invalid. */
const exit = { ok: 0, failed: 1, invalid: 2 } as const;

/**
 * Errors that mean the flow or the command cannot be run as given (exit 2), not that a run failed;
 * a request the server refused carries what this command sent.
 */
const refusedAsInvalid = new Set(['flow_invalid', 'request_invalid', 'flow_changed', 'outside_roots']);

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

/** A comma-separated environment variable as its entries. */
function listOf(value: string): string[] {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
}

function namesConnection(document: unknown): boolean {
  const nodes = (document as Partial<Flow> | undefined)?.nodes;
  return Array.isArray(nodes) && nodes.some((node) => typeof node?.connection === 'string');
}

interface RunOptions {
  resume?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

function report(summary: RunSummary, options: RunOptions): void {
  if (options.json) console.log(JSON.stringify(summary));
  else printSummary(summary);
  process.exitCode = summary.status === 'succeeded' ? exit.ok : exit.failed;
}

/** Hands the run to the server holding the data directory and follows it to the end. */
async function runOnServer(client: ServerClient, document: unknown, options: RunOptions): Promise<void> {
  const { runId } = await client.json<{ runId: string }>('POST', '/api/runs', {
    flow: document,
    baseDir: process.cwd(),
    ...(options.dryRun ? { dryRun: true } : {}),
    ...(options.resume ? { resume: true } : {}),
  });
  console.error(`backflow: the server at ${client.url} holds ${dataDir()}; run ${runId} runs there`);
  let latest: Record<string, NodeCounts> = {};
  const stopProgress = options.json ? () => undefined : startProgress(() => Object.entries(latest));
  const cancel = () => void client.request('POST', `/api/runs/${runId}/cancel`).catch(() => undefined);
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  let summary: RunSummary | undefined;
  try {
    await client.followRun(runId, (event) => {
      if (event.type === 'stats') latest = event.nodes;
      if (event.type === 'summary') summary = event.summary;
    });
  } finally {
    stopProgress();
  }
  summary ??= await client.json<RunSummary>('GET', `/api/runs/${runId}`);
  report(summary, options);
}

function printSummary(summary: RunSummary): void {
  const { dryRun } = summary;
  // A dry run's destinations wrote nothing: what they would have written has its own column.
  const rows = Object.entries(summary.nodes).map(([id, c]) => ({
    node: id,
    read: c.read,
    written: c.written,
    ...(dryRun ? { 'would write': c.wouldWrite ?? '' } : {}),
    rejected: c.rejected,
    filtered: c.filtered,
    files: c.files ?? '',
  }));
  const how = [summary.resumed ? 'resumed' : '', dryRun ? 'dry run: nothing was written' : ''].filter(Boolean);
  console.log(
    `run ${summary.runId} ${summary.status}${how.length ? ` (${how.join('; ')})` : ''} in ${summary.durationMs} ms`,
  );
  console.table(rows);
  for (const [node, location] of Object.entries(summary.outputs ?? {})) {
    console.log(dryRun ? `${node} would write to ${location}` : `output of ${node}: ${location}`);
  }
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
  .action(async (file: string, options: RunOptions) => {
    const document = await readFlowFile(file);
    const store = await openStoreOrServer();
    if (store instanceof ServerClient) return runOnServer(store, document, options);
    const controller = new AbortController();
    const onSignal = () => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    let stopProgress: () => void = () => undefined;
    const redactor = redactingStore(store);
    try {
      const summary = await runFlow({
        store,
        document,
        redactor,
        connections: await storedConnections(store, redactor),
        baseDir: process.cwd(),
        dataDir: dataDir(),
        signal: controller.signal,
        ...(options.resume ? { resume: true } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
        onNotice: (message) => console.error(`backflow: ${message}`),
        onStart: ({ stats }) => {
          if (!options.json) stopProgress = startProgress(() => stats.nodes);
        },
      });
      stopProgress();
      report(summary, options);
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
    const document = await readFlowFile(file);
    const { issues } = namesConnection(document)
      ? await withStore(
          async (store) =>
            validateFlow(document, { connections: await storedConnections(store, redactingStore(store)) }),
          (client) => client.json<{ issues: FlowIssueDetail[] }>('POST', '/api/flows/validate', document),
        )
      : validateFlow(document);
    if (options.json) console.log(JSON.stringify({ valid: issues.length === 0, issues }));
    else if (issues.length === 0) console.log(`${file}: valid`);
    else {
      // Named by its node, an issue keeps its JSON path at the end, for tools and searches.
      for (const issue of issues) {
        const text = describeIssue(issue);
        console.error(`${file}: ${text}${text.startsWith(`${issue.path}:`) ? '' : ` (at ${issue.path})`}`);
      }
    }
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
  .action(async (options: { flow?: string; limit: string; json?: boolean }) => {
    const rows = await withStore(
      async (store) => {
        const runs = await store.listRuns({
          limit: Number(options.limit),
          ...(options.flow ? { flowName: options.flow } : {}),
        });
        return runs.map((run: RunRow) => ({
          runId: run.id,
          flow: run.flowName,
          status: run.status,
          startedAt: run.startedAt,
          finishedAt: run.finishedAt ?? null,
          attempts: run.attempts,
          nodes: (run.summary as RunSummary | undefined)?.nodes ?? {},
        }));
      },
      async (client) => {
        const runs = await client.json<(RunSummary & { attempts: number })[]>(
          'GET',
          `/api/runs?limit=${options.limit}`,
        );
        return runs
          .filter((run) => !options.flow || run.flow === options.flow)
          .map((run) => ({
            runId: run.runId,
            flow: run.flow,
            status: run.status,
            startedAt: run.startedAt,
            finishedAt: run.finishedAt ?? null,
            attempts: run.attempts,
            nodes: run.nodes,
          }));
      },
    );
    if (options.json) console.log(JSON.stringify(rows));
    else console.table(rows.map(({ nodes: _nodes, ...row }) => row));
  });

program
  .command('rejected')
  .description('print the rejected records of a run as NDJSON')
  .argument('<runId>')
  .action((runId: string) =>
    withStore(
      async (store) => {
        for await (const row of store.rejected(runId)) process.stdout.write(`${JSON.stringify(row)}\n`);
      },
      async (client) => {
        const response = await client.request('GET', `/api/runs/${encodeURIComponent(runId)}/rejected`);
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
      },
    ),
  );

program
  .command('logs')
  .description("print a run's log lines")
  .argument('<runId>')
  .action(async (runId: string) => {
    const lines = await withStore(
      (store) => store.listLogs(runId),
      (client) =>
        client.json<{ at: string; level: string; nodeId?: string; message: string }[]>(
          'GET',
          `/api/runs/${encodeURIComponent(runId)}/logs`,
        ),
    );
    for (const line of lines) console.log(`${line.at} ${line.level.padEnd(5)} ${line.nodeId ?? '-'} ${line.message}`);
  });

program.addCommand(connectionsCommand());

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
      ...(env.BACKFLOW_CORS_ORIGINS ? { corsOrigins: listOf(env.BACKFLOW_CORS_ORIGINS) } : {}),
      ...(env.BACKFLOW_ALLOWED_HOSTS ? { allowedHosts: listOf(env.BACKFLOW_ALLOWED_HOSTS) } : {}),
      ...(env.BACKFLOW_FILES_ROOTS ? { fileRoots: listOf(env.BACKFLOW_FILES_ROOTS) } : {}),
    });
    const stop = () => {
      console.error('backflow: stopping; active runs are interrupted and resume on the next start');
      server.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(`backflow: stopping failed: ${errorMessage(error)}`);
          process.exit(1);
        },
      );
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

// `backflow rejected … | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? exit.ok);
  throw error;
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
    process.exitCode = refusedAsInvalid.has(error.code) ? exit.invalid : exit.failed;
  } else {
    console.error(`backflow: ${errorMessage(error)}`);
    process.exitCode = exit.failed;
  }
}
