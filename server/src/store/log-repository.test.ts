import { afterEach, describe, expect, it } from 'vitest';
import { closeTempStores, openTempStore } from '../testing/temp-store.ts';
import type { LogRow } from './log-repository.ts';

afterEach(closeTempStores);

describe('LogRepository', () => {
  it('hands each line to watchers as written, redacted, and lists a run’s lines in order', async () => {
    const { store } = await openTempStore();
    store.redact = (text) => text.replaceAll('hunter2', '[redacted]');
    const seen: LogRow[] = [];
    const unwatch = store.logs.watch((line) => seen.push(line));
    store.logs.write('r', 'info', 'started');
    store.logs.write('r', 'error', 'password hunter2 refused\nby "db" ✗', 'load');
    store.logs.write('other', 'warn', 'elsewhere');
    unwatch();
    store.logs.write('r', 'info', 'after unwatch');
    expect(seen.map((line) => [line.runId, line.level, line.nodeId ?? '-', line.message])).toEqual([
      ['r', 'info', '-', 'started'],
      ['r', 'error', 'load', 'password [redacted] refused\nby "db" ✗'],
      ['other', 'warn', '-', 'elsewhere'],
    ]);
    const stored = await store.logs.list('r');
    expect(stored.map(({ at: _at, ...line }) => line)).toEqual([
      { runId: 'r', level: 'info', message: 'started' },
      { runId: 'r', level: 'error', nodeId: 'load', message: 'password [redacted] refused\nby "db" ✗' },
      { runId: 'r', level: 'info', message: 'after unwatch' },
    ]);
  });

  it('keeps the fields of a line, every string in them redacted, nested ones too', async () => {
    const { store } = await openTempStore();
    store.redact = (text) => text.replaceAll('hunter2', '[redacted]');
    store.logs.write('r', 'info', 'uploaded', 'out', {
      part: 2,
      bytes: 10,
      note: 'pw hunter2',
      nested: ['hunter2', { ok: true }],
    });
    const [line] = await store.logs.list('r');
    expect(line!.fields).toEqual({ part: 2, bytes: 10, note: 'pw [redacted]', nested: ['[redacted]', { ok: true }] });
  });
});
