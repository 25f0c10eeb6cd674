import { Readable } from 'node:stream';
import { Catalog } from './catalog.ts';
import type { BuildObject, GcsStore, StagedData } from './store.ts';

const readSlice = 64 * 1024;

function* slices(data: Buffer, start: number, end: number): Generator<Buffer> {
  for (let offset = start; offset < end; offset += readSlice) {
    yield data.subarray(offset, Math.min(end, offset + readSlice));
  }
}

class MemoryStaged implements StagedData {
  #chunks: Buffer[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  async append(chunk: Uint8Array): Promise<void> {
    // A copy: the caller may reuse its buffer.
    this.#chunks.push(Buffer.from(chunk));
    this.#size += chunk.byteLength;
  }

  async truncate(size: number): Promise<void> {
    if (size >= this.#size) return;
    this.#chunks = [this.bytes().subarray(0, size)];
    this.#size = size;
  }

  read(start: number, end: number): Readable {
    return Readable.from(slices(this.bytes(), start, end));
  }

  async discard(): Promise<void> {
    this.#chunks = [];
    this.#size = 0;
  }

  bytes(): Buffer {
    if (this.#chunks.length !== 1) this.#chunks = [Buffer.concat(this.#chunks, this.#size)];
    return this.#chunks[0]!;
  }
}

function key(bucket: string, name: string): string {
  return `${bucket}/${name}`;
}

/** Keeps everything in memory: fast, and gone when the sandbox stops. */
export function createMemoryStore(): GcsStore {
  const catalog = new Catalog();
  const data = new Map<string, Buffer>();

  return {
    getBucket: (name) => catalog.getBucket(name),
    listBuckets: () => catalog.listBuckets(),
    putBucket: async (bucket) => catalog.putBucket(bucket),
    deleteBucket: async (name) => catalog.deleteBucket(name),
    getObject: (bucket, name) => catalog.getObject(bucket, name),
    listObjects: (bucket) => catalog.listObjects(bucket),
    updateObject: async (object) => catalog.putObject(object),
    async commitObject(staged: StagedData, bucket: string, name: string, build: BuildObject) {
      if (!(staged instanceof MemoryStaged)) throw new Error('staged data comes from another store');
      const object = build(catalog.getObject(bucket, name));
      catalog.putObject(object);
      data.set(key(bucket, name), staged.bytes());
      return object;
    },
    async deleteObject(bucket, name) {
      catalog.deleteObject(bucket, name);
      data.delete(key(bucket, name));
    },
    stage: async () => new MemoryStaged(),
    readObject(object, start, end) {
      const bytes = data.get(key(object.bucket, object.name)) ?? Buffer.alloc(0);
      return Readable.from(slices(bytes, start, end));
    },
    close: async () => {},
  };
}
