import type { Column } from './contract.ts';

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

/**
 * The order parts are read in, by UTF-16 code unit: the same order as `<`, which a resume uses to
 * skip the parts before its cursor (a locale order would put `orders_archive/` before `orders/`).
 */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function buildManifest(options: {
  flow: string;
  runId: string;
  files: ManifestFile[];
  schemas: Record<string, Column[] | undefined>;
  encryption?: ManifestEncryption;
}): Manifest {
  const files = [...options.files].sort((a, b) => compareNames(a.name, b.name));
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

/** A backup destination's resume state: the parts landed so far and each stream's columns. */
export interface BackupPartsState {
  files: ManifestFile[];
  schemas: Record<string, Column[] | undefined>;
}

/**
 * What a backup destination keeps while it writes: every landed part (a replayed part replaces its
 * entry) and each stream's columns; its state resumes a run, and it becomes the manifest at the end.
 */
export class BackupParts {
  private readonly files = new Map<string, ManifestFile>();
  private readonly schemas: Record<string, Column[] | undefined>;

  constructor(resume: BackupPartsState | undefined) {
    for (const file of resume?.files ?? []) this.files.set(file.name, file);
    this.schemas = { ...resume?.schemas };
  }

  landed(file: ManifestFile, schema: Column[] | undefined): void {
    this.files.set(file.name, file);
    if (schema) this.schemas[file.stream] = schema;
  }

  names(): string[] {
    return [...this.files.keys()];
  }

  /**
   * Parts listed but not stored as written, given the stored size of each name found (undefined:
   * not there): a backup missing one cannot be published, and a resume cannot bring it back.
   */
  missing(storedSize: (name: string) => number | undefined): string[] {
    const problems: string[] = [];
    for (const file of this.files.values()) {
      const size = storedSize(file.name);
      const expected = file.storedBytes ?? file.bytes;
      if (size === undefined) problems.push(`${file.name} is gone`);
      else if (size !== expected) problems.push(`${file.name} has ${size} bytes, not the ${expected} written`);
    }
    return problems;
  }

  state(): BackupPartsState {
    return { files: [...this.files.values()], schemas: this.schemas };
  }

  manifest(run: { flow: string; runId: string }, encryption?: ManifestEncryption): Manifest {
    return buildManifest({
      ...run,
      files: [...this.files.values()],
      schemas: this.schemas,
      ...(encryption ? { encryption } : {}),
    });
  }
}
