/** What differs between two flow documents, by node id and edge: for the version history. */
import type { Flow, FlowNode } from '../api/types.ts';

export interface FlowDiff {
  nodesAdded: string[];
  nodesRemoved: string[];
  /** Nodes in both whose type, title, connection or config differ (a move alone is `moved`). */
  nodesChanged: string[];
  /** Nodes in both that differ only in position. */
  nodesMoved: string[];
  /** `from->to` */
  edgesAdded: string[];
  edgesRemoved: string[];
  /** The name, description, schedule, settings or alerts differ. */
  flowChanged: string[];
}

/** JSON with object keys sorted, so key order does not count as a change. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : inner,
  );
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

function withoutPosition(node: FlowNode): Omit<FlowNode, 'position'> {
  const { position: _position, ...rest } = node;
  return rest;
}

/** What changes going from `a` to `b`: "added" is in `b` only, "removed" in `a` only. */
export function diffFlows(a: Flow, b: Flow): FlowDiff {
  const before = new Map(a.nodes.map((node) => [node.id, node]));
  const after = new Map(b.nodes.map((node) => [node.id, node]));
  const nodesAdded = b.nodes.filter((node) => !before.has(node.id)).map((node) => node.id);
  const nodesRemoved = a.nodes.filter((node) => !after.has(node.id)).map((node) => node.id);
  const nodesChanged: string[] = [];
  const nodesMoved: string[] = [];
  for (const node of b.nodes) {
    const old = before.get(node.id);
    if (!old) continue;
    if (!same(withoutPosition(old), withoutPosition(node))) nodesChanged.push(node.id);
    else if (!same(old.position, node.position)) nodesMoved.push(node.id);
  }
  const edgeKey = (edge: { from: string; to: string }) => `${edge.from}->${edge.to}`;
  const edgesBefore = new Set(a.edges.map(edgeKey));
  const edgesAfter = new Set(b.edges.map(edgeKey));
  const edgesAdded = [...edgesAfter].filter((key) => !edgesBefore.has(key));
  const edgesRemoved = [...edgesBefore].filter((key) => !edgesAfter.has(key));
  const flowChanged = (['name', 'description', 'schedule', 'settings', 'alerts'] as const).filter(
    (field) => !same(a[field], b[field]),
  );
  return { nodesAdded, nodesRemoved, nodesChanged, nodesMoved, edgesAdded, edgesRemoved, flowChanged };
}

export function isSameFlow(diff: FlowDiff): boolean {
  return Object.values(diff).every((list) => list.length === 0);
}

/** "+2 nodes (a, b) · −1 edge (x->y) · changed: c", or "same as the canvas". */
export function describeDiff(diff: FlowDiff): string {
  const parts: string[] = [];
  const list = (sign: string, what: string, ids: string[]) => {
    if (ids.length > 0) parts.push(`${sign}${ids.length} ${what}${ids.length === 1 ? '' : 's'} (${ids.join(', ')})`);
  };
  list('+', 'node', diff.nodesAdded);
  list('−', 'node', diff.nodesRemoved);
  if (diff.nodesChanged.length > 0) parts.push(`changed: ${diff.nodesChanged.join(', ')}`);
  list('+', 'edge', diff.edgesAdded);
  list('−', 'edge', diff.edgesRemoved);
  if (diff.nodesMoved.length > 0) parts.push(`moved: ${diff.nodesMoved.join(', ')}`);
  if (diff.flowChanged.length > 0) parts.push(`flow ${diff.flowChanged.join(', ')}`);
  return parts.length === 0 ? 'same as the canvas' : parts.join(' · ');
}
