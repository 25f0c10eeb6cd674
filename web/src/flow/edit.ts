/**
 * Edits of a flow document. Each takes a document and returns a new one (unchanged parts keep
 * their identity, so React can skip them); none mutates its input.
 */
import { formatEndpoint, parseEndpoint } from '@backflow/flow-model';
import type { Catalog, Flow, FlowEdge, FlowNode } from '../api/types.ts';
import { typeLookup } from './catalog.ts';
import type { ProposedConnection } from './connect.ts';

export const nodeIdPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** The id of each edge, in order: `from->to`, with `#2`… when the same pair appears again. */
export function edgeIds(flow: Flow): string[] {
  const seen = new Map<string, number>();
  return flow.edges.map((edge) => {
    const base = `${edge.from}->${edge.to}`;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base}#${count}`;
  });
}

/** A node id not used in the flow, made from `base` (`duckdb.source` → `duckdb-source`, then `-2`…). */
export function uniqueNodeId(flow: Flow, base: string, taken: ReadonlySet<string> = new Set()): string {
  const stem =
    base
      .replace(/\./g, '-')
      .replace(/[^A-Za-z0-9_-]/g, '')
      .replace(/^[-]+/, '') || 'node';
  const used = new Set([...flow.nodes.map((node) => node.id), ...taken]);
  if (!used.has(stem)) return stem;
  for (let i = 2; ; i++) if (!used.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

export function addNode(flow: Flow, type: string, position: { x: number; y: number }): { flow: Flow; id: string } {
  const id = uniqueNodeId(flow, type);
  const node: FlowNode = { id, type, config: {}, position: roundPosition(position) };
  return { flow: { ...flow, nodes: [...flow.nodes, node] }, id };
}

/** Removes nodes (with every edge touching them) and edges by id. */
export function removeElements(flow: Flow, nodeIds: Iterable<string>, edgeIdList: Iterable<string> = []): Flow {
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIdList);
  if (nodes.size === 0 && edges.size === 0) return flow;
  const ids = edgeIds(flow);
  return {
    ...flow,
    nodes: flow.nodes.filter((node) => !nodes.has(node.id)),
    edges: flow.edges.filter(
      (edge, i) =>
        !edges.has(ids[i]!) && !nodes.has(parseEndpoint(edge.from).node) && !nodes.has(parseEndpoint(edge.to).node),
    ),
  };
}

/** Adds the edge of a checked connection, naming ports only where they are not the node's first. */
export function connect(flow: Flow, catalog: Catalog, connection: ProposedConnection): Flow {
  const from = flow.nodes.find((node) => node.id === connection.source);
  const to = flow.nodes.find((node) => node.id === connection.target);
  const edge: FlowEdge = {
    from: formatEndpoint(from, connection.source, connection.sourceHandle, typeLookup(catalog), 'outputs'),
    to: formatEndpoint(to, connection.target, connection.targetHandle, typeLookup(catalog), 'inputs'),
  };
  return { ...flow, edges: [...flow.edges, edge] };
}

function roundPosition(position: { x: number; y: number }): { x: number; y: number } {
  return { x: Math.round(position.x), y: Math.round(position.y) };
}

/** Moves nodes; the document stays the same object when nothing actually moved (a click is not an edit). */
export function moveNodes(flow: Flow, positions: ReadonlyMap<string, { x: number; y: number }>): Flow {
  let moved = false;
  const nodes = flow.nodes.map((node) => {
    const target = positions.get(node.id);
    if (!target) return node;
    const position = roundPosition(target);
    if (node.position && node.position.x === position.x && node.position.y === position.y) return node;
    moved = true;
    return { ...node, position };
  });
  return moved ? { ...flow, nodes } : flow;
}

/** Whether two JSON values are equal, whatever the order of their keys. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a).filter((key) => (a as Record<string, unknown>)[key] !== undefined);
  const keysB = Object.keys(b).filter((key) => (b as Record<string, unknown>)[key] !== undefined);
  if (keysA.length !== keysB.length) return false;
  return keysA.every((key) => sameValue((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** Replaces fields of one node; a field set to undefined is removed. Changing nothing keeps the document. */
export function updateNode(flow: Flow, id: string, patch: Partial<Omit<FlowNode, 'id'>>): Flow {
  const current = flow.nodes.find((node) => node.id === id);
  if (!current) return flow;
  const changes = Object.entries(patch).some(([key, value]) => !sameValue(current[key as keyof FlowNode], value));
  if (!changes) return flow;
  return {
    ...flow,
    nodes: flow.nodes.map((node) => {
      if (node.id !== id) return node;
      const next: FlowNode = { ...node, ...patch };
      for (const key of Object.keys(patch) as (keyof FlowNode)[]) if (next[key] === undefined) delete next[key];
      return next;
    }),
  };
}

/** Gives a node a new id and points its edges at it. */
export function renameNode(flow: Flow, id: string, newId: string): Flow {
  if (id === newId) return flow;
  const rename = (endpoint: string) => {
    const { node, port } = parseEndpoint(endpoint);
    return node === id ? (port === undefined ? newId : `${newId}:${port}`) : endpoint;
  };
  return {
    ...flow,
    nodes: flow.nodes.map((node) => (node.id === id ? { ...node, id: newId } : node)),
    edges: flow.edges.map((edge) => {
      const from = rename(edge.from);
      const to = rename(edge.to);
      return from === edge.from && to === edge.to ? edge : { from, to };
    }),
  };
}

/** What copy puts aside: the nodes and the edges between them. */
export interface Clip {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export function copyNodes(flow: Flow, ids: Iterable<string>): Clip {
  const chosen = new Set(ids);
  return {
    nodes: flow.nodes.filter((node) => chosen.has(node.id)),
    edges: flow.edges.filter(
      (edge) => chosen.has(parseEndpoint(edge.from).node) && chosen.has(parseEndpoint(edge.to).node),
    ),
  };
}

/** Adds a copy of the clip under fresh ids, moved by `offset`; returns the new ids. */
export function pasteClip(flow: Flow, clip: Clip, offset: { x: number; y: number }): { flow: Flow; ids: string[] } {
  const renamed = new Map<string, string>();
  for (const node of clip.nodes) renamed.set(node.id, uniqueNodeId(flow, node.id, new Set(renamed.values())));
  const nodes = clip.nodes.map((node) => ({
    ...structuredClone(node),
    id: renamed.get(node.id)!,
    position: roundPosition({ x: (node.position?.x ?? 0) + offset.x, y: (node.position?.y ?? 0) + offset.y }),
  }));
  const move = (endpoint: string) => {
    const { node, port } = parseEndpoint(endpoint);
    const id = renamed.get(node)!;
    return port === undefined ? id : `${id}:${port}`;
  };
  const edges = clip.edges.map((edge) => ({ from: move(edge.from), to: move(edge.to) }));
  return {
    flow: { ...flow, nodes: [...flow.nodes, ...nodes], edges: [...flow.edges, ...edges] },
    ids: nodes.map((node) => node.id),
  };
}

/**
 * A config from a generated form, less the schema defaults the form filled into fields the node
 * did not set, so opening a node's form is not an edit.
 */
export function stripDefaults(
  config: Record<string, unknown>,
  before: Record<string, unknown>,
  schema: { properties?: Record<string, { default?: unknown }> },
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) continue;
    const fallback = schema.properties?.[key]?.default;
    // A default the form filled in is not an edit: keep the document as the person wrote it.
    if (!(key in before) && fallback !== undefined && JSON.stringify(fallback) === JSON.stringify(value)) continue;
    out[key] = value;
  }
  return out;
}
