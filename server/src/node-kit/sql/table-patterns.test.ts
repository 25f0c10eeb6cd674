import { describe, expect, it } from 'vitest';
import { selectTables, splitQualified, streamNames } from './table-patterns.ts';

const tables = [
  { schema: 'public', name: 'customers' },
  { schema: 'public', name: 'order_items' },
  { schema: 'public', name: 'orders' },
  { schema: 'sales', name: 'orders' },
  { schema: 'sales', name: 'regions' },
];

describe('selectTables', () => {
  it('selects "*" of the default schema, names, schema globs and name globs, each table once in catalog order', () => {
    expect(selectTables(tables, ['*'], 'public').map((t) => t.name)).toEqual(['customers', 'order_items', 'orders']);
    expect(selectTables(tables, ['orders', 'order_*', 'sales.*'], 'public')).toEqual([
      tables[1],
      tables[2],
      tables[3],
      tables[4],
    ]);
  });

  it('refuses a pattern that matches nothing, naming it', () => {
    expect(() => selectTables(tables, ['customers', 'invoices'], 'public')).toThrow(
      'no table matches "invoices" in schema public',
    );
  });

  it('reads quoted names with dots and quotes', () => {
    expect(splitQualified('"my.schema"."a""b"')).toEqual({ schema: 'my.schema', name: 'a"b' });
    expect(() => splitQualified('a.b.c')).toThrow(/not a table name/);
  });

  it('names streams by table, qualified only when the tables span several schemas', () => {
    expect(streamNames(tables.slice(0, 2))).toEqual(['customers', 'order_items']);
    expect(streamNames(tables.slice(2, 4))).toEqual(['public.orders', 'sales.orders']);
  });
});
