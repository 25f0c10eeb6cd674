import type { Readable } from 'node:stream';

/** A bucket as the sandbox keeps it; `resources.ts` turns it into the JSON the API returns. */
export interface BucketRecord {
  name: string;
  timeCreated: string;
  updated: string;
  metageneration: number;
  location: string;
  storageClass: string;
  labels?: Record<string, string>;
}

/** An object's metadata. Its bytes live beside it in the store. */
export interface ObjectRecord {
  bucket: string;
  name: string;
  generation: number;
  metageneration: number;
  size: number;
  contentType: string;
  crc32c: string;
  /** Absent on composite objects, as on GCS. */
  md5Hash?: string;
  timeCreated: string;
  updated: string;
  storageClass: string;
  metadata?: Record<string, string>;
  contentEncoding?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  cacheControl?: string;
  componentCount?: number;
}

/** Bytes being received (an upload, a compose) that become an object's data on commit. */
export interface StagedData {
  readonly size: number;
  append(chunk: Uint8Array): Promise<void>;
  truncate(size: number): Promise<void>;
  /** Bytes `start` (inclusive) to `end` (exclusive). */
  read(start: number, end: number): Readable;
  discard(): Promise<void>;
}

/**
 * Decides the record of a new generation at the moment it replaces `current` (undefined when the
 * object does not exist then). Throwing (a failed precondition) abandons the commit.
 */
export type BuildObject = (current: ObjectRecord | undefined) => ObjectRecord;

/**
 * Where buckets and objects live. Lookups are synchronous (both stores index in memory), and the
 * metadata writes change that index before their first `await`, so a precondition checked just
 * before a write still holds when the write lands. Data commits decide through `BuildObject`.
 */
export interface GcsStore {
  getBucket(name: string): BucketRecord | undefined;
  /** Sorted by name. */
  listBuckets(): BucketRecord[];
  putBucket(bucket: BucketRecord): Promise<void>;
  deleteBucket(name: string): Promise<void>;
  getObject(bucket: string, name: string): ObjectRecord | undefined;
  /** Sorted by the UTF-8 bytes of the name, the order GCS lists in. */
  listObjects(bucket: string): ObjectRecord[];
  /** Replaces an existing object's metadata, leaving its bytes alone. */
  updateObject(object: ObjectRecord): Promise<void>;
  /** Makes the staged bytes the data of the object `build` returns, replacing any previous generation. */
  commitObject(staged: StagedData, bucket: string, name: string, build: BuildObject): Promise<ObjectRecord>;
  deleteObject(bucket: string, name: string): Promise<void>;
  stage(): Promise<StagedData>;
  /** Bytes `start` (inclusive) to `end` (exclusive) of the object's current data. */
  readObject(object: ObjectRecord, start: number, end: number): Readable;
  close(): Promise<void>;
}
