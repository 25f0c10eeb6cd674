import { isJsonObject } from '../http-kit.ts';
import { SlackError } from './errors.ts';
import type { Message } from './workspace.ts';

/** Slack refuses text over 40,000 characters with `msg_too_long`. */
export const maxTextLength = 40_000;
const maxBlocks = 50;
/** A section's text, a context element: 3,000 characters; a header: 150. */
const maxSectionText = 3000;
const maxHeaderText = 150;
const blockTypes = new Set([
  'section',
  'divider',
  'header',
  'context',
  'actions',
  'image',
  'rich_text',
  'input',
  'file',
  'video',
]);
const textTypes = new Set(['plain_text', 'mrkdwn']);
const eventType = /^[A-Za-z0-9_]{1,255}$/;

/** What a message's arguments hold, read from a form field (JSON text) or a JSON body (a value). */
export type MessageArguments = Record<string, unknown>;

/**
 * The message `chat.postMessage` or an incoming webhook would post, or the error Slack answers:
 * `no_text`, `msg_too_long`, `invalid_blocks_format` / `invalid_blocks` (with the JSON pointer of
 * the problem), `invalid_metadata_format` / `invalid_metadata_schema`.
 */
export function readMessage(args: MessageArguments, status = 200): Pick<Message, 'text' | 'blocks' | 'metadata'> {
  const text = args.text === undefined || args.text === null ? '' : String(args.text);
  const blocks =
    args.blocks === undefined || args.blocks === ''
      ? undefined
      : readBlocks(parsed(args.blocks, 'invalid_blocks_format', status), status);
  if (!text && !blocks) throw new SlackError('no_text', status);
  if (text.length > maxTextLength) throw new SlackError('msg_too_long', status);
  const metadata =
    args.metadata === undefined || args.metadata === ''
      ? undefined
      : readMetadata(parsed(args.metadata, 'invalid_metadata_format', status), status);
  return { text, ...(blocks ? { blocks } : {}), ...(metadata ? { metadata } : {}) };
}

function parsed(value: unknown, error: string, status: number): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new SlackError(error, status);
  }
}

function readBlocks(value: unknown, status: number): unknown[] {
  if (!Array.isArray(value)) throw new SlackError('invalid_blocks_format', status);
  const problem = (pointer: string, message: string) =>
    new SlackError(
      'invalid_blocks',
      status,
      {},
      { response_metadata: { messages: [`[ERROR] ${message} [json-pointer:${pointer}]`] } },
    );
  if (value.length > maxBlocks) throw problem('/blocks', `no more than ${maxBlocks} items allowed`);
  value.forEach((block, index) => {
    const at = `/blocks/${index}`;
    if (!isJsonObject(block) || typeof block.type !== 'string' || !blockTypes.has(block.type))
      throw problem(`${at}/type`, 'must provide a known block type');
    const limit = block.type === 'header' ? maxHeaderText : maxSectionText;
    if (block.type === 'section' || block.type === 'header') {
      if (block.text === undefined && block.type === 'section' && Array.isArray(block.fields)) return;
      checkText(block.text, `${at}/text`, limit, problem);
    }
    if (block.type === 'context') {
      if (!Array.isArray(block.elements) || block.elements.length === 0)
        throw problem(`${at}/elements`, 'must provide an array of at least 1 item');
      for (const [n, element] of block.elements.entries())
        checkText(element, `${at}/elements/${n}`, maxSectionText, problem);
    }
  });
  return value;
}

function checkText(
  value: unknown,
  pointer: string,
  limit: number,
  problem: (pointer: string, message: string) => SlackError,
) {
  if (!isJsonObject(value) || typeof value.type !== 'string' || !textTypes.has(value.type))
    throw problem(`${pointer}/type`, 'must be one of plain_text, mrkdwn');
  if (typeof value.text !== 'string' || value.text.length === 0)
    throw problem(`${pointer}/text`, 'must be more than 0 characters');
  if (value.text.length > limit) throw problem(`${pointer}/text`, `must be less than ${limit + 1} characters`);
}

function readMetadata(value: unknown, status: number): Message['metadata'] {
  if (!isJsonObject(value)) throw new SlackError('invalid_metadata_format', status);
  if (typeof value.event_type !== 'string' || !eventType.test(value.event_type) || !isJsonObject(value.event_payload))
    throw new SlackError('invalid_metadata_schema', status);
  return { event_type: value.event_type, event_payload: value.event_payload };
}
