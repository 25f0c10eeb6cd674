import { invalid } from './errors.ts';
import { parseJsonObject } from './http.ts';

/** A `multipart/related` upload: the object resource (JSON) then the media, streamed. */
export interface MultipartUpload {
  metadata: Record<string, unknown>;
  /** The media part's Content-Type. */
  mediaType?: string;
  media: AsyncGenerator<Buffer>;
}

const metadataLimit = 1024 * 1024;
const crlf = Buffer.from('\r\n');

class PartReader {
  #buffer: Buffer = Buffer.alloc(0);
  readonly #source: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async #fill(): Promise<void> {
    const next = await this.#source.next();
    if (next.done) throw invalid('The multipart body ended before its closing boundary.');
    this.#buffer = this.#buffer.length === 0 ? next.value : Buffer.concat([this.#buffer, next.value]);
  }

  /** Everything up to `delimiter` (which is consumed), at most `limit` bytes. */
  async readUntil(delimiter: Buffer, limit: number): Promise<Buffer> {
    for (;;) {
      const at = this.#buffer.indexOf(delimiter);
      if (at >= 0) {
        const part = this.#buffer.subarray(0, at);
        this.#buffer = this.#buffer.subarray(at + delimiter.length);
        return part;
      }
      if (this.#buffer.length > limit) throw invalid('A multipart header or metadata part is too large.');
      await this.#fill();
    }
  }

  /** Streams everything up to `delimiter`, holding back only the bytes that could start it. */
  async *streamUntil(delimiter: Buffer): AsyncGenerator<Buffer> {
    const holdBack = delimiter.length - 1;
    for (;;) {
      const at = this.#buffer.indexOf(delimiter);
      if (at >= 0) {
        if (at > 0) yield this.#buffer.subarray(0, at);
        this.#buffer = this.#buffer.subarray(at + delimiter.length);
        return;
      }
      if (this.#buffer.length > holdBack) {
        yield this.#buffer.subarray(0, this.#buffer.length - holdBack);
        this.#buffer = this.#buffer.subarray(this.#buffer.length - holdBack);
      }
      await this.#fill();
    }
  }

  /** Reads the rest of the body (the closing boundary and any epilogue) and drops it. */
  async drain(): Promise<void> {
    this.#buffer = Buffer.alloc(0);
    while (!(await this.#source.next()).done) {}
  }
}

function boundaryOf(contentType: string): string {
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) throw invalid('A multipart upload needs a boundary in its Content-Type.');
  return boundary;
}

/** Reads a part's header lines up to the blank line; returns its Content-Type. */
async function readHeaders(reader: PartReader): Promise<string | undefined> {
  let contentType: string | undefined;
  for (;;) {
    const line = (await reader.readUntil(crlf, 16 * 1024)).toString('utf8');
    if (line === '') return contentType;
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === 'content-type')
      contentType = line.slice(colon + 1).trim();
  }
}

/** Parses an upload of `uploadType=multipart`: the metadata part is read, the media part is left to stream. */
export async function readMultipartUpload(body: AsyncIterable<Buffer>, contentType: string): Promise<MultipartUpload> {
  const boundary = boundaryOf(contentType);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  const reader = new PartReader(body);
  await reader.readUntil(Buffer.from(`--${boundary}`), metadataLimit);
  await reader.readUntil(crlf, 1024);
  await readHeaders(reader);
  const metadata = parseJsonObject((await reader.readUntil(delimiter, metadataLimit)).toString('utf8') || '{}');
  const rest = (await reader.readUntil(crlf, 1024)).toString('utf8');
  if (rest.startsWith('--')) throw invalid('A multipart upload needs a media part after the metadata.');
  const mediaType = await readHeaders(reader);
  async function* media(): AsyncGenerator<Buffer> {
    yield* reader.streamUntil(delimiter);
    await reader.drain();
  }
  return { metadata, mediaType, media: media() };
}
