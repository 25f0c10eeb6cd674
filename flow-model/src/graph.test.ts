import { describe, expect, it } from 'vitest';
import type { Flow, FlowEdge } from './flow-schema.ts';
import { buildGraph, pathBetween } from './graph.ts';
import type { NodePorts } from './ports.ts';

const records = (name = 'records') => ({ name, kind: 'records' as const });
const files = (name = 'files') => ({ name, kind: 'files' as const });
const types: Record<string, NodePorts> = {
  'db.source': { type: 'db.source', role: 'source', inputs: [], outputs: [records()] },
  'csv.format': { type: 'csv.format', role: 'transform', inputs: [records()], outputs: [files()] },
  check: { type: 'check', role: 'transform', inputs: [records()], outputs: [records('valid'), records('rejected')] },
  'db.destination': { type: 'db.destination', role: 'destination', inputs: [records()], outputs: [] },
  'files.destination': { type: 'files.destination', role: 'destination', inputs: [files()], outputs: [] },
};
const typeOf = (type: string) => types[type];

function flow(nodes: [string, string][], edges: [string, string][]): Flow {
  return {
    name: 'f',
    nodes: nodes.map(([id, type]) => ({ id, type })),
    edges: edges.map(([from, to]): FlowEdge => ({ from, to })),
  };
}

describe('buildGraph', () => {
  it('orders the nodes of a hub and spoke flow and names the source feeding each', () => {
    const { graph, issues } = buildGraph(
      flow(
        [
          ['out', 'files.destination'],
          ['as-csv', 'csv.format'],
          ['check', 'check'],
          ['orders', 'db.source'],
          ['bad', 'db.destination'],
        ],
        [
          ['orders', 'check'],
          ['check:valid', 'as-csv'],
          ['check:rejected', 'bad'],
          ['as-csv', 'out'],
        ],
      ),
      typeOf,
    );
    expect(issues).toEqual([]);
    expect(graph!.order.map((node) => node.id)).toEqual(['orders', 'check', 'as-csv', 'bad', 'out']);
    expect(Object.fromEntries(graph!.sourceOf)).toEqual({
      orders: 'orders',
      check: 'orders',
      'as-csv': 'orders',
      bad: 'orders',
      out: 'orders',
    });
    expect(graph!.edges[1]).toEqual({
      index: 1,
      from: { node: 'check', port: 'valid' },
      to: { node: 'as-csv', port: 'records' },
      kind: 'records',
    });
    expect(graph!.nodes.get('check')!.type).toBe(types.check);
  });

  it('reports a node fed by two sources on that node, and builds no graph', () => {
    const { graph, issues } = buildGraph(
      flow(
        [
          ['a', 'db.source'],
          ['b', 'db.source'],
          ['check', 'check'],
          ['sink', 'db.destination'],
        ],
        [
          ['a', 'check'],
          ['b', 'check'],
          ['check:valid', 'sink'],
        ],
      ),
      typeOf,
    );
    expect(graph).toBeUndefined();
    // Only where the sources meet: the node after it has one feeding node.
    expect(issues).toEqual([
      {
        code: 'several_sources',
        path: 'nodes[2]',
        message: 'node "check" is fed by several sources (a, b); split them into separate flows',
        nodeId: 'check',
      },
    ]);
  });

  it('reports duplicate ids, unknown types, unknown nodes and ports, each at its path', () => {
    const { issues } = buildGraph(
      flow(
        [
          ['a', 'db.source'],
          ['a', 'db.source'],
          ['odd', 'nope'],
          ['sink', 'db.destination'],
        ],
        [
          ['a', 'ghost'],
          ['a:nothing', 'sink'],
          ['a', 'sink:elsewhere'],
          ['sink', 'a'],
        ],
      ),
      typeOf,
    );
    expect(issues).toEqual([
      { code: 'duplicate_node', path: 'nodes[1].id', message: 'duplicate node id "a"', nodeId: 'a' },
      { code: 'unknown_node_type', path: 'nodes[2].type', message: 'unknown node type "nope"', nodeId: 'odd' },
      { code: 'unknown_node', path: 'edges[0].to', message: 'unknown node "ghost"' },
      {
        code: 'unknown_port',
        path: 'edges[1].from',
        message: 'node "a" (db.source) has no output port "nothing"; it has: records (records)',
        nodeId: 'a',
      },
      {
        code: 'unknown_port',
        path: 'edges[2].to',
        message: 'node "sink" (db.destination) has no input port "elsewhere"; it has: records (records)',
        nodeId: 'sink',
      },
      {
        code: 'unknown_port',
        path: 'edges[3].from',
        message: 'node "sink" (db.destination) has no outputs',
        nodeId: 'sink',
      },
      { code: 'unknown_port', path: 'edges[3].to', message: 'node "a" (db.source) has no inputs', nodeId: 'a' },
      {
        code: 'input_unconnected',
        path: 'nodes[3]',
        message: 'input "records" of node "sink" is not connected',
        nodeId: 'sink',
      },
    ]);
  });

  it('refuses records into a files input and names the bridge to put between them', () => {
    const { issues } = buildGraph(
      flow(
        [
          ['a', 'db.source'],
          ['out', 'files.destination'],
        ],
        [['a', 'out']],
      ),
      typeOf,
    );
    expect(issues).toContainEqual({
      code: 'kind_mismatch',
      path: 'edges[0]',
      message:
        'records output "a:records" cannot connect to files input "out:files" (put csv.format, json.format or parquet.format between them)',
      nodeId: 'out',
    });
  });

  it('reports a cycle with only the nodes on it, not those feeding or fed by it', () => {
    const { issues } = buildGraph(
      flow(
        [
          ['src', 'db.source'],
          ['x', 'check'],
          ['y', 'check'],
          ['sink', 'db.destination'],
        ],
        [
          ['src', 'x'],
          ['x:valid', 'y'],
          ['y:valid', 'x'],
          ['y:rejected', 'sink'],
        ],
      ),
      typeOf,
    );
    expect(issues).toEqual([{ code: 'cycle', path: 'edges', message: 'the edges form a cycle through: x → y' }]);
  });

  it('accepts an empty flow', () => {
    expect(buildGraph(flow([], []), typeOf)).toMatchObject({ issues: [], graph: { order: [] } });
  });
});

describe('pathBetween', () => {
  it('finds the nodes from one node to another along the edges, ports ignored', () => {
    const chain = flow(
      [],
      [
        ['a', 'b:records'],
        ['b:rejected', 'c'],
        ['a', 'c'],
      ],
    );
    expect(pathBetween(chain, 'a', 'c')).toEqual(['a', 'c']);
    expect(pathBetween(chain, 'b', 'c')).toEqual(['b', 'c']);
    expect(pathBetween(chain, 'c', 'a')).toBeUndefined();
  });
});
