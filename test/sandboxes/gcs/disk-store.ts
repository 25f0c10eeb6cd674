import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, openSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Catalog } from './catalog.ts';
import type { BucketRecord, BuildObject, GcsStore, ObjectRecord, StagedData } from './store.ts';

/** What `<key>.json` beside an object's data holds. */
interface Sidecar {
  object: ObjectRecord;
  /** The data file's name in the same folder; each generation gets a new one. */
  dataFile: string;
}

/**
 * A file name for an object name: percent-encoded so `/`, `..` and other specials stay inside
 * the folder; names too long for a file system become a hash (the sidecar keeps the real name).
 */
export function objectFileKey(name: string): string {
  const encoded = encodeURIComponent(name).replace(
    /[!'()*.~]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return encoded.length <= 180 ? encoded : `%sha256-${createHash('sha256').update(name).digest('hex')}`;
}

function emptyReadable(): Readable {
  return Readable.from([]);
}

async function writeJsonAtomically(file: string, value: unknown): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
  await rename(temporary, file);
}

async function removeIfPresent(file: string): Promise<void> {
  await unlink(file).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

class DiskStaged implements StagedData {
  #size = 0;
  #closed = false;

  constructor(
    readonly file: string,
    private readonly handle: FileHandle,
  ) {}

  get size(): number {
    return this.#size;
  }

  async append(chunk: Uint8Array): Promise<void> {
    // Explicit positions: after a truncate the file offset would otherwise leave a hole.
    let written = 0;
    while (written < chunk.byteLength) {
      const { bytesWritten } = await this.handle.write(
        chunk,
        written,
        chunk.byteLength - written,
        this.#size + written,
      );
      written += bytesWritten;
    }
    this.#size += chunk.byteLength;
  }

  async truncate(size: number): Promise<void> {
    if (size >= this.#size) return;
    await this.handle.truncate(size);
    this.#size = size;
  }

  read(start: number, end: number): Readable {
    return end > start ? createReadStream(this.file, { start, end: end - 1 }) : emptyReadable();
  }

  /** Closes the file so it can be moved into place. */
  async seal(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.handle.close();
  }

  async discard(): Promise<void> {
    await this.seal();
    await removeIfPresent(this.file);
  }
}

/**
 * Keeps buckets and objects in `dir`: `buckets/<bucket>/bucket.json`, and per object a JSON
 * sidecar `objects/<key>.json` with its data in `objects/<key>.<id>.data`. Uploads are streamed
 * to `staging/` and moved into place, so no object is ever held in memory whole.
 */
export async function createDiskStore(dir: string): Promise<GcsStore> {
  const bucketsDir = path.join(dir, 'buckets');
  const stagingDir = path.join(dir, 'staging');
  await mkdir(bucketsDir, { recursive: true });
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });

  const catalog = new Catalog();
  /** Data file of each object, by `bucket/name`. */
  const dataFiles = new Map<string, string>();
  /** Metadata writes per object, chained so they land in the order they were made. */
  const writes = new Map<string, Promise<void>>();

  const objectsDir = (bucket: string) => path.join(bucketsDir, bucket, 'objects');
  const key = (bucket: string, name: string) => `${bucket}/${name}`;

  for (const bucket of await readdir(bucketsDir)) {
    const record = JSON.parse(await readFile(path.join(bucketsDir, bucket, 'bucket.json'), 'utf8')) as BucketRecord;
    catalog.putBucket(record);
    const files = await readdir(objectsDir(bucket));
    const referenced = new Set<string>();
    for (const file of files.filter((f) => f.endsWith('.json'))) {
      const sidecar = JSON.parse(await readFile(path.join(objectsDir(bucket), file), 'utf8')) as Sidecar;
      catalog.putObject(sidecar.object);
      dataFiles.set(key(bucket, sidecar.object.name), sidecar.dataFile);
      referenced.add(sidecar.dataFile);
    }
    // Leftovers of writes cut short by a stop.
    for (const file of files.filter((f) => f.endsWith('.tmp') || (f.endsWith('.data') && !referenced.has(f)))) {
      await removeIfPresent(path.join(objectsDir(bucket), file));
    }
  }

  function queueWrite(objectKey: string, write: () => Promise<void>): Promise<void> {
    const next = (writes.get(objectKey) ?? Promise.resolve()).then(write);
    const settled = next.catch(() => {});
    writes.set(objectKey, settled);
    void settled.then(() => {
      if (writes.get(objectKey) === settled) writes.delete(objectKey);
    });
    return next;
  }

  function writeSidecar(object: ObjectRecord, dataFile: string): Promise<void> {
    const sidecar: Sidecar = { object, dataFile };
    const file = path.join(objectsDir(object.bucket), `${objectFileKey(object.name)}.json`);
    return queueWrite(key(object.bucket, object.name), () => writeJsonAtomically(file, sidecar));
  }

  return {
    getBucket: (name) => catalog.getBucket(name),
    listBuckets: () => catalog.listBuckets(),
    async putBucket(bucket) {
      catalog.putBucket(bucket);
      await mkdir(objectsDir(bucket.name), { recursive: true });
      await writeJsonAtomically(path.join(bucketsDir, bucket.name, 'bucket.json'), bucket);
    },
    async deleteBucket(name) {
      catalog.deleteBucket(name);
      await rm(path.join(bucketsDir, name), { recursive: true, force: true });
    },
    getObject: (bucket, name) => catalog.getObject(bucket, name),
    listObjects: (bucket) => catalog.listObjects(bucket),
    async updateObject(object) {
      catalog.putObject(object);
      const dataFile = dataFiles.get(key(object.bucket, object.name));
      if (!dataFile) throw new Error(`object ${object.bucket}/${object.name} has no data`);
      await writeSidecar(object, dataFile);
    },
    async commitObject(staged: StagedData, bucket: string, name: string, build: BuildObject) {
      if (!(staged instanceof DiskStaged)) throw new Error('staged data comes from another store');
      const dataFile = `${objectFileKey(name)}.${randomUUID()}.data`;
      await staged.seal();
      await rename(staged.file, path.join(objectsDir(bucket), dataFile));
      let object: ObjectRecord;
      try {
        object = build(catalog.getObject(bucket, name));
      } catch (error) {
        await removeIfPresent(path.join(objectsDir(bucket), dataFile));
        throw error;
      }
      const previous = dataFiles.get(key(bucket, name));
      catalog.putObject(object);
      dataFiles.set(key(bucket, name), dataFile);
      await writeSidecar(object, dataFile);
      // Readers of the previous generation hold the file open; it goes when they close it.
      if (previous) await removeIfPresent(path.join(objectsDir(bucket), previous));
      return object;
    },
    async deleteObject(bucket, name) {
      const dataFile = dataFiles.get(key(bucket, name));
      catalog.deleteObject(bucket, name);
      dataFiles.delete(key(bucket, name));
      await queueWrite(key(bucket, name), () =>
        removeIfPresent(path.join(objectsDir(bucket), `${objectFileKey(name)}.json`)),
      );
      if (dataFile) await removeIfPresent(path.join(objectsDir(bucket), dataFile));
    },
    async stage() {
      const file = path.join(stagingDir, `${randomUUID()}.part`);
      return new DiskStaged(file, await open(file, 'w+'));
    },
    readObject(object, start, end) {
      const dataFile = dataFiles.get(key(object.bucket, object.name));
      if (!dataFile || end <= start) return emptyReadable();
      // Opened now, so a generation committed meanwhile cannot swap the bytes under this read.
      const fd = openSync(path.join(objectsDir(object.bucket), dataFile), 'r');
      return createReadStream('', { fd, start, end: end - 1 });
    },
    async close() {
      await Promise.all(writes.values());
    },
  };
}
