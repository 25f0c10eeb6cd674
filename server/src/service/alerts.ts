/**
 * Flow alerts (the flow's `alerts`): once a run ended, a Slack incoming webhook or any webhook is
 * told of a failure, or of a rejected share past its threshold, with the run's link, status,
 * counts and error. Sending never fails the run: an alert that cannot be sent is a warning in the
 * run's log. URLs and secrets are `${env:NAME}` references resolved here, and never shown.
 */
import type { Flow, FlowAlert } from '@backflow/flow-model';
import { errorMessage } from '../errors.ts';
import { resolveEnvRefs } from '../flow/env-refs.ts';
import { createHttpApi, webhookSignatureHeaders } from '../node-kit/http/index.ts';
import type { RunSummary } from './flow-runner.ts';

/** The editor's address when `BACKFLOW_PUBLIC_URL` does not say where the server is reached. */
export const defaultPublicUrl = 'http://127.0.0.1:8787';

export interface AlertOptions {
  /** The saved flow the run belongs to; its editor page is the run's link. */
  flowId?: string | undefined;
  /** Writes a line to the run's log. */
  log(level: 'info' | 'warn', message: string): void;
  /** Where `${env:NAME}` and `BACKFLOW_PUBLIC_URL` are read (default: this process's environment). */
  env?: NodeJS.ProcessEnv;
}

/** A run's records as a person counts them: read by its sources, written by its destinations. */
export interface RunTotals {
  read: number;
  written: number;
  rejected: number;
  filtered: number;
}

/** What an alert says, to a webhook as JSON and to Slack as its `text`. */
export interface AlertMessage {
  event: 'run.failed' | 'run.rejected';
  flow: string;
  flowId?: string;
  runId: string;
  status: RunSummary['status'];
  link: string;
  startedAt: string;
  finishedAt: string;
  counts: RunTotals;
  /** Rejected ÷ read (0 when nothing was read). */
  rejectedShare: number;
  threshold?: number;
  error?: RunSummary['error'];
  /** The alert in one sentence. */
  text: string;
}

// An alert is sent once the run has ended: a receiver that is down must not hold the caller long.
const alertRetry = { retries: 2, minTimeoutMs: 500, maxTimeoutMs: 2000, maxWaitMs: 10_000 };
const alertTimeoutMs = 10_000;

export async function sendAlerts(flow: Flow, summary: RunSummary, options: AlertOptions): Promise<void> {
  if (summary.dryRun || !flow.alerts?.length) return;
  const env = options.env ?? process.env;
  const totals = runTotals(flow, summary);
  await Promise.all(
    flow.alerts.map(async (alert, index) => {
      const message = alertMessage(alert, flow, summary, totals, options.flowId, env);
      if (!message) return;
      const name = `alert ${index + 1} (${'slack' in alert ? 'Slack' : 'webhook'}, on ${alert.on})`;
      try {
        const target = resolveEnvRefs(alert, 'alerts', `alerts[${index}]`, env);
        const host = await deliver(target, message, `${summary.runId}-${index}-${summary.finishedAt}`);
        options.log('info', `${name} sent to ${host}`);
      } catch (error) {
        options.log('warn', `${name} could not be sent: ${errorMessage(error)}`);
      }
    }),
  );
}

/** Sources are the nodes no edge enters, destinations those no edge leaves. */
export function runTotals(flow: Pick<Flow, 'nodes' | 'edges'>, summary: Pick<RunSummary, 'nodes'>): RunTotals {
  const nodeOf = (endpoint: string) => endpoint.split(':')[0]!;
  const entered = new Set(flow.edges.map((edge) => nodeOf(edge.to)));
  const left = new Set(flow.edges.map((edge) => nodeOf(edge.from)));
  const totals: RunTotals = { read: 0, written: 0, rejected: 0, filtered: 0 };
  for (const [id, counts] of Object.entries(summary.nodes)) {
    if (!entered.has(id)) totals.read += counts.read;
    if (!left.has(id)) totals.written += counts.written;
    totals.rejected += counts.rejected;
    totals.filtered += counts.filtered;
  }
  return totals;
}

