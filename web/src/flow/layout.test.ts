import { describe, expect, it } from 'vitest';
import type { Flow } from '../api/types.ts';
import { defaultNodeSize, freePosition, layoutFlow } from './layout.ts';

function chains(count: number): Flow {
  const flow: Flow = { name: 'chains', nodes: [], edges: [] };
  for (let i = 0; i < count; i++) {
    flow.nodes.push({ id: `a${i}`, type: 'x' }, { id: `b${i}`, type: 'x' }, { id: `c${i}`, type: 'x' });
    flow.edges.push({ from: `a${i}`, to: `b${i}` }, { from: `b${i}:rejected`, to: `c${i}` });
  }
  return flow;
}

function overlaps(positions: Map<string, { x: number; y: number }>): boolean {
  const boxes = [...positions.values()];
  return boxes.some((a, i) =>
    boxes.some(
      (b, j) =>
        i < j &&
        a.x < b.x + defaultNodeSize.width &&
        b.x < a.x + defaultNodeSize.width &&
        a.y < b.y + defaultNodeSize.height &&
        b.y < a.y + defaultNodeSize.height,
    ),
  );
}

describe('layoutFlow', () => {
  it('puts each node right of the nodes that feed it', () => {
    const positions = layoutFlow(chains(1));
    expect(positions.get('a0')!.x).toBeLessThan(positions.get('b0')!.x);
    expect(positions.get('b0')!.x).toBeLessThan(positions.get('c0')!.x);
    expect(positions.get('a0')).toEqual({ x: 0, y: 0 });
  });

  it('packs separate parts into a block of rows instead of one column, without overlaps', () => {
    const positions = layoutFlow(chains(100));
    expect(positions.size).toBe(300);
    expect(overlaps(positions)).toBe(false);
    const xs = [...positions.values()].map((p) => p.x);
    const ys = [...positions.values()].map((p) => p.y);
    const width = Math.max(...xs) + defaultNodeSize.width;
    const height = Math.max(...ys) + defaultNodeSize.height;
    expect(width / height).toBeGreaterThan(0.8);
    expect(width / height).toBeLessThan(3);
  });

  it('leaves room for an edge count label between a node and the next', () => {
    const positions = layoutFlow(chains(1));
    const gap = positions.get('b0')!.x - (positions.get('a0')!.x + defaultNodeSize.width);
    expect(gap).toBeGreaterThanOrEqual(180);
  });

  it('uses the drawn size of a node when it has one', () => {
    const flow = chains(1);
    const wide = layoutFlow(flow, (id) => (id === 'a0' ? { width: 600, height: 96 } : undefined));
    expect(wide.get('b0')!.x).toBeGreaterThanOrEqual(600);
  });
});

describe('freePosition', () => {
  it('keeps a free spot and moves a taken one down until no node is under it', () => {
    const flow: Flow = {
      name: 'f',
      nodes: [
        { id: 'a', type: 'x', position: { x: 100, y: 100 } },
        { id: 'b', type: 'x', position: { x: 100, y: 220 } },
      ],
      edges: [],
    };
    expect(freePosition(flow, { x: 600, y: 100 })).toEqual({ x: 600, y: 100 });
    const placed = freePosition(flow, { x: 150, y: 120 });
    expect(placed.x).toBe(150);
    expect(placed.y).toBeGreaterThanOrEqual(220 + defaultNodeSize.height + 24);
    const withNew = { ...flow, nodes: [...flow.nodes, { id: 'c', type: 'x', position: placed }] };
    expect(overlaps(new Map(withNew.nodes.map((node) => [node.id, node.position!])))).toBe(false);
  });
});
