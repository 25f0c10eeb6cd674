import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { NodeContext } from '../../node-kit/contract.ts';
import { lazyPackage } from '../../node-kit/lazy-package.ts';
import { isManifest, type Manifest, manifestName } from '../../node-kit/manifest.ts';
import { expandPathTemplate } from '../../node-kit/path-template.ts';
import { type Backup, expiredBackups } from '../../node-kit/retention.ts';

/** fast-glob and its matchers (0.07 s of CPU) load when a node lists files, not at every start of the CLI. */
const fastGlob = lazyPackage<typeof import('fast-glob')>('fast-glob');

/** Placeholders that differ from run to run: a template without them names a single backup. */
const runPlaceholder = /\{(runId|runDate)\}/;
const placeholder = /(\{[A-Za-z]+\})/;

/**
 * Deletes the older complete backups of this flow that `template` (a files.destination `dir`)
 * produced, keeping the newest `keepLast` (the current run's directory counts as one and is never
 * deleted). A sibling directory counts only when its `_manifest.json` is a complete manifest of
 * this flow: an incomplete one may belong to a run still writing, anything else is not ours.
 * Returns the deleted directories (absolute paths), oldest last.
 */
export async function pruneBackups(
  template: string,
  keepLast: number,
  ctx: Pick<NodeContext, 'flowName' | 'runId' | 'runDate' | 'nodeId' | 'baseDir'>,
): Promise<string[]> {
  const current = path.resolve(ctx.baseDir, expandPathTemplate(template, ctx));
  if (!runPlaceholder.test(template)) return [];
  const backups: Backup[] = [];
  for (const dir of await fastGlob()(siblingsPattern(template, ctx), { onlyDirectories: true, absolute: true })) {
    const resolved = path.resolve(dir);
    if (resolved === current) continue;
    const manifest = await readManifest(resolved);
    if (manifest && manifest.flow === ctx.flowName) backups.push({ location: resolved, manifest });
  }
  const currentComplete = (await readManifest(current))?.flow === ctx.flowName;
  const pruned = expiredBackups(backups, keepLast, currentComplete).map((backup) => backup.location);
  for (const dir of pruned) await rm(dir, { recursive: true, force: true });
  return pruned;
}

/** The template as a glob: `{flow}` expanded, `{runId}` and `{runDate}` as `*`, everything else literal. */
function siblingsPattern(template: string, ctx: Pick<NodeContext, 'flowName' | 'baseDir'>): string {
  return path
    .resolve(ctx.baseDir, template)
    .split(placeholder)
    .filter((piece) => piece !== '')
    .map((piece) => {
      if (piece === '{runId}' || piece === '{runDate}') return '*';
      return fastGlob().convertPathToPattern(piece === '{flow}' ? ctx.flowName : piece);
    })
    .join('');
}

async function readManifest(dir: string): Promise<Manifest | undefined> {
  try {
    const manifest: unknown = JSON.parse(await readFile(path.join(dir, manifestName), 'utf8'));
    return isManifest(manifest) ? manifest : undefined;
  } catch {
    return undefined; // no manifest yet (a running or crashed run) or not one of ours
  }
}