/** The message `alert` sends for this run, or undefined when the run does not call for it. */
export function alertMessage(
  alert: FlowAlert,
  flow: Pick<Flow, 'name'>,
  summary: RunSummary,
  totals: RunTotals,
  flowId: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): AlertMessage | undefined {
  const rejectedShare = totals.read === 0 ? 0 : totals.rejected / totals.read;
  const threshold = alert.threshold ?? 0;
  const percent = (share: number) => `${Number((share * 100).toFixed(2))}%`;
  let event: AlertMessage['event'];
  let what: string;
  if (alert.on === 'failure') {
    if (summary.status !== 'failed') return undefined;
    event = 'run.failed';
    what = `failed${summary.error ? `: ${summary.error.message}` : ''}`;
  } else {
    const ended = summary.status === 'succeeded' || summary.status === 'failed';
    if (!ended || totals.rejected === 0 || rejectedShare <= threshold) return undefined;
    event = 'run.rejected';
    what = `rejected ${totals.rejected} of ${totals.read} records (${percent(rejectedShare)}, above ${percent(threshold)})`;
  }
  const base = (env.BACKFLOW_PUBLIC_URL ?? defaultPublicUrl).replace(/\/+$/, '');
  const link = flowId
    ? `${base}/flows/${encodeURIComponent(flowId)}?run=${encodeURIComponent(summary.runId)}`
    : `${base}/runs?run=${encodeURIComponent(summary.runId)}`;
  const { read, written, rejected, filtered } = totals;
  return {
    event,
    flow: flow.name,
    ...(flowId ? { flowId } : {}),
    runId: summary.runId,
    status: summary.status,
    link,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    counts: totals,
    rejectedShare,
    ...(alert.on === 'rejected' ? { threshold } : {}),
    ...(summary.error ? { error: summary.error } : {}),
    text: `Backflow flow "${flow.name}": run ${summary.runId} ${what}. Read ${read}, written ${written}, rejected ${rejected}, filtered ${filtered}. ${link}`,
  };
}

/** Sends one alert; resolves with the host it reached (never the URL: its path may hold a token). */
async function deliver(alert: FlowAlert, message: AlertMessage, key: string): Promise<string> {
  const url = 'slack' in alert ? alert.slack.webhookUrl : alert.webhook.url;
  const api = createHttpApi({ baseUrl: url, retry: alertRetry, timeoutMs: alertTimeoutMs });
  const body = JSON.stringify('slack' in alert ? slackMessage(message) : message);
  const signing = 'webhook' in alert ? webhookSignatureHeaders(body, { secret: alert.webhook.secret }) : {};
  await api.requestText({
    method: 'POST',
    path: '',
    rawBody: body,
    headers: { 'content-type': 'application/json', 'Idempotency-Key': `bf-alert-${key}`, ...signing },
  });
  return new URL(url).host;
}

/** Slack's incoming-webhook body: mrkdwn text, `&`, `<` and `>` escaped as Slack asks, the run linked. */
export function slackMessage(message: AlertMessage): { text: string } {
  const mrkdwn = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
  const { read, written, rejected, filtered } = message.counts;
  const headline =
    message.event === 'run.failed'
      ? `:rotating_light: *${mrkdwn(message.flow)}* run <${message.link}|${message.runId}> failed`
      : `:warning: *${mrkdwn(message.flow)}* run <${message.link}|${message.runId}> rejected ${rejected} of ${read} records (${Number((message.rejectedShare * 100).toFixed(2))}%)`;
  const error = message.error ? `\n>${mrkdwn(message.error.message).replaceAll('\n', '\n>')}` : '';
  return {
    text: `${headline}${error}\nread ${read} · written ${written} · rejected ${rejected} · filtered ${filtered}`,
  };
}
