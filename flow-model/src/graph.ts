/**
 * Graph rules: a flow's edges must join known nodes at existing ports of the same kind, every
 * input must be fed, the edges must not form a cycle, and a node is fed by one source at most
 * (DESIGN.md §4 keeps checkpoints per source). The server refuses a flow that breaks one; the
 * editor shows the same issues on the nodes as they are drawn.
 */
import type { Flow, FlowNode } from './flow-schema.ts';
import {
  bridgeHint,
  type NodePorts,
  type NodeTypeLookup,
  type PayloadKind,
  type Port,
  parseEndpoint,
  portsFit,
} from './ports.ts';

/** One resolved edge: both endpoints with explicit ports. */
export interface GraphEdge {
  index: number;
  from: { node: string; port: string };
  to: { node: string; port: string };
  kind: PayloadKind;
}

export interface GraphNode<T extends NodePorts = NodePorts> {
  id: string;
  index: number;
  spec: FlowNode;
  type: T;
  incoming: GraphEdge[];
  outgoing: GraphEdge[];
}

/** The flow as a checked graph: nodes in topological order, each with its edges. */
export interface FlowGraph<T extends NodePorts = NodePorts> {
  nodes: Map<string, GraphNode<T>>;
  edges: GraphEdge[];
  order: GraphNode<T>[];
  /** The source each node is fed by (one per node; DESIGN.md §4 tracks checkpoints per source). */
  sourceOf: Map<string, string>;
}

/** Stable codes of the graph rules, so a client can tell which rule an issue comes from. */
export const graphIssueCodes = [
  'duplicate_node',
  'unknown_node_type',
  'unknown_node',
  'unknown_port',
  'kind_mismatch',
  'input_unconnected',
  'cycle',
  'several_sources',
] as const;

export type GraphIssueCode = (typeof graphIssueCodes)[number];

/** A broken graph rule: where (a JSON path in the flow), which rule, and the node when there is one. */
export interface GraphIssue {
  code: GraphIssueCode;
  path: string;
  message: string;
  nodeId?: string;
}

/**
 * Builds the graph and lists every structural problem: duplicate ids, unknown node types, dangling
 * edges, unknown ports, records↔files mismatches, unconnected inputs, cycles, nodes fed by two sources.
 * The graph comes back only when there is no issue.
 */
export function buildGraph<T extends NodePorts>(
  flow: Flow,
  typeOf: NodeTypeLookup<T>,
): { graph?: FlowGraph<T>; issues: GraphIssue[] } {
  const issues: GraphIssue[] = [];
  const nodes = new Map<string, GraphNode<T>>();
  flow.nodes.forEach((spec, index) => {
    if (nodes.has(spec.id)) {
      issues.push({
        code: 'duplicate_node',
        path: `nodes[${index}].id`,
        message: `duplicate node id "${spec.id}"`,
        nodeId: spec.id,
      });
      return;
    }
    const type = typeOf(spec.type);
    if (!type) {
      issues.push({
        code: 'unknown_node_type',
        path: `nodes[${index}].type`,
        message: `unknown node type "${spec.type}"`,
        nodeId: spec.id,
      });
      return;
    }
    nodes.set(spec.id, { id: spec.id, index, spec, type, incoming: [], outgoing: [] });
  });
  const knownIds = new Set(flow.nodes.map((n) => n.id));

  const edges: GraphEdge[] = [];
  flow.edges.forEach((edge, index) => {
    const from = parseEndpoint(edge.from);
    const to = parseEndpoint(edge.to);
    const source = nodes.get(from.node);
    const target = nodes.get(to.node);
    if (!knownIds.has(from.node))
      issues.push({ code: 'unknown_node', path: `edges[${index}].from`, message: `unknown node "${from.node}"` });
    if (!knownIds.has(to.node))
      issues.push({ code: 'unknown_node', path: `edges[${index}].to`, message: `unknown node "${to.node}"` });
    if (!source || !target) return;
    const out = findPort(source, 'output', from.port, `edges[${index}].from`, issues);
    const input = findPort(target, 'input', to.port, `edges[${index}].to`, issues);
    if (!out || !input) return;
    if (!portsFit(out, input)) {
      issues.push({
        code: 'kind_mismatch',
        path: `edges[${index}]`,
        message: `${out.kind} output "${source.id}:${out.name}" cannot connect to ${input.kind} input "${target.id}:${input.name}" (${bridgeHint(out.kind)})`,
        nodeId: target.id,
      });
      return;
    }
    const resolved: GraphEdge = {
      index,
      from: { node: source.id, port: out.name },
      to: { node: target.id, port: input.name },
      kind: out.kind,
    };
    edges.push(resolved);
    source.outgoing.push(resolved);
    target.incoming.push(resolved);
  });

  for (const node of nodes.values()) {
    for (const port of node.type.inputs) {
      if (!node.incoming.some((e) => e.to.port === port.name)) {
        issues.push({
          code: 'input_unconnected',
          path: `nodes[${node.index}]`,
          message: `input "${port.name}" of node "${node.id}" is not connected`,
          nodeId: node.id,
        });
      }
    }
  }

  const order = topologicalOrder(nodes);
  if (!order) {
    issues.push({
      code: 'cycle',
      path: 'edges',
      message: `the edges form a cycle through: ${cycleMembers(nodes).join(' → ')}`,
    });
    return { issues };
  }
  const sourceOf = new Map<string, string>();
  for (const node of order) {
    if (node.type.role === 'source') {
      sourceOf.set(node.id, node.id);
      continue;
    }
    const feeding = new Set(node.incoming.map((e) => sourceOf.get(e.from.node)).filter((s) => s !== undefined));
    if (feeding.size > 1) {
      issues.push({
        code: 'several_sources',
        path: `nodes[${node.index}]`,
        message: `node "${node.id}" is fed by several sources (${[...feeding].join(', ')}); split them into separate flows`,
        nodeId: node.id,
      });
    }
    const [first] = feeding;
    if (first) sourceOf.set(node.id, first);
  }
  if (issues.length > 0) return { issues };
  return { graph: { nodes, edges, order, sourceOf }, issues };
}

