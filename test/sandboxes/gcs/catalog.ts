import type { BucketRecord, ObjectRecord } from './store.ts';

interface BucketEntry {
  record: BucketRecord;
  objects: Map<string, ObjectRecord>;
  /** Objects in listing order, rebuilt after a change. */
  sorted?: ObjectRecord[];
}

function byUtf8(a: ObjectRecord, b: ObjectRecord): number {
  return Buffer.compare(Buffer.from(a.name), Buffer.from(b.name));
}

/** The in-memory index of buckets and object metadata that both stores keep. */
export class Catalog {
  readonly #buckets = new Map<string, BucketEntry>();

  getBucket(name: string): BucketRecord | undefined {
    return this.#buckets.get(name)?.record;
  }

  listBuckets(): BucketRecord[] {
    return [...this.#buckets.values()].map((entry) => entry.record).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  putBucket(bucket: BucketRecord): void {
    const entry = this.#buckets.get(bucket.name);
    if (entry) entry.record = bucket;
    else this.#buckets.set(bucket.name, { record: bucket, objects: new Map() });
  }

  deleteBucket(name: string): void {
    this.#buckets.delete(name);
  }

  getObject(bucket: string, name: string): ObjectRecord | undefined {
    return this.#buckets.get(bucket)?.objects.get(name);
  }

  listObjects(bucket: string): ObjectRecord[] {
    const entry = this.#buckets.get(bucket);
    if (!entry) return [];
    entry.sorted ??= [...entry.objects.values()].sort(byUtf8);
    return entry.sorted;
  }

  putObject(object: ObjectRecord): void {
    const entry = this.#buckets.get(object.bucket);
    if (!entry) throw new Error(`bucket ${object.bucket} is not in the catalog`);
    entry.objects.set(object.name, object);
    entry.sorted = undefined;
  }

  deleteObject(bucket: string, name: string): void {
    const entry = this.#buckets.get(bucket);
    if (entry?.objects.delete(name)) entry.sorted = undefined;
  }
}
