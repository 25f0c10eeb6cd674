import type { Flow, Issue } from '../api/types.ts';

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

/**
 * An issue as a person reads it, by node name rather than array position: `orders: path is
 * required`, `edges: the edges form a cycle…` (the server words `backflow validate` the same way).
 */
export function issueText(issue: Issue): string {
  const inNode = /^nodes\[\d+\](?:\.config)?(?:\.(.*))?$/.exec(issue.path);
  if (!issue.nodeId || !inNode) return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
  const field = inNode[1] ?? '';
  const message = issue.message === 'required' ? 'is required' : issue.message;
  if (!field) return `${issue.nodeId}: ${message}`;
  return `${issue.nodeId}: ${field}${/^(is|must|should|has) /.test(message) ? ' ' : ': '}${message}`;
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
