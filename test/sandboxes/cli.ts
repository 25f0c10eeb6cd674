/**
 * Starts one sandbox: `npm run sandbox -- <name> --port <port> [--dir <folder>] [--faults <json>] [--seed demo] [--secret <key>]`.
 * Prints `listening on <url>` once it serves; Ctrl+C stops it.
 */
import { parseArgs } from 'node:util';
import { type FaultOptions, startGcsSandbox } from './gcs/server.ts';
import { type HubspotFaults, startHubspotSandbox } from './hubspot/server.ts';
import { type SalesforceFaults, startSalesforceSandbox } from './salesforce/server.ts';
import { type SheetsFaults, startSheetsSandbox } from './sheets/server.ts';
import { type SlackFaults, startSlackSandbox } from './slack/server.ts';
import { startWebhookSandbox, type WebhookFaults } from './webhook/server.ts';

interface SandboxArgs {
  port: number;
  dir?: string;
  faults?: Record<string, unknown>;
  /** Demo data to start with (`demo`); sandboxes without demo data refuse it. */
  seed?: string;
  /** The webhook sandbox's signing secret: deliveries must be signed with it. */
  secret?: string;
}

interface RunningSandbox {
  url: string;
  close(): Promise<void>;
}

interface SandboxEntry {
  description: string;
  start(args: SandboxArgs): Promise<RunningSandbox>;
}

/** One entry per sandbox; the others (Sheets, Slack) join here. */
const sandboxes: Record<string, SandboxEntry> = {
  gcs: {
    description: 'Google Cloud Storage JSON API (for @google-cloud/storage)',
    start: ({ port, dir, faults, seed }) => {
      if (seed !== undefined) throw new Error('the gcs sandbox has no --seed data');
      return startGcsSandbox({ port, dir, faults: faults as FaultOptions });
    },
  },
  hubspot: {
    description:
      'HubSpot CRM v3: objects, batch, search, associations v4, properties, pipelines, owners (for @hubspot/api-client)',
    start: ({ port, dir, faults, seed }) => {
      if (seed !== undefined && seed !== 'demo') throw new Error(`--seed takes demo, got ${seed}`);
      return startHubspotSandbox({ port, dir, faults: faults as HubspotFaults, seed });
    },
  },
  salesforce: {
    description: 'Salesforce REST, sObject Collections and Bulk API 2.0 (for jsforce)',
    start: ({ port, dir, faults, seed }) => {
      if (seed !== undefined && seed !== 'demo') throw new Error(`--seed takes demo, got ${seed}`);
      return startSalesforceSandbox({ port, dir, faults: faults as SalesforceFaults, seed });
    },
  },
  slack: {
    description:
      'Slack Web API (chat.postMessage, conversations.history/open/list, auth.test, users.info) and incoming webhooks (for @slack/web-api, @slack/webhook)',
    start: async ({ port, dir, faults, seed }) => {
      if (seed !== undefined || dir !== undefined)
        throw new Error('the slack sandbox keeps its workspace in memory: no --seed or --dir');
      const sandbox = await startSlackSandbox({ port, faults: faults as SlackFaults });
      // The webhook URLs are secret paths: printed so a user can paste one into a flow.
      console.log(`incoming webhook of #general: ${sandbox.webhookUrl('general')}`);
      return sandbox;
    },
  },
  webhook: {
    description:
      'a webhook receiver: signature checks (--secret), Idempotency-Key dedupe, delayMs, GET /__sandbox/received',
    start: ({ port, dir, faults, seed, secret }) => {
      if (seed !== undefined || dir !== undefined)
        throw new Error('the webhook sandbox takes neither --seed nor --dir');
      return startWebhookSandbox({
        port,
        faults: faults as WebhookFaults,
        ...(secret === undefined ? {} : { secret }),
      });
    },
  },
  sheets: {
    description:
      'Google Sheets API v4: spreadsheets, batchUpdate, values, a service-account token endpoint (for @googleapis/sheets)',
    start: ({ port, dir, faults, seed }) => {
      if (dir !== undefined) throw new Error('the sheets sandbox keeps its spreadsheets in memory (no --dir)');
      if (seed !== undefined && seed !== 'demo') throw new Error(`--seed takes demo, got ${seed}`);
      return startSheetsSandbox({ port, faults: faults as SheetsFaults, seed });
    },
  },
};

function usage(): string {
  const names = Object.entries(sandboxes).map(([name, entry]) => `  ${name.padEnd(12)}${entry.description}`);
  return [
    'usage: npm run sandbox -- <name> --port <port> [--dir <folder>] [--faults <json>] [--seed demo] [--secret <key>]',
    '',
    'sandboxes:',
    ...names,
  ].join('\n');
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string', default: '0' },
      dir: { type: 'string' },
      faults: { type: 'string' },
      seed: { type: 'string' },
      secret: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const name = positionals[0];
  const entry = name === undefined ? undefined : sandboxes[name];
  if (values.help || !entry) {
    console.error(name && !entry ? `unknown sandbox: ${name}\n\n${usage()}` : usage());
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--port must be 0..65535, got ${values.port}`);
  const faults = values.faults === undefined ? undefined : (JSON.parse(values.faults) as Record<string, unknown>);
  const sandbox = await entry.start({ port, dir: values.dir, faults, seed: values.seed, secret: values.secret });
  console.log(`listening on ${sandbox.url}`);
  const stop = () => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
