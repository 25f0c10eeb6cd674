import { GcsError, invalid, noSuchBucket } from './errors.ts';
import { queryInteger, type Route, readJson, sendEmpty, sendJson } from './http.ts';
import { bucketResource } from './resources.ts';
import type { BucketRecord, GcsStore } from './store.ts';

const bucketName = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

function checkBucketName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new GcsError(400, 'required', 'Required');
  const labels = name.split('.');
  const valid =
    bucketName.test(name) &&
    (labels.length > 1 ? name.length <= 222 : name.length <= 63) &&
    labels.every((label) => label.length > 0 && label.length <= 63) &&
    !name.startsWith('goog') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name);
  if (!valid) throw invalid(`Invalid bucket name: '${name}'`);
  return name;
}

function requireBucket(store: GcsStore, name: string): BucketRecord {
  const bucket = store.getBucket(name);
  if (!bucket) throw noSuchBucket();
  return bucket;
}

function labelsOf(value: unknown, base: Record<string, string> = {}): Record<string, string> | undefined {
  if (value === undefined) return Object.keys(base).length > 0 ? base : undefined;
  if (value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid('labels must be an object.');
  const labels = { ...base };
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    if (entry === null) delete labels[key];
    else labels[key] = String(entry);
  }
  return Object.keys(labels).length > 0 ? labels : undefined;
}

/** buckets.insert / get / list / patch / delete. */
export function bucketRoutes(store: GcsStore): Route[] {
  return [
    {
      method: 'POST',
      path: /^\/storage\/v1\/b\/?$/,
      async handle({ req, res, url, origin }) {
        if (!url.searchParams.get('project')) throw new GcsError(400, 'required', 'Required parameter: project');
        const body = await readJson(req);
        const name = checkBucketName(body.name);
        if (store.getBucket(name)) {
          throw new GcsError(
            409,
            'conflict',
            'Your previous request to create the named bucket succeeded and you already own it.',
          );
        }
        const now = new Date().toISOString();
        const bucket: BucketRecord = {
          name,
          timeCreated: now,
          updated: now,
          metageneration: 1,
          location: typeof body.location === 'string' ? body.location.toUpperCase() : 'US',
          storageClass: typeof body.storageClass === 'string' ? body.storageClass : 'STANDARD',
        };
        const labels = labelsOf(body.labels);
        if (labels) bucket.labels = labels;
        await store.putBucket(bucket);
        sendJson(res, 200, bucketResource(bucket, origin));
      },
    },
    {
      method: 'GET',
      path: /^\/storage\/v1\/b\/?$/,
      async handle({ res, url, origin }) {
        if (!url.searchParams.get('project')) throw new GcsError(400, 'required', 'Required parameter: project');
        const prefix = url.searchParams.get('prefix') ?? '';
        const maxResults = Math.min(Math.max(queryInteger(url, 'maxResults', 1000), 1), 1000);
        const after = url.searchParams.get('pageToken')
          ? Buffer.from(url.searchParams.get('pageToken')!, 'base64url').toString('utf8')
          : '';
        const matching = store.listBuckets().filter((bucket) => bucket.name.startsWith(prefix) && bucket.name > after);
        const page = matching.slice(0, maxResults);
        sendJson(res, 200, {
          kind: 'storage#buckets',
          ...(page.length > 0 ? { items: page.map((bucket) => bucketResource(bucket, origin)) } : {}),
          ...(matching.length > page.length
            ? { nextPageToken: Buffer.from(page.at(-1)!.name).toString('base64url') }
            : {}),
        });
      },
    },
    {
      method: 'GET',
      path: /^\/storage\/v1\/b\/([^/]+)\/?$/,
      async handle({ res, params, origin }) {
        sendJson(res, 200, bucketResource(requireBucket(store, params[0]!), origin));
      },
    },
    {
      method: 'PATCH',
      path: /^\/storage\/v1\/b\/([^/]+)\/?$/,
      async handle({ req, res, params, origin }) {
        const body = await readJson(req);
        const current = requireBucket(store, params[0]!);
        const next: BucketRecord = {
          ...current,
          metageneration: current.metageneration + 1,
          updated: new Date().toISOString(),
        };
        if (typeof body.storageClass === 'string') next.storageClass = body.storageClass;
        const labels = labelsOf(body.labels, current.labels);
        if (labels) next.labels = labels;
        else delete next.labels;
        await store.putBucket(next);
        sendJson(res, 200, bucketResource(next, origin));
      },
    },
    {
      method: 'DELETE',
      path: /^\/storage\/v1\/b\/([^/]+)\/?$/,
      async handle({ res, params }) {
        const bucket = requireBucket(store, params[0]!);
        if (store.listObjects(bucket.name).length > 0) {
          throw new GcsError(409, 'conflict', 'The bucket you tried to delete is not empty.');
        }
        await store.deleteBucket(bucket.name);
        sendEmpty(res, 204);
      },
    },
  ];
}
