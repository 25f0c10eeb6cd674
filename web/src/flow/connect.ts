import type { Catalog, Flow } from '../api/types.ts';
import { parseEndpoint, resolvePort } from './ports.ts';

/** A connection being drawn, in React Flow's terms (a handle id is a port name). */
export interface ProposedConnection {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether an edge may join these ports: both exist, they carry the same kind of payload, the
 * edge is not there already and it would not close a cycle. The reason says what to do instead.
 */
export function checkConnection(flow: Flow, catalog: Catalog, connection: ProposedConnection): ConnectionCheck {
  const { source, target } = connection;
  const from = flow.nodes.find((node) => node.id === source);
  const to = flow.nodes.find((node) => node.id === target);
  if (!from || !to) return { ok: false, reason: 'both ends must be nodes of this flow' };
  if (source === target) return { ok: false, reason: `"${source}" cannot feed itself: that would make a cycle` };
  const fromType = catalog[from.type];
  const toType = catalog[to.type];
  if (!fromType) return { ok: false, reason: `"${source}" has an unknown type (${from.type})` };
  if (!toType) return { ok: false, reason: `"${target}" has an unknown type (${to.type})` };
  const output = connection.sourceHandle
    ? fromType.outputs.find((port) => port.name === connection.sourceHandle)
    : fromType.outputs[0];
  if (!output) return { ok: false, reason: `"${source}" (${fromType.title}) has no output to connect from` };
  if (toType.inputs.length === 0)
    return { ok: false, reason: `"${target}" (${toType.title}) is a source: it takes no input` };
  const input = connection.targetHandle
    ? toType.inputs.find((port) => port.name === connection.targetHandle)
    : toType.inputs[0];
  if (!input) return { ok: false, reason: `"${target}" has no input "${connection.targetHandle}"` };

  if (output.kind !== input.kind) {
    const bridge =
      output.kind === 'records'
        ? 'a format node (Format CSV, JSON or Parquet) turns records into files'
        : 'a parse node (Parse CSV or JSON) turns files into records';
    return {
      ok: false,
      reason: `"${source}" sends ${output.kind} but "${target}" takes ${input.kind}: ${bridge}; put one between them`,
    };
  }

  const duplicate = flow.edges.some((edge) => {
    const a = resolvePort(flow, catalog, edge.from, 'outputs');
    const b = resolvePort(flow, catalog, edge.to, 'inputs');
    return a.node === source && b.node === target && a.port?.name === output.name && b.port?.name === input.name;
  });
  if (duplicate) return { ok: false, reason: `"${source}:${output.name}" already feeds "${target}:${input.name}"` };

  const loop = pathBetween(flow, target, source);
  if (loop) return { ok: false, reason: `that would make a cycle (${[...loop, target].join(' → ')})` };
  return { ok: true };
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

/** Whether the flow's edges form a cycle anywhere (an imported file may have one). */
export function hasCycle(flow: Flow): boolean {
  return flow.edges.some((edge) => pathBetween(flow, parseEndpoint(edge.to).node, parseEndpoint(edge.from).node));
}
