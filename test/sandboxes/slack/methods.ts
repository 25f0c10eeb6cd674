import { invalidArguments, SlackError } from './errors.ts';
import { readMessage } from './message-checks.ts';
import type { RateLimiter } from './rate-limit.ts';
import { appId, botId, botUserId, type Channel, type Message, teamId, type Workspace } from './workspace.ts';

/** A Web API call: its arguments (query, form fields or JSON body, merged) and the token it came with. */
export interface Call {
  args: Record<string, unknown>;
  token: string;
  origin: string;
}

export type Method = (call: Call) => Record<string, unknown>;

/** The Web API methods the sandbox answers, by name (`/api/<name>`). */
export function webApiMethods(workspace: Workspace, limiter: RateLimiter): Record<string, Method> {
  const channelOf = (args: Record<string, unknown>, forPosting: boolean): Channel => {
    const reference = stringArg(args, 'channel');
    const channel = workspace.find(reference);
    if (!channel || (channel.isPrivate && !channel.member)) throw new SlackError('channel_not_found');
    if (forPosting && channel.isArchived) throw new SlackError('is_archived');
    if (!channel.member) throw new SlackError('not_in_channel');
    return channel;
  };

  return {
    'auth.test': ({ origin }) => ({
      url: `${origin}/`,
      team: 'Backflow Sandbox',
      user: 'backflow',
      team_id: teamId,
      user_id: botUserId,
      bot_id: botId,
      is_enterprise_install: false,
    }),

    'chat.postMessage': ({ args }) => {
      const channel = channelOf(args, true);
      const message = readMessage(args);
      limiter.admitPost(channel.id);
      const posted = workspace.post(channel, message);
      limiter.stats.posted++;
      return { channel: channel.id, ts: posted.ts, message: shown(posted, true) };
    },

    'conversations.history': ({ args }) => {
      const channel = channelOf(args, false);
      const limit = Math.min(integerArg(args, 'limit', 100), 999);
      const inclusive = booleanArg(args, 'inclusive');
      const oldest = optionalArg(args, 'oldest');
      const latest = optionalArg(args, 'latest');
      const after = optionalArg(args, 'cursor');
      const before =
        after === undefined
          ? undefined
          : Buffer.from(after, 'base64')
              .toString('utf8')
              .replace(/^next_ts:/, '');
      const inRange = channel.messages
        .filter((message) => {
          const ts = Number(message.ts);
          if (oldest !== undefined && (inclusive ? ts < Number(oldest) : ts <= Number(oldest))) return false;
          if (latest !== undefined && (inclusive ? ts > Number(latest) : ts >= Number(latest))) return false;
          return before === undefined || ts < Number(before);
        })
        .reverse();
      const page = inRange.slice(0, limit);
      const hasMore = inRange.length > limit;
      const includeMetadata = booleanArg(args, 'include_all_metadata');
      return {
        messages: page.map((message) => shown(message, includeMetadata)),
        has_more: hasMore,
        pin_count: 0,
        response_metadata: { next_cursor: hasMore ? Buffer.from(`next_ts:${page.at(-1)!.ts}`).toString('base64') : '' },
      };
    },

    'conversations.open': ({ args }) => {
      const users = optionalArg(args, 'users');
      if (!users) throw new SlackError('users_list_not_supplied');
      const ids = users.split(',').map((id) => id.trim());
      if (ids.length !== 1) throw new SlackError('not_enough_users');
      if (!workspace.users.has(ids[0]!)) throw new SlackError('user_not_found');
      return { channel: { id: workspace.openDm(ids[0]!).id } };
    },

    'conversations.list': ({ args }) => {
      const types = (optionalArg(args, 'types') ?? 'public_channel').split(',').map((type) => type.trim());
      const excludeArchived = booleanArg(args, 'exclude_archived');
      const limit = Math.min(integerArg(args, 'limit', 100), 1000);
      const offset = Number(Buffer.from(optionalArg(args, 'cursor') ?? '', 'base64').toString('utf8') || '0');
      const listed = [...workspace.channels.values()].filter(
        (channel) =>
          !channel.dmUser &&
          types.includes(channel.isPrivate ? 'private_channel' : 'public_channel') &&
          (!channel.isPrivate || channel.member) &&
          !(excludeArchived && channel.isArchived),
      );
      const page = listed.slice(offset, offset + limit);
      const next = offset + limit < listed.length ? Buffer.from(String(offset + limit)).toString('base64') : '';
      return {
        channels: page.map((channel) => ({
          id: channel.id,
          name: channel.name,
          is_channel: !channel.isPrivate,
          is_group: false,
          is_im: false,
          is_private: channel.isPrivate,
          is_archived: channel.isArchived,
          is_member: channel.member,
          context_team_id: teamId,
        })),
        response_metadata: { next_cursor: next },
      };
    },

    'users.info': ({ args }) => {
      const user = workspace.users.get(stringArg(args, 'user'));
      if (!user) throw new SlackError('user_not_found');
      return {
        user: {
          id: user.id,
          team_id: teamId,
          name: user.name,
          real_name: user.realName,
          is_bot: false,
          deleted: false,
        },
      };
    },
  };
}

/** A message as Slack shows it; metadata only when asked for (`include_all_metadata`) or just posted. */
function shown(message: Message, withMetadata: boolean): Record<string, unknown> {
  const { metadata, ...rest } = message;
  return { ...rest, app_id: appId, team: teamId, ...(withMetadata && metadata ? { metadata } : {}) };
}

function optionalArg(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  return value === undefined || value === null || value === '' ? undefined : String(value);
}

function stringArg(args: Record<string, unknown>, name: string): string {
  const value = optionalArg(args, name);
  if (value === undefined) throw invalidArguments(`missing required field: ${name}`);
  return value;
}

function integerArg(args: Record<string, unknown>, name: string, fallback: number): number {
  const value = optionalArg(args, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw invalidArguments(`${name} must be an integer`);
  return Number(value);
}

function booleanArg(args: Record<string, unknown>, name: string): boolean {
  const value = args[name];
  return value === true || value === 'true' || value === '1' || value === 1;
}
