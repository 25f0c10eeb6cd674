import path from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * The module a worker thread starts from, for an entry beside the caller:
 * `new Worker(entryUrl('./csv-worker.ts', import.meta.url))`. In the CLI's bundle that is the entry's
 * compiled file (add the entry to `entries` in server/bin/build.js); from sources (tsx, vitest) it
 * is the source itself.
 */
export function entryUrl(source: string, callerUrl: string): URL {
  // The build replaces this with its output directory; from sources it is unset.
  const bundleDir = process.env.BACKFLOW_BUNDLE_DIR;
  if (bundleDir) return pathToFileURL(path.join(bundleDir, `${path.basename(source, '.ts')}.js`));
  return new URL(source, callerUrl);
}
