import { duckdbDestination } from '../connectors/duckdb/destination.ts';
import { duckdbFusions } from '../connectors/duckdb/part-fusions.ts';
import { duckdbSource } from '../connectors/duckdb/source.ts';
import { filesDestination } from '../connectors/files/destination.ts';
import { filesSource } from '../connectors/files/source.ts';
import { gcsDestination } from '../connectors/gcs/destination.ts';
import { gcsSource } from '../connectors/gcs/source.ts';
import { hubspotDestination } from '../connectors/hubspot/destination.ts';
import { hubspotSource } from '../connectors/hubspot/source.ts';
import { mysqlDestination } from '../connectors/mysql/destination.ts';
import { mysqlSource } from '../connectors/mysql/source.ts';
import { postgresDestination } from '../connectors/postgres/destination.ts';
import { postgresFusions } from '../connectors/postgres/part-fusions.ts';
import { postgresSource } from '../connectors/postgres/source.ts';
import { salesforceDestination } from '../connectors/salesforce/destination.ts';
import { salesforceSource } from '../connectors/salesforce/source.ts';
import { sheetsDestination } from '../connectors/sheets/destination.ts';
import { slackDestination } from '../connectors/slack/destination.ts';
import { webhookDestination } from '../connectors/webhook/destination.ts';
import type { NodeType, PartsFusion } from '../node-kit/contract.ts';
import { transformTypes } from './transform-types.ts';

/** Every node type, as data: the API serves this list and the editor's palette is drawn from it. */
export const nodeTypes: readonly NodeType[] = [
  duckdbSource,
  filesSource,
  gcsSource,
  postgresSource,
  mysqlSource,
  hubspotSource,
  salesforceSource,
  ...transformTypes,
  duckdbDestination,
  filesDestination,
  gcsDestination,
  postgresDestination,
  mysqlDestination,
  hubspotDestination,
  sheetsDestination,
  salesforceDestination,
  slackDestination,
  webhookDestination,
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
    ...(type.discover ? { discover: true } : {}),
  };
}

/** How sources may do the work of the format nodes they feed (see `PartsFusion`). */
export const fusions: readonly PartsFusion[] = [...duckdbFusions, ...postgresFusions];

/** The node types a server or run works with: the registry, or a test's own list. */
export interface NodeCatalog {
  readonly types: readonly NodeType[];
  /** The fusions the planner may apply among these types. */
  readonly fusions: readonly PartsFusion[];
  find(type: string): NodeType | undefined;
}

/** A catalog of `types`; of the fusions given, those whose two node types it holds. */
export function createCatalog(types: readonly NodeType[], withFusions: readonly PartsFusion[] = fusions): NodeCatalog {
  const byName = new Map(types.map((t) => [t.type, t]));
  return {
    types,
    fusions: withFusions.filter((f) => byName.has(f.source) && byName.has(f.format)),
    find: (type) => byName.get(type),
  };
}

export const catalog = createCatalog(nodeTypes);
