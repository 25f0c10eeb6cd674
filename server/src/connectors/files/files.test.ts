import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { FilePayload, SourceBatch } from '../../node-kit/contract.ts';
import type { Manifest } from '../../node-kit/manifest.ts';
import { collect, temporaryDirectory, testContext } from '../../testing/node-context.ts';
import { tempMarker } from './atomic-file.ts';
import { filesDestination } from './destination.ts';
import { filesSource } from './source.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

function textFile(name: string, text: string, rows: number): FilePayload {
  return { kind: 'file', name, stream: name.split('/')[0]!, rows, open: () => Readable.from([Buffer.from(text)]) };
}

describe('files.destination', () => {
  it('writes parts under the expanded directory and the manifest last, with rows and sha256 of each part', async () => {
    const ctx = testContext(await temporaryDirectory());
    const writer = await filesDestination.open({ dir: 'out/{flow}/{runDate}-{runId}' }, ctx);
    await writer.write(textFile('orders/part-00001.csv', 'id\n1\n2\n', 2), 1);
    const dir = path.join(ctx.baseDir, 'out/test-flow/2026-11-24-run-1');
    expect(await readdir(dir)).toEqual(['orders']);
    await writer.write(textFile('orders/part-00002.csv', 'id\n3\n', 1), 2);
    await writer.prepare();
    await writer.commit();
    const manifest = JSON.parse(await readFile(path.join(dir, '_manifest.json'), 'utf8')) as Manifest;
    expect(manifest).toMatchObject({ complete: true, flow: 'test-flow', runId: 'run-1', rows: 3 });
    expect(manifest.files).toEqual([
      { name: 'orders/part-00001.csv', stream: 'orders', rows: 2, bytes: 7, sha256: sha256('id\n1\n2\n') },
      { name: 'orders/part-00002.csv', stream: 'orders', rows: 1, bytes: 5, sha256: sha256('id\n3\n') },
    ]);
  });

  it('resumes from its state: listed parts stay listed, replayed parts overwrite, strays and temp files go', async () => {
    const ctx = testContext(await temporaryDirectory());
    const dir = path.join(ctx.baseDir, 'b');
    await mkdir(path.join(dir, 'orders'), { recursive: true });
    await writeFile(path.join(dir, 'orders', 'part-00001.csv'), 'id\n1\n2\n');
    await writeFile(path.join(dir, 'orders', 'part-00002.csv'), 'stale half of an older attempt');
    await writeFile(path.join(dir, 'orders', 'part-00009.csv'), 'stray from a longer attempt');
    await writeFile(path.join(dir, 'orders', `.part-00003.csv${tempMarker}abcd`), 'crash leftover');
    await writeFile(path.join(dir, '_manifest.json'), '{"complete": true, "files": []}');
    const landed = { name: 'orders/part-00001.csv', stream: 'orders', rows: 2, bytes: 7, sha256: sha256('id\n1\n2\n') };
    const writer = await filesDestination.open(
      { dir: 'b' },
      { ...ctx, resumeState: { files: [landed], schemas: {} }, resumeSeq: 1 },
    );
    expect(await readdir(dir)).toEqual(['orders']);
    await writer.write(textFile('orders/part-00002.csv', 'id\n3\n', 1), 2);
    await writer.prepare();
    await writer.commit();
    const manifest = JSON.parse(await readFile(path.join(dir, '_manifest.json'), 'utf8')) as Manifest;
    expect(manifest.files.map((f) => f.name)).toEqual(['orders/part-00001.csv', 'orders/part-00002.csv']);
    expect(manifest.rows).toBe(3);
    expect((await readdir(path.join(dir, 'orders'))).sort()).toEqual(['part-00001.csv', 'part-00002.csv']);
    expect(await readFile(path.join(dir, 'orders', 'part-00002.csv'), 'utf8')).toBe('id\n3\n');
  });

  it('refuses to publish a backup whose listed part is gone or changed size, and writes no manifest', async () => {
    const ctx = testContext(await temporaryDirectory());
    const dir = path.join(ctx.baseDir, 'b');
    await mkdir(path.join(dir, 'orders'), { recursive: true });
    await writeFile(path.join(dir, 'orders', 'part-00002.csv'), 'id\n3\n and more');
    const part = (n: number, text: string) => ({
      name: `orders/part-0000${n}.csv`,
      stream: 'orders',
      rows: 1,
      bytes: Buffer.byteLength(text),
      sha256: sha256(text),
    });
    const writer = await filesDestination.open(
      { dir: 'b' },
      { ...ctx, resumeState: { files: [part(1, 'id\n1\n'), part(2, 'id\n3\n')], schemas: {} }, resumeSeq: 2 },
    );
    await expect(writer.prepare()).rejects.toThrow(
      /cannot be completed: orders\/part-00001\.csv is gone, orders\/part-00002\.csv has 14 bytes, not the 5 written; run the flow again/,
    );
    expect(await readdir(dir)).toEqual(['orders']);
  });

  it('refuses a file name that escapes the directory', async () => {
    const ctx = testContext(await temporaryDirectory());
    const writer = await filesDestination.open({ dir: 'c' }, ctx);
    await expect(writer.write(textFile('../evil.csv', 'x', 1), 1)).rejects.toThrow('escapes the destination directory');
  });
});

