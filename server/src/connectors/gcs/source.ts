import type { Readable } from 'node:stream';
import type { Bucket } from '@google-cloud/storage';
import { type Static, Type } from '@sinclair/typebox';
import picomatch from 'picomatch';
import { ConfigError } from '../../errors.ts';
import { defineSource, type FilePayload, type NodeContext, type SourceBatch } from '../../node-kit/contract.ts';
import { verifySha256 } from '../../node-kit/digest.ts';
import { compareNames, type Manifest } from '../../node-kit/manifest.ts';
import { streamOf } from '../../node-kit/parts.ts';
import { findBackups } from './backups.ts';
import { decryptStream } from './encryption.ts';
import {
  createStorage,
  gcsAccessProperties,
  gcsAccessRules,
  gcsConnectionFields,
  listObjects,
  objectName,
} from './storage-client.ts';

const gcsSourceConfig = Type.Object(
  {
    ...gcsAccessProperties,
    prefix: Type.Optional(
      Type.String({
        title: 'Prefix',
        description: 'Objects under this prefix; with backup, the prefix the backups live under (e.g. backups/my-flow)',
      }),
    ),
    glob: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Glob',
        description: 'Only objects whose name matches, e.g. exports/**/*.csv',
      }),
    ),
    backup: Type.Optional(
      Type.String({
        minLength: 1,
        title: 'Backup',
        description: '"latest" for the newest complete backup under the prefix, or the run id of one',
      }),
    ),
    stream: Type.Optional(
      Type.String({ title: 'Stream name', description: 'Stream the files feed (default: from the names)' }),
    ),
  },
  { additionalProperties: false, ...gcsAccessRules },
);
type GcsSourceConfig = Static<typeof gcsSourceConfig>;

/**
 * Reads objects by prefix (and glob), or a backup by its manifest: `backup: "latest"` or a run id.
 * A backup's parts are checked against the manifest's sha256 as they stream, and decrypted first
 * when the manifest says they were encrypted. The cursor is the last object's name, so a resume
 * skips what was read.
 */
export const gcsSource = defineSource({
  type: 'gcs.source',
  title: 'Google Cloud Storage',
  description:
    'Reads objects from a GCS bucket by prefix or glob, or a Backflow backup by its manifest (latest or a run id), verifying each checksum.',
  config: gcsSourceConfig,
  outputs: [{ name: 'files', kind: 'files' }],
  connectionFields: gcsConnectionFields,
  async check(config, ctx) {
    const [exists] = await (await createStorage(config, ctx.nodeId)).bucket(config.bucket).exists();
    if (!exists)
      throw new ConfigError(`bucket ${config.bucket} does not exist or is not visible`, { nodeId: ctx.nodeId });
  },
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    const bucket = (await createStorage(config, ctx.nodeId)).bucket(config.bucket);
    const after = typeof ctx.resumeCursor === 'string' ? ctx.resumeCursor : undefined;
    const files = config.backup ? backupFiles(bucket, config, ctx) : objectFiles(bucket, config);
    for await (const file of files) {
      if (after !== undefined && file.name <= after) continue;
      yield { ...file, ...(config.stream ? { stream: config.stream } : {}), cursor: file.name };
    }
  },
});

async function* backupFiles(bucket: Bucket, config: GcsSourceConfig, ctx: NodeContext): AsyncGenerator<FilePayload> {
  const prefix = (config.prefix ?? '').replace(/^\/+|\/+$/g, '');
  const backups = await findBackups(bucket, { listPrefix: prefix ? `${prefix}/` : '', matches: /./ });
  const chosen =
    config.backup === 'latest'
      ? backups.sort((a, b) => Date.parse(b.manifest.createdAt) - Date.parse(a.manifest.createdAt))[0]
      : backups.find((backup) => backup.manifest.runId === config.backup);
  if (!chosen) {
    throw new ConfigError(
      `node "${ctx.nodeId}": no complete backup ${config.backup === 'latest' ? '' : `of run ${config.backup} `}under gs://${config.bucket}/${prefix}`,
      { nodeId: ctx.nodeId, details: [{ path: 'config.backup', message: 'no such complete backup' }] },
    );
  }
  const { manifest, location } = chosen;
  if (manifest.encryption && !config.encryptionKey) {
    throw new ConfigError(`node "${ctx.nodeId}": the backup at ${location} is encrypted; set encryptionKey`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.encryptionKey', message: 'required to restore an encrypted backup' }],
    });
  }
  ctx.log.info(
    `restoring backup ${manifest.runId} of ${manifest.flow} (${manifest.files.length} parts, ${manifest.rows} rows) from ${location}`,
  );
  for (const entry of [...manifest.files].sort((a, b) => compareNames(a.name, b.name))) {
    const object = bucket.file(objectName(location, entry.name));
    const columns = manifest.streams[entry.stream]?.columns;
    yield {
      kind: 'file',
      name: entry.name,
      stream: entry.stream,
      open: () =>
        restoreStream(object.createReadStream({ validation: 'crc32c' }), manifest, entry, config.encryptionKey),
      ...(entry.rows == null ? {} : { rows: entry.rows }),
      bytes: entry.bytes,
      sha256: entry.sha256,
      ...(columns ? { schema: columns } : {}),
    };
  }
}

/** The stored bytes → decrypted (when encrypted) → checked against the manifest's sha256. */
function restoreStream(
  stored: Readable,
  manifest: Manifest,
  entry: Manifest['files'][number],
  encryptionKey: string | undefined,
): Readable {
  const check = verifySha256(entry.sha256, entry.name);
  const plain = manifest.encryption ? stored.pipe(decryptStream(encryptionKey!, entry.name)) : stored;
  stored.on('error', (error) => check.destroy(error));
  if (plain !== stored) plain.on('error', (error) => check.destroy(error));
  return plain.pipe(check);
}

async function* objectFiles(bucket: Bucket, config: GcsSourceConfig): AsyncGenerator<FilePayload> {
  const prefix = (config.prefix ?? '').replace(/^\/+/, '');
  const matches = config.glob ? picomatch(config.glob, { dot: false }) : () => true;
  for await (const object of listObjects(bucket, prefix)) {
    if (object.name.endsWith('/') || !matches(object.name)) continue;
    const name =
      prefix && object.name.startsWith(prefix) ? object.name.slice(prefix.length).replace(/^\/+/, '') : object.name;
    yield {
      kind: 'file',
      name: name || object.name,
      stream: streamOf(name || object.name),
      open: () => object.createReadStream({ validation: 'crc32c' }),
      bytes: Number(object.metadata.size ?? 0),
      ...(object.metadata.contentType ? { contentType: object.metadata.contentType } : {}),
    };
  }
}
