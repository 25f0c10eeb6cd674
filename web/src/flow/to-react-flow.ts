import { fullEndpoint, resolvePort } from '@backflow/flow-model';
import type { Edge, Node } from '@xyflow/react';
import type { Catalog, Flow, FlowNode, NodeTypeInfo, PayloadKind } from '../api/types.ts';
import { typeLookup } from './catalog.ts';
import { edgeIds } from './edit.ts';
import type { Size } from './layout.ts';

export type FlowNodeData = { node: FlowNode; nodeType: NodeTypeInfo | undefined };
export type CanvasNode = Node<FlowNodeData, 'flow'>;

export type FlowEdgeData = {
  kind: PayloadKind | undefined;
  /** `node:port->node:port`, as run statistics name the edge. */
  statKey: string;
};
export type CanvasEdge = Edge<FlowEdgeData, 'counted'>;

/** Run statistics name edge ends with the port always written. */
export function statKeyOf(from: string, to: string): string {
  return `${from}->${to}`;
}

type NodeCache = WeakMap<FlowNode, { selected: boolean; size: Size | undefined; nodeType: unknown; drawn: CanvasNode }>;

export function createNodeCache(): NodeCache {
  return new WeakMap();
}

/**
 * React Flow nodes drawn from the document. A node whose document entry, selection and size did
 * not change comes back as the same object (from `cache`), so its memo component does not redraw.
 */
export function toCanvasNodes(
  flow: Flow,
  catalog: Catalog,
  selected: ReadonlySet<string>,
  sizes: Readonly<Record<string, Size>> = {},
  cache: NodeCache = createNodeCache(),
): CanvasNode[] {
  return flow.nodes.map((node, i) => {
    const isSelected = selected.has(node.id);
    const size = sizes[node.id];
    const nodeType = catalog[node.type];
    const hit = cache.get(node);
    if (hit && hit.selected === isSelected && hit.size === size && hit.nodeType === nodeType) return hit.drawn;
    const drawn: CanvasNode = {
      id: node.id,
      type: 'flow',
      position: node.position ?? { x: i * 260, y: 0 },
      data: { node, nodeType },
      selected: isSelected,
      ...(size ? { measured: size } : {}),
    };
    cache.set(node, { selected: isSelected, size, nodeType, drawn });
    return drawn;
  });
}

/** React Flow edges drawn from the document: each joins two port handles (a handle id is a port name). */
export function toCanvasEdges(flow: Flow, catalog: Catalog, selected: ReadonlySet<string>): CanvasEdge[] {
  const ids = edgeIds(flow);
  const typeOf = typeLookup(catalog);
  return flow.edges.map((edge, i) => {
    const from = resolvePort(flow, typeOf, edge.from, 'outputs');
    const to = resolvePort(flow, typeOf, edge.to, 'inputs');
    const kind = from.port?.kind ?? to.port?.kind;
    const id = ids[i]!;
    return {
      id,
      type: 'counted',
      source: from.node,
      target: to.node,
      ...(from.port ? { sourceHandle: from.port.name } : {}),
      ...(to.port ? { targetHandle: to.port.name } : {}),
      selected: selected.has(id),
      className: kind ? `edge-${kind}` : 'edge-broken',
      data: {
        kind,
        statKey: statKeyOf(
          fullEndpoint(flow, typeOf, edge.from, 'outputs'),
          fullEndpoint(flow, typeOf, edge.to, 'inputs'),
        ),
      },
    };
  });
}
