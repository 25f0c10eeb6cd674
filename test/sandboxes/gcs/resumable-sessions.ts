import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ChecksumStream, type ExpectedChecksums, expectedChecksums, verifyChecksums } from './checksums.ts';
import { GcsError, invalid } from './errors.ts';
import type { FaultInjector } from './faults.ts';
import { type Exchange, sendEmpty, sendJson } from './http.ts';
import { checkPreconditions, newObject, type WritableFields, writableFields } from './object-records.ts';
import { objectResource } from './resources.ts';
import type { GcsStore, ObjectRecord, StagedData } from './store.ts';

/** GCS persists resumable uploads in multiples of 256 KiB (except the final chunk). */
export const persistUnit = 256 * 1024;

interface Session {
  id: string;
  bucket: string;
  name: string;
  fields: Partial<Record<keyof WritableFields, unknown>>;
  expected: ExpectedChecksums;
  /** `X-Upload-Content-Length` of the initiation, when given. */
  declaredSize?: number;
  /** The initiation URL: its preconditions apply again when the object is finalized. */
  url: URL;
  staged: StagedData;
  /** Checksums of exactly the bytes in `staged`. */
  checksums: ChecksumStream;
  state: 'open' | 'finalized' | 'cancelled';
  object?: ObjectRecord;
  /** The request being served for this session; the next one waits for it. */
  busy: Promise<void>;
}

/** `Content-Range` of a resumable upload request. */
export type ContentRange =
  | { kind: 'query'; total?: number }
  | { kind: 'chunk'; start: number; end?: number; total?: number };

// Parses `bytes */*` and `bytes */N` (status queries), `bytes a-b/N`, `bytes a-b/*`, and the
// client's single-request form `bytes a-*/N` or `bytes a-*/*` (the body runs to the end of the upload).
// No header means the whole upload in this one request.
export function parseContentRange(header: string | undefined): ContentRange {
  if (header === undefined) return { kind: 'chunk', start: 0 };
  const match = /^bytes\s+(?:\*|(\d+)-(\d+|\*))\/(\*|\d+)$/.exec(header.trim());
  if (!match) throw invalid(`Failed to parse Content-Range header: ${header}`);
  const total = match[3] === '*' ? undefined : Number(match[3]);
  if (match[1] === undefined) return { kind: 'query', total };
  const start = Number(match[1]);
  const end = match[2] === '*' ? undefined : Number(match[2]);
  if (end !== undefined && end < start) throw invalid(`Invalid Content-Range: ${header}`);
  if (total !== undefined && end !== undefined && end >= total) throw invalid(`Invalid Content-Range: ${header}`);
  return { kind: 'chunk', start, end, total };
}

function rangeHeader(size: number): Record<string, string> {
  return size > 0 ? { Range: `bytes=0-${size - 1}` } : {};
}

/** Resumable upload sessions: initiation, chunks, status queries, cancellation, with cut faults. */
export class ResumableSessions {
  readonly #sessions = new Map<string, Session>();

  constructor(
    private readonly store: GcsStore,
    private readonly faults: FaultInjector,
  ) {}

  /** Starts a session and answers with its URI in `Location`. */
  async initiate(
    { req, res, url, origin }: Exchange,
    target: { bucket: string; name: string; body: Record<string, unknown> },
  ): Promise<void> {
    const { bucket, name, body } = target;
    checkPreconditions(this.store.getObject(bucket, name), url, 'write');
    const fields = writableFields(body);
    const uploadType = req.headers['x-upload-content-type'];
    if (fields.contentType === undefined && typeof uploadType === 'string') fields.contentType = uploadType;
    const declared = req.headers['x-upload-content-length'];
    const id = randomBytes(24).toString('base64url');
    const session: Session = {
      id,
      bucket,
      name,
      fields,
      expected: expectedChecksums(undefined, body),
      declaredSize: typeof declared === 'string' && /^\d+$/.test(declared) ? Number(declared) : undefined,
      url,
      staged: await this.store.stage(),
      checksums: new ChecksumStream(),
      state: 'open',
      busy: Promise.resolve(),
    };
    this.#sessions.set(id, session);
    const location = new URL(`/upload/storage/v1/b/${encodeURIComponent(bucket)}/o`, origin);
    location.searchParams.set('uploadType', 'resumable');
    location.searchParams.set('name', name);
    location.searchParams.set('upload_id', id);
    sendEmpty(res, 200, { Location: location.href, 'X-GUploader-UploadID': id });
  }

  /** A chunk or a status query (`PUT` to the session URI). */
  async put(exchange: Exchange): Promise<void> {
    const session = this.#session(exchange.url);
    const previous = session.busy;
    let release = () => {};
    session.busy = new Promise((resolve) => {
      release = resolve;
    });
    try {
      await previous;
      await this.#put(session, exchange);
    } finally {
      release();
    }
  }

  /** `DELETE` of the session URI: the upload is abandoned and GCS answers 499. */
  async cancel({ res, url }: Exchange): Promise<void> {
    const session = this.#session(url);
    if (session.state === 'open') {
      session.state = 'cancelled';
      await session.staged.discard();
    }
    sendEmpty(res, 499);
  }

