import { createMapper } from '@backflow/transforms';
import { describe, expect, it } from 'vitest';
import type { Flow } from '../api/types.ts';
import {
  feedingNode,
  fieldTargets,
  mapField,
  mappingNode,
  pickedTwice,
  requiredUnmapped,
  sampledFields,
  withPart,
  withTarget,
} from './field-mapping.ts';

const fields = [
  { name: 'id', type: 'INTEGER' },
  { name: 'e-mail', type: 'VARCHAR' },
  { name: 'naïve "name"', type: 'VARCHAR' },
  { name: 'notes' },
];

const flow: Flow = {
  name: 'sync',
  nodes: [
    { id: 'orders', type: 'duckdb.source', config: { path: 'w.duckdb', table: 'orders' }, position: { x: 0, y: 0 } },
    { id: 'store', type: 'duckdb.destination', config: { path: 'o.duckdb', table: 't' }, position: { x: 400, y: 0 } },
  ],
  edges: [{ from: 'orders', to: 'store' }],
};

describe('field mapping read from a map config', () => {
  it('sends every field under its own name when the map says nothing', () => {
    expect(fieldTargets({}, fields)).toEqual({
      id: 'id',
      'e-mail': 'e-mail',
      'naïve "name"': 'naïve "name"',
      notes: 'notes',
    });
  });

  it('reads renames, and fields left out by select or drop as not sent', () => {
    expect(fieldTargets({ select: ['id', 'e-mail'], rename: { 'e-mail': 'email' } }, fields)).toEqual({
      id: 'id',
      'e-mail': 'email',
      'naïve "name"': undefined,
      notes: undefined,
    });
    expect(fieldTargets({ drop: ['notes'] }, fields).notes).toBeUndefined();
  });
});

describe('field mapping written back to a map config', () => {
  it('renames a field, and leaves select out while every field is sent', () => {
    expect(withTarget({}, fields, 'e-mail', 'email')).toEqual({ rename: { 'e-mail': 'email' } });
  });

  it('a field not sent makes select list the sent ones in source order, and the result maps records that way', () => {
    let part = withTarget({}, fields, 'naïve "name"', 'full_name');
    part = withTarget(part, fields, 'notes', undefined);
    expect(part).toEqual({ rename: { 'naïve "name"': 'full_name' }, select: ['id', 'e-mail', 'naïve "name"'] });
    const mapped = createMapper(part).map({ id: 1, 'e-mail': null, 'naïve "name"': 'Zoë\n"Q"', notes: 'x' });
    expect(mapped).toEqual({ record: { id: 1, 'e-mail': null, full_name: 'Zoë\n"Q"' } });
  });

  it('turns drop into select (the map node refuses both) and keeps what it does not know', () => {
    const part = withTarget(
      { drop: ['notes', 'secret'], rename: { legacy: 'old' }, cast: { id: 'integer' } },
      fields,
      'id',
      undefined,
    );
    expect(part).toEqual({ select: ['e-mail', 'naïve "name"'], rename: { legacy: 'old' }, cast: { id: 'integer' } });
    expect(withTarget({ select: ['id'] }, fields, 'id', 'id')).toEqual({ select: ['id'] });
  });

  it('mapping a field back to its own name removes the rename and the select', () => {
    const part = withTarget(
      { rename: { id: 'key' }, select: ['id', 'e-mail', 'naïve "name"'] },
      fields,
      'notes',
      'notes',
    );
    expect(withTarget(part, fields, 'id', 'id')).toEqual({});
  });

  it('writes one stream’s entry under streams, and drops an entry left empty', () => {
    const config = withPart({ rename: { a: 'b' } }, { rename: { id: 'key' } }, 'contacts');
    expect(config).toEqual({ rename: { a: 'b' }, streams: { contacts: { rename: { id: 'key' } } } });
    expect(withPart(config, {}, 'contacts')).toEqual({ rename: { a: 'b' } });
  });
});

describe('warnings', () => {
  const columns = [
    { name: 'id', type: 'INTEGER', notNull: true, autoIncrement: true },
    { name: 'email', type: 'VARCHAR', notNull: true },
    { name: 'full_name', type: 'VARCHAR', notNull: true },
    { name: 'region', type: 'VARCHAR', notNull: true },
    { name: 'notes', type: 'VARCHAR' },
  ];

  it('lists NOT NULL columns nothing maps to, but not auto-increment ones or those set by defaults or set', () => {
    const targets = fieldTargets({ rename: { 'e-mail': 'email' } }, fields);
    expect(requiredUnmapped(targets, columns)).toEqual(['full_name', 'region']);
    expect(requiredUnmapped(targets, columns, { defaults: { region: 'EU' }, set: { full_name: 'x' } })).toEqual([]);
  });

  it('names a destination field picked for two source fields', () => {
    expect(pickedTwice({ id: 'key', notes: 'key', other: undefined, 'e-mail': 'email' })).toEqual(['key']);
  });

  it('types sampled fields by their first non-null value', () => {
    expect(
      sampledFields([
        { a: null, b: 1.5, c: '2024-01-02' },
        { a: 'x', d: 9007199254740993n as unknown, e: [1] },
      ]),
    ).toEqual([
      { name: 'a', type: 'text' },
      { name: 'b', type: 'number' },
      { name: 'c', type: 'date/time text' },
      { name: 'd', type: 'object' },
      { name: 'e', type: 'list' },
    ]);
  });
});

describe('the map node in the flow', () => {
  it('creates a map node between upstream and destination on the first pick, rewiring the edges', () => {
    const next = mapField(flow, 'store', { fields, source: 'e-mail', target: 'email' });
    expect(next.edges).toEqual([
      { from: 'orders', to: 'store-mapping' },
      { from: 'store-mapping', to: 'store' },
    ]);
    expect(mappingNode(next, 'store')).toMatchObject({
      id: 'store-mapping',
      type: 'map',
      config: { rename: { 'e-mail': 'email' } },
    });
    expect(feedingNode(next, 'store')?.node.id).toBe('orders');
    expect(flow.edges).toEqual([{ from: 'orders', to: 'store' }]);
  });

  it('edits the existing map node rather than making a second one', () => {
    const once = mapField(flow, 'store', { fields, source: 'e-mail', target: 'email' });
    const twice = mapField(once, 'store', { fields, source: 'notes', target: undefined, stream: 'orders' });
    expect(twice.nodes.filter((node) => node.type === 'map')).toHaveLength(1);
    expect(mappingNode(twice, 'store')?.config).toEqual({
      rename: { 'e-mail': 'email' },
      streams: { orders: { select: ['id', 'e-mail', 'naïve "name"'] } },
    });
  });

  it('does not take a map node’s rejected port for the mapping', () => {
    const rejected: Flow = {
      ...flow,
      nodes: [...flow.nodes, { id: 'm', type: 'map', config: {} }],
      edges: [
        { from: 'orders', to: 'm' },
        { from: 'm:rejected', to: 'store' },
      ],
    };
    expect(mappingNode(rejected, 'store')).toBeUndefined();
  });
});
