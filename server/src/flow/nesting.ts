import type { ErrorDetail } from '../errors.ts';
import { fieldPath } from './ajv.ts';

/**
 * How deeply a request body or a flow document may nest objects and arrays. A flow's own shape
 * takes four levels (document, nodes, node, config) and real configs a handful more; the bound keeps
 * every step that recurses afterwards (structuredClone, ajv, env references, redaction,
 * JSON.stringify) far from the stack limit.
 */
export const maxNestingDepth = 64;

/** Segments of a path shown before it is cut with `…`: enough to name the node and the field. */
const shownSegments = 8;

interface Level {
  value: object;
  depth: number;
  parent?: Level;
  key?: string | number;
}

/**
 * Where `value` first (in document order) nests deeper than `maxNestingDepth`, as an issue at that
 * path under `prefix`, or undefined. It walks with its own stack, so it is safe on anything
 * JSON.parse returns (which parses any depth without recursing); run it before anything that recurses.
 */
export function nestingIssue(value: unknown, prefix = ''): Required<ErrorDetail> | undefined {
  if (!isContainer(value)) return undefined;
  const stack: Level[] = [{ value, depth: 1 }];
  for (let level = stack.pop(); level; level = stack.pop()) {
    if (level.depth > maxNestingDepth) {
      return { path: shortPath(prefix, keysOf(level)), message: `nesting deeper than ${maxNestingDepth} levels` };
    }
    const entries: [string | number, unknown][] = Array.isArray(level.value)
      ? level.value.map((item, index) => [index, item])
      : Object.entries(level.value);
    // Pushed last to first, so the first child is looked at first.
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, item] = entries[index]!;
      if (isContainer(item)) stack.push({ value: item, depth: level.depth + 1, parent: level, key });
    }
  }
  return undefined;
}

function isContainer(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

function keysOf(level: Level): (string | number)[] {
  const keys: (string | number)[] = [];
  for (let at: Level | undefined = level; at?.key !== undefined; at = at.parent) keys.push(at.key);
  return keys.reverse();
}

function shortPath(prefix: string, keys: (string | number)[]): string {
  const shown = fieldPath(prefix, keys.slice(0, shownSegments));
  return keys.length > shownSegments ? `${shown}…` : shown;
}
