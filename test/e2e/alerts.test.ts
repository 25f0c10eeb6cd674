/** Flow alerts: sent by the service when a run ends, to the webhook sandbox (as a webhook and as a Slack incoming webhook). */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: flows here write env references, ${env:NAME}, literally.
import { describe, expect, it, vi } from 'vitest';
import { sendAlerts } from '../../server/src/service/alerts.ts';
import { type RunSummary, validateFlow } from '../../server/src/service/flow-runner.ts';
import { temporaryDirectory } from '../../server/src/testing/node-context.ts';
import { chainFlow, runInProcess } from './gcs-support.ts';
import { hooksSandbox, peopleWarehouse } from './webhook-support.ts';

const alertSecret = 'whsec-alerts-8d21';

/** Warehouse people → a webhook destination, batches of 25 rows, with the flow's `alerts`. */
function alertingFlow(name: string, warehouse: string, destination: Record<string, unknown>, alerts: unknown[]) {
  const flow = chainFlow(name, [
    { id: 'people', type: 'duckdb.source', config: { path: warehouse, table: 'people', key: 'id' } },
    { id: 'hook', type: 'webhook.destination', config: destination },
  ]);
  return { ...flow, settings: { batchSize: 25, checkpointIntervalMs: 0 }, alerts };
}

