import type { Bucket } from '@google-cloud/storage';
import type { NodeContext } from '../../node-kit/contract.ts';
import { isManifest, type Manifest, manifestName } from '../../node-kit/manifest.ts';
import type { Backup } from '../../node-kit/retention.ts';
import { listObjects } from './storage-client.ts';

/** Where a prefix template's backups live: the fixed start to list, and what a backup's prefix looks like. */
export interface PrefixPattern {
  listPrefix: string;
  matches: RegExp;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The backups a prefix template produces across runs: `{flow}` expanded, `{runId}` and `{runDate}`
 * standing for any one path segment. A template without them names a single backup: undefined.
 */
export function objectPrefixPattern(template: string, ctx: Pick<NodeContext, 'flowName'>): PrefixPattern | undefined {
  const trimmed = template.replace(/^\/+|\/+$/g, '').replaceAll('{flow}', ctx.flowName);
  const first = trimmed.search(/\{(runId|runDate)\}/);
  if (first < 0) return undefined;
  const listPrefix = trimmed.slice(0, first);
  const matches = new RegExp(
    `^${trimmed
      .split(/(\{runId\}|\{runDate\})/)
      .map((piece) => (piece === '{runId}' || piece === '{runDate}' ? '[^/]+' : escapeRegExp(piece)))
      .join('')}$`,
  );
  return { listPrefix, matches };
}

/** Every complete backup under `pattern`, read from its manifest. */
export async function findBackups(bucket: Bucket, pattern: PrefixPattern): Promise<Backup[]> {
  const backups: Backup[] = [];
  for await (const { name } of listObjects(bucket, pattern.listPrefix)) {
    if (!name.endsWith(`/${manifestName}`)) continue;
    const location = name.slice(0, -manifestName.length - 1);
    if (!pattern.matches.test(location)) continue;
    const manifest = await readManifest(bucket, name);
    if (manifest) backups.push({ location, manifest });
  }
  return backups;
}

export async function readManifest(bucket: Bucket, name: string): Promise<Manifest | undefined> {
  try {
    const [content] = await bucket.file(name).download({ validation: 'crc32c' });
    const manifest: unknown = JSON.parse(content.toString('utf8'));
    return isManifest(manifest) ? manifest : undefined;
  } catch {
    return undefined; // unreadable or not one of ours
  }
}
