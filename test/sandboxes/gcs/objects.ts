import { ChecksumStream } from './checksums.ts';
import { sendMedia } from './downloads.ts';
import { invalid, noSuchBucket, noSuchObject, preconditionFailed } from './errors.ts';
import { type Exchange, queryInteger, type Route, readJson, sendEmpty, sendJson } from './http.ts';
import { listObjectsPage } from './object-listing.ts';
import { checkObjectName, checkPreconditions, newObject, patchFields, writableFields } from './object-records.ts';
import { objectResource } from './resources.ts';
import type { GcsStore, ObjectRecord } from './store.ts';

const composeLimit = 32;
const componentLimit = 1024;

/** The object as it is now, honouring a `generation` (or `sourceGeneration`) query parameter. */
export function requireObject(store: GcsStore, bucket: string, name: string, generation?: string | null): ObjectRecord {
  if (!store.getBucket(bucket)) throw noSuchBucket();
  const object = store.getObject(bucket, name);
  // Only the live generation is kept, so asking for another one finds nothing.
  if (!object || (generation && generation !== String(object.generation))) throw noSuchObject(bucket, name);
  return object;
}

/** Copies objects' bytes, in order, into a new generation of `bucket/name`. */
async function writeFromObjects(
  store: GcsStore,
  url: URL,
  sources: ObjectRecord[],
  target: { bucket: string; name: string; fields: Record<string, unknown>; componentCount?: number },
): Promise<ObjectRecord> {
  const staged = await store.stage();
  const checksums = new ChecksumStream();
  try {
    for (const source of sources) {
      for await (const chunk of store.readObject(source, 0, source.size)) {
        checksums.update(chunk as Buffer);
        await staged.append(chunk as Buffer);
      }
    }
    const size = staged.size;
    return await store.commitObject(staged, target.bucket, target.name, (current) => {
      checkPreconditions(current, url, 'write');
      const composite = target.componentCount === undefined ? undefined : { componentCount: target.componentCount };
      return newObject(target.bucket, target.name, target.fields, { size, checksums: checksums.digest(), composite });
    });
  } catch (error) {
    await staged.discard();
    throw error;
  }
}

async function update({ req, res, url, params, origin }: Exchange, store: GcsStore, mode: 'merge' | 'replace') {
  const fields = writableFields(await readJson(req));
  const current = requireObject(store, params[0]!, params[1]!, url.searchParams.get('generation'));
  checkPreconditions(current, url, 'write');
  const next = patchFields(current, fields, mode);
  next.metageneration = current.metageneration + 1;
  next.updated = new Date().toISOString();
  await store.updateObject(next);
  sendJson(res, 200, objectResource(next, origin));
}

async function copy(exchange: Exchange, store: GcsStore): Promise<ObjectRecord> {
  const { req, url, params } = exchange;
  const body = await readJson(req);
  const [sourceBucket, sourceName, bucket, name] = params as [string, string, string, string];
  const source = requireObject(store, sourceBucket, sourceName, url.searchParams.get('sourceGeneration'));
  if (!store.getBucket(bucket)) throw noSuchBucket();
  checkObjectName(name);
  const fields = {
    contentType: source.contentType,
    contentEncoding: source.contentEncoding,
    contentDisposition: source.contentDisposition,
    contentLanguage: source.contentLanguage,
    cacheControl: source.cacheControl,
    metadata: source.metadata ?? null,
    ...writableFields(body),
  };
  for (const [key, value] of Object.entries(fields)) if (value === undefined) delete fields[key as keyof typeof fields];
  return writeFromObjects(store, url, [source], { bucket, name, fields, componentCount: source.componentCount });
}

