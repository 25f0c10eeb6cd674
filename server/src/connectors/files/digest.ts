import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** Large reads: hashing a part in 64 KiB chunks costs three times as long as in 1 MiB ones. */
export const readChunkBytes = 1 << 20;

/** The size and sha256 of a file, as a manifest lists them. */
export async function digestFile(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: readChunkBytes })) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
