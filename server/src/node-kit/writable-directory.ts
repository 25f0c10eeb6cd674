import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';

/**
 * For a destination's `check`: `dir` exists and can be written, or can be created (its nearest
 * existing ancestor is a writable directory). Creates nothing.
 */
export async function assertWritableDirectory(dir: string, context: { nodeId: string; field: string }): Promise<void> {
  const refuse = (message: string) =>
    new ConfigError(`node "${context.nodeId}": ${message}`, {
      nodeId: context.nodeId,
      details: [{ path: `config.${context.field}`, message }],
    });
  let existing = path.resolve(dir);
  for (;;) {
    const info = await stat(existing).catch(() => undefined);
    if (info) {
      if (!info.isDirectory()) throw refuse(`${existing} is a file, so ${dir} cannot be a directory`);
      break;
    }
    const parent = path.dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  await access(existing, constants.W_OK).catch(() => {
    throw refuse(`${existing} cannot be written to`);
  });
}
