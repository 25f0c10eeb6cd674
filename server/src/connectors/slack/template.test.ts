import { describe, expect, it } from 'vitest';
import { renderBlocks, renderText } from './template.ts';

describe('slack message templates', () => {
  it('fills placeholders, nested paths too, escaping &, < and > so a value cannot mention or link', () => {
    const record = {
      id: 7,
      subject: 'Refund <@U123> & <!channel> > now',
      customer: { name: 'Zoë "O\'Brien"' },
      none: null,
    };
    expect(renderText('#{id} {subject} for {customer.name}{none}{missing}', record)).toBe(
      '#7 Refund &lt;@U123&gt; &amp; &lt;!channel&gt; &gt; now for Zoë "O\'Brien"',
    );
    expect(renderText('{tags} {big}', { tags: ['a', 'b'], big: '12345678901234567890' })).toBe(
      '["a","b"] 12345678901234567890',
    );
    expect(renderText('{not a placeholder} {}', { a: 1 })).toBe('{not a placeholder} {}');
  });

  it('fills the strings of Block Kit JSON, keeping its shape and non-string values', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'Ticket {id}', emoji: true } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Priority*\n{priority}' }] },
    ];
    expect(renderBlocks(blocks, { id: 'T-1', priority: 'high\nurgent' })).toEqual([
      { type: 'header', text: { type: 'plain_text', text: 'Ticket T-1', emoji: true } },
      { type: 'section', fields: [{ type: 'mrkdwn', text: '*Priority*\nhigh\nurgent' }] },
    ]);
  });
});
