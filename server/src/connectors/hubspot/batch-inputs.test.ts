import { describe, expect, it } from 'vitest';
import { batchInput } from './batch-inputs.ts';

describe('batchInput', () => {
  const record = {
    id: '901',
    email: 'zoë@example.com',
    employees: 12,
    big: 2n ** 64n,
    optout: false,
    note: 'two\nlines "quoted"',
    cleared: null,
    tags: ['a', 'b'],
    skipped: undefined,
  };

  it('sends every field but id as a property, as text', () => {
    expect(batchInput(record, '0', { mode: 'insert' })).toEqual({
      objectWriteTraceId: '0',
      properties: {
        email: 'zoë@example.com',
        employees: '12',
        big: '18446744073709551616',
        optout: 'false',
        note: 'two\nlines "quoted"',
        cleared: '',
        tags: '["a","b"]',
      },
    });
  });

  it('matches an upsert by its idProperty and an update by the record id unless told otherwise', () => {
    expect(batchInput(record, '1', { mode: 'upsert', idProperty: 'email' })).toMatchObject({
      id: 'zoë@example.com',
      idProperty: 'email',
      objectWriteTraceId: '1',
    });
    const byId = batchInput(record, '2', { mode: 'update' });
    expect(byId).toMatchObject({ id: '901' });
    expect(byId).not.toHaveProperty('idProperty');
    expect(batchInput(record, '3', { mode: 'update', idProperty: 'hs_object_id' })).not.toHaveProperty('idProperty');
  });

  it('names the key a record lacks', () => {
    expect(batchInput({ email: '' }, '0', { mode: 'upsert', idProperty: 'email' })).toEqual({
      problem: 'email: no value to match the record by (upsert by email)',
    });
    expect(batchInput({ email: 'a@b.c' }, '0', { mode: 'update' })).toEqual({
      problem: 'id: no value to match the record by (update by id)',
    });
  });
});
