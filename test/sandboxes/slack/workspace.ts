import { createHash } from 'node:crypto';

/** A channel as the sandbox keeps it; `member` says whether the bot was invited. */
export interface Channel {
  id: string;
  name: string;
  isPrivate: boolean;
  isArchived: boolean;
  member: boolean;
  /** The user of a direct message (`D…`) channel. */
  dmUser?: string;
  messages: Message[];
}

export interface Message {
  type: 'message';
  ts: string;
  text: string;
  user: string;
  bot_id: string;
  app_id: string;
  blocks?: unknown[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

export interface User {
  id: string;
  name: string;
  realName: string;
}

/** A channel to create at start. */
export interface ChannelSeed {
  name: string;
  /** Whether the bot is in it; default true (posting elsewhere answers `not_in_channel`). */
  member?: boolean;
  private?: boolean;
  archived?: boolean;
}

export const teamId = 'T0SANDBOX';
export const botUserId = 'U0SANDBOT';
export const botId = 'B0SANDBOT';
export const appId = 'A0SANDAPP';

export const defaultChannels: ChannelSeed[] = [
  { name: 'general' },
  { name: 'random' },
  { name: 'support-tier1' },
  { name: 'support-tier2' },
  { name: 'support-billing' },
  { name: 'support-escalations' },
  { name: 'board', member: false },
  { name: 'old-announcements', archived: true },
];
export const defaultUsers = ['alice', 'bob', 'carol', 'dave'];

/** A Slack-looking id, the same for the same name every time: `C` + 10 upper-case hex digits. */
export function idFor(prefix: 'C' | 'G' | 'D' | 'U', name: string): string {
  return `${prefix}${createHash('sha256').update(name).digest('hex').slice(0, 10).toUpperCase()}`;
}

/** The channels, users and messages of one workspace, in memory. */
export class Workspace {
  readonly channels = new Map<string, Channel>();
  readonly users = new Map<string, User>();
  #lastTsMicros = 0;

  constructor(channels: ChannelSeed[], users: string[]) {
    for (const seed of channels) {
      const id = idFor(seed.private ? 'G' : 'C', seed.name);
      this.channels.set(id, {
        id,
        name: seed.name,
        isPrivate: seed.private ?? false,
        isArchived: seed.archived ?? false,
        member: seed.member ?? true,
        messages: [],
      });
    }
    for (const name of users) {
      const id = idFor('U', name);
      this.users.set(id, { id, name, realName: name[0]!.toUpperCase() + name.slice(1) });
    }
  }

  /** A channel by id, by name (`#` optional), or a user id's direct message channel (opened on first use). */
  find(reference: string): Channel | undefined {
    const byId = this.channels.get(reference);
    if (byId) return byId;
    if (this.users.has(reference)) return this.openDm(reference);
    const name = reference.replace(/^#/, '');
    for (const channel of this.channels.values()) if (channel.name === name && !channel.dmUser) return channel;
    return undefined;
  }

  openDm(userId: string): Channel {
    const id = idFor('D', userId);
    let channel = this.channels.get(id);
    if (!channel) {
      channel = { id, name: id, isPrivate: true, isArchived: false, member: true, dmUser: userId, messages: [] };
      this.channels.set(id, channel);
    }
    return channel;
  }

  /** Slack's message timestamps: seconds and microseconds, unique and increasing in a workspace. */
  nextTs(now = Date.now()): string {
    this.#lastTsMicros = Math.max(now * 1000, this.#lastTsMicros + 1);
    const seconds = Math.floor(this.#lastTsMicros / 1_000_000);
    return `${seconds}.${String(this.#lastTsMicros % 1_000_000).padStart(6, '0')}`;
  }

  post(channel: Channel, message: Omit<Message, 'type' | 'ts' | 'user' | 'bot_id' | 'app_id'>): Message {
    const posted: Message = {
      type: 'message',
      ts: this.nextTs(),
      user: botUserId,
      bot_id: botId,
      app_id: appId,
      ...message,
    };
    channel.messages.push(posted);
    return posted;
  }
}