/** objects.get / list / patch / update / delete / compose / rewrite / copy, and `alt=media` downloads. */
export function objectRoutes(store: GcsStore): Route[] {
  const object = '([^/]+)\\/o\\/([^/]+)';
  return [
    {
      method: 'GET',
      path: /^\/storage\/v1\/b\/([^/]+)\/o\/?$/,
      async handle({ res, url, params, origin }) {
        const bucket = params[0]!;
        if (!store.getBucket(bucket)) throw noSuchBucket();
        const text = (name: string) => url.searchParams.get(name) || undefined;
        const page = listObjectsPage(store.listObjects(bucket), {
          prefix: url.searchParams.get('prefix') ?? '',
          delimiter: text('delimiter'),
          startOffset: text('startOffset'),
          endOffset: text('endOffset'),
          includeTrailingDelimiter: url.searchParams.get('includeTrailingDelimiter') === 'true',
          maxResults: Math.min(Math.max(queryInteger(url, 'maxResults', 1000), 1), 1000),
          pageToken: text('pageToken'),
        });
        sendJson(res, 200, {
          kind: 'storage#objects',
          ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}),
          ...(page.prefixes.length > 0 ? { prefixes: page.prefixes } : {}),
          ...(page.items.length > 0 ? { items: page.items.map((item) => objectResource(item, origin)) } : {}),
        });
      },
    },
    {
      method: 'GET',
      path: new RegExp(`^/storage/v1/b/${object}$`),
      async handle(exchange) {
        const { res, url, params, origin } = exchange;
        const found = requireObject(store, params[0]!, params[1]!, url.searchParams.get('generation'));
        if (url.searchParams.get('alt') === 'media') return sendMedia(exchange, found, store);
        checkPreconditions(found, url, 'read');
        sendJson(res, 200, objectResource(found, origin));
      },
    },
    {
      method: 'GET',
      path: new RegExp(`^/download/storage/v1/b/${object}$`),
      async handle(exchange) {
        const { url, params } = exchange;
        const found = requireObject(store, params[0]!, params[1]!, url.searchParams.get('generation'));
        return sendMedia(exchange, found, store);
      },
    },
    {
      method: 'PATCH',
      path: new RegExp(`^/storage/v1/b/${object}$`),
      handle: (exchange) => update(exchange, store, 'merge'),
    },
    {
      method: 'PUT',
      path: new RegExp(`^/storage/v1/b/${object}$`),
      handle: (exchange) => update(exchange, store, 'replace'),
    },
    {
      method: 'DELETE',
      path: new RegExp(`^/storage/v1/b/${object}$`),
      async handle({ res, url, params }) {
        const found = requireObject(store, params[0]!, params[1]!, url.searchParams.get('generation'));
        checkPreconditions(found, url, 'write');
        await store.deleteObject(found.bucket, found.name);
        sendEmpty(res, 204);
      },
    },
    {
      method: 'POST',
      path: new RegExp(`^/storage/v1/b/${object}/compose$`),
      async handle({ req, res, url, params, origin }) {
        const body = await readJson(req);
        const [bucket, name] = params as [string, string];
        if (!store.getBucket(bucket)) throw noSuchBucket();
        checkObjectName(name);
        const requested = body.sourceObjects;
        if (!Array.isArray(requested) || requested.length === 0) throw invalid('sourceObjects is required.');
        if (requested.length > composeLimit) {
          throw invalid(`The number of source components provided (${requested.length}) exceeds the maximum (32).`);
        }
        const sources = requested.map((entry: Record<string, any>) => {
          if (typeof entry?.name !== 'string') throw invalid('Each source object needs a name.');
          const generation = entry.generation === undefined ? undefined : String(entry.generation);
          const source = requireObject(store, bucket, entry.name, generation);
          const wanted = entry.objectPreconditions?.ifGenerationMatch;
          if (wanted !== undefined && String(wanted) !== String(source.generation)) throw preconditionFailed();
          return source;
        });
        const componentCount = sources.reduce((sum, source) => sum + (source.componentCount ?? 1), 0);
        if (componentCount > componentLimit) {
          throw invalid(`The resulting object would have more than ${componentLimit} components.`);
        }
        const destination = body.destination;
        const fields =
          typeof destination === 'object' && destination !== null ? writableFields(destination as never) : {};
        const composed = await writeFromObjects(store, url, sources, { bucket, name, fields, componentCount });
        sendJson(res, 200, objectResource(composed, origin));
      },
    },
    {
      method: 'POST',
      path: new RegExp(`^/storage/v1/b/${object}/rewriteTo/b/${object}$`),
      async handle(exchange) {
        const copied = await copy(exchange, store);
        sendJson(exchange.res, 200, {
          kind: 'storage#rewriteResponse',
          totalBytesRewritten: String(copied.size),
          objectSize: String(copied.size),
          done: true,
          resource: objectResource(copied, exchange.origin),
        });
      },
    },
    {
      method: 'POST',
      path: new RegExp(`^/storage/v1/b/${object}/copyTo/b/${object}$`),
      async handle(exchange) {
        const copied = await copy(exchange, store);
        sendJson(exchange.res, 200, objectResource(copied, exchange.origin));
      },
    },
  ];
}
