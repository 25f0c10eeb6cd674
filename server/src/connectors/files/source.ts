import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Type } from '@sinclair/typebox';
import { ConfigError } from '../../errors.ts';
import { defineSource, type FilePayload, type SourceBatch } from '../../node-kit/contract.ts';
import { readChunkBytes, verifySha256 } from '../../node-kit/digest.ts';
import { lazyPackage } from '../../node-kit/lazy-package.ts';
import { compareNames, isManifest, type Manifest, manifestName } from '../../node-kit/manifest.ts';
import { streamOf } from '../../node-kit/parts.ts';

/** fast-glob and its matchers (0.07 s of CPU) load when a node lists files, not at every start of the CLI. */
const fastGlob = lazyPackage<typeof import('fast-glob')>('fast-glob');

const filesSourceConfig = Type.Object(
  {
    path: Type.String({
      'x-local-path': true,
      minLength: 1,
      title: 'Path',
      description: 'A file, a directory or a glob',
    }),
    stream: Type.Optional(
      Type.String({
        title: 'Stream name',
        description: 'Name of the stream the files feed (default: the first folder, or the file name)',
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Reads a file, every file under a directory, or a glob, in name order. A directory holding a
 * complete `_manifest.json` is read as a backup: exactly the parts it lists, each checked against
 * its sha256 while it streams. The cursor is the last file's name, so a resume skips what landed.
 */
export const filesSource = defineSource({
  type: 'files.source',
  title: 'Local files',
  description: 'Reads a file, a directory (a backup, when it holds _manifest.json) or a glob such as data/*.csv.',
  config: filesSourceConfig,
  outputs: [{ name: 'files', kind: 'files' }],
  async check(config, ctx) {
    await listFiles(path.resolve(ctx.baseDir, config.path), config.path, ctx.baseDir, ctx.nodeId);
  },
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    const root = path.resolve(ctx.baseDir, config.path);
    const listing = await listFiles(root, config.path, ctx.baseDir, ctx.nodeId);
    const after = typeof ctx.resumeCursor === 'string' ? ctx.resumeCursor : undefined;
    for (const entry of listing.files) {
      if (after !== undefined && entry.name <= after) continue;
      const file: FilePayload = {
        kind: 'file',
        name: entry.name,
        stream: config.stream ?? entry.stream ?? streamOf(entry.name),
        localPath: entry.absolute,
        open: () =>
          entry.sha256
            ? verified(entry.absolute, entry.sha256, entry.name)
            : createReadStream(entry.absolute, { highWaterMark: readChunkBytes }),
        ...(entry.rows == null ? {} : { rows: entry.rows }),
        ...(entry.sha256 ? { sha256: entry.sha256 } : {}),
        bytes: entry.bytes,
        ...(listing.manifest?.streams[entry.stream ?? '']?.columns
          ? { schema: listing.manifest.streams[entry.stream ?? '']!.columns! }
          : {}),
      };
      yield { ...file, cursor: entry.name };
    }
  },
});

interface ListedFile {
  name: string;
  absolute: string;
  bytes: number;
  rows?: number | null;
  sha256?: string;
  stream?: string;
}

async function listFiles(
  root: string,
  configured: string,
  baseDir: string,
  nodeId: string,
): Promise<{ files: ListedFile[]; manifest?: Manifest }> {
  const fg = fastGlob();
  if (fg.isDynamicPattern(configured)) {
    const matches = await fg(configured, { cwd: baseDir, absolute: true, dot: false, onlyFiles: true });
    const base = commonDirectory(matches);
    return { files: await describe(matches.sort(), base) };
  }
  const info = await stat(root).catch(() => {
    throw new ConfigError(`path "${configured}" does not exist`, { nodeId });
  });
  if (info.isFile()) return { files: await describe([root], path.dirname(root)) };
  const manifestFile = path.join(root, manifestName);
  const manifest = await readFile(manifestFile, 'utf8').then(
    (text) => JSON.parse(text) as unknown,
    () => undefined,
  );
  if (manifest !== undefined) {
    if (!isManifest(manifest)) {
      throw new ConfigError(`${manifestFile} is not a complete Backflow manifest; the backup is unfinished`, {
        nodeId,
      });
    }
    return {
      manifest,
      // In the order a resume's cursor assumes, whatever order an older manifest listed them in.
      files: [...manifest.files]
        .sort((a, b) => compareNames(a.name, b.name))
        .map((file) => ({
          name: file.name,
          absolute: path.join(root, file.name),
          bytes: file.bytes,
          rows: file.rows,
          sha256: file.sha256,
          stream: file.stream,
        })),
    };
  }
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile() && !e.name.startsWith('.') && e.name !== manifestName)
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
  return { files: await describe(files, root) };
}

async function describe(files: string[], base: string): Promise<ListedFile[]> {
  return Promise.all(
    files.map(async (absolute) => ({
      name: path.relative(base, absolute).split(path.sep).join('/'),
      absolute,
      bytes: (await stat(absolute)).size,
    })),
  );
}

function commonDirectory(files: string[]): string {
  if (files.length === 0) return process.cwd();
  let common = path.dirname(files[0]!);
  for (const file of files) {
    while (!`${file}`.startsWith(common + path.sep)) common = path.dirname(common);
  }
  return common;
}

/** Streams a file and fails at its end if the bytes do not hash to what the manifest says. */
function verified(file: string, sha256: string, name: string) {
  const check = verifySha256(sha256, name);
  const input = createReadStream(file, { highWaterMark: readChunkBytes });
  input.on('error', (error) => check.destroy(error));
  return input.pipe(check);
}
