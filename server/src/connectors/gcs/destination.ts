import type { Bucket } from '@google-cloud/storage';
import { type Static, Type } from '@sinclair/typebox';
import pRetry from 'p-retry';
import { ConfigError, DestinationError } from '../../errors.ts';
import {
  type DestinationContext,
  defineDestination,
  type FilePayload,
  type NodeContext,
  type Payload,
} from '../../node-kit/contract.ts';
import { measure } from '../../node-kit/digest.ts';
import { retryDelayScale } from '../../node-kit/http/index.ts';
import { BackupParts, type BackupPartsState, type ManifestFile, manifestName } from '../../node-kit/manifest.ts';
import { isPartName } from '../../node-kit/parts.ts';
import { expandPathTemplate } from '../../node-kit/path-template.ts';
import { expiredBackups } from '../../node-kit/retention.ts';
import { oneOf } from '../../node-kit/schema.ts';
import { findBackups, objectPrefixPattern } from './backups.ts';
import { encryptionScheme, encryptStream } from './encryption.ts';
import { uploadResumable, validChunkSize } from './resumable-upload.ts';
import {
  createStorage,
  gcsAccessProperties,
  gcsAccessRules,
  gcsConnectionFields,
  listObjects,
  objectName,
} from './storage-client.ts';

const gcsDestinationConfig = Type.Object(
  {
    ...gcsAccessProperties,
    prefix: Type.String({
      minLength: 1,
      title: 'Prefix',
      description: 'Object name prefix of the backup; may use {flow}, {runId} and {runDate}',
      examples: ['backups/{flow}/{runDate}-{runId}'],
    }),
    chunkSize: Type.Optional(
      Type.Integer({
        minimum: 262_144,
        // A chunk is held in memory while it is sent: 1 GiB at most.
        maximum: 1_073_741_824,
        title: 'Chunk size (bytes)',
        description:
          'Bytes per upload request, a multiple of 256 KiB (default 16 MiB); a failed chunk is resent from where GCS stopped',
      }),
    ),
    storageClass: Type.Optional(
      oneOf(['STANDARD', 'NEARLINE', 'COLDLINE', 'ARCHIVE'], {
        title: 'Storage class',
        description: "Class of the uploaded objects (default: the bucket's)",
      }),
    ),
    keepLast: Type.Optional(
      Type.Integer({
        minimum: 1,
        title: 'Keep last',
        description:
          "After a successful run, delete this flow's older complete backups under the same prefix template, keeping the newest N",
      }),
    ),
  },
  { additionalProperties: false, ...gcsAccessRules },
);
type GcsDestinationConfig = Static<typeof gcsDestinationConfig>;

const defaultChunkSize = 16 * 1024 * 1024;

/**
 * Uploads each incoming file as an object under `prefix` as it arrives (resumable, chunk by chunk,
 * CRC32C checked), then `_manifest.json` last: a prefix without a complete manifest is not a backup.
 * Part names are deterministic, so a replay after a crash overwrites the same object.
 */
export const gcsDestination = defineDestination({
  type: 'gcs.destination',
  title: 'Google Cloud Storage',
  description:
    'Uploads files to a GCS bucket under a prefix, each checked with CRC32C, and _manifest.json last; optional client-side encryption and keepLast retention.',
  config: gcsDestinationConfig,
  publishes: 'staged',
  inputs: [{ name: 'files', kind: 'files' }],
  connectionFields: gcsConnectionFields,
  async check(config, ctx) {
    await assertBucket(config, ctx);
  },
  async open(config, ctx) {
    const bucket = await assertBucket(config, ctx);
    const prefix = backupPrefix(config, ctx);
    // An old or partial manifest must not make this (unfinished) backup look complete.
    await bucket.file(objectName(prefix, manifestName)).delete({ ignoreNotFound: true });
    return new GcsWriter(bucket, prefix, config, ctx, ctx.resumeState as BackupPartsState | undefined);
  },
  async retain(config, ctx) {
    if (!config.keepLast) return [];
    const bucket = (await createStorage(config, ctx.nodeId)).bucket(config.bucket);
    const pattern = objectPrefixPattern(config.prefix, ctx);
    if (!pattern) return [];
    const current = backupPrefix(config, ctx);
    const backups = (await findBackups(bucket, pattern)).filter((b) => b.manifest.flow === ctx.flowName);
    const others = backups.filter((b) => b.location !== current);
    const expired = expiredBackups(others, config.keepLast, others.length < backups.length);
    for (const backup of expired) await deletePrefix(bucket, backup.location);
    return expired.map((backup) => `gs://${config.bucket}/${backup.location}`);
  },
  location: (config, ctx) => `gs://${config.bucket}/${backupPrefix(config, ctx)}`,
});

/** This run's object name prefix: the template expanded, without leading or trailing slashes. */
function backupPrefix(config: GcsDestinationConfig, ctx: NodeContext): string {
  return expandPathTemplate(config.prefix, ctx).replace(/^\/+|\/+$/g, '');
}

