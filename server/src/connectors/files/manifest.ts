import type { Column } from '../../nodes/contract.ts';

/** One part of a backup, as listed in its manifest. */
export interface ManifestFile {
  name: string;
  stream: string;
  rows: number | null;
  bytes: number;
  sha256: string;
  /** Size of the stored object when it differs from `bytes` (encrypted). */
  storedBytes?: number;
  /** CRC32C (base64) of the stored object, where the store checks one (GCS). */
  crc32c?: string;
}

/** How the parts were encrypted before they were stored, when they were. */
export interface ManifestEncryption {
  algorithm: string;
  format: string;
  segmentBytes: number;
  kdf: string;
}

/**
 * `_manifest.json`, written last: a backup without a complete manifest is not a backup. It lists
 * every part with its row count and checksum, and each stream's columns so a restore can recreate
 * exact types.
 */
export interface Manifest {
  complete: true;
  format: 'backflow-manifest/1';
  flow: string;
  runId: string;
  createdAt: string;
  rows: number;
  files: ManifestFile[];
  streams: Record<string, { columns?: Column[] }>;
  /** Present when the parts are encrypted: `bytes` and `sha256` are of the plaintext. */
  encryption?: ManifestEncryption;
}

export const manifestName = '_manifest.json';

export function buildManifest(options: {
  flow: string;
  runId: string;
  files: ManifestFile[];
  schemas: Record<string, Column[] | undefined>;
  encryption?: ManifestEncryption;
}): Manifest {
  const files = [...options.files].sort((a, b) => a.name.localeCompare(b.name));
  const streams: Manifest['streams'] = {};
  for (const file of files) streams[file.stream] ??= {};
  for (const [stream, columns] of Object.entries(options.schemas)) {
    if (columns) streams[stream] = { columns };
  }
  return {
    complete: true,
    format: 'backflow-manifest/1',
    flow: options.flow,
    runId: options.runId,
    createdAt: new Date().toISOString(),
    rows: files.reduce((sum, f) => sum + (f.rows ?? 0), 0),
    files,
    streams,
    ...(options.encryption ? { encryption: options.encryption } : {}),
  };
}

export function isManifest(value: unknown): value is Manifest {
  const manifest = value as Manifest;
  return manifest?.complete === true && Array.isArray(manifest.files);
}
