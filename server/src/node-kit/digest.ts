import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Transform } from 'node:stream';
import { SourceError } from '../errors.ts';

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

/** Passes bytes through and fails at the end if they do not hash to `sha256` (a manifest's checksum). */
export function verifySha256(sha256: string, name: string): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      const actual = hash.digest('hex');
      done(
        actual === sha256 ? null : new SourceError(`${name}: sha256 ${actual} does not match the manifest's ${sha256}`),
      );
    },
  });
}

/** Passes bytes through, counting and hashing them; `result()` once the stream ended. */
export function measure(): Transform & { result(): { bytes: number; sha256: string } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  let digest: string | undefined;
  return Object.assign(transform, {
    result: () => {
      digest ??= hash.digest('hex');
      return { bytes, sha256: digest };
    },
  });
}