describe('files.source', () => {
  it('reads a directory in name order and resumes after the cursor', async () => {
    const ctx = testContext(await temporaryDirectory());
    await mkdir(path.join(ctx.baseDir, 'in/sub'), { recursive: true });
    await writeFile(path.join(ctx.baseDir, 'in/b.csv'), 'b');
    await writeFile(path.join(ctx.baseDir, 'in/a.csv'), 'a');
    await writeFile(path.join(ctx.baseDir, 'in/sub/c.csv'), 'c');
    await writeFile(path.join(ctx.baseDir, 'in/.hidden'), 'h');
    const all = await collect(filesSource.read({ path: 'in' }, ctx));
    expect(all.map((f) => [f.kind === 'file' && f.name, f.kind === 'file' && f.stream, f.cursor])).toEqual([
      ['a.csv', 'a', 'a.csv'],
      ['b.csv', 'b', 'b.csv'],
      ['sub/c.csv', 'sub', 'sub/c.csv'],
    ]);
    const rest = await collect(filesSource.read({ path: 'in' }, { ...ctx, resumeCursor: 'b.csv' }));
    expect(rest.map((f) => f.cursor)).toEqual(['sub/c.csv']);
  });

  it('reads a glob', async () => {
    const ctx = testContext(await temporaryDirectory());
    await mkdir(path.join(ctx.baseDir, 'g'), { recursive: true });
    await writeFile(path.join(ctx.baseDir, 'g/x.csv'), 'x');
    await writeFile(path.join(ctx.baseDir, 'g/y.json'), 'y');
    const files = await collect(filesSource.read({ path: path.join(ctx.baseDir, 'g/*.csv') }, ctx));
    expect(files.map((f) => f.kind === 'file' && f.name)).toEqual(['x.csv']);
  });

  it('reads a backup by its manifest and fails a part whose bytes do not match its sha256', async () => {
    const ctx = testContext(await temporaryDirectory());
    const writer = await filesDestination.open({ dir: 'backup' }, ctx);
    await writer.write(textFile('t/part-00001.csv', 'id\n1\n', 1), 1);
    await writer.write(textFile('t/part-00002.csv', 'id\n2\n', 1), 2);
    await writer.prepare();
    await writer.commit();
    const parts = await collect(filesSource.read({ path: 'backup' }, ctx));
    expect(parts.map((p) => p.kind === 'file' && [p.name, p.rows, p.stream])).toEqual([
      ['t/part-00001.csv', 1, 't'],
      ['t/part-00002.csv', 1, 't'],
    ]);
    const read = async (file: SourceBatch) => {
      const chunks: Buffer[] = [];
      for await (const chunk of (file as FilePayload).open()) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString();
    };
    expect(await read(parts[0]!)).toBe('id\n1\n');
    await writeFile(path.join(ctx.baseDir, 'backup/t/part-00002.csv'), 'id\n666\n');
    await expect(read(parts[1]!)).rejects.toThrow('does not match the manifest');
  });

  it('names a missing path', async () => {
    const ctx = testContext(await temporaryDirectory());
    await expect(collect(filesSource.read({ path: 'nowhere' }, ctx))).rejects.toThrow('path "nowhere" does not exist');
  });
});
