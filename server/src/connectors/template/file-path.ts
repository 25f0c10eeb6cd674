import path from 'node:path';
import type { NodeContext } from '../../node-kit/contract.ts';

/** The config's `path`, resolved against the flow directory. */
export function filePath(config: { path: string }, ctx: NodeContext): string {
  return path.resolve(ctx.baseDir, config.path);
}
