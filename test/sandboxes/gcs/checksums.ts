import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
// The client's own CRC32C (Castagnoli, the one GCS uses), so both sides hash alike.
import { CRC32C } from '@google-cloud/storage';
import { invalid } from './errors.ts';

export interface Checksums {
  /** Base64 of the big-endian CRC32C. */
  crc32c: string;
  /** Base64 of the MD5 digest. */
  md5Hash: string;
}

/** CRC32C and MD5 of bytes fed in order; `digest()` can be read at any point and feeding goes on. */
export class ChecksumStream {
  #crc32c = new CRC32C();
  #md5: Hash = createHash('md5');

  update(chunk: Uint8Array): void {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#crc32c.update(buffer);
    this.#md5.update(buffer);
  }

  digest(): Checksums {
    return { crc32c: this.#crc32c.toString(), md5Hash: this.#md5.copy().digest('base64') };
  }

  /** Checksums of everything `source` yields. */
  static async of(source: Readable): Promise<ChecksumStream> {
    const checksums = new ChecksumStream();
    for await (const chunk of source) checksums.update(chunk as Buffer);
    return checksums;
  }
}

/** The values of an `x-goog-hash: crc32c=…,md5=…` header. */
export function parseGoogHash(header: string | string[] | undefined): { crc32c?: string; md5?: string } {
  const hashes: { crc32c?: string; md5?: string } = {};
  for (const pair of [header ?? []].flat().join(',').split(',')) {
    const separator = pair.indexOf('=');
    if (separator < 0) continue;
    const kind = pair.slice(0, separator).trim().toLowerCase();
    const value = pair.slice(separator + 1).trim();
    if (kind === 'crc32c' || kind === 'md5') hashes[kind] = value;
  }
  return hashes;
}

/** Hashes a client declared for its upload (`x-goog-hash`, or `crc32c` / `md5Hash` in the metadata). */
export interface ExpectedChecksums {
  crc32c?: string;
  md5Hash?: string;
}

/** The hashes declared by an upload's `x-goog-hash` header and its object resource, the header winning. */
export function expectedChecksums(header: string | string[] | undefined, metadata: Record<string, unknown> = {}) {
  const fromHeader = parseGoogHash(header);
  const expected: ExpectedChecksums = {};
  const crc32c = fromHeader.crc32c ?? metadata.crc32c;
  const md5Hash = fromHeader.md5 ?? metadata.md5Hash;
  if (typeof crc32c === 'string') expected.crc32c = crc32c;
  if (typeof md5Hash === 'string') expected.md5Hash = md5Hash;
  return expected;
}

/** Rejects an upload whose bytes do not hash to what the client declared, with GCS's messages. */
export function verifyChecksums(expected: ExpectedChecksums, actual: Checksums): void {
  if (expected.crc32c !== undefined && expected.crc32c !== actual.crc32c) {
    throw invalid(`Provided CRC32C "${expected.crc32c}" doesn't match calculated CRC32C "${actual.crc32c}".`);
  }
  if (expected.md5Hash !== undefined && expected.md5Hash !== actual.md5Hash) {
    throw invalid(`Provided MD5 hash "${expected.md5Hash}" doesn't match calculated MD5 hash "${actual.md5Hash}".`);
  }
}
