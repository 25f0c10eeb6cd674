import type { Readable } from 'node:stream';
import type { File } from '@google-cloud/storage';
import pRetry, { AbortError } from 'p-retry';
import { DestinationError } from '../../errors.ts';
import { retryDelayScale } from '../../node-kit/http/index.ts';

export interface UploadOptions {
  contentType: string;
  /** Custom metadata stored with the object. */
  metadata: Record<string, string>;
  storageClass?: string;
  /** Bytes per PUT; a multiple of 256 KiB. */
  chunkSize: number;
  signal: AbortSignal;
  /** Retries of one chunk (network errors, 408, 429, 5xx), each resuming from what GCS persisted. */
  retries?: number;
  minRetryDelayMs?: number;
}

export interface UploadedObject {
  size: number;
  crc32c: string;
  generation: string;
}

const quantum = 256 * 1024;

class ChunkError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Uploads a stream as one object through a GCS resumable session, chunk by chunk. The client
 * library opens the session (with its auth); the chunks are sent here so that a failed or cut PUT
 * resumes from the offset GCS reports, with the chunk still in memory: the library's own resume
 * gives up on some failures (a failed status query makes it restart from 0 and abort). At the end
 * the object's CRC32C must equal the one computed over the bytes sent.
 */
export async function uploadResumable(file: File, body: Readable, options: UploadOptions): Promise<UploadedObject> {
  const [uri] = await file.createResumableUpload({
    metadata: {
      contentType: options.contentType,
      metadata: options.metadata,
      ...(options.storageClass ? { storageClass: options.storageClass } : {}),
    },
  });
  const { CRC32C } = await import('@google-cloud/storage');
  const crc = new CRC32C();
  let offset = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let result: Record<string, unknown> | undefined;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      crc.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.length;
      // Send whole chunks only while more data follows (the last chunk carries the total size).
      while (pendingBytes > options.chunkSize) {
        const all = Buffer.concat(pending);
        await sendChunk(uri, all.subarray(0, options.chunkSize), offset, undefined, options);
        offset += options.chunkSize;
        pending = [all.subarray(options.chunkSize)];
        pendingBytes = pending[0]!.length;
      }
    }
    const last = Buffer.concat(pending);
    result = await sendChunk(uri, last, offset, offset + last.length, options);
  } catch (error) {
    void fetch(uri, { method: 'DELETE' }).catch(() => undefined); // cancel the session; nothing to keep
    throw error;
  }
  const stored = String(result?.crc32c ?? '');
  if (stored !== crc.toString()) {
    throw new DestinationError(
      `${file.name}: the stored object's CRC32C ${stored || '(none)'} differs from the uploaded bytes' ${crc.toString()}`,
    );
  }
  return { size: Number(result?.size), crc32c: stored, generation: String(result?.generation) };
}

/**
 * PUTs `data` (bytes `offset`…) and returns the object resource once `total` is reached. On a
 * failure it asks GCS how much it kept and sends the rest of the chunk.
 */
async function sendChunk(
  uri: string,
  data: Buffer,
  offset: number,
  total: number | undefined,
  options: UploadOptions,
): Promise<Record<string, unknown> | undefined> {
  let sent = 0; // bytes of `data` GCS has persisted
  return pRetry(
    async () => {
      for (;;) {
        const start = offset + sent;
        const rest = data.subarray(sent);
        const range =
          rest.length === 0 ? `bytes */${total ?? '*'}` : `bytes ${start}-${start + rest.length - 1}/${total ?? '*'}`;
        const response = await fetch(uri, {
          method: 'PUT',
          headers: { 'Content-Range': range },
          body: rest as Uint8Array<ArrayBuffer>,
          signal: options.signal,
        }).catch(async (error: unknown) => {
          sent = await persisted(uri, offset, data.length, total, options.signal);
          throw error;
        });
        if (response.status === 200 || response.status === 201)
          return (await response.json()) as Record<string, unknown>;
        if (response.status === 308) {
          await response.body?.cancel();
          const kept = keptBytes(response.headers.get('range')) - offset;
          if (kept >= data.length) return undefined; // this chunk is in; more follow
          if (kept < sent)
            throw new AbortError(new DestinationError(`GCS lost bytes it had acknowledged (offset ${offset + kept})`));
          sent = kept;
          continue;
        }
        const text = await response.text().catch(() => '');
        const retryable = response.status === 408 || response.status === 429 || response.status >= 500;
        const error = new ChunkError(
          response.status,
          `upload chunk at ${start} answered ${response.status}: ${text.slice(0, 200)}`,
        );
        if (!retryable) throw new AbortError(error);
        sent = await persisted(uri, offset, data.length, total, options.signal).catch(() => sent);
        throw error;
      }
    },
    {
      retries: options.retries ?? 10,
      minTimeout: (options.minRetryDelayMs ?? 250) * retryDelayScale(),
      maxTimeout: 15_000 * retryDelayScale(),
      signal: options.signal,
    },
  ).catch((error: unknown) => {
    if (error instanceof DestinationError) throw error;
    throw new DestinationError(
      `uploading ${data.length} bytes at offset ${offset} failed: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  });
}

/** Bytes of the current chunk GCS holds, asked with an empty PUT (`bytes *\/total`). */
async function persisted(
  uri: string,
  offset: number,
  length: number,
  total: number | undefined,
  signal: AbortSignal,
): Promise<number> {
  const response = await fetch(uri, {
    method: 'PUT',
    headers: { 'Content-Range': `bytes */${total ?? '*'}` },
    signal,
  });
  await response.body?.cancel();
  if (response.status === 200 || response.status === 201) return length;
  if (response.status !== 308) throw new ChunkError(response.status, `upload status query answered ${response.status}`);
  return Math.min(Math.max(keptBytes(response.headers.get('range')) - offset, 0), length);
}

/** `bytes=0-1048575` → 1048576; no header → 0. */
function keptBytes(range: string | null): number {
  const match = /bytes=0-(\d+)/.exec(range ?? '');
  return match ? Number(match[1]) + 1 : 0;
}

export function validChunkSize(bytes: number): number {
  return Math.max(quantum, Math.floor(bytes / quantum) * quantum);
}
