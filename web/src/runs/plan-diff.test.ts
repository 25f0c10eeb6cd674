import { describe, expect, it } from 'vitest';
import type { PlannedChange } from '../api/types.ts';
import { cellText, isDiffed, planDiff, sameValue } from './plan-diff.ts';

describe('planDiff', () => {
  it('shows an update field by field: changed ones before → after, the others the same', () => {
    const table = planDiff([
      {
        action: 'update',
        key: { id: '7' },
        before: { id: 7, name: 'Zoë "Z" Ødegård', price: '12.50', note: null },
        after: { id: 7, name: 'Zoë "Z" Ødegård', price: 13, note: 'line one\nline two' },
      },
    ])!;
    expect(table.keyFields).toEqual(['id']);
    expect(table.fields).toEqual(['name', 'price', 'note']);
    expect(table.rows).toEqual([
      {
        action: 'update',
        key: '7',
        beforeKnown: true,
        cells: {
          name: { kind: 'same', before: 'Zoë "Z" Ødegård', after: 'Zoë "Z" Ødegård' },
          price: { kind: 'changed', before: '12.50', after: '13' },
          note: { kind: 'changed', before: 'null', beforeNull: true, after: 'line one\nline two' },
        },
      },
    ]);
    expect([...table.touched]).toEqual(['price', 'note']);
  });

  it('shows an insert as its after values only, and a delete as the values it removes', () => {
    const table = planDiff([
      { action: 'delete', key: { region: 'eu', id: '2' }, before: { region: 'eu', id: 2, name: 'Old' } },
      { action: 'insert', key: { region: 'us', id: '3' }, after: { region: 'us', id: 3, name: 'New', tags: ['a'] } },
    ])!;
    expect(table.keyFields).toEqual(['region', 'id']);
    // Inserts come first whatever order the plan lists them in.
    expect(table.rows.map((row) => [row.action, row.key, row.cells])).toEqual([
      ['insert', 'region=us, id=3', { name: { kind: 'added', after: 'New' }, tags: { kind: 'added', after: '["a"]' } }],
      ['delete', 'region=eu, id=2', { name: { kind: 'removed', before: 'Old' }, tags: { kind: 'absent' } }],
    ]);
  });

  it('marks an update or delete whose record now was not read, and shows what would be sent', () => {
    const table = planDiff([
      { action: 'update', key: { id: '1' }, after: { id: 1, amount: 5 } },
      { action: 'delete', key: { id: '9' } },
    ])!;
    expect(table.rows.map((row) => [row.beforeKnown, row.cells.amount])).toEqual([
      [false, { kind: 'sent', after: '5' }],
      [false, { kind: 'absent' }],
    ]);
    expect([...table.touched]).toEqual(['amount']);
  });

  it('leaves out of the touched fields those no change alters, so they can hide behind a toggle', () => {
    const changes: PlannedChange[] = [
      { action: 'update', key: { id: '1' }, before: { id: 1, a: 'x', b: 1 }, after: { id: 1, a: 'y', b: 1 } },
      { action: 'update', key: { id: '2' }, before: { id: 2, a: 'p', b: 2 }, after: { id: 2, a: 'p', b: 3 } },
      { action: 'update', key: { id: '3' }, before: { id: 3, a: 'q', b: 3, c: true }, after: { id: 3, a: 'q', b: 3 } },
    ];
    const table = planDiff(changes)!;
    expect(table.fields).toEqual(['a', 'b', 'c']);
    expect([...table.touched]).toEqual(['a', 'b']);
    // A field the record has but the change does not send stays as it is.
    expect(table.rows[2]!.cells.c).toEqual({ kind: 'same', before: 'true' });
  });

  it('has no table for a stream without sampled changes', () => {
    expect(planDiff(undefined)).toBeUndefined();
    expect(planDiff([])).toBeUndefined();
  });
});

describe('sameValue', () => {
  it('takes text and numerals of one number as the same, whatever system typed them', () => {
    expect(sameValue(42, '42')).toBe(true);
    expect(sameValue('12.50', 12.5)).toBe(true);
    expect(sameValue(null, null)).toBe(true);
    expect(sameValue(null, 'null')).toBe(true);
    expect(sameValue('a', 'b')).toBe(false);
    expect(sameValue('', null)).toBe(false);
    expect(sameValue('0x10', 16)).toBe(false);
  });

  it('tells apart huge integers that one double cannot', () => {
    expect(sameValue('9007199254740993', '9007199254740992')).toBe(false);
    expect(sameValue('9007199254740993', '9007199254740993')).toBe(true);
  });
});

describe('cellText', () => {
  it('writes dates as ISO text and objects as JSON', () => {
    expect(cellText(new Date('2024-02-29T12:00:00Z'))).toBe('2024-02-29T12:00:00.000Z');
    expect(cellText({ a: [1, null] })).toBe('{"a":[1,null]}');
    expect(cellText(undefined)).toBe('null');
    expect(cellText(false)).toBe('false');
  });
});

describe('isDiffed', () => {
  it('tells a diffed stream from a CRM plan alone', () => {
    const crm = { stream: 'contacts', target: 'Contact', create: 1, update: 0, reject: 0, samples: [] };
    expect(isDiffed(crm)).toBe(false);
    expect(isDiffed({ ...crm, unchanged: 0 })).toBe(true);
    expect(isDiffed({ ...crm, changes: [] })).toBe(true);
  });
});
