import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isJsonObject, listen, readText, sendText } from '../http-kit.ts';
import { invalidArguments, SlackError } from './errors.ts';
import { faultError, type SlackFaults, slackFaultScheduler } from './faults.ts';
import { readMessage } from './message-checks.ts';
import { webApiMethods } from './methods.ts';
import { RateLimiter, type SlackLimits, type SlackStats } from './rate-limit.ts';
import { type ChannelSeed, defaultChannels, defaultUsers, type Message, teamId, Workspace } from './workspace.ts';

export type { SlackFaults } from './faults.ts';
export type { SlackLimits, SlackStats } from './rate-limit.ts';
export type { ChannelSeed, Message } from './workspace.ts';
export { idFor } from './workspace.ts';

export interface SlackSandboxOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Accepted bot tokens; default `['xoxb-sandbox-token']`. */
  tokens?: string[];
  /** Tokens answered `token_revoked`; default `['xoxb-revoked-token']`. */
  revokedTokens?: string[];
  /** The channels at start; default general, random, four support-* channels, board (bot not in it), old-announcements (archived). */
  channels?: ChannelSeed[];
  /** User names at start (ids from `idFor('U', name)`); default alice, bob, carol, dave. */
  users?: string[];
  limits?: SlackLimits;
  faults?: SlackFaults;
}

export interface SlackSandbox {
  /** `http://127.0.0.1:<port>`; the Web API is at `${url}/api/` (WebClient's `slackApiUrl`). */
  url: string;
  close(): Promise<void>;
  stats(): SlackStats;
  /** The incoming webhook URL of a channel (by name): a secret URL, as Slack's are. */
  webhookUrl(channel: string): string;
  /** A channel's messages (by name, id, or a user id for the DM), oldest first, metadata included. */
  messages(channel: string): Message[];
}

const host = '127.0.0.1';
const bodyLimit = 4 * 1024 * 1024;

/**
 * Starts a local server speaking Slack's Web API (chat.postMessage with Block Kit and metadata,
 * conversations.history/open/list, auth.test, users.info) as `@slack/web-api` calls it, and incoming
 * webhooks as `@slack/webhook` posts to them, with Slack's answers, errors and rate limits.
 */
