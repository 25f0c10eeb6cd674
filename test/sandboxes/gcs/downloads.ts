import { pipeline } from 'node:stream/promises';
import { GcsError } from './errors.ts';
import type { Exchange } from './http.ts';
import { checkPreconditions } from './object-records.ts';
import { objectEtag } from './resources.ts';
import type { GcsStore, ObjectRecord } from './store.ts';

type ByteRange = { start: number; end: number };

/**
 * The single range of a `Range: bytes=a-b | a- | -n` header, `'unsatisfiable'`, or undefined
 * for no header or one the sandbox serves whole (malformed, several ranges), as servers may.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size };
  }
  const start = Number(match[1]);
  const last = match[2] === '' ? size - 1 : Number(match[2]);
  if (last < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(size, last + 1) };
}

function googHash(object: ObjectRecord): string {
  return [`crc32c=${object.crc32c}`, ...(object.md5Hash ? [`md5=${object.md5Hash}`] : [])].join(',');
}

/** Answers `alt=media`: the object's bytes, whole or one range, with the headers the client validates against. */
export async function sendMedia({ req, res, url }: Exchange, object: ObjectRecord, store: GcsStore): Promise<void> {
  checkPreconditions(object, url, 'read');
  const range = parseRange(req.headers.range, object.size);
  if (range === 'unsatisfiable') {
    throw new GcsError(416, 'requestedRangeNotSatisfiable', 'The requested range cannot be satisfied.', {
      'Content-Range': `bytes */${object.size}`,
    });
  }
  const { start, end } = range ?? { start: 0, end: object.size };
  const headers: Record<string, string | number> = {
    'Content-Type': object.contentType,
    'Content-Length': end - start,
    'Accept-Ranges': 'bytes',
    'Cache-Control': object.cacheControl ?? 'no-cache, no-store, max-age=0, must-revalidate',
    ETag: `"${objectEtag(object)}"`,
    'Last-Modified': new Date(object.updated).toUTCString(),
    'x-goog-hash': googHash(object),
    'x-goog-generation': String(object.generation),
    'x-goog-metageneration': String(object.metageneration),
    'x-goog-stored-content-length': String(object.size),
    'x-goog-stored-content-encoding': object.contentEncoding ?? 'identity',
    'x-goog-storage-class': object.storageClass,
  };
  // Served as stored: a gzip object goes out compressed and the client inflates it.
  if (object.contentEncoding) headers['Content-Encoding'] = object.contentEncoding;
  if (object.contentDisposition) headers['Content-Disposition'] = object.contentDisposition;
  if (object.contentLanguage) headers['Content-Language'] = object.contentLanguage;
  if (range) headers['Content-Range'] = `bytes ${start}-${end - 1}/${object.size}`;
  // Opened before the headers go out, so a missing file is still an error response.
  const body = store.readObject(object, start, end);
  res.writeHead(range ? 206 : 200, headers);
  await pipeline(body, res);
}
