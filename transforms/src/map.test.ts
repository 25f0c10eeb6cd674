import { describe, expect, it } from 'vitest';
import { createMapper, type MapConfig } from './map.ts';

describe('createMapper', () => {
  it('applies select, rename, cast, defaults and set in that order', () => {
    const mapper = createMapper({
      select: ['id', 'first_name', 'amount', 'address', 'signed_up'],
      rename: { first_name: 'name', signed_up: 'created' },
      cast: { id: 'integer', amount: 'number', created: 'timestamp' },
      defaults: { amount: 0, country: 'FR' },
      set: { greeting: { template: 'Hi {name} from {address.city}' }, source: 'crm', name: 'overwritten' },
    });
    const input = {
      id: '12345678901234567',
      first_name: 'Zoë 😀',
      amount: null,
      address: { city: 'Zürich' },
      signed_up: '2024-02-29 10:00:00+01:00',
      ignored: 'x',
    };
    expect(mapper.map(input)).toEqual({
      record: {
        id: '12345678901234567',
        name: 'overwritten',
        amount: 0,
        address: { city: 'Zürich' },
        created: '2024-02-29T09:00:00Z',
        country: 'FR',
        greeting: 'Hi Zoë 😀 from Zürich',
        source: 'crm',
      },
    });
    expect(Object.keys(input)).toContain('ignored');
    expect(input.first_name).toBe('Zoë 😀');
  });

  it('keeps the record order without select, dropping and renaming in place', () => {
    const mapper = createMapper({ drop: ['secret'], rename: { b: 'bee' } });
    const result = mapper.map({ a: 1, secret: 's', b: 2, c: null });
    expect(result).toEqual({ record: { a: 1, bee: 2, c: null } });
    expect(Object.keys('record' in result ? result.record : {})).toEqual(['a', 'bee', 'c']);
  });

  it('swaps two names without a collision', () => {
    expect(createMapper({ rename: { a: 'b', b: 'a' } }).map({ a: 1, b: 2 })).toEqual({ record: { b: 1, a: 2 } });
  });

  it('reports a failed cast naming the field and the value', () => {
    const mapper = createMapper({ cast: { qty: 'integer' } });
    expect(mapper.map({ qty: '12.5' })).toEqual({
      error: { path: 'qty', message: 'cannot cast "12.5" to integer: not a whole number' },
    });
    expect(mapper.map({ qty: '99999999999999999' })).toEqual({ record: { qty: '99999999999999999' } });
    expect(mapper.map({ other: 1 })).toEqual({ record: { other: 1 } });
  });

  it('reports a rename that would overwrite a field the record has', () => {
    const mapper = createMapper({ rename: { a: 'b' } });
    const error = { error: { path: 'b', message: 'renaming "a" to "b" would overwrite the field "b"' } };
    expect(mapper.map({ a: 1, b: 2 })).toEqual(error);
    expect(mapper.map({ b: 2, a: 1 })).toEqual(error);
  });

  it('fills defaults only for null or missing fields, with a fresh copy of objects', () => {
    const mapper = createMapper({ defaults: { tags: [], n: 0, s: '' } });
    const first = mapper.map({ tags: null, n: 5, s: '' });
    const second = mapper.map({});
    expect(first).toEqual({ record: { tags: [], n: 5, s: '' } });
    expect(second).toEqual({ record: { tags: [], n: 0, s: '' } });
    if ('record' in first && 'record' in second) expect(first.record.tags).not.toBe(second.record.tags);
  });

  it('handles fields called __proto__ and constructor as plain data', () => {
    const mapper = createMapper({ rename: { __proto__x: 'x' }, set: { constructor: 'c' } });
    const input = JSON.parse('{"__proto__":{"polluted":true},"__proto__x":1}') as Record<string, unknown>;
    const result = mapper.map(input);
    if (!('record' in result)) throw new Error('expected a record');
    expect(Object.getPrototypeOf(result.record)).toBe(Object.prototype);
    expect(JSON.stringify(result.record)).toBe('{"__proto__":{"polluted":true},"x":1,"constructor":"c"}');
    // The second record of that shape goes through the reshape compiled from the first.
    const again = mapper.map(JSON.parse('{"__proto__":{"p":2},"__proto__x":3}') as Record<string, unknown>);
    if (!('record' in again)) throw new Error('expected a record');
    expect(Object.getPrototypeOf(again.record)).toBe(Object.prototype);
    expect(JSON.stringify(again.record)).toBe('{"__proto__":{"p":2},"x":3,"constructor":"c"}');
  });

  it('maps records of other fields or field orders than the first one the same way, field by field', () => {
    const mapper = createMapper({ drop: ['secret'], rename: { a: 'first' } });
    const records = [
      { a: 1, b: 2, secret: 's' },
      { a: 3, b: 4, secret: 's' },
      { b: 5, a: 6 },
      { a: 7, c: 8, secret: 's' },
      { a: 9, b: 10, secret: 's' },
    ];
    expect(records.map((record) => JSON.stringify(mapper.map(record)))).toEqual([
      '{"record":{"first":1,"b":2}}',
      '{"record":{"first":3,"b":4}}',
      '{"record":{"b":5,"first":6}}',
      '{"record":{"first":7,"c":8}}',
      '{"record":{"first":9,"b":10}}',
    ]);
    const collides = createMapper({ rename: { a: 'b' } });
    expect(collides.map({ a: 1 })).toEqual({ record: { b: 1 } });
    expect(collides.map({ a: 1, b: 2 })).toEqual({
      error: { path: 'b', message: 'renaming "a" to "b" would overwrite the field "b"' },
    });
  });

  it('derives output columns from input columns', () => {
    const mapper = createMapper({
      select: ['id', 'name', 'created', 'meta'],
      rename: { name: 'full_name' },
      cast: { id: 'integer', created: 'date', meta: 'json' },
      defaults: { full_name: 'n/a', score: 1.5 },
      set: { label: { template: '{full_name}' }, active: true, id: 'constant' },
    });
    expect(
      mapper.columns([
        { name: 'id', type: 'VARCHAR' },
        { name: 'name', type: 'VARCHAR' },
        { name: 'created', type: 'VARCHAR' },
        { name: 'dropped', type: 'INTEGER' },
        { name: 'meta', type: 'VARCHAR' },
      ]),
    ).toEqual([
      { name: 'id', type: 'VARCHAR' },
      { name: 'full_name', type: 'VARCHAR' },
      { name: 'created', type: 'DATE' },
      { name: 'meta', type: 'JSON' },
      { name: 'score', type: 'DOUBLE' },
      { name: 'label', type: 'VARCHAR' },
      { name: 'active', type: 'BOOLEAN' },
    ]);
    expect(mapper.columns(undefined)).toBeUndefined();
  });

  it.each<[MapConfig, string, string]>([
    [{ select: ['a'], drop: ['b'] }, 'drop', 'drop: use either select or drop, not both'],
    [{ select: ['a', 'a'] }, 'select', 'select: "a" is selected twice'],
    [{ rename: { a: 'x', b: 'x' } }, 'rename.b', 'rename.b: "x" is already the new name of "a"'],
    [{ rename: { a: '' } }, 'rename.a', 'rename.a: the new name must be a non-empty string'],
    [{ select: ['b'], rename: { a: 'x' } }, 'rename.a', 'rename.a: "a" is not selected'],
    [{ drop: ['a'], rename: { a: 'x' } }, 'rename.a', 'rename.a: "a" is dropped'],
    [{ select: ['a', 'b'], rename: { a: 'b' } }, 'rename.a', 'rename.a: "b" is also a selected field'],
    [{ cast: { a: 'int' as never } }, 'cast.a', 'cast.a: unknown type "int"; use one of string, integer'],
    [{ rename: { a: 'x' }, cast: { a: 'integer' } }, 'cast.a', 'cast.a: "a" is renamed to "x"; cast the new name'],
    [{ select: ['a'], cast: { b: 'integer' } }, 'cast.b', 'cast.b: "b" is not selected'],
    [{ drop: ['b'], cast: { b: 'integer' } }, 'cast.b', 'cast.b: "b" is dropped'],
    [{ set: { x: { template: 1 } } }, 'set.x', 'set.x: a template must be text'],
    [{ set: { x: { template: 'Hi {name' } } }, 'set.x', 'set.x: placeholder at position 4 needs a field name'],
  ])('refuses the config mistake %j', (config, path, message) => {
    expect(() => createMapper(config)).toThrow(
      expect.objectContaining({ code: 'config_invalid', path, message: expect.stringContaining(message) }),
    );
  });
});

