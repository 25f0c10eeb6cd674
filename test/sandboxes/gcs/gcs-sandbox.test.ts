import { spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { CRC32C, IdempotencyStrategy, Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsSandbox, startGcsSandbox } from './server.ts';

const MiB = 1024 * 1024;
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Deterministic pseudo-random bytes: an AES-CTR keystream seeded by `seed`. */
function bytes(size: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  return createCipheriv('aes-256-ctr', key, Buffer.alloc(16)).update(Buffer.alloc(size));
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const md5 = (data: Buffer) => createHash('md5').update(data).digest('base64');
function crc32c(data: Buffer): string {
  const checksum = new CRC32C();
  checksum.update(data);
  return checksum.toString();
}

/**
 * The client as a user points it at the sandbox: a custom `apiEndpoint` means no auth (the
 * default `useAuthWithCustomEndpoint: false`) and `projectId` spares the project lookup, so
 * nothing reaches for credentials or the metadata server.
 */
function client(url: string): Storage {
  return new Storage({
    apiEndpoint: url,
    projectId: 'test',
    retryOptions: {
      autoRetry: true,
      maxRetries: 10,
      retryDelayMultiplier: 1.1,
      totalTimeout: 60,
      // Not lower: the client's async-retry throws "minTimeout is greater than maxTimeout" below 1 s.
      maxRetryDelay: 1,
      idempotencyStrategy: IdempotencyStrategy.RetryAlways,
    },
  });
}

/** Feeds `data` to a write stream in 1 MiB writes, like a file or a network source would. */
function pieces(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let offset = 0; offset < data.length; offset += MiB) yield data.subarray(offset, offset + MiB);
    })(),
  );
}

