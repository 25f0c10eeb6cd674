import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { copyFile, link, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface WrittenFile {
  bytes: number;
  sha256: string;
}

/** Temp files are dot-prefixed and carry this marker, so a resumed run can sweep what a crash left. */
export const tempMarker = '.backflow-tmp-';

/**
 * Writes a file so that readers see either nothing or all of it: bytes go to a temp file in the
 * same directory, are fsynced, then renamed over the target (and the directory fsynced), so a
 * crash never leaves a half-written part under its real name.
 */
export async function writeFileAtomically(
  target: string,
  body: { localPath?: string; open(): Readable; bytes?: number; sha256?: string },
): Promise<WrittenFile> {
  const dir = path.dirname(target);
  await mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(target)}${tempMarker}${randomBytes(4).toString('hex')}`);
  try {
    let written: WrittenFile;
    if (body.localPath && body.sha256 !== undefined && body.bytes !== undefined) {
      await linkOrCopy(body.localPath, temp);
      written = { bytes: body.bytes, sha256: body.sha256 };
    } else {
      written = await streamToFile(body.open(), temp);
    }
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    // rename() does nothing when both names are links to one file; never leave the temp name behind.
    await rm(temp, { force: true });
    await syncDirectory(dir);
    return written;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * A part already on local disk is hard-linked into place (no bytes copied) when it sits on the same
 * file system, and copied otherwise. The engine deletes its own link once every destination has it.
 */
async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await link(source, target);
  } catch {
    await copyFile(source, target);
  }
}

async function streamToFile(source: Readable, file: string): Promise<WrittenFile> {
  const hash = createHash('sha256');
  let bytes = 0;
  source.on('data', (chunk: Buffer) => {
    hash.update(chunk);
    bytes += chunk.length;
  });
  await pipeline(source, createWriteStream(file));
  return { bytes, sha256: hash.digest('hex') };
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
