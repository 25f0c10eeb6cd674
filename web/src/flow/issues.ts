import { buildGraph, graphIssueCodes } from '@backflow/flow-model';
import type { Catalog, Flow, Issue } from '../api/types.ts';
import { typeLookup } from './catalog.ts';

/** A validation issue placed on the node it belongs to, with the field path inside that node. */
export interface NodeIssue extends Issue {
  /** The path below the node, e.g. `config.rowsPerFile`; empty for the node itself. */
  field: string;
}

export interface PlacedIssues {
  byNode: Record<string, NodeIssue[]>;
  /** Issues of the flow as a whole (name, schedule, settings). */
  flow: Issue[];
}

const nodePath = /^nodes\[(\d+)\](?:\.(.*))?$/;

/**
 * Puts each issue on its node: by the `nodeId` the server gives, else by the node index in its path
 * (`nodes[2].config.rowsPerFile`), looked up in the document that was validated.
 */
export function placeIssues(validated: Flow, issues: readonly Issue[]): PlacedIssues {
  const placed: PlacedIssues = { byNode: {}, flow: [] };
  for (const issue of issues) {
    const match = nodePath.exec(issue.path);
    const nodeId = issue.nodeId ?? (match ? validated.nodes[Number(match[1])]?.id : undefined);
    if (!nodeId) {
      placed.flow.push(issue);
      continue;
    }
    const field = match && validated.nodes[Number(match[1])]?.id === nodeId ? (match[2] ?? '') : '';
    const list = placed.byNode[nodeId] ?? [];
    list.push({ ...issue, nodeId, field });
    placed.byNode[nodeId] = list;
  }
  return placed;
}

/** What the server last said about a document: the document it validated, and its issues. */
export interface ServerIssues {
  validated: Flow;
  issues: readonly Issue[];
}

const graphCodes = new Set<string | undefined>(graphIssueCodes);

/**
 * The issues the editor shows: those of the flow model's graph rules, found here in the document as
 * it is now (the same rules, codes and words as the server's), and the server's other issues of the
 * document it last validated (configs, connections, schedule). Until the catalog is loaded the
 * server's graph issues stand in.
 */
export function editorIssues(flow: Flow, catalog: Catalog, server: ServerIssues | undefined): PlacedIssues {
  const known = Object.keys(catalog).length > 0;
  const local = known ? placeIssues(flow, buildGraph(flow, typeLookup(catalog)).issues) : emptyPlaced();
  if (!server) return local;
  const rest = known ? server.issues.filter((issue) => !graphCodes.has(issue.code)) : server.issues;
  const remote = placeIssues(server.validated, rest);
  const byNode = { ...remote.byNode };
  for (const [nodeId, issues] of Object.entries(local.byNode)) byNode[nodeId] = [...(byNode[nodeId] ?? []), ...issues];
  return { byNode, flow: [...remote.flow, ...local.flow] };
}

/** Whether the graph rules would see the same in both documents: same edges, same node ids and types. */
export function sameGraph(a: Flow, b: Flow): boolean {
  if (a.edges !== b.edges || a.nodes.length !== b.nodes.length) return false;
  return a.nodes.every((node, i) => node.id === b.nodes[i]!.id && node.type === b.nodes[i]!.type);
}

function emptyPlaced(): PlacedIssues {
  return { byNode: {}, flow: [] };
}

/** An `@rjsf` error schema (`{ rowsPerFile: { __errors: [...] } }`) from a node's issues under `config`. */
export function configErrorSchema(issues: readonly NodeIssue[]): Record<string, any> {
  const root: Record<string, any> = {};
  for (const issue of issues) {
    if (issue.field !== 'config' && !issue.field.startsWith('config.') && !issue.field.startsWith('config[')) continue;
    const steps = issue.field
      .slice('config'.length)
      .split(/\.|\[(\d+)\]/)
      .filter((step) => step !== undefined && step !== '');
    let at = root;
    for (const step of steps) {
      at[step] ??= {};
      at = at[step];
    }
    at.__errors = [...(at.__errors ?? []), issue.message];
  }
  return root;
}
