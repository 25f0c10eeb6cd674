import { describe, expect, it } from 'vitest';
import { MemoryRecorder } from '../testing/memory-recorder.ts';
import { createRunLog } from './run-log.ts';

describe('the run log nodes write to', () => {
  it('keeps the fields a node logs with a line, with the node id', () => {
    const recorder = new MemoryRecorder();
    const log = createRunLog(recorder, 'run-1')('orders');
    log.info('uploaded part', { part: 3, bytes: 1_048_576, stream: 'orders', nested: { ok: true } });
    log.warn('slow answer');
    expect(recorder.logs).toEqual(['info orders uploaded part', 'warn orders slow answer']);
    expect(recorder.logFields).toEqual([
      { message: 'uploaded part', fields: { part: 3, bytes: 1_048_576, stream: 'orders', nested: { ok: true } } },
    ]);
  });

  it('blanks fields named like secrets, at the top, one level down and in headers', () => {
    const recorder = new MemoryRecorder();
    createRunLog(
      recorder,
      'run-1',
    )('crm').error('request failed', {
      status: 401,
      token: 'pat-na1-secret',
      request: { password: 'hunter2', url: '/crm/v3/objects', headers: { authorization: 'Bearer pat-na1-secret' } },
      apiKey: 'k-123',
    });
    const { fields } = recorder.logFields[0]!;
    expect(fields).toEqual({
      status: 401,
      token: '[redacted]',
      request: { password: '[redacted]', url: '/crm/v3/objects', headers: { authorization: '[redacted]' } },
      apiKey: '[redacted]',
    });
    expect(JSON.stringify(recorder.logFields)).not.toMatch(/hunter2|pat-na1|k-123/);
  });

  it('writes a run line without a node id when no node is named', () => {
    const recorder = new MemoryRecorder();
    createRunLog(recorder, 'run-1')().info('run started');
    expect(recorder.logs).toEqual(['info - run started']);
  });
});
