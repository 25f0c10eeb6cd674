/**
 * Port rules: which ports a node has (its type's typed `inputs` and `outputs`; a source has no
 * input, a destination usually no output), how an edge end names one (`node` for the first port,
 * `node:port` for another), and which ports may be joined (the same payload kind).
 */
import type { Flow, FlowNode } from './flow-schema.ts';

/** What an edge carries: batches of records, or named files. */
export type PayloadKind = 'records' | 'files';

export interface Port {
  name: string;
  kind: PayloadKind;
  title?: string;
}

export type NodeRole = 'source' | 'transform' | 'destination';

/** What the port and graph rules need of a node type: its id, role and typed ports. */
export interface NodePorts {
  type: string;
  role: NodeRole;
  inputs: readonly Port[];
  outputs: readonly Port[];
}

/** Finds a node type by its id (`duckdb.source`); undefined when there is none. */
export type NodeTypeLookup<T extends NodePorts = NodePorts> = (type: string) => T | undefined;

export type Side = 'inputs' | 'outputs';

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

/** The ports a node has on one side; none when the node or its type is unknown. */
export function portsOf(node: FlowNode | undefined, typeOf: NodeTypeLookup, side: Side): readonly Port[] {
  return (node && typeOf(node.type)?.[side]) ?? [];
}

/** The port an endpoint names, or the node's first port on that side when it names none. */
export function resolvePort(
  flow: Flow,
  typeOf: NodeTypeLookup,
  endpoint: string,
  side: Side,
): { node: string; port: Port | undefined } {
  const { node, port } = parseEndpoint(endpoint);
  const ports = portsOf(
    flow.nodes.find((n) => n.id === node),
    typeOf,
    side,
  );
  return { node, port: port === undefined ? ports[0] : ports.find((p) => p.name === port) };
}

/** `node:port` spelled the way flow files do: the port is left out when it is the node's first. */
export function formatEndpoint(
  node: FlowNode | undefined,
  nodeId: string,
  port: string | null | undefined,
  typeOf: NodeTypeLookup,
  side: Side,
): string {
  const first = portsOf(node, typeOf, side)[0]?.name;
  return !port || port === first ? nodeId : `${nodeId}:${port}`;
}

/** `node:port` with the port always written, as run statistics name edge ends. */
export function fullEndpoint(flow: Flow, typeOf: NodeTypeLookup, endpoint: string, side: Side): string {
  const { node, port } = resolvePort(flow, typeOf, endpoint, side);
  return `${node}:${port?.name ?? parseEndpoint(endpoint).port ?? ''}`;
}

/** Whether an output may feed an input: both carry the same payload kind. */
export function portsFit(output: Port, input: Port): boolean {
  return output.kind === input.kind;
}

/** The node types that turn one payload kind into the other, to put between mismatched ports. */
export function bridgeHint(from: PayloadKind): string {
  return from === 'records'
    ? 'put csv.format, json.format or parquet.format between them'
    : 'put csv.parse or json.parse between them';
}
