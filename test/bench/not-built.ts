import { nodeTypes } from '../../server/src/nodes/registry.ts';

/**
 * Why an entry cannot run its own side on this checkout: the node types it needs that the registry
 * does not have yet (`postgres.source not built yet`), or undefined when it has them all.
 */
export function notBuiltYet(types: readonly string[]): string | undefined {
  const missing = types.filter((type) => !nodeTypes.some((known) => known.type === type));
  return missing.length === 0 ? undefined : `${missing.join(', ')} not built yet`;
}
