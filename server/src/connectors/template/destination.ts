/**
 * `template.destination`: records appended to a JSON Lines file, all or nothing (`staged`).
 *
 * Each batch is staged as its own file named by its sequence number, so a replayed batch overwrites
 * itself and a resume drops the batches after its checkpoint; `commit` writes the file whole from
 * the staged batches, in order, and renames it into place.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { Type } from '@sinclair/typebox';
import { defineDestination, type NodeContext } from '../../node-kit/contract.ts';
import { modeProperty } from '../../node-kit/schema.ts';
import { assertWritableDirectory } from '../../node-kit/writable-directory.ts';
import { filePath } from './file-path.ts';

const templateModes = ['replace'] as const;

const templateDestinationConfig = Type.Object(
  {
    path: Type.String({
      'x-local-path': true,
      minLength: 1,
      title: 'File',
      description: 'The JSON Lines file to write, replaced when the run commits.',
    }),
    mode: Type.Optional(modeProperty(templateModes, { default: 'replace' })),
  },
  { additionalProperties: false },
);

/** `<file>.staged-<runId>/`: this run's batches until it commits. */
function stagingDir(config: { path: string }, ctx: NodeContext): string {
  return `${filePath(config, ctx)}.staged-${ctx.runId}`;
}

const seqOf = (name: string) => Number(name.replace('.jsonl', ''));

export const templateDestination = defineDestination({
  type: 'template.destination',
  title: 'JSON Lines file (template)',
  description: 'Writes records to a JSON Lines file, replaced all at once when the run commits.',
  config: templateDestinationConfig,
  publishes: 'staged',
  modes: templateModes,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields: ['path'],
  async check(config, ctx) {
    await assertWritableDirectory(path.dirname(filePath(config, ctx)), { nodeId: ctx.nodeId, field: 'path' });
  },
  async open(config, ctx) {
    const staging = stagingDir(config, ctx);
    await mkdir(staging, { recursive: true });
    // The batches after the checkpoint come again: drop what an earlier attempt staged of them.
    for (const name of await readdir(staging)) {
      if (ctx.resumeSeq === undefined || seqOf(name) > ctx.resumeSeq) await rm(path.join(staging, name));
    }
    return {
      async write(payload, seq) {
        if (payload.kind !== 'records') return;
        const lines = payload.records.map((record) => `${JSON.stringify(record)}\n`).join('');
        await writeFile(path.join(staging, `${String(seq).padStart(10, '0')}.jsonl`), lines);
      },
      async prepare() {},
      async commit() {
        const target = filePath(config, ctx);
        const temporary = `${target}.tmp-${ctx.runId}`;
        const out = createWriteStream(temporary);
        for (const name of (await readdir(staging)).sort()) out.write(await readFile(path.join(staging, name)));
        out.end();
        await finished(out);
        await rename(temporary, target);
        await rm(staging, { recursive: true, force: true });
      },
    };
  },
});
