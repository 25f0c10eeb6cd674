import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import { ConfigError, DestinationError } from '../../errors.ts';
import { type DestinationContext, defineDestination, type FilePayload, type Payload } from '../../node-kit/contract.ts';
import { BackupParts, type BackupPartsState, manifestName } from '../../node-kit/manifest.ts';
import { isPartName } from '../../node-kit/parts.ts';
import { expandPathTemplate } from '../../node-kit/path-template.ts';
import { assertWritableDirectory } from '../../node-kit/writable-directory.ts';
import { syncDirectory, tempMarker, writeFileAtomically } from './atomic-file.ts';
import { pruneBackups } from './retention.ts';

const filesDestinationConfig = Type.Object(
  {
    dir: Type.String({
      'x-local-path': true,
      minLength: 1,
      title: 'Directory',
      description: 'Target directory; may use {flow}, {runId} and {runDate}',
      examples: ['backups/{flow}/{runDate}-{runId}'],
    }),
    keepLast: Type.Optional(
      Type.Integer({
        minimum: 1,
        title: 'Keep last',
        description:
          'After a successful run, delete older complete backups of this flow and keep only the newest N (this run included). Needs {runId} or {runDate} in the directory; incomplete backups are never deleted.',
        examples: [7],
      }),
    ),
  },
  { additionalProperties: false },
);

/**
 * Writes each incoming file atomically under `dir`, then `_manifest.json` last. Parts are named
 * deterministically, so a replay after a crash overwrites the same part instead of adding one.
 * With `keepLast`, `retain` prunes older complete backups of the flow once a run succeeded.
 */
export const filesDestination = defineDestination({
  type: 'files.destination',
  title: 'Local files',
  description:
    'Writes files into a local directory, each atomically, and _manifest.json last with every part, its rows and sha256; with keepLast, prunes older backups after a successful run.',
  config: filesDestinationConfig,
  publishes: 'staged',
  inputs: [{ name: 'files', kind: 'files' }],
  async check(config, ctx) {
    const dir = path.resolve(ctx.baseDir, expandPathTemplate(config.dir, ctx));
    await assertWritableDirectory(dir, { nodeId: ctx.nodeId, field: 'dir' });
  },
  async open(config, ctx) {
    const dir = path.resolve(ctx.baseDir, expandPathTemplate(config.dir, ctx));
    await mkdir(dir, { recursive: true });
    // An old or partial manifest must not make this (unfinished) backup look complete.
    await rm(path.join(dir, manifestName), { force: true });
    await sweepTempFiles(dir);
    return new FilesWriter(dir, ctx, ctx.resumeState as BackupPartsState | undefined);
  },
  async retain(config, ctx) {
    return config.keepLast === undefined ? [] : pruneBackups(config.dir, config.keepLast, ctx);
  },
  location: (config, ctx) => expandPathTemplate(config.dir, ctx),
});

class FilesWriter {
  private readonly parts: BackupParts;

  constructor(
    private readonly dir: string,
    private readonly ctx: DestinationContext,
    resume: BackupPartsState | undefined,
  ) {
    this.parts = new BackupParts(resume);
  }

  async write(payload: Payload): Promise<void> {
    if (payload.kind !== 'file') throw new ConfigError('files.destination takes files', { nodeId: this.ctx.nodeId });
    const target = this.targetOf(payload);
    const written = await writeFileAtomically(target, payload);
    this.parts.landed(
      {
        name: payload.name,
        stream: payload.stream,
        rows: payload.rows ?? null,
        bytes: written.bytes,
        sha256: written.sha256,
      },
      payload.schema,
    );
  }

  private targetOf(file: FilePayload): string {
    const target = path.resolve(this.dir, file.name);
    if (!target.startsWith(this.dir + path.sep)) {
      throw new ConfigError(`file name "${file.name}" escapes the destination directory`, { nodeId: this.ctx.nodeId });
    }
    return target;
  }

  state(): BackupPartsState {
    return this.parts.state();
  }

  /** Drops parts an earlier, longer attempt left, and checks every part of this backup is still there. */
  async prepare(): Promise<void> {
    await this.removeUnlistedParts();
    const sizes = new Map<string, number>();
    for (const name of this.parts.names()) {
      const stats = await stat(path.resolve(this.dir, name)).catch(() => undefined);
      if (stats?.isFile()) sizes.set(name, stats.size);
    }
    const missing = this.parts.missing((name) => sizes.get(name));
    if (missing.length > 0) {
      throw new DestinationError(
        `node "${this.ctx.nodeId}": the backup in ${this.dir} cannot be completed: ${missing.join(', ')}; run the flow again`,
        { nodeId: this.ctx.nodeId },
      );
    }
  }

  /** Publishes the backup: its manifest, written last. */
  async commit(): Promise<void> {
    const manifest = this.parts.manifest({ flow: this.ctx.flowName, runId: this.ctx.runId });
    await writeFileAtomically(path.join(this.dir, manifestName), {
      open: () => Readable.from([`${JSON.stringify(manifest, null, 2)}\n`]),
    });
  }

  /** Parts left by an earlier, longer attempt in the same directory are not part of this backup. */
  private async removeUnlistedParts(): Promise<void> {
    const listed = new Set(this.parts.names().map((name) => path.resolve(this.dir, name)));
    const dirs = new Set([...listed].map((file) => path.dirname(file)));
    for (const dir of dirs) {
      const entries = await readdir(dir).catch((cause: NodeJS.ErrnoException) => {
        // A directory that is gone holds no strays; its parts are reported missing.
        if (cause.code === 'ENOENT') return [];
        throw new DestinationError(`node "${this.ctx.nodeId}": cannot list ${dir}: ${cause.code ?? cause.message}`, {
          nodeId: this.ctx.nodeId,
          cause,
        });
      });
      if (entries.length === 0) continue;
      for (const entry of entries) {
        const file = path.join(dir, entry);
        if (isPartName(entry) && !listed.has(file)) await rm(file, { force: true });
      }
      await syncDirectory(dir);
    }
  }
}

/** Removes the temp files a crashed attempt left in the destination. */
async function sweepTempFiles(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await sweepTempFiles(file);
    else if (entry.name.includes(tempMarker)) await rm(file, { force: true });
  }
}
