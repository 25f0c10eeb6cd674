/**
 * What the "Field mapping" panel of a record destination reads and writes. The mapping has no model
 * of its own: it is read from the `map` node directly upstream of the destination (its `select`,
 * `drop` and `rename`, or those under `streams.<stream>`) and every pick writes that node's config
 * back, creating the map node between the upstream node and the destination when there is none.
 */
import { parseEndpoint } from '@backflow/flow-model';
import type { Catalog, Column, Flow, FlowNode, NodeTypeInfo } from '../api/types.ts';
import { uniqueNodeId, updateNode } from '../flow/edit.ts';

type Config = Record<string, unknown>;

/** The part of a map config one mapping reads: the top level, or one stream's entry. */
export interface MapPart {
  select?: string[];
  drop?: string[];
  rename?: Record<string, string>;
  defaults?: Record<string, unknown>;
  set?: Record<string, unknown>;
  [other: string]: unknown;
}

/** A field arriving at the map node, with its type when the upstream schema or a sample tells it. */
export interface SourceField {
  name: string;
  type?: string;
}

/** Source field → the destination field it is sent as, or undefined when it is not sent. */
export type FieldTargets = Record<string, string | undefined>;

/** Whether a node type writes records: a destination with a records input. */
export function isRecordDestination(type: NodeTypeInfo | undefined): boolean {
  return type?.role === 'destination' && type.inputs.some((input) => input.kind === 'records');
}

/** The map config's part for `stream` (its `streams` entry), or its top level when no stream is named. */
export function mapPart(config: Config, stream?: string): MapPart {
  if (stream === undefined) return config as MapPart;
  const streams = (config.streams as Record<string, MapPart> | undefined) ?? {};
  return streams[stream] ?? {};
}

/** Where each source field goes under a map part: not sent when left out by `select` or `drop`, else its new name. */
export function fieldTargets(part: MapPart, fields: readonly SourceField[]): FieldTargets {
  const targets: FieldTargets = {};
  const drop = new Set(part.drop ?? []);
  for (const { name } of fields) {
    const kept = (part.select === undefined || part.select.includes(name)) && !drop.has(name);
    targets[name] = kept ? (part.rename?.[name] ?? name) : undefined;
  }
  return targets;
}

/**
 * The map part with `source` sent as `target` (undefined: not sent). A field not sent leaves
 * `select` (the fields sent, in source order); when every field is sent `select` goes. Fields the
 * part names that the source list does not know are kept as they were.
 */
export function withTarget(
  part: MapPart,
  fields: readonly SourceField[],
  source: string,
  target: string | undefined,
): MapPart {
  const targets = { ...fieldTargets(part, fields), [source]: target };
  const known = new Set(fields.map((field) => field.name));
  const next: MapPart = { ...part };

  const rename = Object.fromEntries(Object.entries(part.rename ?? {}).filter(([from]) => !known.has(from)));
  for (const [from, to] of Object.entries(targets)) if (to !== undefined && to !== from) rename[from] = to;
  const drop = (part.drop ?? []).filter((name) => name !== source && !known.has(name));
  const unknownSelected = (part.select ?? []).filter((name) => !known.has(name));
  const sent = fields.map((field) => field.name).filter((name) => targets[name] !== undefined);
  const select =
    sent.length === fields.length && unknownSelected.length === 0 ? undefined : [...sent, ...unknownSelected];

  if (Object.keys(rename).length > 0) next.rename = rename;
  else delete next.rename;
  // The map node takes `select` or `drop`, not both: fields dropped before are simply not selected.
  if (select !== undefined) {
    next.select = select.filter((name) => !drop.includes(name));
    delete next.drop;
  } else if (drop.length > 0) next.drop = drop;
  else delete next.drop;
  if (select === undefined) delete next.select;
  return next;
}

/** The map config with `part` as its top level, or as the `streams` entry of `stream`. */
export function withPart(config: Config, part: MapPart, stream?: string): Config {
  if (stream === undefined) {
    const { streams } = config;
    return { ...part, ...(streams === undefined ? {} : { streams }) };
  }
  const streams = { ...((config.streams as Record<string, MapPart> | undefined) ?? {}) };
  if (Object.keys(part).length === 0) delete streams[stream];
  else streams[stream] = part;
  const next: Config = { ...config, streams };
  if (Object.keys(streams).length === 0) delete next.streams;
  return next;
}

/** Destination fields the records must carry (NOT NULL, not filled by the database) that nothing maps to. */
export function requiredUnmapped(targets: FieldTargets, columns: readonly Column[], part: MapPart = {}): string[] {
  const filled = new Set([
    ...Object.values(targets).filter((target): target is string => target !== undefined),
    ...Object.keys(part.defaults ?? {}),
    ...Object.keys(part.set ?? {}),
  ]);
  return columns
    .filter((column) => column.notNull === true && column.autoIncrement !== true && !filled.has(column.name))
    .map((column) => column.name);
}

