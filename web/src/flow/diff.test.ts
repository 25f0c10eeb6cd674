import { describe, expect, it } from 'vitest';
import type { Flow } from '../api/types.ts';
import { describeDiff, diffFlows, isSameFlow } from './diff.ts';

const base: Flow = {
  name: 'orders',
  nodes: [
    { id: 'src', type: 'duckdb.source', config: { path: 'a.duckdb', table: 'orders' }, position: { x: 0, y: 0 } },
    { id: 'fmt', type: 'csv.format', config: { gzip: true }, position: { x: 200, y: 0 } },
    { id: 'dst', type: 'files.destination', config: { dir: 'out' }, position: { x: 400, y: 0 } },
  ],
  edges: [
    { from: 'src', to: 'fmt' },
    { from: 'fmt', to: 'dst' },
  ],
};

describe('diffFlows', () => {
  it('finds nothing between a flow and itself, or a copy with keys in another order', () => {
    expect(isSameFlow(diffFlows(base, base))).toBe(true);
    const reordered: Flow = {
      edges: base.edges,
      nodes: base.nodes.map((node) => ({ position: node.position, config: node.config, type: node.type, id: node.id })),
      name: 'orders',
    } as Flow;
    expect(isSameFlow(diffFlows(base, reordered))).toBe(true);
    expect(describeDiff(diffFlows(base, reordered))).toBe('same as the canvas');
  });

  it('lists nodes added, removed and changed by id, and edges added and removed', () => {
    const next: Flow = {
      ...base,
      nodes: [
        { ...base.nodes[0]!, config: { path: 'a.duckdb', table: 'customers' } },
        base.nodes[1]!,
        { id: 'filter', type: 'filter', config: { where: 'x > 1' }, position: { x: 100, y: 100 } },
      ],
      edges: [
        { from: 'src', to: 'filter' },
        { from: 'src', to: 'fmt' },
      ],
    };
    const diff = diffFlows(base, next);
    expect(diff).toEqual({
      nodesAdded: ['filter'],
      nodesRemoved: ['dst'],
      nodesChanged: ['src'],
      nodesMoved: [],
      edgesAdded: ['src->filter'],
      edgesRemoved: ['fmt->dst'],
      flowChanged: [],
    });
    expect(describeDiff(diff)).toBe(
      '+1 node (filter) · −1 node (dst) · changed: src · +1 edge (src->filter) · −1 edge (fmt->dst)',
    );
    // The other way round, added and removed swap.
    const back = diffFlows(next, base);
    expect([back.nodesAdded, back.nodesRemoved, back.edgesAdded, back.edgesRemoved]).toEqual([
      ['dst'],
      ['filter'],
      ['fmt->dst'],
      ['src->filter'],
    ]);
  });

  it('tells a move from a change, and notices flow-level fields', () => {
    const moved: Flow = {
      ...base,
      name: 'orders-2',
      schedule: { cron: '0 * * * *' },
      nodes: base.nodes.map((node) => (node.id === 'fmt' ? { ...node, position: { x: 250, y: 40 } } : node)),
    };
    const diff = diffFlows(base, moved);
    expect(diff.nodesChanged).toEqual([]);
    expect(diff.nodesMoved).toEqual(['fmt']);
    expect(diff.flowChanged).toEqual(['name', 'schedule']);
    expect(describeDiff(diff)).toBe('moved: fmt · flow name, schedule');
  });
});
