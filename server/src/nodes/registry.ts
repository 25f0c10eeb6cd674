import { duckdbDestination } from '../connectors/duckdb/destination.ts';
import { duckdbSource } from '../connectors/duckdb/source.ts';
import { filesDestination } from '../connectors/files/destination.ts';
import { filesSource } from '../connectors/files/source.ts';
import { gcsDestination } from '../connectors/gcs/destination.ts';
import { gcsSource } from '../connectors/gcs/source.ts';
import type { NodeType } from '../node-kit/contract.ts';
import { csvFormat } from './csv-format.ts';
import { csvParse } from './csv-parse.ts';
import { filterNode } from './filter.ts';
import { jsonFormat } from './json-format.ts';
import { jsonParse } from './json-parse.ts';
import { mapNode } from './map.ts';
import { parquetFormat } from './parquet-format.ts';
import { schemaValidate } from './schema-validate.ts';

/** Every node type, as data: the API serves this list and the editor's palette is drawn from it. */
export const nodeTypes: readonly NodeType<any>[] = [
  duckdbSource,
  filesSource,
  gcsSource,
  csvParse,
  jsonParse,
  schemaValidate,
  mapNode,
  filterNode,
  csvFormat,
  jsonFormat,
  parquetFormat,
  duckdbDestination,
  filesDestination,
  gcsDestination,
];

export function findNodeType(type: string): NodeType | undefined {
  return catalog.find(type);
}

/** The public description of a node type (no functions), as `node-types --json` and the API show it. */
export function describeNodeType(type: NodeType) {
  return {
    type: type.type,
    role: type.role,
    title: type.title,
    description: type.description,
    config: type.config,
    inputs: type.inputs,
    outputs: type.outputs,
    ...(type.connectionFields ? { connectionFields: type.connectionFields } : {}),
  };
}

/** The node types a server or run works with: the registry, or a test's own list. */
export interface NodeCatalog {
  readonly types: readonly NodeType<any>[];
  find(type: string): NodeType | undefined;
}

export function createCatalog(types: readonly NodeType<any>[]): NodeCatalog {
  const byName = new Map(types.map((t) => [t.type, t]));
  return { types, find: (type) => byName.get(type) };
}

export const catalog = createCatalog(nodeTypes);