  #session(url: URL): Session {
    const session = this.#sessions.get(url.searchParams.get('upload_id') ?? '');
    if (!session || session.state === 'cancelled') {
      throw new GcsError(404, 'notFound', 'No such upload session (it was cancelled or never existed).');
    }
    return session;
  }

  async #put(session: Session, exchange: Exchange): Promise<void> {
    const { req, res, origin } = exchange;
    const range = parseContentRange(req.headers['content-range']);
    if (session.state === 'finalized') {
      req.resume();
      return sendJson(res, 200, objectResource(session.object!, origin));
    }
    const persisted = session.staged.size;
    if (range.kind === 'query') {
      req.resume();
      if (range.total !== undefined && range.total === persisted) return this.#finalize(session, exchange);
      if (range.total !== undefined && range.total < persisted) {
        throw invalid(`The upload already holds ${persisted} bytes, more than the declared total ${range.total}.`);
      }
      return sendEmpty(res, 308, rangeHeader(persisted));
    }
    if (range.start > persisted) {
      req.resume();
      throw invalid(
        `Invalid request. According to the Content-Range header, the upload offset is ${range.start} byte(s), which exceeds already uploaded size of ${persisted} byte(s).`,
      );
    }
    const received = await this.#receive(session, req, range.start);
    if (received === undefined) return; // cut or dropped: nobody to answer
    if (range.end !== undefined && received !== range.end - range.start + 1) {
      await this.#keep(session, persisted);
      throw invalid("The number of bytes in the request body doesn't match its Content-Range header.");
    }
    const size = session.staged.size;
    const total = range.total ?? (range.end === undefined ? size : undefined);
    if (total !== undefined && size > total) {
      await this.#keep(session, persisted);
      throw invalid(`The upload holds ${size} bytes, more than the declared total ${total}.`);
    }
    if (total === size) return this.#finalize(session, exchange);
    // Not the last chunk: only whole 256 KiB units are persisted, the client resends the rest.
    await this.#keep(session, Math.max(persisted, Math.floor(size / persistUnit) * persistUnit));
    sendEmpty(res, 308, rangeHeader(session.staged.size));
  }

  /**
   * Appends the body (minus bytes the session already holds: a replay) and returns how many bytes
   * the body had, or undefined when the request was cut by a fault or dropped by the client; the
   * session then keeps what it received up to a 256 KiB boundary.
   */
  async #receive(session: Session, req: IncomingMessage, start: number): Promise<number | undefined> {
    const persisted = session.staged.size;
    const cutAfter = this.faults.cutAfter();
    let skip = persisted - start;
    let received = 0;
    try {
      for await (const chunk of req) {
        let data = chunk as Buffer;
        received += data.byteLength;
        if (skip > 0) {
          const replayed = Math.min(skip, data.byteLength);
          data = data.subarray(replayed);
          skip -= replayed;
        }
        if (data.byteLength > 0) {
          session.checksums.update(data);
          await session.staged.append(data);
        }
        if (cutAfter !== undefined && received >= cutAfter) {
          await this.#keepWholeUnits(session, persisted);
          this.faults.recordCut();
          req.socket.destroy();
          return undefined;
        }
      }
    } catch (error) {
      await this.#keepWholeUnits(session, persisted);
      if (req.complete) throw error;
      // The client went away mid-body.
      req.socket.destroy();
      return undefined;
    }
    return received;
  }

  async #keepWholeUnits(session: Session, persisted: number): Promise<void> {
    await this.#keep(session, Math.max(persisted, Math.floor(session.staged.size / persistUnit) * persistUnit));
  }

  /** Truncates the session to `size` bytes, recomputing its checksums when bytes were dropped. */
  async #keep(session: Session, size: number): Promise<void> {
    if (size >= session.staged.size) return;
    await session.staged.truncate(size);
    session.checksums = await ChecksumStream.of(session.staged.read(0, size));
  }

  async #finalize(session: Session, { req, res, origin }: Exchange): Promise<void> {
    const size = session.staged.size;
    try {
      if (session.declaredSize !== undefined && session.declaredSize !== size) {
        throw invalid(`The upload holds ${size} bytes but X-Upload-Content-Length declared ${session.declaredSize}.`);
      }
      const checksums = session.checksums.digest();
      verifyChecksums({ ...session.expected, ...expectedChecksums(req.headers['x-goog-hash']) }, checksums);
      session.object = await this.store.commitObject(session.staged, session.bucket, session.name, (current) => {
        checkPreconditions(current, session.url, 'write');
        return newObject(session.bucket, session.name, session.fields, { size, checksums });
      });
    } catch (error) {
      // A failed finalization ends the session, as on GCS: the client must start a new upload.
      session.state = 'cancelled';
      await session.staged.discard();
      throw error;
    }
    session.state = 'finalized';
    sendJson(res, 200, objectResource(session.object, origin));
  }
}
