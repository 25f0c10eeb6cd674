import type { Flow } from '../api/types.ts';

/**
 * Reads a flow file (as `GET /api/flows/:id/export` or `backflow` write it). Only the shape is
 * checked here, so the reason is clear; the server validates the rest when the flow is saved.
 */
export function parseFlowFile(text: string): Flow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON (${(error as Error).message})`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('a flow file holds one JSON object');
  const flow = value as Partial<Flow>;
  if (typeof flow.name !== 'string' || flow.name === '') throw new Error('it has no "name"');
  if (!Array.isArray(flow.nodes)) throw new Error('it has no "nodes" list');
  if (!Array.isArray(flow.edges)) throw new Error('it has no "edges" list');
  return value as Flow;
}
