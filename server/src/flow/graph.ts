import type { NodeType, PayloadKind, PortSpec } from '../node-kit/contract.ts';
import type { Flow, FlowNode } from './flow-schema.ts';

/** One resolved edge: both endpoints with explicit ports. */
export interface GraphEdge {
  index: number;
  from: { node: string; port: string };
  to: { node: string; port: string };
  kind: PayloadKind;
}

export interface GraphNode {
  id: string;
  index: number;
  spec: FlowNode;
  type: NodeType;
  incoming: GraphEdge[];
  outgoing: GraphEdge[];
}

/** The flow as a checked graph: nodes in topological order, each with its edges. */
export interface FlowGraph {
  nodes: Map<string, GraphNode>;
  edges: GraphEdge[];
  order: GraphNode[];
  /** The source each node is fed by (one per node; DESIGN.md §4 tracks checkpoints per source). */
  sourceOf: Map<string, string>;
}

export interface GraphIssue {
  path: string;
  message: string;
  nodeId?: string;
}

export function parseEndpoint(endpoint: string): { node: string; port?: string } {
  const colon = endpoint.indexOf(':');
  return colon < 0 ? { node: endpoint } : { node: endpoint.slice(0, colon), port: endpoint.slice(colon + 1) };
}

/**
 * Builds the graph and lists every structural problem: duplicate ids, unknown node types, dangling
 * edges, unknown ports, records↔files mismatches, unconnected inputs, cycles, nodes fed by two sources.
 */
export function buildGraph(
  flow: Flow,
  typeOf: (type: string) => NodeType | undefined,
): { graph?: FlowGraph; issues: GraphIssue[] } {
  const issues: GraphIssue[] = [];
  const nodes = new Map<string, GraphNode>();
  flow.nodes.forEach((spec, index) => {
    if (nodes.has(spec.id)) {
      issues.push({ path: `nodes[${index}].id`, message: `duplicate node id "${spec.id}"`, nodeId: spec.id });
      return;
    }
    const type = typeOf(spec.type);
    if (!type) {
      issues.push({ path: `nodes[${index}].type`, message: `unknown node type "${spec.type}"`, nodeId: spec.id });
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
    if (!knownIds.has(from.node)) issues.push({ path: `edges[${index}].from`, message: `unknown node "${from.node}"` });
    if (!knownIds.has(to.node)) issues.push({ path: `edges[${index}].to`, message: `unknown node "${to.node}"` });
    if (!source || !target) return;
    const out = findPort(source, 'output', from.port, `edges[${index}].from`, issues);
    const input = findPort(target, 'input', to.port, `edges[${index}].to`, issues);
    if (!out || !input) return;
    if (out.kind !== input.kind) {
      issues.push({
        path: `edges[${index}]`,
        message: `${out.kind} output "${source.id}:${out.name}" cannot connect to ${input.kind} input "${target.id}:${input.name}"${bridgeHint(out.kind)}`,
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
          path: `nodes[${node.index}]`,
          message: `input "${port.name}" of node "${node.id}" is not connected`,
          nodeId: node.id,
        });
      }
    }
  }

  const order = topologicalOrder(nodes);
  if (!order) {
    issues.push({ path: 'edges', message: `the edges form a cycle through: ${cycleMembers(nodes).join(' → ')}` });
  }
  const sourceOf = new Map<string, string>();
  if (order) {
    for (const node of order) {
      if (node.type.role === 'source') {
        sourceOf.set(node.id, node.id);
        continue;
      }
      const feeding = new Set(node.incoming.map((e) => sourceOf.get(e.from.node)).filter((s) => s !== undefined));
      if (feeding.size > 1) {
        issues.push({
          path: `nodes[${node.index}]`,
          message: `node "${node.id}" is fed by several sources (${[...feeding].join(', ')}); split them into separate flows`,
          nodeId: node.id,
        });
      }
      const [first] = feeding;
      if (first) sourceOf.set(node.id, first);
    }
  }
  if (issues.length > 0 || !order) return { issues };
  return { graph: { nodes, edges, order, sourceOf }, issues };
}

/** The named port (or the first one), or an issue saying which ports the node has. */
function findPort(
  node: GraphNode,
  direction: 'input' | 'output',
  name: string | undefined,
  path: string,
  issues: GraphIssue[],
): PortSpec | undefined {
  const ports = direction === 'input' ? node.type.inputs : node.type.outputs;
  const port = name ? ports.find((p) => p.name === name) : ports[0];
  if (!port) {
    const label = `node "${node.id}" (${node.type.type})`;
    issues.push({
      path,
      message: name
        ? `${label} has no ${direction} port "${name}"; it has: ${portList(ports)}`
        : `${label} has no ${direction}s`,
      nodeId: node.id,
    });
  }
  return port;
}

function portList(ports: readonly { name: string; kind: PayloadKind }[]): string {
  return ports.map((p) => `${p.name} (${p.kind})`).join(', ') || 'none';
}

function bridgeHint(from: PayloadKind): string {
  return from === 'records'
    ? ' (put csv.format, json.format or parquet.format between them)'
    : ' (put csv.parse or json.parse between them)';
}

/** Kahn's algorithm; undefined when there is a cycle. */
function topologicalOrder(nodes: Map<string, GraphNode>): GraphNode[] | undefined {
  const inDegree = new Map<string, number>();
  for (const node of nodes.values()) inDegree.set(node.id, node.incoming.length);
  const ready = [...nodes.values()].filter((n) => n.incoming.length === 0);
  const order: GraphNode[] = [];
  while (ready.length > 0) {
    const node = ready.shift()!;
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
