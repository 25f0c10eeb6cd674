import { describe, expect, it } from 'vitest';
import type { Flow } from './flow-schema.ts';
import { formatEndpoint, fullEndpoint, type NodePorts, parseEndpoint, portsFit, resolvePort } from './ports.ts';

const types: Record<string, NodePorts> = {
  'csv.parse': {
    type: 'csv.parse',
    role: 'transform',
    inputs: [{ name: 'files', kind: 'files' }],
    outputs: [
      { name: 'records', kind: 'records' },
      { name: 'rejected', kind: 'records' },
    ],
  },
  'files.source': { type: 'files.source', role: 'source', inputs: [], outputs: [{ name: 'files', kind: 'files' }] },
};
const typeOf = (type: string) => types[type];
const flow: Flow = {
  name: 'f',
  nodes: [
    { id: 'in', type: 'files.source' },
    { id: 'parse.v2', type: 'csv.parse' },
    { id: 'odd', type: 'nope.source' },
  ],
  edges: [],
};

describe('parseEndpoint', () => {
  it('splits node and port at the first colon, and leaves the port out when there is none', () => {
    expect(parseEndpoint('parse.v2:rejected')).toEqual({ node: 'parse.v2', port: 'rejected' });
    expect(parseEndpoint('parse.v2')).toEqual({ node: 'parse.v2', port: undefined });
    expect(parseEndpoint('a:b:c')).toEqual({ node: 'a', port: 'b:c' });
  });
});

describe('resolvePort', () => {
  it('takes the first port on the side when the endpoint names none, else the named one', () => {
    expect(resolvePort(flow, typeOf, 'parse.v2', 'outputs').port?.name).toBe('records');
    expect(resolvePort(flow, typeOf, 'parse.v2:rejected', 'outputs').port?.name).toBe('rejected');
    expect(resolvePort(flow, typeOf, 'parse.v2', 'inputs').port).toEqual({ name: 'files', kind: 'files' });
  });

  it('finds no port on a source input, an unknown port, an unknown type or an unknown node', () => {
    expect(resolvePort(flow, typeOf, 'in', 'inputs').port).toBeUndefined();
    expect(resolvePort(flow, typeOf, 'parse.v2:nope', 'outputs').port).toBeUndefined();
    expect(resolvePort(flow, typeOf, 'odd', 'outputs').port).toBeUndefined();
    expect(resolvePort(flow, typeOf, 'ghost', 'outputs')).toEqual({ node: 'ghost', port: undefined });
  });
});

describe('formatEndpoint and fullEndpoint', () => {
  it('leaves the first port out of a flow file and writes it out for run statistics', () => {
    const parse = flow.nodes[1];
    expect(formatEndpoint(parse, 'parse.v2', 'records', typeOf, 'outputs')).toBe('parse.v2');
    expect(formatEndpoint(parse, 'parse.v2', null, typeOf, 'outputs')).toBe('parse.v2');
    expect(formatEndpoint(parse, 'parse.v2', 'rejected', typeOf, 'outputs')).toBe('parse.v2:rejected');
    expect(fullEndpoint(flow, typeOf, 'parse.v2', 'outputs')).toBe('parse.v2:records');
    expect(fullEndpoint(flow, typeOf, 'odd:x', 'outputs')).toBe('odd:x');
  });
});

describe('portsFit', () => {
  it('joins ports of the same payload kind only', () => {
    expect(portsFit({ name: 'a', kind: 'records' }, { name: 'b', kind: 'records' })).toBe(true);
    expect(portsFit({ name: 'a', kind: 'records' }, { name: 'b', kind: 'files' })).toBe(false);
  });
});
