import { describe, expect, it } from 'vitest';
import type { Flow } from '../api/types.ts';
import { backupFlow, testCatalog } from '../testing/catalog.ts';
import { connect, moveNodes } from './edit.ts';
import { createNodeCache, toCanvasEdges, toCanvasNodes } from './to-react-flow.ts';

function withRejects(): Flow {
  const flow = backupFlow();
  return {
    ...flow,
    nodes: [...flow.nodes, { id: 'bad', type: 'duckdb.destination', position: { x: 520, y: 200 } }],
    edges: [...flow.edges, { from: 'as-csv:rejected', to: 'bad' }],
  };
}

describe('document → React Flow', () => {
  it('draws one node per flow node, at its position, selected as the store says', () => {
    const nodes = toCanvasNodes(backupFlow(), testCatalog, new Set(['as-csv']), { orders: { width: 200, height: 80 } });
    expect(nodes.map((n) => [n.id, n.type, n.position.x, n.selected])).toEqual([
      ['orders', 'flow', 0, false],
      ['as-csv', 'flow', 260, true],
      ['archive', 'flow', 520, false],
    ]);
    expect(nodes[0]!.measured).toEqual({ width: 200, height: 80 });
    expect(nodes[1]!.data.nodeType!.title).toBe('Format CSV');
  });

  it('joins edges to port handles, the default port resolved, coloured by kind', () => {
    const edges = toCanvasEdges(withRejects(), testCatalog, new Set(['as-csv->archive']));
    expect(
      edges.map((e) => [e.id, e.source, e.sourceHandle, e.target, e.targetHandle, e.className, e.selected]),
    ).toEqual([
      ['orders->as-csv', 'orders', 'records', 'as-csv', 'records', 'edge-records', false],
      ['as-csv->archive', 'as-csv', 'files', 'archive', 'files', 'edge-files', true],
      ['as-csv:rejected->bad', 'as-csv', 'rejected', 'bad', 'records', 'edge-records', false],
    ]);
    // Run statistics name both ports; the edge finds its counts by that key.
    expect(edges.map((e) => e.data!.statKey)).toEqual([
      'orders:records->as-csv:records',
      'as-csv:files->archive:files',
      'as-csv:rejected->bad:records',
    ]);
  });

  it('marks an edge to a port that does not exist as broken', () => {
    const flow = { ...backupFlow(), edges: [{ from: 'orders:nope', to: 'as-csv:nope' }] };
    expect(toCanvasEdges(flow, testCatalog, new Set())[0]!.className).toBe('edge-broken');
  });

  it('gives back the same node objects for nodes that did not change', () => {
    const cache = createNodeCache();
    const flow = backupFlow();
    const first = toCanvasNodes(flow, testCatalog, new Set(), {}, cache);
    const moved = moveNodes(flow, new Map([['archive', { x: 900, y: 0 }]]));
    const second = toCanvasNodes(moved, testCatalog, new Set(), {}, cache);
    expect(second[0]).toBe(first[0]);
    expect(second[1]).toBe(first[1]);
    expect(second[2]).not.toBe(first[2]);
    expect(second[2]!.position).toEqual({ x: 900, y: 0 });
    expect(toCanvasNodes(moved, testCatalog, new Set(['orders']), {}, cache)[0]).not.toBe(first[0]);
  });

  it('round-trips: connecting the drawn edges rebuilds the same document edges', () => {
    const flow = withRejects();
    let rebuilt: Flow = { ...flow, edges: [] };
    for (const edge of toCanvasEdges(flow, testCatalog, new Set())) rebuilt = connect(rebuilt, testCatalog, edge);
    expect(rebuilt).toEqual(flow);
  });
});
