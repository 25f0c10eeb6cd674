/** What the Slack connector's tests share: a sandbox per test, and its channels read back as records. */
import { afterEach } from 'vitest';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { type SlackSandbox, type SlackSandboxOptions, startSlackSandbox } from '../sandboxes/slack/server.ts';

export const token = 'xoxb-sandbox-token';
/** Fast enough for tests; the pace test runs at Slack's own 1 a second. */
export const fastPace = 100;

const sandboxes: SlackSandbox[] = [];
afterEach(async () => {
  await Promise.all(sandboxes.splice(0).map((sandbox) => sandbox.close()));
});

/** A sandbox of its own (port 0), closed after the test: its URL gives the connector limiters of their own too. */
export async function sandbox(options: SlackSandboxOptions = {}): Promise<SlackSandbox> {
  const started = await startSlackSandbox({ port: 0, limits: { postsPerChannelPerSecond: fastPace }, ...options });
  sandboxes.push(started);
  return started;
}

/** Slack's escaping undone: what the user sees. */
export function unescaped(text: string): string {
  return text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
}

/**
 * The messages of `channels` as records, for flows whose text template is `{id}\t{subject}`: the
 * record the message was made from, its channel named as the record named it.
 */
export function postedRecords(slack: SlackSandbox, channels: readonly string[], withChannel = true): Rec[] {
  return channels.flatMap((channel) =>
    slack.messages(channel).map((message) => {
      const [id, ...subject] = message.text.split('\t');
      return { ...(withChannel ? { channel } : {}), id: Number(id), subject: unescaped(subject.join('\t')) };
    }),
  );
}

/** Subjects with the nasty cases: quotes, newlines, unicode, Slack's control characters, a would-be mention. */
export function subject(i: number): string {
  return [`Zoë "refund" ${i}`, `two\nlines ${i}`, `名前 ${i} 🙂`, `<@U123> & <!channel> > ${i}`, `O'Brien, ${i}`][
    i % 5
  ]!;
}
