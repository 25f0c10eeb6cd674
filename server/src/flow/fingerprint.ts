import { createHash } from 'node:crypto';
import type { FlowGraph } from './graph.ts';
import { secretFields } from './validate.ts';

/**
 * What decides a run's cursors and output, hashed per node: its type and its config as validated
 * (defaults filled in, stored connection merged, secret fields left out so a rotated password does
 * not block a resume), plus the edges. A resume continues a run's cursors and parts, so it must
 * run the flow that made them; names, titles, positions, schedule and settings do not count.
 */
export interface FlowFingerprint {
  nodes: Record<string, string>;
  edges: string;
}

export function fingerprintFlow(graph: FlowGraph): FlowFingerprint {
  const nodes: Record<string, string> = {};
  for (const node of graph.order) {
    const config = { ...node.spec.config };
    for (const field of secretFields(node.type)) delete config[field];
    nodes[node.id] = digest({ type: node.type.type, config });
  }
  const edges = graph.edges.map((edge) => `${edge.from.node}:${edge.from.port}>${edge.to.node}:${edge.to.port}`).sort();
  return { nodes, edges: digest(edges) };
}

/** What differs between the fingerprint a run started with and a flow's, in words; empty when they match. */
export function fingerprintChanges(started: FlowFingerprint, now: FlowFingerprint): string[] {
  const changes: string[] = [];
  for (const [id, hash] of Object.entries(started.nodes)) {
    if (!(id in now.nodes)) changes.push(`node "${id}" was removed`);
    else if (now.nodes[id] !== hash) changes.push(`node "${id}" changed (type or config)`);
  }
  for (const id of Object.keys(now.nodes)) if (!(id in started.nodes)) changes.push(`node "${id}" was added`);
  if (started.edges !== now.edges) changes.push('the edges changed');
  return changes;
}

/** sha256 of canonical JSON (object keys sorted at every level). */
function digest(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
