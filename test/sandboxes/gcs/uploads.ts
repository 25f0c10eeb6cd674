import { ChecksumStream, type ExpectedChecksums, expectedChecksums, verifyChecksums } from './checksums.ts';
import { invalid, noSuchBucket } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import { type Exchange, type Route, readJson, sendJson } from './http.ts';
import { readMultipartUpload } from './multipart.ts';
import { checkObjectName, checkPreconditions, newObject, writableFields } from './object-records.ts';
import { objectResource } from './resources.ts';
import { ResumableSessions } from './resumable-sessions.ts';
import type { GcsStore } from './store.ts';

/** Streams a one-request upload into a new generation, checking hashes and preconditions. */
async function receiveObject(
  store: GcsStore,
  { url, res, origin }: Exchange,
  target: { bucket: string; name: string; metadata: Record<string, unknown>; expected: ExpectedChecksums },
  body: AsyncIterable<Buffer>,
): Promise<void> {
  const { bucket, name } = target;
  const fields = writableFields(target.metadata);
  const staged = await store.stage();
  const checksums = new ChecksumStream();
  try {
    for await (const chunk of body) {
      checksums.update(chunk);
      await staged.append(chunk);
    }
    const size = staged.size;
    const digest = checksums.digest();
    verifyChecksums(target.expected, digest);
    const object = await store.commitObject(staged, bucket, name, (current) => {
      checkPreconditions(current, url, 'write');
      return newObject(bucket, name, fields, { size, checksums: digest });
    });
    sendJson(res, 200, objectResource(object, origin));
  } catch (error) {
    await staged.discard();
    throw error;
  }
}

function contentTypeOf(header: string | undefined): string | undefined {
  return header && header.trim() !== '' ? header.trim() : undefined;
}

/** objects.insert through `/upload/storage/v1`: `uploadType=media`, `multipart` and `resumable`. */
export function uploadRoutes(store: GcsStore, faults: FaultInjector): Route[] {
  const sessions = new ResumableSessions(store, faults);
  const path = /^\/upload\/storage\/v1\/b\/([^/]+)\/o\/?$/;
  return [
    {
      method: 'POST',
      path,
      async handle(exchange) {
        const { req, url, params } = exchange;
        const bucket = params[0]!;
        if (!store.getBucket(bucket)) throw noSuchBucket();
        const requestType = contentTypeOf(req.headers['content-type']);
        const uploadType =
          url.searchParams.get('uploadType') ?? (requestType?.startsWith('multipart/') ? 'multipart' : 'media');
        if (uploadType === 'resumable') {
          const body = await readJson(req);
          const name = checkObjectName(url.searchParams.get('name') ?? (body.name as string | undefined));
          return sessions.initiate(exchange, { bucket, name, body });
        }
        if (uploadType === 'multipart') {
          const upload = await readMultipartUpload(req, requestType ?? '');
          const name = checkObjectName(url.searchParams.get('name') ?? (upload.metadata.name as string | undefined));
          checkPreconditions(store.getObject(bucket, name), url, 'write');
          const metadata = { contentType: upload.mediaType, ...upload.metadata };
          const expected = expectedChecksums(req.headers['x-goog-hash'], upload.metadata);
          return receiveObject(store, exchange, { bucket, name, metadata, expected }, upload.media);
        }
        if (uploadType === 'media') {
          const name = checkObjectName(url.searchParams.get('name'));
          checkPreconditions(store.getObject(bucket, name), url, 'write');
          const metadata = requestType ? { contentType: requestType } : {};
          const expected = expectedChecksums(req.headers['x-goog-hash']);
          return receiveObject(store, exchange, { bucket, name, metadata, expected }, req);
        }
        throw invalid(`Invalid upload type: ${uploadType}`);
      },
    },
    { method: 'PUT', path, handle: (exchange) => sessions.put(exchange) },
    { method: 'DELETE', path, handle: (exchange) => sessions.cancel(exchange) },
  ];
}
