import type { Catalog, Flow, FlowNode, Port } from '../api/types.ts';

/** An edge end as the flow writes it: `node` (its first port) or `node:port`. */
export interface Endpoint {
  node: string;
  port: string | undefined;
}

export function parseEndpoint(endpoint: string): Endpoint {
  const colon = endpoint.indexOf(':');
  return colon < 0
    ? { node: endpoint, port: undefined }
    : { node: endpoint.slice(0, colon), port: endpoint.slice(colon + 1) };
}

/** The ports a node has on one side; none when its type is unknown. */
export function portsOf(node: FlowNode | undefined, catalog: Catalog, side: 'inputs' | 'outputs'): Port[] {
  return (node && catalog[node.type]?.[side]) ?? [];
}

/** The port an endpoint names, or the node's first port on that side when it names none. */
export function resolvePort(
  flow: Flow,
  catalog: Catalog,
  endpoint: string,
  side: 'inputs' | 'outputs',
): { node: string; port: Port | undefined } {
  const { node, port } = parseEndpoint(endpoint);
  const ports = portsOf(
    flow.nodes.find((n) => n.id === node),
    catalog,
    side,
  );
  return { node, port: port === undefined ? ports[0] : ports.find((p) => p.name === port) };
}

/** `node:port` spelled the way the flow files do: the port is left out when it is the node's first. */
export function formatEndpoint(
  node: FlowNode | undefined,
  nodeId: string,
  port: string | null | undefined,
  catalog: Catalog,
  side: 'inputs' | 'outputs',
): string {
  const first = portsOf(node, catalog, side)[0]?.name;
  return !port || port === first ? nodeId : `${nodeId}:${port}`;
}

/** `node:port` with the port always written, as run statistics name edge ends. */
export function fullEndpoint(flow: Flow, catalog: Catalog, endpoint: string, side: 'inputs' | 'outputs'): string {
  const { node, port } = resolvePort(flow, catalog, endpoint, side);
  return `${node}:${port?.name ?? parseEndpoint(endpoint).port ?? ''}`;
}