describe('createMapper lookup tables', () => {
  const stages = createMapper({
    rename: { dealstage: 'StageName' },
    cast: { amount: 'number' },
    lookup: {
      StageName: {
        values: { appointmentscheduled: 'Prospecting', closedwon: 'Closed Won', '2': 'Two' },
        default: 'Needs Analysis',
      },
      priority: { values: { high: 1, low: 3 }, unmatched: 'reject' },
    },
    defaults: { StageName: 'Unknown' },
  });

  it('maps values found, gives the default to others, leaves null for defaults, and compares as text', () => {
    expect(stages.map({ dealstage: 'closedwon', priority: 'high' })).toEqual({
      record: { StageName: 'Closed Won', priority: 1 },
    });
    expect(stages.map({ dealstage: 'qualifiedtobuy', priority: 'low' })).toEqual({
      record: { StageName: 'Needs Analysis', priority: 3 },
    });
    expect(stages.map({ dealstage: null })).toEqual({ record: { StageName: 'Unknown' } });
    expect(stages.map({ dealstage: 2, priority: 'high' })).toEqual({ record: { StageName: 'Two', priority: 1 } });
  });

  it('rejects a value missing from a table that says so, naming the field and the value', () => {
    expect(stages.map({ dealstage: 'closedwon', priority: 'urgent' })).toEqual({
      error: { path: 'priority', message: 'value "urgent" is not in the lookup table' },
    });
  });

  it('keeps an unmatched value without default or reject, and types columns by what values become', () => {
    const keep = createMapper({ lookup: { country: { values: { FR: 'France' } } } });
    expect(keep.map({ country: 'DE' })).toEqual({ record: { country: 'DE' } });
    expect(
      stages.columns([
        { name: 'dealstage', type: 'VARCHAR' },
        { name: 'priority', type: 'VARCHAR' },
      ]),
    ).toEqual([
      { name: 'StageName', type: 'VARCHAR' },
      { name: 'priority', type: 'BIGINT' },
    ]);
  });

  it('refuses a table without values, and one keyed by a name renamed away', () => {
    expect(() => createMapper({ lookup: { a: {} as never } })).toThrow(/lookup.a: a lookup table needs "values"/);
    expect(() => createMapper({ rename: { a: 'b' }, lookup: { a: { values: {} } } })).toThrow(
      /lookup.a: "a" is renamed to "b"; look up the new name/,
    );
  });
});
