/**
 * A real run killed with SIGKILL while it posts to Slack, then resumed: the resumed run reads each
 * channel's history for the messages the dead process posted and posts each ticket exactly once.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { postedRecords, sandbox, token } from './slack-support.ts';
import { envRef, query, spawnCliWithEnv, workDir } from './support.ts';

const channels = ['support-tier1', 'support-tier2', 'support-billing'];
const tickets = 90;

describe('slack.destination in a real run', () => {
  // Checkpointed after every batch, the resume starts after the last checkpoint and reads history since
  // the run began; with no checkpoint yet, it starts over and reads the channels' latest page.
  it.each([
    ['a checkpoint after every batch', 0],
    ['no checkpoint before the kill', 3_600_000],
  ])(
    'killed with SIGKILL mid-run (%s) and resumed: every ticket posted once, the refused one rejected',
    async (_case, checkpointIntervalMs) => {
      const slack = await sandbox();
      const cwd = await workDir('slack-kill');
      await query(
        `CREATE TABLE tickets AS
       SELECT i AS id,
              CASE WHEN i = 45 THEN 'board' ELSE ['support-tier1', 'support-tier2', 'support-billing'][1 + i % 3] END AS channel,
              ['Zoë "refund" ', 'two' || chr(10) || 'lines ', '名前 🙂 ', '<@U123> & <!channel> > '][1 + i % 4] || i AS subject
       FROM range(1, ${tickets + 1}) r(i)`,
        path.join(cwd, 'tickets.duckdb'),
      );
      const flow = {
        name: 'tickets-to-slack-kill',
        settings: { batchSize: 10, checkpointIntervalMs },
        nodes: [
          { id: 'tickets', type: 'duckdb.source', config: { path: 'tickets.duckdb', table: 'tickets', key: 'id' } },
          {
            id: 'slack',
            type: 'slack.destination',
            config: {
              baseUrl: envRef('SLACK_API_URL'),
              token: envRef('SLACK_BOT_TOKEN'),
              channelField: 'channel',
              text: '{id}\t{subject}',
              messagesPerSecond: 15,
            },
          },
        ],
        edges: [{ from: 'tickets', to: 'slack' }],
      };
      await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow));
      const env = { SLACK_API_URL: `${slack.url}/api`, SLACK_BOT_TOKEN: token };

      const first = spawnCliWithEnv(['run', 'flow.json', '--json'], cwd, env);
      while (slack.stats().posted < 35) {
        if (first.child.exitCode !== null)
          throw new Error(`the run ended before it was killed: ${first.output().stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      first.child.kill('SIGKILL');
      expect((await first.done).signal).toBe('SIGKILL');
      const postedByTheDead = slack.stats().posted;
      expect(postedByTheDead).toBeLessThan(tickets - 1);

      const resumed = await spawnCliWithEnv(['run', 'flow.json', '--resume', '--json'], cwd, env).done;
      expect(resumed.stderr).toBe('');
      expect(resumed.code, resumed.stdout).toBe(0);
      const summary = JSON.parse(resumed.stdout);
      expect(summary).toMatchObject({ status: 'succeeded', resumed: true });
      expect(summary.nodes.slack).toMatchObject({ read: tickets, written: tickets - 1, rejected: 1 });

      const posted = postedRecords(slack, channels).sort((a, b) => Number(a.id) - Number(b.id));
      expect(posted.map((record) => record.id)).toEqual(
        Array.from({ length: tickets }, (_, i) => i + 1).filter((id) => id !== 45),
      );
      const expected = await query(
        `SELECT id, channel, subject FROM tickets WHERE id <> 45 ORDER BY id`,
        path.join(cwd, 'tickets.duckdb'),
      );
      expect(posted).toEqual(
        expected.map((row) => ({ channel: row.channel, id: Number(row.id), subject: row.subject })),
      );
      expect(slack.stats().posted).toBe(tickets - 1);
    },
    120_000,
  );
});
