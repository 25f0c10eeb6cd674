/**
 * Message templates: `{field}` placeholders filled from a record, each value escaped the way Slack
 * asks for text (`&`, `<`, `>` as entities), so a record's text can never turn into a mention,
 * a link or a broken message.
 */
import type { Rec } from '../../node-kit/contract.ts';
import { valueAt } from '../../node-kit/id-lookups.ts';

const placeholder = /\{([A-Za-z0-9_][A-Za-z0-9_.-]*)\}/g;

/** Slack's three control characters as entities (https://api.slack.com/reference/surfaces/formatting#escaping). */
export function slackEscaped(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** The template with every `{field}` replaced by the record's value (empty for null or absent; JSON for objects). */
export function renderText(template: string, record: Rec): string {
  return template.replace(placeholder, (_whole, path: string) => slackEscaped(shown(valueAt(record, path))));
}

/** Block Kit JSON with every string's placeholders filled (keys and non-strings kept). */
export function renderBlocks(blocks: readonly unknown[], record: Rec): unknown[] {
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') return renderText(value, record);
    if (Array.isArray(value)) return value.map(fill);
    if (value && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, fill(inner)]));
    return value;
  };
  return blocks.map(fill);
}

function shown(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
