import type { BucketRecord, ObjectRecord } from './store.ts';

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = BigInt(value);
  do {
    const low = Number(rest & 0x7fn);
    rest >>= 7n;
    bytes.push(rest > 0n ? low | 0x80 : low);
  } while (rest > 0n);
  return bytes;
}

/** GCS's JSON etag: base64 of a protobuf carrying the generation (field 1) and metageneration (field 2). */
export function objectEtag(object: ObjectRecord): string {
  return Buffer.from([0x08, ...varint(object.generation), 0x10, ...varint(object.metageneration)]).toString('base64');
}

export function objectPath(bucket: string, name: string): string {
  return `/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(name)}`;
}

/** An object as `storage#object` JSON: numbers that may exceed 2^53 are strings, as GCS sends them. */
export function objectResource(object: ObjectRecord, origin: string): Record<string, unknown> {
  const generation = String(object.generation);
  return {
    kind: 'storage#object',
    id: `${object.bucket}/${object.name}/${generation}`,
    selfLink: `${origin}${objectPath(object.bucket, object.name)}`,
    mediaLink: `${origin}/download${objectPath(object.bucket, object.name)}?generation=${generation}&alt=media`,
    name: object.name,
    bucket: object.bucket,
    generation,
    metageneration: String(object.metageneration),
    contentType: object.contentType,
    storageClass: object.storageClass,
    size: String(object.size),
    ...(object.md5Hash === undefined ? {} : { md5Hash: object.md5Hash }),
    crc32c: object.crc32c,
    ...(object.componentCount === undefined ? {} : { componentCount: object.componentCount }),
    ...(object.contentEncoding === undefined ? {} : { contentEncoding: object.contentEncoding }),
    ...(object.contentDisposition === undefined ? {} : { contentDisposition: object.contentDisposition }),
    ...(object.contentLanguage === undefined ? {} : { contentLanguage: object.contentLanguage }),
    ...(object.cacheControl === undefined ? {} : { cacheControl: object.cacheControl }),
    etag: objectEtag(object),
    timeCreated: object.timeCreated,
    updated: object.updated,
    timeStorageClassUpdated: object.timeCreated,
    timeFinalized: object.timeCreated,
    ...(object.metadata === undefined ? {} : { metadata: object.metadata }),
  };
}

export function bucketResource(bucket: BucketRecord, origin: string): Record<string, unknown> {
  return {
    kind: 'storage#bucket',
    selfLink: `${origin}/storage/v1/b/${encodeURIComponent(bucket.name)}`,
    id: bucket.name,
    name: bucket.name,
    projectNumber: '0',
    metageneration: String(bucket.metageneration),
    location: bucket.location,
    storageClass: bucket.storageClass,
    etag: Buffer.from([0x08, ...varint(bucket.metageneration)]).toString('base64'),
    timeCreated: bucket.timeCreated,
    updated: bucket.updated,
    locationType: 'multi-region',
    iamConfiguration: {
      bucketPolicyOnly: { enabled: true },
      uniformBucketLevelAccess: { enabled: true },
      publicAccessPrevention: 'inherited',
    },
    ...(bucket.labels === undefined ? {} : { labels: bucket.labels }),
  };
}