describe('flow alerts', () => {
  it('a failing run alerts the webhook once, signed, with the link, counts and error, and Slack with its text', async () => {
    const dir = await temporaryDirectory();
    const warehouse = await peopleWarehouse(dir, 60);
    const destination = await hooksSandbox({ faults: { errorRate: 1 } });
    const alerts = await hooksSandbox({ secret: alertSecret });
    const slackHooks = await hooksSandbox();
    vi.stubEnv('ALERT_SECRET', alertSecret);
    vi.stubEnv('ALERT_SLACK_URL', `${slackHooks.url}/services/T000/B000/slack-token-abc`);
    vi.stubEnv('BACKFLOW_PUBLIC_URL', 'https://backflow.example.com/');
    const summary = await runInProcess(
      dir,
      alertingFlow('failing-flow', warehouse, { url: destination.url, retries: 0 }, [
        { on: 'failure', webhook: { url: `${alerts.url}/alerts`, secret: '${env:ALERT_SECRET}' } },
        { on: 'failure', slack: { webhookUrl: '${env:ALERT_SLACK_URL}' } },
        { on: 'rejected', webhook: { url: `${alerts.url}/rejected` } },
      ]),
    );
    expect(summary.status).toBe('failed');
    const [alert, ...others] = alerts.received().filter((receipt) => receipt.path === '/alerts');
    expect(others).toEqual([]);
    expect(alert!.verified).toBe(true);
    expect(alert!.body).toMatchObject({
      event: 'run.failed',
      flow: 'failing-flow',
      runId: summary.runId,
      status: 'failed',
      link: `https://backflow.example.com/runs?run=${summary.runId}`,
      counts: { read: 25, written: 0, rejected: 0, filtered: 0 },
      error: { code: 'destination_failed', message: expect.stringContaining('node "hook": delivering batch 1 failed') },
    });
    const slack = slackHooks.received();
    expect(slack.map((receipt) => receipt.path)).toEqual(['/services/T000/B000/slack-token-abc']);
    const { text } = slack[0]!.body as { text: string };
    expect(text).toMatch(
      new RegExp(
        `^:rotating_light: \\*failing-flow\\* run <https://backflow.example.com/runs\\?run=${summary.runId}\\|${summary.runId}> failed\\n>node "hook"`,
      ),
    );
    expect(text).toMatch(/\nread 25 · written 0 · rejected 0 · filtered 0$/);
    // nothing was rejected: the rejected alert stays quiet
    expect(alerts.received().filter((receipt) => receipt.path === '/rejected')).toEqual([]);
  });

  it('a run over the rejected threshold alerts; under it, the same run does not', async () => {
    const dir = await temporaryDirectory();
    const warehouse = await peopleWarehouse(dir, 100);
    // requests of 10 records pass 600 bytes and are refused (413); the 5 left of each batch of 25 land
    const destination = await hooksSandbox({ maxBodyBytes: 600 });
    const alerts = await hooksSandbox();
    const summary = await runInProcess(
      dir,
      alertingFlow('rejecting-flow', warehouse, { url: destination.url, batchSize: 10 }, [
        { on: 'rejected', threshold: 0.5, webhook: { url: `${alerts.url}/over` } },
        { on: 'rejected', threshold: 0.9, webhook: { url: `${alerts.url}/under` } },
        { on: 'failure', webhook: { url: `${alerts.url}/failure` } },
      ]),
    );
    expect(summary.status).toBe('succeeded');
    expect(summary.nodes.hook).toMatchObject({ read: 100, written: 20, rejected: 80 });
    expect(alerts.received().map((receipt) => receipt.path)).toEqual(['/over']);
    expect(alerts.received()[0]!.body).toMatchObject({
      event: 'run.rejected',
      status: 'succeeded',
      counts: { read: 100, written: 20, rejected: 80, filtered: 0 },
      rejectedShare: 0.8,
      threshold: 0.5,
      text: expect.stringContaining('rejected 80 of 100 records (80%, above 50%)'),
    });
  });

  it('refuses an inline signing secret or Slack webhook URL in a flow: they are ${env:NAME} references', () => {
    const flow = {
      name: 'inline-secrets',
      nodes: [{ id: 'people', type: 'duckdb.source', config: { path: 'x.duckdb', table: 'people' } }],
      edges: [],
      alerts: [
        { on: 'failure', webhook: { url: 'https://hooks.example.com/a', secret: 'inline-secret' } },
        { on: 'failure', slack: { webhookUrl: 'https://hooks.slack.com/services/T/B/x' } },
        {
          on: 'rejected',
          threshold: 0.1,
          webhook: { url: 'https://hooks.example.com/b', secret: '${env:HOOK_SECRET}' },
        },
      ],
    };
    expect(validateFlow(flow).issues.map((issue) => issue.path)).toEqual([
      'alerts[0].webhook.secret',
      'alerts[1].slack.webhookUrl',
    ]);
    expect(validateFlow({ ...flow, alerts: [{ on: 'sometimes', webhook: { url: 'x' } }] }).issues).not.toEqual([]);
  });

  it('an alert that cannot be sent is a warning naming only the host, and never fails the caller', async () => {
    const down = await hooksSandbox({ faults: { errorRate: 1 } });
    const lines: string[] = [];
    const summary = {
      runId: 'run-9',
      status: 'failed',
      dryRun: false,
      startedAt: '2026-12-03T10:00:00.000Z',
      finishedAt: '2026-12-03T10:00:01.000Z',
      nodes: { a: { read: 3, written: 3, rejected: 0, filtered: 0 } },
      error: { code: 'x', message: 'boom' },
    } as unknown as RunSummary;
    const flow = {
      name: 'f',
      nodes: [],
      edges: [],
      alerts: [
        { on: 'failure' as const, slack: { webhookUrl: `${down.url}/services/secret-path-77` } },
        { on: 'failure' as const, webhook: { url: '${env:ALERT_UNSET_URL}' } },
      ],
    };
    await sendAlerts(flow, summary, { log: (level, message) => lines.push(`${level} ${message}`), env: {} });
    lines.sort();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^warn alert 1 \(Slack, on failure\) could not be sent: .*127\.0\.0\.1:\d+: POST \/ still failing after 3 attempts/,
    );
    expect(lines[1]).toBe(
      'warn alert 2 (webhook, on failure) could not be sent: alerts[1].webhook.url refers to environment variable ALERT_UNSET_URL, which is not set',
    );
    expect(lines.join('\n')).not.toContain('secret-path-77');
  });
});