describe('GCS sandbox driven by @google-cloud/storage', () => {
  let sandbox: GcsSandbox;
  let storage: Storage;

  beforeAll(async () => {
    sandbox = await startGcsSandbox({ port: 0 });
    storage = client(sandbox.url);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('creates, gets, lists and deletes buckets, answering 409 and 404 like GCS', async () => {
    const [bucket] = await storage.createBucket('life-cycle');
    expect(bucket.name).toBe('life-cycle');
    await expect(storage.createBucket('life-cycle')).rejects.toMatchObject({ code: 409 });
    const [metadata] = await storage.bucket('life-cycle').getMetadata();
    expect(metadata).toMatchObject({ kind: 'storage#bucket', name: 'life-cycle', id: 'life-cycle' });
    await storage.createBucket('life-cycle-2');
    const [buckets] = await storage.getBuckets({ prefix: 'life-cycle' });
    expect(buckets.map((b) => b.name)).toEqual(['life-cycle', 'life-cycle-2']);

    await bucket.file('keep.txt').save('x', { resumable: false });
    await expect(bucket.delete()).rejects.toMatchObject({ code: 409 });
    await bucket.file('keep.txt').delete();
    await bucket.delete();
    await storage.bucket('life-cycle-2').delete();
    expect((await storage.bucket('life-cycle').exists())[0]).toBe(false);
    await expect(storage.bucket('life-cycle').getMetadata()).rejects.toMatchObject({ code: 404 });
    await expect(storage.bucket('life-cycle').delete()).rejects.toMatchObject({ code: 404 });
    await expect(storage.createBucket('Not_A_Valid_Name')).rejects.toMatchObject({ code: 400 });
  });

  it('saves a small object in one multipart request with exact hashes and metadata', async () => {
    const [bucket] = await storage.createBucket('small');
    const name = 'dir/Zoë "quoted", new\tline 🚀.txt';
    const data = Buffer.from('id,note\n1,"multi\nline"\n2,Zoë 🚀\n');
    await bucket
      .file(name)
      .save(data, { resumable: false, contentType: 'text/csv', metadata: { metadata: { a: '1' } } });

    const [metadata] = await bucket.file(name).getMetadata();
    expect(metadata).toMatchObject({
      kind: 'storage#object',
      name,
      bucket: 'small',
      size: String(data.length),
      contentType: 'text/csv',
      md5Hash: md5(data),
      crc32c: crc32c(data),
      metageneration: '1',
      storageClass: 'STANDARD',
      metadata: { a: '1' },
    });
    expect(metadata.generation).toMatch(/^\d{16}$/);
    const [content] = await bucket.file(name).download({ validation: 'md5' });
    expect(content.equals(data)).toBe(true);
    await bucket.file('empty').save(Buffer.alloc(0), { resumable: false });
    const [empty] = await bucket.file('empty').download();
    expect(empty.length).toBe(0);
  });

  it('uploads objects over 32 MiB resumably, in one request and in 8 MiB chunks, and downloads them validated', async () => {
    const [bucket] = await storage.createBucket('large');
    const data = bytes(33 * MiB + 7, 'large');

    await bucket.file('one-request.bin').save(data, { resumable: true });
    const [whole] = await bucket.file('one-request.bin').download({ validation: 'crc32c' });
    expect(sha256(whole)).toBe(sha256(data));

    await pipeline(pieces(data), bucket.file('chunked.bin').createWriteStream({ resumable: true, chunkSize: 8 * MiB }));
    const [chunked] = await bucket.file('chunked.bin').download({ validation: 'md5' });
    expect(sha256(chunked)).toBe(sha256(data));
    const [metadata] = await bucket.file('chunked.bin').getMetadata();
    expect(metadata).toMatchObject({ size: String(data.length), md5Hash: md5(data), crc32c: crc32c(data) });
  });

  it('reads exact byte ranges, including a tail', async () => {
    const [bucket] = await storage.createBucket('ranges');
    const data = bytes(3 * MiB, 'ranges');
    await bucket.file('data.bin').save(data, { resumable: false });
    const read = async (options: { start?: number; end?: number }) => {
      const chunks: Buffer[] = [];
      for await (const chunk of bucket.file('data.bin').createReadStream(options)) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    };
    expect((await read({ start: 1000, end: 300_000 })).equals(data.subarray(1000, 300_001))).toBe(true);
    expect((await read({ start: 3 * MiB - 10 })).equals(data.subarray(3 * MiB - 10))).toBe(true);
    expect((await read({ end: -100 })).equals(data.subarray(3 * MiB - 100))).toBe(true);
    expect((await read({ start: 0, end: 0 })).equals(data.subarray(0, 1))).toBe(true);
  });

  it('lists objects page by page with prefix, delimiter and maxResults', async () => {
    const [bucket] = await storage.createBucket('listing');
    const names = [
      'list/b.txt',
      'list/a.txt',
      'list/dir1/x',
      'list/dir1/y',
      'list/é.txt',
      'list/dir2/z',
      'other/c.txt',
    ];
    for (const name of names) await bucket.file(name).save(name, { resumable: false });

    const pages: { files: string[]; prefixes: string[] }[] = [];
    let query: Record<string, unknown> | null = { prefix: 'list/', delimiter: '/', autoPaginate: false, maxResults: 2 };
    while (query) {
      const [files, nextQuery, response] = await bucket.getFiles(query);
      pages.push({ files: files.map((f) => f.name), prefixes: (response as { prefixes?: string[] }).prefixes ?? [] });
      query = nextQuery as Record<string, unknown> | null;
    }
    expect(pages).toEqual([
      { files: ['list/a.txt', 'list/b.txt'], prefixes: [] },
      { files: [], prefixes: ['list/dir1/', 'list/dir2/'] },
      { files: ['list/é.txt'], prefixes: [] },
    ]);
    const [all] = await bucket.getFiles();
    expect(all.map((f) => f.name)).toEqual([...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
    const [fromOffset] = await bucket.getFiles({ startOffset: 'list/dir2', endOffset: 'other' });
    expect(fromOffset.map((f) => f.name)).toEqual(['list/dir2/z', 'list/é.txt']);
  });

  it('patches custom metadata and bumps the metageneration', async () => {
    const [bucket] = await storage.createBucket('patching');
    const file = bucket.file('doc.json');
    await file.save('{}', {
      resumable: false,
      contentType: 'application/json',
      metadata: { metadata: { keep: 'yes' } },
    });
    const [before] = await file.getMetadata();
    await file.setMetadata({ metadata: { a: '1' } });
    const [after] = await file.getMetadata();
    expect(after).toMatchObject({
      metadata: { keep: 'yes', a: '1' },
      metageneration: '2',
      generation: before.generation,
    });
    await file.setMetadata({ metadata: { keep: null }, contentType: 'text/plain' });
    const [cleared] = await file.getMetadata();
    expect(cleared).toMatchObject({ metadata: { a: '1' }, contentType: 'text/plain', metageneration: '3' });
  });

  it('deletes an object: exists() turns false and a second delete is a 404', async () => {
    const [bucket] = await storage.createBucket('deleting');
    const file = bucket.file('gone.txt');
    await file.save('bye', { resumable: false });
    expect((await file.exists())[0]).toBe(true);
    await file.delete();
    expect((await file.exists())[0]).toBe(false);
    await expect(file.delete()).rejects.toMatchObject({ code: 404 });
    await expect(file.download()).rejects.toMatchObject({ code: 404 });
  });

  it('composes objects into their concatenation and copies an object', async () => {
    const [bucket] = await storage.createBucket('composing');
    const parts = [bytes(300_000, 'p1'), Buffer.from('middle,"quoted"\n'), bytes(1_000_001, 'p3')];
    for (const [i, part] of parts.entries()) await bucket.file(`part-${i}`).save(part, { resumable: false });
    const [combined] = await bucket.combine(
      parts.map((_, i) => `part-${i}`),
      'combined.bin',
    );
    const expected = Buffer.concat(parts);
    const [content] = await combined.download({ validation: 'crc32c' });
    expect(sha256(content)).toBe(sha256(expected));
    const [metadata] = await combined.getMetadata();
    // Composite objects carry a CRC32C and a component count but no MD5, as on GCS.
    expect(metadata).toMatchObject({ size: String(expected.length), crc32c: crc32c(expected), componentCount: 3 });
    expect(metadata.md5Hash).toBeUndefined();

    const [copy] = await bucket.file('part-1').copy(bucket.file('copies/part-1'));
    const [copied] = await copy.download({ validation: 'md5' });
    expect(copied.equals(parts[1]!)).toBe(true);
  });

  it('refuses ifGenerationMatch: 0 on an existing object with 412, for multipart and resumable uploads', async () => {
    const [bucket] = await storage.createBucket('preconditions');
    const file = bucket.file('once.txt');
    await file.save('first', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    await expect(
      file.save('second', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }),
    ).rejects.toMatchObject({
      code: 412,
    });
    await expect(
      file.save('second', { resumable: true, preconditionOpts: { ifGenerationMatch: 0 } }),
    ).rejects.toMatchObject({
      status: 412,
    });
    const [generation] = await file.getMetadata().then(([m]) => [Number(m.generation)]);
    await file.save('third', { resumable: false, preconditionOpts: { ifGenerationMatch: generation! } });
    expect((await file.download())[0].toString()).toBe('third');
  });

  it('rejects an upload whose declared checksums do not match its bytes with 400', async () => {
    const [bucket] = await storage.createBucket('checksums');
    const data = Buffer.from('payload');
    await expect(
      bucket.file('bad-crc.txt').save(data, { resumable: false, metadata: { crc32c: crc32c(Buffer.from('other')) } }),
    ).rejects.toMatchObject({ code: 400 });
    await expect(
      bucket.file('bad-md5.txt').save(data, { resumable: false, metadata: { md5Hash: md5(Buffer.from('other')) } }),
    ).rejects.toMatchObject({ code: 400 });
    await bucket
      .file('good.txt')
      .save(data, { resumable: false, metadata: { crc32c: crc32c(data), md5Hash: md5(data) } });
    expect((await bucket.file('bad-crc.txt').exists())[0]).toBe(false);
    expect((await bucket.file('good.txt').exists())[0]).toBe(true);
  });

  it('speaks the resumable protocol: 308 with Range, 256 KiB persistence, replays, gaps, cancel', async () => {
    await storage.createBucket('protocol');
    const start = async () => {
      const response = await fetch(`${sandbox.url}/upload/storage/v1/b/protocol/o?uploadType=resumable&name=raw.bin`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Upload-Content-Type': 'application/x-raw' },
        body: '{}',
      });
      expect(response.status).toBe(200);
      return response.headers.get('location')!;
    };
    const put = (uri: string, range: string, body?: Buffer) =>
      fetch(uri, { method: 'PUT', headers: { 'Content-Range': range }, body: body && new Uint8Array(body) });
    const data = bytes(700_000, 'protocol');

    const uri = await start();
    let response = await put(uri, 'bytes */*');
    expect([response.status, response.headers.get('range')]).toEqual([308, null]);
    // Not a multiple of 256 KiB and not the last chunk: only 262144 bytes are kept.
    response = await put(uri, 'bytes 0-299999/*', data.subarray(0, 300_000));
    expect([response.status, response.headers.get('range')]).toEqual([308, 'bytes=0-262143']);
    response = await put(uri, 'bytes 600000-699999/700000', data.subarray(600_000));
    expect(response.status).toBe(400);
    // A replay from 0 is accepted: the bytes already held are skipped.
    response = await put(uri, 'bytes 0-699999/700000', data);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      name: 'raw.bin',
      size: '700000',
      contentType: 'application/x-raw',
      md5Hash: md5(data),
    });
    response = await put(uri, 'bytes */700000');
    expect(response.status).toBe(200);

    const cancelled = await start();
    expect((await fetch(cancelled, { method: 'DELETE' })).status).toBe(499);
    expect((await put(cancelled, 'bytes */*')).status).toBe(404);
  });

  it('survives 20% injected 503s: 30 small uploads and a 20 MiB resumable upload arrive exact', async () => {
    const [bucket] = await storage.createBucket('flaky');
    const smalls = Array.from({ length: 30 }, (_, i) => bytes(1000 + i * 37, `small-${i}`));
    const large = bytes(20 * MiB + 3, 'flaky-large');
    const before = { ...sandbox.stats };
    Object.assign(sandbox.faults, { errorRate: 0.2, errorStatus: 503, seed: 42 });
    try {
      await Promise.all(smalls.map((data, i) => bucket.file(`small/${i}`).save(data, { resumable: false })));
      await bucket.file('large.bin').save(large, { resumable: true });
      const downloads = await Promise.all(smalls.map((_, i) => bucket.file(`small/${i}`).download()));
      expect(downloads.map(([data]) => sha256(data))).toEqual(smalls.map(sha256));
      const [largeBack] = await bucket.file('large.bin').download();
      expect(sha256(largeBack)).toBe(sha256(large));
    } finally {
      sandbox.faults.errorRate = 0;
    }
    const faulted = sandbox.stats.faulted - before.faulted;
    const requests = sandbox.stats.requests - before.requests;
    expect(faulted).toBeGreaterThan(5);
    expect(faulted / requests).toBeGreaterThan(0.1);
  });

  it('resumes a resumable upload whose connection was cut, from the last 256 KiB boundary', async () => {
    const [bucket] = await storage.createBucket('cut');
    const data = bytes(10 * MiB, 'cut');
    const before = sandbox.stats.faulted;
    sandbox.faults.cutUploadAfterBytes = 600_000;
    await pipeline(pieces(data), bucket.file('resumed.bin').createWriteStream({ resumable: true, chunkSize: MiB }));
    expect(sandbox.faults.cutUploadAfterBytes).toBeUndefined(); // cutOnce disarmed it after the cut
    expect(sandbox.stats.faulted - before).toBe(1);
    const [content] = await bucket.file('resumed.bin').download({ validation: 'md5' });
    expect(sha256(content)).toBe(sha256(data));
  });

  it('holds uploads of the objects holdUploadsOf names, unanswered, and serves the others', async () => {
    const [bucket] = await storage.createBucket('held');
    const upload = (name: string, signal?: AbortSignal) =>
      fetch(`${sandbox.url}/upload/storage/v1/b/held/o?uploadType=media&name=${encodeURIComponent(name)}`, {
        method: 'POST',
        body: name,
        ...(signal ? { signal } : {}),
      });
    const requestsBefore = sandbox.stats.requests;
    sandbox.faults.holdUploadsOf = 'part-00003';
    const caller = new AbortController();
    try {
      let answered = false;
      const held = upload('run/part-00003.csv', caller.signal).then(() => {
        answered = true;
      });
      // Once the sandbox has the held request, the next upload is answered while it still waits.
      await expect.poll(() => sandbox.stats.requests, { timeout: 30_000 }).toBe(requestsBefore + 1);
      expect((await upload('run/part-00002.csv')).status).toBe(200);
      expect(answered).toBe(false);
      caller.abort();
      await expect(held).rejects.toThrow();
    } finally {
      sandbox.faults.holdUploadsOf = undefined;
    }
    expect((await bucket.getFiles())[0].map((f) => f.name)).toEqual(['run/part-00002.csv']);
    expect((await upload('run/part-00003.csv')).status).toBe(200);
  });

  it('also serves a client pointed at it through STORAGE_EMULATOR_HOST', async () => {
    process.env.STORAGE_EMULATOR_HOST = sandbox.url;
    let viaEnvironment: Storage;
    try {
      viaEnvironment = new Storage({ projectId: 'test' });
    } finally {
      delete process.env.STORAGE_EMULATOR_HOST;
    }
    const [bucket] = await viaEnvironment.createBucket('via-env');
    await bucket.file('a/b.txt').save('env', { resumable: true });
    expect((await bucket.file('a/b.txt').download())[0].toString()).toBe('env');
    expect((await bucket.getFiles())[0].map((f) => f.name)).toEqual(['a/b.txt']);
  });

  it('takes fault settings over HTTP and answers 429 with Retry-After: 0', async () => {
    const configure = (faults: Record<string, unknown>) =>
      fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(faults) });
    const set = await configure({ errorRate: 1, errorStatus: 429 });
    expect(await set.json()).toMatchObject({ errorRate: 1, errorStatus: 429 });
    try {
      const response = await fetch(`${sandbox.url}/storage/v1/b?project=test`);
      expect([response.status, response.headers.get('retry-after')]).toEqual([429, '0']);
      // The admin endpoint itself is never faulted.
      expect((await fetch(`${sandbox.url}/_sandbox/stats`)).status).toBe(200);
    } finally {
      const after = (await (await configure({ errorRate: null, errorStatus: null })).json()) as Record<string, unknown>;
      expect([after.errorRate, after.errorStatus]).toEqual([undefined, undefined]);
    }
    expect((await configure({ errorRate: 2 })).status).toBe(400);

    // The same seed fails the same requests.
    const statuses = async () => {
      await configure({ errorRate: 0.5, seed: 7 });
      const seen: number[] = [];
      for (let i = 0; i < 16; i++) seen.push((await fetch(`${sandbox.url}/storage/v1/b?project=test`)).status);
      await configure({ errorRate: null });
      return seen;
    };
    const first = await statuses();
    expect(new Set(first)).toEqual(new Set([200, 503]));
    expect(await statuses()).toEqual(first);
    expect((await fetch(`${sandbox.url}/storage/v1/b?project=test`)).status).toBe(200);
  });
});

