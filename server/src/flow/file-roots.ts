/**
 * The directories a server's flows may touch (DESIGN.md §8). A config field whose schema carries
 * `"x-local-path": true` names a local file, directory, glob or path template; resolved against
 * the run's directory it must fall under one of the roots. A CLI run on its own has no roots: the
 * user's own shell already decides what it may touch.
 */
import path from 'node:path';
import type { JSONSchema } from '@backflow/flow-model';

/** Where relative paths resolve, and the directories every path must fall under. */
export interface FileAccess {
  baseDir: string;
  roots: readonly string[];
}

/** The schema annotation that marks a config field as a local path. */
export const localPathKeyword = 'x-local-path';

/**
 * The roots of a server: `BACKFLOW_FILES_ROOTS` (comma-separated, relative entries resolved against
 * the directory it started in), or by default that directory; its data directory always (runs keep
 * their temporary parts there).
 */
export function serverFileRoots(configured: string | undefined, baseDir: string, dataDir: string): string[] {
  const listed = (configured ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  const roots = (listed.length > 0 ? listed : [baseDir]).map((entry) => path.resolve(baseDir, entry));
  return [...new Set([...roots, path.resolve(dataDir)])];
}

export function isUnder(file: string, root: string): boolean {
  const relative = path.relative(root, file);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** The config fields of a node type that name local paths. */
export function localPathFields(config: JSONSchema): string[] {
  return Object.entries(config.properties ?? {})
    .filter(([, property]) => property[localPathKeyword] === true)
    .map(([field]) => field);
}

const wildcard = /[*?[\]{}!()]/;

/**
 * Why `value` (a path, a glob such as `data/**\/*.csv` or a template such as `backups/{flow}`) may
 * reach outside the roots, or undefined when it cannot. Only the part before the first wildcard
 * or placeholder decides where it points; a `..` after it could climb anywhere, so it is refused.
 */
export function outsideRoots(value: string, access: FileAccess): string | undefined {
  const segments = value.split(/[\\/]/);
  const firstOpen = segments.findIndex((segment) => wildcard.test(segment));
  const fixed = firstOpen < 0 ? segments : segments.slice(0, firstOpen);
  if (firstOpen >= 0 && segments.slice(firstOpen).includes('..')) {
    return `climbs out with ".." after a wildcard or placeholder; write the directory it means instead`;
  }
  const resolved = path.resolve(access.baseDir, fixed.join('/') || '.');
  if (access.roots.some((root) => isUnder(resolved, root))) return undefined;
  return `${resolved} is outside the directories this server may use (${access.roots.join(', ')}); add its directory to BACKFLOW_FILES_ROOTS to allow it`;
}