async function assertBucket(config: GcsDestinationConfig, ctx: NodeContext): Promise<Bucket> {
  const bucket = (await createStorage(config, ctx.nodeId)).bucket(config.bucket);
  const [exists] = await bucket.exists();
  if (!exists) {
    throw new ConfigError(`node "${ctx.nodeId}": bucket ${config.bucket} does not exist or is not visible`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.bucket', message: 'no such bucket' }],
    });
  }
  return bucket;
}

class GcsWriter {
  private readonly parts: BackupParts;

  constructor(
    private readonly bucket: Bucket,
    private readonly prefix: string,
    private readonly config: GcsDestinationConfig,
    private readonly ctx: DestinationContext,
    resume: BackupPartsState | undefined,
  ) {
    this.parts = new BackupParts(resume);
  }

  async write(payload: Payload): Promise<void> {
    if (payload.kind !== 'file') throw new ConfigError('gcs.destination takes files', { nodeId: this.ctx.nodeId });
    // A session GCS lost (404/410) or a chunk out of retries restarts the part from its first byte.
    const uploaded = await pRetry(() => this.upload(payload), {
      retries: 2,
      minTimeout: 1000 * retryDelayScale(),
      signal: this.ctx.signal,
    });
    this.parts.landed(uploaded, payload.schema);
  }

  private async upload(file: FilePayload): Promise<ManifestFile> {
    const plain = measure();
    const source = file.open();
    const body = this.config.encryptionKey
      ? source.pipe(plain).pipe(encryptStream(this.config.encryptionKey))
      : source.pipe(plain);
    source.on('error', (error) => body.destroy(error));
    plain.on('error', (error) => body.destroy(error));
    const stored = await uploadResumable(this.bucket.file(objectName(this.prefix, file.name)), body, {
      contentType: this.config.encryptionKey
        ? 'application/octet-stream'
        : (file.contentType ?? 'application/octet-stream'),
      metadata: {
        flow: this.ctx.flowName,
        runId: this.ctx.runId,
        ...(file.rows === undefined ? {} : { rows: String(file.rows) }),
        ...(this.config.encryptionKey ? { encryption: encryptionScheme.format } : {}),
      },
      ...(this.config.storageClass ? { storageClass: this.config.storageClass } : {}),
      chunkSize: validChunkSize(this.config.chunkSize ?? defaultChunkSize),
      signal: this.ctx.signal,
    });
    const { bytes, sha256 } = plain.result();
    return {
      name: file.name,
      stream: file.stream,
      rows: file.rows ?? null,
      bytes,
      sha256,
      ...(this.config.encryptionKey ? { storedBytes: stored.size } : {}),
      crc32c: stored.crc32c,
    };
  }

  state(): BackupPartsState {
    return this.parts.state();
  }

  /** Drops parts an earlier, longer attempt left, and checks every part of this backup is still stored. */
  async prepare(): Promise<void> {
    const sizes = await this.removeUnlistedParts();
    const missing = this.parts.missing((name) => sizes.get(objectName(this.prefix, name)));
    if (missing.length > 0) {
      throw new DestinationError(
        `node "${this.ctx.nodeId}": the backup under gs://${this.config.bucket}/${this.prefix} cannot be completed: ${missing.join(', ')}; run the flow again`,
        { nodeId: this.ctx.nodeId },
      );
    }
  }

  /** Publishes the backup: its manifest, written last. */
  async commit(): Promise<void> {
    const manifest = this.parts.manifest(
      { flow: this.ctx.flowName, runId: this.ctx.runId },
      this.config.encryptionKey ? { ...encryptionScheme } : undefined,
    );
    await this.bucket.file(objectName(this.prefix, manifestName)).save(`${JSON.stringify(manifest, null, 2)}\n`, {
      resumable: false,
      contentType: 'application/json',
      validation: 'crc32c',
    });
  }

  /**
   * Parts an earlier, longer attempt left under the prefix are not part of this backup. Returns the
   * stored size of every listed part found.
   */
  private async removeUnlistedParts(): Promise<Map<string, number>> {
    const listed = new Set(this.parts.names().map((name) => objectName(this.prefix, name)));
    const stray: string[] = [];
    const sizes = new Map<string, number>();
    for await (const object of listObjects(this.bucket, `${this.prefix}/`)) {
      if (listed.has(object.name)) sizes.set(object.name, Number(object.metadata.size));
      else if (isPartName(object.name)) stray.push(object.name);
    }
    for (const name of stray) await this.bucket.file(name).delete({ ignoreNotFound: true });
    return sizes;
  }
}

async function deletePrefix(bucket: Bucket, prefix: string): Promise<void> {
  const names: string[] = [];
  for await (const object of listObjects(bucket, `${prefix}/`)) names.push(object.name);
  // The manifest goes first: a half-deleted backup must not look complete.
  names.sort((a, b) => Number(b.endsWith(manifestName)) - Number(a.endsWith(manifestName)));
  for (const name of names) await bucket.file(name).delete({ ignoreNotFound: true });
}
