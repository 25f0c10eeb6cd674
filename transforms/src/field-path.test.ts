import { describe, expect, it } from 'vitest';
import { ownField, readField, writeField } from './field-path.ts';

describe('ownField', () => {
  it('reads own fields, including null values and a real field called __proto__', () => {
    const record = JSON.parse('{"a":null,"__proto__":"own","😀":1}') as object;
    expect(ownField(record, 'a')).toBeNull();
    expect(ownField(record, '__proto__')).toBe('own');
    expect(ownField(record, '😀')).toBe(1);
  });

  it('treats inherited names as missing', () => {
    const record = { a: 1 };
    expect(ownField(record, '__proto__')).toBeUndefined();
    expect(ownField(record, 'constructor')).toBeUndefined();
    expect(ownField(record, 'toString')).toBeUndefined();
    expect(ownField(record, 'hasOwnProperty')).toBeUndefined();
  });
});

describe('readField', () => {
  const record = {
    id: 1,
    customer: { country: 'FR', address: { city: 'Zürich' } },
    items: [{ sku: 'A-1' }, { sku: 'B-2' }],
    'flat.name': 'flat wins',
    flat: { name: 'nested loses' },
  };

  it('walks nested objects and array indexes', () => {
    expect(readField(record, ['customer', 'country'])).toBe('FR');
    expect(readField(record, ['customer', 'address', 'city'])).toBe('Zürich');
    expect(readField(record, ['items', '1', 'sku'])).toBe('B-2');
  });

  it('prefers a field whose name is the whole dotted path', () => {
    expect(readField(record, ['flat', 'name'])).toBe('flat wins');
  });

  it('returns undefined for missing paths and never reaches the prototype chain', () => {
    expect(readField(record, ['customer', 'missing', 'city'])).toBeUndefined();
    expect(readField(record, ['id', 'toFixed'])).toBeUndefined();
    expect(readField(record, ['__proto__', 'polluted'])).toBeUndefined();
    expect(readField(record, ['constructor', 'name'])).toBeUndefined();
  });
});

describe('writeField', () => {
  it('adds a field called __proto__ as data, leaving the prototype alone', () => {
    const record: Record<string, unknown> = { a: 1 };
    writeField(record, '__proto__', { polluted: true });
    writeField(record, 'b', null);
    expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
    expect(Object.keys(record)).toEqual(['a', '__proto__', 'b']);
    expect(ownField(record, '__proto__')).toEqual({ polluted: true });
    expect(JSON.stringify(record)).toBe('{"a":1,"__proto__":{"polluted":true},"b":null}');
  });
});
