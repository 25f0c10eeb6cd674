import { duckdbDestination } from '../connectors/duckdb/destination.ts';
import { duckdbSource } from '../connectors/duckdb/source.ts';
import { filesDestination } from '../connectors/files/destination.ts';
import { filesSource } from '../connectors/files/source.ts';
import type { NodeType } from './contract.ts';
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
];

const byType = new Map(nodeTypes.map((t) => [t.type, t]));

export function findNodeType(type: string): NodeType | undefined {
  return byType.get(type);
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
  };
}
