import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { BackflowError } from '../../errors.ts';

/**
 * Client-side encryption of backup parts: AES-256-GCM over fixed-size segments, each with its own
 * tag, so a restore checks every segment before it passes a byte on (one tag over a whole part
 * would only be checked after the part had been parsed). The segment number and a last-segment
 * flag are authenticated too, so segments cannot be reordered, dropped or cut off at the end.
 *
 * Layout: magic `BFE1` | salt (16) | nonce prefix (8) | segments: ciphertext (≤ 64 KiB) + tag (16).
 * The key is derived from the configured secret with scrypt and the per-object salt.
 */
export const encryptionScheme = {
  algorithm: 'aes-256-gcm',
  format: 'backflow-segmented/1',
  segmentBytes: 64 * 1024,
  kdf: 'scrypt(N=16384,r=8,p=1)',
} as const;

const magic = Buffer.from('BFE1');
const saltBytes = 16;
const prefixBytes = 8;
const tagBytes = 16;
const headerBytes = magic.length + saltBytes + prefixBytes;
const segmentBytes = encryptionScheme.segmentBytes;

export class DecryptionError extends BackflowError {
  constructor(name: string, reason: string) {
    super('decryption_failed', `${name}: cannot decrypt: ${reason} (wrong encryptionKey, or the object was altered)`);
  }
}

function deriveKey(secret: string, salt: Buffer): Buffer {
  return scryptSync(secret, salt, 32);
}

function nonce(prefix: Buffer, index: number): Buffer {
  const value = Buffer.alloc(12);
  prefix.copy(value, 0);
  value.writeUInt32BE(index, prefixBytes);
  return value;
}

function associatedData(index: number, last: boolean): Buffer {
  const data = Buffer.alloc(5);
  data.writeUInt32BE(index, 0);
  data[4] = last ? 1 : 0;
  return data;
}

/** Size of the stored object for `plainBytes` bytes of plaintext. */
export function encryptedSize(plainBytes: number): number {
  const segments = Math.max(1, Math.ceil(plainBytes / segmentBytes));
  return headerBytes + plainBytes + segments * tagBytes;
}

/** Encrypts a byte stream (an empty input still gets one, empty, authenticated segment). */
export function encryptStream(secret: string): Transform {
  const salt = randomBytes(saltBytes);
  const prefix = randomBytes(prefixBytes);
  const key = deriveKey(secret, salt);
  let pending: Buffer = Buffer.alloc(0);
  let index = 0;
  let headerSent = false;
  const seal = (plain: Buffer, last: boolean): Buffer => {
    const cipher = createCipheriv('aes-256-gcm', key, nonce(prefix, index));
    cipher.setAAD(associatedData(index, last));
    index += 1;
    return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      const out: Buffer[] = [];
      if (!headerSent) {
        out.push(magic, salt, prefix);
        headerSent = true;
      }
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      // Keep at least one byte back: the last segment is only known at the end.
      while (pending.length > segmentBytes) {
        out.push(seal(pending.subarray(0, segmentBytes), false));
        pending = pending.subarray(segmentBytes);
      }
      done(null, Buffer.concat(out));
    },
    flush(done: TransformCallback) {
      const out: Buffer[] = headerSent ? [] : [magic, salt, prefix];
      out.push(seal(pending, true));
      done(null, Buffer.concat(out));
    },
  });
}

/** Decrypts what `encryptStream` wrote, failing on the first segment that does not authenticate. */
export function decryptStream(secret: string, name: string): Transform {
  let buffered: Buffer = Buffer.alloc(0);
  let key: Buffer | undefined;
  let prefix: Buffer | undefined;
  let index = 0;
  let finished = false;
  const open = (sealed: Buffer, last: boolean): Buffer => {
    const decipher = createDecipheriv('aes-256-gcm', key!, nonce(prefix!, index));
    decipher.setAAD(associatedData(index, last));
    decipher.setAuthTag(sealed.subarray(sealed.length - tagBytes));
    index += 1;
    try {
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagBytes)), decipher.final()]);
    } catch {
      throw new DecryptionError(name, `segment ${index - 1} does not authenticate`);
    }
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, done: TransformCallback) {
      try {
        if (finished) throw new DecryptionError(name, 'data after the last segment');
        buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
        if (!key) {
          if (buffered.length < headerBytes) return done();
          if (!buffered.subarray(0, magic.length).equals(magic))
            throw new DecryptionError(name, 'not a Backflow-encrypted object');
          key = deriveKey(secret, buffered.subarray(magic.length, magic.length + saltBytes));
          prefix = Buffer.from(buffered.subarray(magic.length + saltBytes, headerBytes));
          buffered = buffered.subarray(headerBytes);
        }
        const out: Buffer[] = [];
        // A full segment followed by more bytes is not the last one.
        while (buffered.length > segmentBytes + tagBytes) {
          out.push(open(buffered.subarray(0, segmentBytes + tagBytes), false));
          buffered = buffered.subarray(segmentBytes + tagBytes);
        }
        done(null, Buffer.concat(out));
      } catch (error) {
        done(error as Error);
      }
    },
    flush(done: TransformCallback) {
      try {
        if (!key || buffered.length < tagBytes) throw new DecryptionError(name, 'the object is cut short');
        const last = open(buffered, true);
        finished = true;
        done(null, last);
      } catch (error) {
        done(error as Error);
      }
    },
  });
}
