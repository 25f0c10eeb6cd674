import type { Bucket, File, Storage, StorageOptions } from '@google-cloud/storage';
import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from '../../errors.ts';
import { retryDelayScale } from '../../node-kit/http/index.ts';

export const gcsConnectionFields = ['credentials', 'projectId', 'apiEndpoint'] as const;

/** What both GCS node types need to reach a bucket; a stored `gcs` connection can supply all but the bucket. */
export const gcsAccessProperties = {
  bucket: Type.String({ minLength: 3, maxLength: 222, title: 'Bucket' }),
  credentials: Type.Optional(
    Type.String({
      writeOnly: true,
      minLength: 2,
      title: 'Service account key',
      description:
        'The JSON key of a service account. Without it, Application Default Credentials are used (GOOGLE_APPLICATION_CREDENTIALS or the metadata server).',
    }),
  ),
  projectId: Type.Optional(
    Type.String({ minLength: 1, title: 'Project id', description: 'Required with apiEndpoint' }),
  ),
  apiEndpoint: Type.Optional(
    Type.String({
      format: 'uri',
      title: 'API endpoint',
      description: 'A private endpoint or a local sandbox, e.g. http://127.0.0.1:4443',
    }),
  ),
  /** Encrypts parts before upload / decrypts them on restore (AES-256-GCM, key derived with scrypt). */
  encryptionKey: Type.Optional(
    Type.String({
      writeOnly: true,
      minLength: 16,
      title: 'Encryption key',
      description: 'Encrypts every part before it leaves the machine (AES-256-GCM); a restore needs the same key',
    }),
  ),
};

const gcsAccess = Type.Object(gcsAccessProperties);
export type GcsAccess = Static<typeof gcsAccess>;

/**
 * With a custom endpoint the client would ask the GCE metadata server for a project id it lacks,
 * which a sandbox or private endpoint never needs: the schema makes `projectId` required then.
 */
export const gcsAccessRules = {
  if: { required: ['apiEndpoint'] },
  // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable.
  then: { required: ['projectId'] },
};

/**
 * A client for the access given. The library is imported on first use: it is the heaviest of the
 * drivers (about 25 MB of a process's memory), and most flows never touch GCS.
 */
export async function createStorage(access: GcsAccess, nodeId: string): Promise<Storage> {
  const { IdempotencyStrategy, Storage } = await import('@google-cloud/storage');
  // Retries of single requests (the uploader retries its own chunks); part names are deterministic, so every write is idempotent.
  // The library's first wait (a second) is no option, so `BACKFLOW_RETRY_DELAY_SCALE` shortens its
  // waits through their cap, never below that second (the library refuses a cap under its first wait).
  const retryOptions = {
    autoRetry: true,
    maxRetries: 6,
    retryDelayMultiplier: 2,
    maxRetryDelay: Math.max(1, 16 * retryDelayScale()),
    totalTimeout: 600,
    idempotencyStrategy: IdempotencyStrategy.RetryAlways,
  };
  const options: StorageOptions = { retryOptions };
  if (access.projectId) options.projectId = access.projectId;
  if (access.apiEndpoint) {
    if (!access.projectId) {
      throw new ConfigError(`node "${nodeId}": projectId is required with apiEndpoint`, {
        nodeId,
        details: [{ path: 'config.projectId', message: 'required with apiEndpoint' }],
      });
    }
    options.apiEndpoint = access.apiEndpoint.replace(/\/+$/, '');
  }
  if (access.credentials) {
    try {
      options.credentials = JSON.parse(access.credentials);
    } catch {
      throw new ConfigError(`node "${nodeId}": credentials is not a service account JSON key`, {
        nodeId,
        details: [{ path: 'config.credentials', message: 'must be the JSON key of a service account' }],
      });
    }
  }
  return new Storage(options);
}

/** `prefix` and `name` joined with exactly one slash (an empty prefix names the bucket root). */
export function objectName(prefix: string, name: string): string {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  return base ? `${base}/${name}` : name;
}

/** Every object under `prefix`, in name order, listed a page at a time. */
export async function* listObjects(bucket: Bucket, prefix: string): AsyncGenerator<File> {
  let pageToken: string | undefined;
  do {
    const [files, next] = await bucket.getFiles({
      prefix,
      autoPaginate: false,
      maxResults: 1000,
      ...(pageToken ? { pageToken } : {}),
    });
    yield* files;
    pageToken = (next as { pageToken?: string } | null)?.pageToken;
  } while (pageToken);
}
