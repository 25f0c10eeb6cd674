import { describe, expect, it } from 'vitest';
import { cellValue, columnType, defaultFields } from './describe.ts';
import { fromColumns, fromRest } from './records.ts';

describe('Salesforce records', () => {
  it('drops attributes, also of related records, and puts Id first', () => {
    const record = fromRest({
      attributes: { type: 'Contact', url: '/services/data/v59.0/sobjects/Contact/003000000000001AAA' },
      LastName: 'Zoë "quoted"',
      Id: '003000000000001AAA',
      Account: { attributes: { type: 'Account', url: '/x' }, Name: 'Acme, Inc.' },
      Owner: null,
    });
    expect(Object.keys(record)).toEqual(['Id', 'LastName', 'Account', 'Owner']);
    expect(record).toEqual({
      Id: '003000000000001AAA',
      LastName: 'Zoë "quoted"',
      Account: { Name: 'Acme, Inc.' },
      Owner: null,
    });
  });

  it('nests relationship columns of a Bulk API row as REST does, an empty lookup as null', () => {
    expect(fromColumns({ Id: '003A', 'Account.Name': 'Acme', 'Account.Owner.Name': null, 'Owner.Name': null })).toEqual(
      {
        Id: '003A',
        Account: { Name: 'Acme', Owner: null },
        Owner: null,
      },
    );
  });

  it('reads Bulk API cells as the REST API types them', () => {
    expect(cellValue('', 'string')).toBeNull();
    expect(cellValue(null, 'boolean')).toBeNull();
    expect(cellValue('true', 'boolean')).toBe(true);
    expect(cellValue('false', 'boolean')).toBe(false);
    expect(cellValue('1250000.5', 'currency')).toBe(1250000.5);
    expect(cellValue('42', 'int')).toBe(42);
    expect(cellValue('2024-05-01T10:20:30.000Z', 'datetime')).toBe('2024-05-01T10:20:30.000+0000');
    expect(cellValue('two\nlines, "quoted"', 'textarea')).toBe('two\nlines, "quoted"');
  });

  it('maps field types to Backflow column types and leaves compound fields out of the default select', () => {
    expect(columnType({ type: 'currency', precision: 18, scale: 2 })).toBe('DECIMAL(18,2)');
    expect(columnType({ type: 'double' })).toBe('DOUBLE');
    expect(columnType({ type: 'datetime' })).toBe('TIMESTAMPTZ');
    expect(columnType({ type: 'reference' })).toBe('VARCHAR');
    expect(columnType({ type: 'boolean' })).toBe('BOOLEAN');
    const fields = defaultFields({
      name: 'Account',
      fields: [
        { name: 'Name', type: 'string' },
        { name: 'Id', type: 'id' },
        { name: 'BillingAddress', type: 'address' },
        { name: 'BillingCity', type: 'string' },
      ],
    });
    expect(fields).toEqual(['Id', 'Name', 'BillingCity']);
  });
});
