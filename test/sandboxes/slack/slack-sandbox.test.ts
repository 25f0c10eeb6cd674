/** The Slack sandbox driven by the official clients, unchanged but for their base URL: @slack/web-api and @slack/webhook. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { IncomingWebhook } from '@slack/webhook';
import { afterEach, describe, expect, it } from 'vitest';
import { idFor, type SlackSandbox, type SlackSandboxOptions, startSlackSandbox } from './server.ts';

const token = 'xoxb-sandbox-token';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const running: SlackSandbox[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((sandbox) => sandbox.close()));
});

async function sandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  const started = await startSlackSandbox({ limits: { postsPerChannelPerSecond: 100 }, ...options });
  running.push(started);
  return started;
}

/** The official client pointed at the sandbox; one quick retry so a test of faults stays short. */
function client(sandbox: SlackSandbox, withToken = token): WebClient {
  return new WebClient(withToken, {
    slackApiUrl: `${sandbox.url}/api/`,
    retryConfig: { retries: 3, factor: 1, minTimeout: 10, maxTimeout: 50 },
    logLevel: LogLevel.ERROR,
  });
}

const nasty = ['Zoë "quoted", <b>&amp;</b>', 'two\nlines', '名前 🙂', "O'Brien & co > <@U123>"];

describe('slack sandbox', () => {
  it('auth.test names the bot; a wrong token is invalid_auth and a revoked one token_revoked, as platform errors', async () => {
    const slack = await sandbox();
    const me = await client(slack).auth.test();
    expect(me).toMatchObject({ ok: true, team_id: 'T0SANDBOX', user_id: 'U0SANDBOT', bot_id: 'B0SANDBOT' });
    for (const [bad, error] of [
      ['xoxb-wrong', 'invalid_auth'],
      ['xoxb-revoked-token', 'token_revoked'],
    ] as const) {
      await expect(client(slack, bad).auth.test()).rejects.toMatchObject({
        code: ErrorCode.PlatformError,
        data: { ok: false, error },
      });
    }
  });

  it('posts text, Block Kit and metadata by channel name and id; history returns them newest first, metadata only when asked', async () => {
    const slack = await sandbox();
    const web = client(slack);
    const general = idFor('C', 'general');
    const posted = [];
    for (const [index, text] of nasty.entries()) {
      posted.push(
        await web.chat.postMessage({
          channel: index % 2 === 0 ? 'general' : general,
          text,
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `*${index}* ${text}` } }],
          metadata: { event_type: 'backflow_record', event_payload: { run: 'r1', seq: 1, index } },
        }),
      );
    }
    expect(posted.map((answer) => answer.channel)).toEqual([general, general, general, general]);
    const history = await web.conversations.history({ channel: general, limit: 3, include_all_metadata: true });
    expect(history.messages?.map((message) => message.text)).toEqual([...nasty].reverse().slice(0, 3));
    expect(history.messages?.[0]?.metadata).toEqual({
      event_type: 'backflow_record',
      event_payload: { run: 'r1', seq: 1, index: 3 },
    });
    expect(history.has_more).toBe(true);
    const rest = await web.conversations.history({
      channel: general,
      limit: 3,
      cursor: history.response_metadata?.next_cursor,
    });
    expect(rest.messages?.map((message) => message.text)).toEqual([nasty[0]]);
    expect(rest.messages?.[0]?.metadata).toBeUndefined();
    expect(rest.messages?.[0]?.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: `*0* ${nasty[0]}` } },
    ]);
    const since = await web.conversations.history({ channel: general, oldest: posted[1]!.ts });
    expect(since.messages?.map((message) => message.ts)).toEqual([posted[3]!.ts, posted[2]!.ts]);
  });

  it("refuses what Slack refuses, with Slack's error codes", async () => {
    const slack = await sandbox();
    const web = client(slack);
    const refusal = (call: Promise<unknown>) =>
      call.then(
        () => 'ok',
        (error: { data?: { error?: string } }) => error.data?.error,
      );
    expect(await refusal(web.chat.postMessage({ channel: 'nowhere', text: 'x' }))).toBe('channel_not_found');
    expect(await refusal(web.chat.postMessage({ channel: 'board', text: 'x' }))).toBe('not_in_channel');
    expect(await refusal(web.chat.postMessage({ channel: 'old-announcements', text: 'x' }))).toBe('is_archived');
    expect(await refusal(web.chat.postMessage({ channel: 'general', text: 'x'.repeat(40_001) }))).toBe('msg_too_long');
    expect(await refusal(web.chat.postMessage({ channel: 'general', text: '' }))).toBe('no_text');
    expect(
      await refusal(
        web.chat.postMessage({
          channel: 'general',
          text: 'x',
          blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '' } }],
        }),
      ),
    ).toBe('invalid_blocks');
    expect(
      await refusal(
        web.chat.postMessage({
          channel: 'general',
          text: 'x',
          metadata: { event_type: 'has space', event_payload: {} },
        }),
      ),
    ).toBe('invalid_metadata_schema');
    expect(await refusal(web.conversations.open({ users: 'U404' }))).toBe('user_not_found');
    expect(slack.messages('general')).toEqual([]);
  });

  it('opens a DM with a user by id, and lists channels and users', async () => {
    const slack = await sandbox();
    const web = client(slack);
    const alice = idFor('U', 'alice');
    const opened = await web.conversations.open({ users: alice });
    expect(opened.channel?.id).toMatch(/^D/);
    await web.chat.postMessage({ channel: opened.channel!.id!, text: 'hello Alice' });
    expect(slack.messages(alice).map((message) => message.text)).toEqual(['hello Alice']);
    const first = await web.conversations.list({ limit: 5, exclude_archived: true });
    const second = await web.conversations.list({
      limit: 5,
      exclude_archived: true,
      cursor: first.response_metadata?.next_cursor,
    });
    expect([...first.channels!, ...second.channels!].map((channel) => channel.name)).toEqual([
      'general',
      'random',
      'support-tier1',
      'support-tier2',
      'support-billing',
      'support-escalations',
      'board',
    ]);
    expect((await web.users.info({ user: alice })).user?.name).toBe('alice');
  });

  it('paces posting at 1 message a second per channel: the client waits out the 429s, other channels go on', async () => {
    const slack = await startSlackSandbox();
    running.push(slack);
    const web = client(slack);
    const started = Date.now();
    await Promise.all([
      web.chat.postMessage({ channel: 'general', text: 'one' }),
      web.chat.postMessage({ channel: 'random', text: 'elsewhere' }),
    ]);
    expect(Date.now() - started).toBeLessThan(900);
    await web.chat.postMessage({ channel: 'general', text: 'two' }); // refused with Retry-After: 1, then posted
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(slack.messages('general').map((message) => message.text)).toEqual(['one', 'two']);
    expect(slack.stats()).toMatchObject({ posted: 3, rejected429: 1, maxPostsPerChannelPerSecond: 1 });
  });

  it('injected 429 bursts are waited out by the client until every message lands once', async () => {
    const slack = await sandbox({ faults: { tooManyEvery: 3, tooManyBurst: 2, retryAfterSeconds: 0 } });
    const web = client(slack);
    for (let index = 0; index < 12; index++)
      await web.chat.postMessage({ channel: 'general', text: `message ${index}` });
    expect(slack.messages('general').map((message) => message.text)).toEqual(
      Array.from({ length: 12 }, (_, i) => `message ${i}`),
    );
    expect(slack.stats().rejected429).toBeGreaterThan(5);
  });

  it('an injected 5xx reaches the client as an HTTP error and a dropped connection as a request error', async () => {
    const slack = await sandbox({ faults: { errorRate: 1, errorStatus: 502 } });
    const once = new WebClient(token, {
      slackApiUrl: `${slack.url}/api/`,
      retryConfig: { retries: 0 },
      logLevel: LogLevel.ERROR,
    });
    await expect(once.chat.postMessage({ channel: 'general', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.HTTPError,
      statusCode: 502,
    });
    await fetch(`${slack.url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: null, dropEvery: 1 }),
    });
    await expect(once.chat.postMessage({ channel: 'general', text: 'x' })).rejects.toMatchObject({
      code: ErrorCode.RequestError,
    });
    expect(slack.messages('general')).toEqual([]);
  });

  it('takes incoming webhooks with @slack/webhook: "ok", Block Kit kept, and its error codes as text', async () => {
    const slack = await sandbox();
    const hook = new IncomingWebhook(slack.webhookUrl('support-tier1'));
    expect(await hook.send({ text: nasty[0], blocks: [{ type: 'divider' }] })).toEqual({ text: 'ok' });
    expect(slack.messages('support-tier1')).toMatchObject([{ text: nasty[0], blocks: [{ type: 'divider' }] }]);
    await expect(hook.send({ text: '' })).rejects.toMatchObject({ statusCode: 400, body: 'no_text' });
    await expect(new IncomingWebhook(slack.webhookUrl('old-announcements')).send({ text: 'x' })).rejects.toMatchObject({
      statusCode: 410,
      body: 'channel_is_archived',
    });
    await expect(
      new IncomingWebhook(`${slack.url}/services/T0SANDBOX/BNOPE/nope`).send({ text: 'x' }),
    ).rejects.toMatchObject({
      statusCode: 404,
      body: 'no_service',
    });
  });

  it('serves stats and live faults under /__sandbox/', async () => {
    const slack = await sandbox();
    const set = await fetch(`${slack.url}/__sandbox/faults`, {
      method: 'POST',
      body: JSON.stringify({ errorRate: 1 }),
    });
    expect(await set.json()).toEqual({ errorRate: 1 });
    await expect(client(slack).chat.postMessage({ channel: 'general', text: 'x' })).rejects.toBeDefined();
    await fetch(`${slack.url}/__sandbox/faults`, { method: 'POST', body: JSON.stringify({ errorRate: null }) });
    await client(slack).chat.postMessage({ channel: 'general', text: 'after' });
    const stats = (await (await fetch(`${slack.url}/__sandbox/stats`)).json()) as { posted: number };
    expect(stats.posted).toBe(1);
    const listed = (await (await fetch(`${slack.url}/__sandbox/messages?channel=general`)).json()) as {
      messages: { text: string }[];
    };
    expect(listed.messages.map((message) => message.text)).toEqual(['after']);
  });

  it('starts from the sandbox CLI, printing the webhook of #general, and serves both clients', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'test/sandboxes/cli.ts',
        'slack',
        '--port',
        '0',
        '--faults',
        '{"tooManyEvery":2,"retryAfterSeconds":0}',
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const { url, webhook } = await new Promise<{ url: string; webhook: string }>((resolve, reject) => {
        let output = '';
        child.stdout.on('data', (chunk) => {
          output += chunk;
          const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1];
          const webhook = /^incoming webhook of #general: (\S+)$/m.exec(output)?.[1];
          if (url && webhook) resolve({ url, webhook });
        });
        child.on('close', () => reject(new Error(`the CLI exited before listening: ${output}`)));
      });
      await new IncomingWebhook(webhook).send({ text: 'from the webhook' });
      await new WebClient(token, { slackApiUrl: `${url}/api/`, logLevel: LogLevel.ERROR }).chat.postMessage({
        channel: 'general',
        text: 'from the client',
      });
      const listed = (await (await fetch(`${url}/__sandbox/messages?channel=general`)).json()) as {
        messages: { text: string }[];
      };
      expect(listed.messages.map((message) => message.text)).toEqual(['from the webhook', 'from the client']);
      // The second request met an injected 429: the web client waited it out.
      expect(((await (await fetch(`${url}/__sandbox/stats`)).json()) as { rejected429: number }).rejected429).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
