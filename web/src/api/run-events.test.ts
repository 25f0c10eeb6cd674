import { describe, expect, it } from 'vitest';
import { parseNdjson } from './client.ts';
import { createSseParser } from './run-events.ts';

describe('createSseParser', () => {
  it('yields each event once complete, however the stream is cut', () => {
    const events: [string, string][] = [];
    const feed = createSseParser((event, data) => events.push([event, data]));
    const text =
      'event: status\ndata: {"status":"running"}\n\n: keep-alive\n\nevent: stats\r\ndata: {"nodes":{}}\r\n\r\ndata: a\ndata: b\n\n';
    for (const chunk of text.match(/[\s\S]{1,7}/g)!) feed(chunk);
    expect(events).toEqual([
      ['status', '{"status":"running"}'],
      ['stats', '{"nodes":{}}'],
      ['message', 'a\nb'],
    ]);
  });

  it('holds back an event until its blank line arrives', () => {
    const events: string[] = [];
    const feed = createSseParser((event) => events.push(event));
    feed('event: summary\ndata: {}\n');
    expect(events).toEqual([]);
    feed('\n');
    expect(events).toEqual(['summary']);
  });
});

describe('parseNdjson', () => {
  it('reads up to the limit and says whether more followed', () => {
    const text = '{"a":1}\n{"a":"line\\nbreak"}\n\n{"a":3}\n';
    expect(parseNdjson(text, 10)).toEqual({ rows: [{ a: 1 }, { a: 'line\nbreak' }, { a: 3 }], more: false });
    expect(parseNdjson(text, 2)).toEqual({ rows: [{ a: 1 }, { a: 'line\nbreak' }], more: true });
  });
});
