import { pathBetween, portsFit, resolvePort } from '@backflow/flow-model';
import type { Catalog, Flow } from '../api/types.ts';
import { typeLookup } from './catalog.ts';

/** A connection being drawn, in React Flow's terms (a handle id is a port name). */
export interface ProposedConnection {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

export type ConnectionCheck = { ok: true } | { ok: false; reason: string };

/**
 * Whether an edge may join these ports (the flow model's port rules): both exist, they carry the
 * same kind of payload, the edge is not there already and it would not close a cycle. The reason
 * says what to do instead.
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

  if (!portsFit(output, input)) {
    const bridge =
      output.kind === 'records'
        ? 'a format node (Format CSV, JSON or Parquet) turns records into files'
        : 'a parse node (Parse CSV or JSON) turns files into records';
    return {
      ok: false,
      reason: `"${source}" sends ${output.kind} but "${target}" takes ${input.kind}: ${bridge}; put one between them`,
    };
  }

  const typeOf = typeLookup(catalog);
  const duplicate = flow.edges.some((edge) => {
    const a = resolvePort(flow, typeOf, edge.from, 'outputs');
    const b = resolvePort(flow, typeOf, edge.to, 'inputs');
    return a.node === source && b.node === target && a.port?.name === output.name && b.port?.name === input.name;
  });
  if (duplicate) return { ok: false, reason: `"${source}:${output.name}" already feeds "${target}:${input.name}"` };

  const loop = pathBetween(flow, target, source);
  if (loop) return { ok: false, reason: `that would make a cycle (${[...loop, target].join(' → ')})` };
  return { ok: true };
}