describe('GCS sandbox on disk', () => {
  it('keeps buckets and objects, large ones too, across a restart on the same folder', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'backflow-gcs-'));
    try {
      const large = bytes(34 * MiB + 1, 'disk-large');
      let sandbox = await startGcsSandbox({ dir });
      let storage = client(sandbox.url);
      const [bucket] = await storage.createBucket('durable');
      await pipeline(
        pieces(large),
        bucket.file('nested/../large.bin').createWriteStream({ resumable: true, chunkSize: 8 * MiB }),
      );
      await bucket.file('small ✓.txt').save('kept', { resumable: false, metadata: { metadata: { a: '1' } } });
      await bucket.file('replaced.txt').save('old', { resumable: false });
      await bucket.file('replaced.txt').save('new', { resumable: false });
      await sandbox.close();

      sandbox = await startGcsSandbox({ dir });
      storage = client(sandbox.url);
      const [files] = await storage.bucket('durable').getFiles();
      expect(files.map((f) => f.name)).toEqual(['nested/../large.bin', 'replaced.txt', 'small ✓.txt']);
      const [back] = await storage.bucket('durable').file('nested/../large.bin').download({ validation: 'md5' });
      expect(sha256(back)).toBe(sha256(large));
      expect((await storage.bucket('durable').file('replaced.txt').download())[0].toString()).toBe('new');
      const [metadata] = await storage.bucket('durable').file('small ✓.txt').getMetadata();
      expect(metadata.metadata).toEqual({ a: '1' });
      await sandbox.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('sandbox CLI', () => {
  it('prints "listening on <url>" for `gcs --port 0` and serves the client until SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandboxes/cli.ts', 'gcs', '--port', '0'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let output = '';
        child.stdout!.on('data', (chunk) => {
          output += chunk;
          const match = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output);
          if (match) resolve(match[1]!);
        });
        child.on('close', () => reject(new Error(`the CLI exited before listening: ${output}`)));
      });
      expect(url).not.toMatch(/:0$/);
      const storage = client(url);
      await storage.createBucket('from-cli');
      expect((await storage.getBuckets())[0].map((b) => b.name)).toEqual(['from-cli']);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });
});
