import { describe, expect, it } from 'vitest';
import { cellOf, rowsOf } from './rows.ts';

describe('sheets rows', () => {
  it('keeps text as text, numbers and booleans typed, objects as JSON and null empty', () => {
    expect([cellOf('=1+1'), cellOf('007'), cellOf(12.5), cellOf(false), cellOf({ a: [1] }), cellOf(null)]).toEqual([
      { userEnteredValue: { stringValue: '=1+1' } },
      { userEnteredValue: { stringValue: '007' } },
      { userEnteredValue: { numberValue: 12.5 } },
      { userEnteredValue: { boolValue: false } },
      { userEnteredValue: { stringValue: '{"a":[1]}' } },
      {},
    ]);
  });

  it('grows the header with new fields in the order first seen, cells under their columns', () => {
    const columns = ['id'];
    const { rows, refused } = rowsOf(
      [
        { id: 1, name: 'Zoë' },
        { city: 'Köln', id: 2 },
      ],
      columns,
      true,
      'T',
    );
    expect(refused).toEqual([]);
    expect(columns).toEqual(['id', 'name', 'city']);
    expect(rows[1]).toEqual([
      { userEnteredValue: { numberValue: 2 } },
      {},
      { userEnteredValue: { stringValue: 'Köln' } },
    ]);
  });

  it('refuses, naming the field, a record with a field the fixed header lacks or a value over 50,000 characters', () => {
    const columns = ['id', 'note'];
    const { rows, refused } = rowsOf(
      [
        { id: 1, note: 'x'.repeat(50_000) },
        { id: 2, extra: 'y' },
        { id: 3, note: 'z'.repeat(50_001) },
      ],
      columns,
      false,
      'Leads',
    );
    expect(rows).toHaveLength(1);
    expect(refused).toEqual([
      { index: 1, reason: 'field "extra" not in the header row of tab "Leads" (id, note)' },
      { index: 2, reason: 'field "note" holds 50001 characters; a Google Sheets cell holds at most 50,000' },
    ]);
    expect(columns).toEqual(['id', 'note']);
  });
});
