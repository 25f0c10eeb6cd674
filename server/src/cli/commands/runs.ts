import { Command } from 'commander';
import type { RunSummary } from '../../service/flow-runner.ts';
import type { RunRow } from '../../store/run-repository.ts';
import { withStore } from '../store-access.ts';

/** `backflow runs`: recent runs, newest first. */
export function runsCommand(): Command {
  return new Command('runs')
    .description('list recent runs')
    .option('--flow <name>', 'only runs of this flow')
    .option('--limit <n>', 'how many', '20')
    .option('--json', 'print as JSON')
    .action(async (options: { flow?: string; limit: string; json?: boolean }) => {
      const rows = await withStore(
        async (store) => {
          const runs = await store.runs.list({
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
}