/** The node ids of a path from `start` to `goal` along the flow's edges, or undefined when there is none. */
export function pathBetween(flow: Flow, start: string, goal: string): string[] | undefined {
  const next = new Map<string, string[]>();
  for (const edge of flow.edges) {
    const from = parseEndpoint(edge.from).node;
    const list = next.get(from) ?? [];
    list.push(parseEndpoint(edge.to).node);
    next.set(from, list);
  }
  const previous = new Map<string, string>();
  const queue = [start];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const node = queue.shift()!;
    if (node === goal) {
      const path = [node];
      for (let at = node; previous.has(at); ) {
        at = previous.get(at)!;
        path.unshift(at);
      }
      return path;
    }
    for (const after of next.get(node) ?? []) {
      if (seen.has(after)) continue;
      seen.add(after);
      previous.set(after, node);
      queue.push(after);
    }
  }
  return undefined;
}

/** The named port (or the first one), or an issue saying which ports the node has. */
function findPort(
  node: GraphNode,
  direction: 'input' | 'output',
  name: string | undefined,
  path: string,
  issues: GraphIssue[],
): Port | undefined {
  const ports = direction === 'input' ? node.type.inputs : node.type.outputs;
  const port = name ? ports.find((p) => p.name === name) : ports[0];
  if (!port) {
    const label = `node "${node.id}" (${node.type.type})`;
    issues.push({
      code: 'unknown_port',
      path,
      message: name
        ? `${label} has no ${direction} port "${name}"; it has: ${portList(ports)}`
        : `${label} has no ${direction}s`,
      nodeId: node.id,
    });
  }
  return port;
}

function portList(ports: readonly Port[]): string {
  return ports.map((p) => `${p.name} (${p.kind})`).join(', ') || 'none';
}

/** Kahn's algorithm; undefined when there is a cycle. */
function topologicalOrder<T extends NodePorts>(nodes: Map<string, GraphNode<T>>): GraphNode<T>[] | undefined {
  const inDegree = new Map<string, number>();
  for (const node of nodes.values()) inDegree.set(node.id, node.incoming.length);
  const ready = [...nodes.values()].filter((n) => n.incoming.length === 0);
  const order: GraphNode<T>[] = [];
  for (let at = 0; at < ready.length; at++) {
    const node = ready[at]!;
    order.push(node);
    for (const edge of node.outgoing) {
      const remaining = inDegree.get(edge.to.node)! - 1;
      inDegree.set(edge.to.node, remaining);
      if (remaining === 0) ready.push(nodes.get(edge.to.node)!);
    }
  }
  return order.length === nodes.size ? order : undefined;
}

/** Nodes left after repeatedly removing those with no incoming or no outgoing edges: the cycles. */
function cycleMembers(nodes: Map<string, GraphNode>): string[] {
  const alive = new Set(nodes.keys());
  let changed = true;
  while (changed) {
    changed = false;
    for (const id of [...alive]) {
      const node = nodes.get(id)!;
      const hasIn = node.incoming.some((e) => alive.has(e.from.node));
      const hasOut = node.outgoing.some((e) => alive.has(e.to.node));
      if (!hasIn || !hasOut) {
        alive.delete(id);
        changed = true;
      }
    }
  }
  return [...alive];
}
