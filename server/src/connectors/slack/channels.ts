/**
 * What a record's channel reference (a name, a channel id, a user id) is as a channel id, which
 * posting and history need. Names are looked up once per run in conversations.list; a user id
 * opens (or finds) the bot's direct message with that user through conversations.open.
 */
import type { SlackWebApi } from './web-api.ts';
import { SlackRefusal } from './web-api.ts';

const channelId = /^[CGD][A-Z0-9]{6,}$/;
const userId = /^[UW][A-Z0-9]{6,}$/;

interface ChannelPage {
  channels: { id: string; name: string }[];
  response_metadata?: { next_cursor?: string };
}

export function channelResolver(api: SlackWebApi): (reference: string) => Promise<string> {
  let names: Promise<Map<string, string>> | undefined;
  const direct = new Map<string, Promise<string>>();
  return async (reference) => {
    const trimmed = reference.trim();
    if (channelId.test(trimmed)) return trimmed;
    if (userId.test(trimmed)) {
      let opened = direct.get(trimmed);
      if (!opened) {
        opened = api
          .read<{ channel: { id: string } }>('conversations.open', { users: trimmed })
          .then((answer) => answer.channel.id);
        direct.set(trimmed, opened);
      }
      return opened;
    }
    names ??= listChannels(api);
    const name = trimmed.replace(/^#/, '');
    const id = (await names).get(name);
    if (id === undefined)
      throw new SlackRefusal('channel_not_found', [], `Slack has no channel named #${name} that the bot can see`);
    return id;
  };
}

async function listChannels(api: SlackWebApi): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  let cursor: string | undefined;
  do {
    const page = await api.read<ChannelPage>('conversations.list', {
      types: 'public_channel,private_channel',
      limit: 1000,
      cursor,
    });
    for (const channel of page.channels) byName.set(channel.name, channel.id);
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return byName;
}