export async function startSlackSandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  const workspace = new Workspace(options.channels ?? defaultChannels, options.users ?? defaultUsers);
  const tokens = new Set(options.tokens ?? ['xoxb-sandbox-token']);
  const revoked = new Set(options.revokedTokens ?? ['xoxb-revoked-token']);
  const limiter = new RateLimiter(options.limits);
  const faults = slackFaultScheduler({ ...options.faults });
  const methods = webApiMethods(workspace, limiter);
  const webhookPath = (channelId: string) =>
    `/services/${teamId}/B${channelId.slice(1)}/${createHash('sha256').update(`webhook:${channelId}`).digest('hex').slice(0, 24)}`;
  const webhooks = new Map([...workspace.channels.values()].map((channel) => [webhookPath(channel.id), channel.id]));
  const channelNamed = (reference: string) => {
    const channel = workspace.find(reference);
    if (!channel) throw invalidArguments(`no channel ${reference} in the sandbox`);
    return channel;
  };

  async function admin(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (url.pathname === '/__sandbox/stats' && req.method === 'GET') return sendJson(res, 200, limiter.stats);
    if (url.pathname === '/__sandbox/faults' && req.method === 'GET') return sendJson(res, 200, faults.options);
    if (url.pathname === '/__sandbox/faults' && req.method === 'POST') {
      const patch = JSON.parse((await readText(req, bodyLimit, () => invalidArguments('too large'))) || '{}') as Record<
        string,
        unknown
      >;
      return sendJson(res, 200, faults.update(patch));
    }
    if (url.pathname === '/__sandbox/messages' && req.method === 'GET') {
      return sendJson(res, 200, { messages: channelNamed(url.searchParams.get('channel') ?? '').messages });
    }
    throw new SlackError('unknown_method', 404);
  }

  /** A fault for this request: true when it was answered (or dropped) by one. */
  function injected(req: IncomingMessage, answer: (error: SlackError) => void): boolean {
    const fault = faults.next();
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return true;
    }
    // dropAnswerEvery is the Sheets sandbox's alone: Slack's requests are answered.
    if (!fault || fault.kind === 'dropAnswer') return false;
    if (fault.kind === 'tooMany') limiter.stats.rejected429++;
    answer(faultError(fault));
    return true;
  }

  async function webApi(req: IncomingMessage, res: ServerResponse, url: URL, origin: string): Promise<void> {
    const method = methods[url.pathname.slice('/api/'.length)];
    if (!method) throw new SlackError('unknown_method', 404);
    const args = { ...Object.fromEntries(url.searchParams), ...(await readArgs(req)) };
    const token =
      /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim() ?? (args.token as string | undefined);
    if (!token) throw new SlackError('not_authed');
    if (revoked.has(token)) throw new SlackError('token_revoked');
    if (!tokens.has(token)) throw new SlackError('invalid_auth');
    if (injected(req, (error) => sendJson(res, error.status, error.body, error.headers))) return;
    limiter.admitCall(url.pathname.slice('/api/'.length), token);
    sendJson(res, 200, { ok: true, ...method({ args, token, origin }) });
  }

  async function webhook(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const channelId = webhooks.get(url.pathname);
    const answer = (error: SlackError) => sendText(res, error.status, error.error, 'text/html', error.headers);
    if (!channelId) return answer(new SlackError('no_service', 404));
    if (injected(req, answer)) return;
    const channel = workspace.channels.get(channelId)!;
    try {
      if (req.method !== 'POST') throw new SlackError('invalid_payload', 400);
      const body = await readArgs(req);
      if (channel.isArchived) throw new SlackError('channel_is_archived', 410);
      const message = readMessage(body, 400);
      limiter.admitPost(channel.id);
      workspace.post(channel, { text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) });
      limiter.stats.posted++;
      sendText(res, 200, 'ok', 'text/html');
    } catch (error) {
      if (!(error instanceof SlackError)) throw error;
      if (error.status === 429) limiter.stats.rejected429++;
      // Webhooks answer the error code as text; a refused message is a 400, whatever the Web API says.
      const code =
        error.error === 'invalid_json' || error.error === 'json_not_object' ? 'invalid_payload' : error.error;
      answer(
        error.status === 429
          ? new SlackError('rate_limited', 429, error.headers)
          : new SlackError(code, error.status === 200 ? 400 : error.status),
      );
    }
  }

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = `http://${req.headers.host ?? `${host}:${port}`}`;
    try {
      const url = new URL(req.url ?? '/', origin);
      if (url.pathname.startsWith('/__sandbox/')) return await admin(req, res, url);
      limiter.stats.requests++;
      if (url.pathname.startsWith('/services/')) return await webhook(req, res, url);
      if (url.pathname.startsWith('/api/')) return await webApi(req, res, url, origin);
      throw new SlackError('unknown_method', 404);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!(error instanceof SlackError)) console.error('slack sandbox:', error);
      const answer = error instanceof SlackError ? error : new SlackError('internal_error', 500);
      if (answer.status === 429) limiter.stats.rejected429++;
      sendJson(res, answer.status, answer.body, answer.headers);
    }
  }

  const { url, port, close } = await listen(serve, host, options.port);

  return {
    url,
    close,
    stats: () => ({ ...limiter.stats }),
    webhookUrl: (channel) => `${url}${webhookPath(channelNamed(channel).id)}`,
    messages: (channel) => structuredClone(channelNamed(channel).messages),
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  sendText(res, status, JSON.stringify(body), 'application/json; charset=utf-8', headers);
}

/**
 * A call's arguments from its body: JSON (objects and arrays kept as they are) or form fields (the
 * way `@slack/web-api` sends them, objects as JSON text). An empty body has none.
 */
async function readArgs(req: IncomingMessage): Promise<Record<string, unknown>> {
  const text = await readText(req, bodyLimit, () => new SlackError('request_too_large', 413));
  if (!text.trim()) return {};
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new SlackError('invalid_json', 200);
    }
    if (!isJsonObject(value)) throw new SlackError('json_not_object', 200);
    return value;
  }
  return Object.fromEntries(new URLSearchParams(text));
}
