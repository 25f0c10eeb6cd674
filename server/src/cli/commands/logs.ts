import { Command } from 'commander';
import { withStore } from '../store-access.ts';

/** `backflow logs`: a run's log lines. */
export function logsCommand(): Command {
  return new Command('logs')
    .description("print a run's log lines")
    .argument('<runId>')
    .action(async (runId: string) => {
      const lines = await withStore(
        (store) => store.logs.list(runId),
        (client) =>
          client.json<
            { at: string; level: string; nodeId?: string; message: string; fields?: Record<string, unknown> }[]
          >('GET', `/api/runs/${encodeURIComponent(runId)}/logs`),
      );
      for (const line of lines)
        console.log(
          `${line.at} ${line.level.padEnd(5)} ${line.nodeId ?? '-'} ${line.message}${fieldsText(line.fields)}`,
        );
    });
}

/** ` part=2 bytes=10` after a line's message: its fields as key=value, values as JSON. */
function fieldsText(fields: Record<string, unknown> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .map(([key, value]) => ` ${key}=${typeof value === 'string' && !/\s/.test(value) ? value : JSON.stringify(value)}`)
    .join('');
}
