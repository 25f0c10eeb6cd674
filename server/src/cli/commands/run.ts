import { Command } from 'commander';
import type { NodeCounts } from '../../engine/run-stats.ts';
import { type RunSummary, runFlow } from '../../service/flow-runner.ts';
import { exit } from '../exit-codes.ts';
import { readFlowFile } from '../flow-file.ts';
import { startProgress } from '../progress.ts';
import { printSummary } from '../run-summary.ts';
import { ServerClient } from '../server-client.ts';
import { dataDir, openStoreOrServer, redactingStore, storedConnections } from '../store-access.ts';

interface RunOptions {
  resume?: boolean;
  dryRun?: boolean;
  fullResync?: boolean;
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
    ...(options.fullResync ? { fullResync: true } : {}),
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

/** `backflow run`: runs a flow file to the end here, or on the server holding the data directory. */
export function runCommand(): Command {
  return new Command('run')
    .description('run a flow file to the end')
    .argument('<flow>', 'flow JSON file')
    .option('--resume', "continue the flow's latest unfinished run from its checkpoint")
    .option('--dry-run', 'read and transform, but write nothing at destinations')
    .option('--full-resync', "re-read every source in full, not from where the flow's last succeeded run ended")
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
          ...(options.fullResync ? { fullResync: true } : {}),
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
}
