import { parseEndpoint } from '@backflow/flow-model';
import { Graph, layout } from '@dagrejs/dagre';
import type { Flow } from '../api/types.ts';

export interface Size {
  width: number;
  height: number;
}

type Point = { x: number; y: number };

/** What a node measures before the browser has drawn it. */
export const defaultNodeSize: Size = { width: 200, height: 96 };

/** Space between separate parts of a flow once they are packed side by side. */
const componentGap = 80;

/**
 * Space between a node and the next one along its edges: room for the edge's count label
 * ("4 files · 200,000 rows" is about 140 px, plus the ports) between them, clear of both nodes.
 */
export const edgeLabelRoom = 190;

/** The flow's connected parts, each a list of node ids in document order. */
function components(flow: Flow): string[][] {
  const parent = new Map(flow.nodes.map((node) => [node.id, node.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root)!;
    parent.set(id, root);
    return root;
  };
  for (const edge of flow.edges) {
    const a = parseEndpoint(edge.from).node;
    const b = parseEndpoint(edge.to).node;
    if (parent.has(a) && parent.has(b)) parent.set(find(a), find(b));
  }
  const groups = new Map<string, string[]>();
  for (const node of flow.nodes) {
    const root = find(node.id);
    const group = groups.get(root) ?? [];
    group.push(node.id);
    groups.set(root, group);
  }
  return [...groups.values()];
}

/** Dagre's left-to-right layout of some nodes: top-left positions from 0,0 and the size of the whole. */
function layoutPart(
  flow: Flow,
  ids: string[],
  sizeOf: (id: string) => Size,
): { positions: Map<string, Point>; size: Size } {
  const members = new Set(ids);
  const graph = new Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', nodesep: 36, ranksep: edgeLabelRoom, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  for (const id of ids) graph.setNode(id, { ...sizeOf(id) });
  flow.edges.forEach((edge, i) => {
    const from = parseEndpoint(edge.from).node;
    const to = parseEndpoint(edge.to).node;
    if (members.has(from) && members.has(to)) graph.setEdge(from, to, {}, `e${i}`);
  });
  layout(graph);
  const positions = new Map<string, Point>();
  let width = 0;
  let height = 0;
  for (const id of ids) {
    const placed = graph.node(id);
    const size = sizeOf(id);
    const x = placed.x - size.width / 2;
    const y = placed.y - size.height / 2;
    positions.set(id, { x, y });
    width = Math.max(width, x + size.width);
    height = Math.max(height, y + size.height);
  }
  return { positions, size: { width, height } };
}

/**
 * Top-left positions that lay the flow out left to right (sources first, destinations last),
 * computed by dagre from each node's drawn size. Separate parts of the flow are laid out one by
 * one and packed in rows, so a hundred small pipelines make a block rather than one long column.
 */
export function layoutFlow(flow: Flow, sizeOf: (id: string) => Size | undefined = () => undefined): Map<string, Point> {
  const size = (id: string) => sizeOf(id) ?? defaultNodeSize;
  const parts = components(flow).map((ids) => layoutPart(flow, ids, size));
  const area = parts.reduce(
    (sum, part) => sum + (part.size.width + componentGap) * (part.size.height + componentGap),
    0,
  );
  // Rows about 1.6 times as wide as the block is tall, never narrower than the widest part.
  const rowWidth = Math.max(...parts.map((part) => part.size.width), Math.sqrt(area * 1.6));
  const positions = new Map<string, Point>();
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const part of parts) {
    if (x > 0 && x + part.size.width > rowWidth) {
      x = 0;
      y += rowHeight + componentGap;
      rowHeight = 0;
    }
    for (const [id, at] of part.positions) positions.set(id, { x: Math.round(x + at.x), y: Math.round(y + at.y) });
    x += part.size.width + componentGap;
    rowHeight = Math.max(rowHeight, part.size.height);
  }
  return positions;
}

/** Space left between a node placed without a pointer and the nodes already there. */
const placementGap = 24;

/**
 * The first place at or below `at` where a new node overlaps no node of the flow: a node added
 * from the keyboard lands in the middle of the view, beside what is there rather than on top of it.
 */
export function freePosition(flow: Flow, at: Point, sizeOf: (id: string) => Size | undefined = () => undefined): Point {
  const size = defaultNodeSize;
  const boxes = flow.nodes
    .filter((node) => node.position)
    .map((node) => ({ ...node.position!, ...(sizeOf(node.id) ?? defaultNodeSize) }));
  const free = (y: number) =>
    boxes.every(
      (box) =>
        at.x + size.width + placementGap <= box.x ||
        box.x + box.width + placementGap <= at.x ||
        y + size.height + placementGap <= box.y ||
        box.y + box.height + placementGap <= y,
    );
  let y = at.y;
  while (!free(y)) y += size.height + placementGap;
  return { x: at.x, y };
}
