import { describe, expect, it } from 'vitest';
import type { StreamInfo } from '../api/types.ts';
import {
  allTables,
  chosenStream,
  pickCursor,
  pickerFields,
  picksMany,
  pickTable,
  toggleKey,
  toggleTable,
} from './stream-picker.ts';

const duckdbSchema = {
  type: 'object',
  properties: { path: { type: 'string' }, query: { type: 'string' }, table: { type: 'string' }, key: {} },
  oneOf: [
    { title: 'Read a query', required: ['query'] },
    { title: 'Read a table', required: ['table'] },
  ],
};

const streams: StreamInfo[] = [
  { name: 'customers', columns: [{ name: 'customer_id', type: 'BIGINT' }], key: ['customer_id'] },
  { name: 'sales.orders', columns: [{ name: 'order_id', type: 'BIGINT' }] },
];

describe('the stream picker', () => {
  it('offers the pickers the schema has fields for', () => {
    expect(pickerFields(duckdbSchema)).toEqual({ noun: 'table', one: true, many: false, key: true, cursor: false });
    expect(pickerFields({ properties: { tables: {}, incremental: { properties: { cursor: {}, key: {} } } } })).toEqual({
      noun: 'table',
      one: false,
      many: true,
      key: false,
      cursor: true,
    });
    // A CRM source lists objects, with no key or cursor column to pick.
    expect(pickerFields({ properties: { objects: {}, incremental: { properties: { lookbackSeconds: {} } } } })).toEqual(
      { noun: 'object', one: false, many: true, key: false, cursor: false },
    );
  });

  it('picks a table in place of a query, keeping the other fields and dropping a key of another table', () => {
    const config = { path: 'demo/warehouse.duckdb', query: 'select 1', key: 'x', batchSize: 5 };
    expect(pickTable(config, duckdbSchema, 'sales.orders')).toEqual({
      path: 'demo/warehouse.duckdb',
      table: 'sales.orders',
      batchSize: 5,
    });
    expect(pickTable({ table: 'customers', key: 'customer_id' }, duckdbSchema, 'customers')).toEqual({
      table: 'customers',
      key: 'customer_id',
    });
  });

  it('picks many tables when the type has only tables, or when the config already lists them', () => {
    const tables = (one: boolean, many: boolean) => ({ noun: 'table' as const, one, many });
    expect(picksMany(tables(true, true), { table: 'orders' })).toBe(false);
    expect(picksMany(tables(true, true), { tables: ['*'] })).toBe(true);
    expect(picksMany(tables(false, true), {})).toBe(true);
    expect(picksMany(tables(true, false), { tables: ['x'] })).toBe(false);
    expect(picksMany({ noun: 'object', one: true, many: true }, { objects: ['contacts'] })).toBe(true);
  });

  it('toggles tables, key columns and the cursor, leaving out what becomes empty', () => {
    const withTwo = toggleTable(toggleTable({}, 'customers'), 'sales.orders');
    expect(withTwo).toEqual({ tables: ['customers', 'sales.orders'] });
    expect(toggleTable(toggleTable(withTwo, 'customers'), 'sales.orders')).toEqual({});
    // "All tables" replaces a list, and choosing tables drops a table or query (one of the three).
    expect(toggleTable({ table: 'customers', tables: ['orders'] }, allTables)).toEqual({ tables: ['*'] });
    expect(toggleTable({ query: 'select 1' }, 'orders')).toEqual({ tables: ['orders'] });
    expect(toggleTable({ tables: ['*'] }, allTables)).toEqual({});
    expect(toggleTable({ objects: ['contacts'], object: 'deals' }, 'companies', 'object')).toEqual({
      objects: ['contacts', 'companies'],
    });
    expect(toggleKey({}, 'id')).toEqual({ key: 'id' });
    expect(toggleKey({ key: 'id' }, 'line')).toEqual({ key: ['id', 'line'] });
    expect(toggleKey({ key: ['id', 'line'] }, 'id')).toEqual({ key: 'line' });
    expect(pickCursor({ incremental: { lookback: 60 } }, 'updated_at')).toEqual({
      incremental: { lookback: 60, cursor: 'updated_at' },
    });
    expect(pickCursor({ incremental: { cursor: 'updated_at' } }, undefined)).toEqual({});
  });

  it("finds the chosen table's columns from table, or from tables when it names one table", () => {
    expect(chosenStream({ table: 'customers' }, streams)?.name).toBe('customers');
    expect(chosenStream({ tables: ['sales.orders'] }, streams)?.name).toBe('sales.orders');
    expect(chosenStream({ tables: ['customers', 'sales.orders'] }, streams)).toBeUndefined();
    expect(chosenStream({ objects: ['customers'] }, streams, 'object')?.name).toBe('customers');
  });
});
