import { TransformError } from '@backflow/transforms';

/**
 * Runs a transform's compile step (the same one the node runs) and turns a `TransformError` into a
 * config issue at `path` (or the error's own path), so `backflow validate` reports it before any run.
 */
export function compileIssues(path: string, compile: () => unknown): { path: string; message: string }[] {
  try {
    compile();
    return [];
  } catch (error) {
    if (!(error instanceof TransformError)) throw error;
    const where = error.path ? `${path}.${error.path}`.replace(/^\./, '') : path;
    // The message may already start with the field; the issue's path says it.
    const message =
      error.path && error.message.startsWith(`${error.path}: `)
        ? error.message.slice(error.path.length + 2)
        : error.message;
    return [{ path: where, message }];
  }
}
