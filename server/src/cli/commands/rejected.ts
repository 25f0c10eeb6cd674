import { Command } from 'commander';
import { withStore } from '../store-access.ts';

/** `backflow rejected`: a run's rejected records as NDJSON on stdout. */
export function rejectedCommand(): Command {
  return new Command('rejected')
    .description('print the rejected records of a run as NDJSON')
    .argument('<runId>')
    .action((runId: string) =>
      withStore(
        async (store) => {
          for await (const row of store.rejectedRecords.list(runId)) process.stdout.write(`${JSON.stringify(row)}\n`);
        },
        async (client) => {
          const response = await client.request('GET', `/api/runs/${encodeURIComponent(runId)}/rejected`);
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
        },
      ),
    );
}