/** Destination fields picked for more than one source field (the map node refuses such a rename). */
export function pickedTwice(targets: FieldTargets): string[] {
  const counts = new Map<string, number>();
  for (const target of Object.values(targets))
    if (target !== undefined) counts.set(target, (counts.get(target) ?? 0) + 1);
  return [...counts].filter(([, count]) => count > 1).map(([name]) => name);
}

/** The `map` node feeding the destination's records directly (by its records port), if there is one. */
export function mappingNode(flow: Flow, destinationId: string): FlowNode | undefined {
  for (const edge of flow.edges) {
    if (parseEndpoint(edge.to).node !== destinationId) continue;
    const from = parseEndpoint(edge.from);
    const node = flow.nodes.find((candidate) => candidate.id === from.node);
    if (node?.type === 'map' && (from.port === undefined || from.port === 'records')) return node;
  }
  return undefined;
}

/** The node whose records reach the mapping: the map node's upstream, or the destination's when there is no map node. */
export function feedingNode(flow: Flow, destinationId: string): { node: FlowNode; port?: string } | undefined {
  const target = mappingNode(flow, destinationId)?.id ?? destinationId;
  const edge = flow.edges.find((candidate) => parseEndpoint(candidate.to).node === target);
  if (!edge) return undefined;
  const from = parseEndpoint(edge.from);
  const node = flow.nodes.find((candidate) => candidate.id === from.node);
  return node ? { node, ...(from.port === undefined ? {} : { port: from.port }) } : undefined;
}

/**
 * Puts a new `map` node between the destination and whatever feeds it: each edge into the
 * destination now ends at the map node, and the map node feeds the destination. It sits halfway
 * between them on the canvas.
 */
export function insertMappingNode(flow: Flow, destinationId: string): { flow: Flow; id: string } {
  const destination = flow.nodes.find((node) => node.id === destinationId);
  const id = uniqueNodeId(flow, `${destinationId}-mapping`);
  const incoming = flow.edges.filter((edge) => parseEndpoint(edge.to).node === destinationId);
  const upstream = flow.nodes.find((node) => node.id === parseEndpoint(incoming[0]?.from ?? '').node);
  const at = destination?.position ?? { x: 0, y: 0 };
  const from = upstream?.position ?? { x: at.x - 320, y: at.y };
  const position = { x: Math.round((at.x + from.x) / 2), y: Math.round((at.y + from.y) / 2) + 90 };
  const node: FlowNode = { id, type: 'map', title: 'Field mapping', config: {}, position };
  const edges = [
    ...flow.edges.map((edge) => (parseEndpoint(edge.to).node === destinationId ? { ...edge, to: id } : edge)),
    { from: id, to: destinationId },
  ];
  return { flow: { ...flow, nodes: [...flow.nodes, node], edges }, id };
}

/**
 * The flow with `source` sent to the destination as `target` (undefined: not sent), through the
 * map node upstream of it, made when missing. One document, so the store undoes it as one edit.
 */
export function mapField(
  flow: Flow,
  destinationId: string,
  options: { fields: readonly SourceField[]; source: string; target: string | undefined; stream?: string },
): Flow {
  let next = flow;
  let map = mappingNode(next, destinationId);
  if (!map) {
    const inserted = insertMappingNode(next, destinationId);
    next = inserted.flow;
    map = next.nodes.find((node) => node.id === inserted.id)!;
  }
  const config = map.config ?? {};
  const part = withTarget(mapPart(config, options.stream), options.fields, options.source, options.target);
  return updateNode(next, map.id, { config: withPart(config, part, options.stream) });
}

/** A type for a sampled value, as the hints show it: what a JSON value is. */
function sampledType(value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'string') return /^\d{4}-\d{2}-\d{2}(T|$)/.test(value) ? 'date/time text' : 'text';
  if (typeof value === 'boolean') return 'boolean';
  return Array.isArray(value) ? 'list' : 'object';
}

/** The fields of sampled records, in the order they first appear, each typed by its first non-null value. */
export function sampledFields(records: readonly Record<string, unknown>[]): SourceField[] {
  const fields = new Map<string, string | undefined>();
  for (const record of records) {
    for (const [name, value] of Object.entries(record)) {
      if (fields.get(name) === undefined) fields.set(name, sampledType(value));
    }
  }
  return [...fields].map(([name, type]) => (type === undefined ? { name } : { name, type }));
}

/** The one stream the destination writes, when its config names it (`table`, `object`, `sheet`): the field and the name. */
export function writesOneStream(
  config: Config,
  catalog: Catalog,
  type: string,
): { field: string; name: string } | undefined {
  const properties = (catalog[type]?.config.properties ?? {}) as Record<string, unknown>;
  for (const field of ['table', 'object', 'sheet']) {
    const name = config[field];
    if (properties[field] !== undefined && typeof name === 'string') return { field, name };
  }
  return undefined;
}
