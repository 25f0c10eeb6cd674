/**
 * `template.source`: the records of a JSON Lines file, one per line, in batches. Copy this folder to
 * start a connector (see ../README.md); the shape stays, the system changes.
 *
 * The cursor is the number of the last line a batch holds, so a resumed read skips every line up
 * to it: nothing is read twice, nothing skipped (the conformance suite kills and resumes it).
 */
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Type } from '@sinclair/typebox';
import { ConfigError, SourceError } from '../../errors.ts';
import { defineSource, type Rec, type SourceBatch } from '../../node-kit/contract.ts';
import { filePath } from './file-path.ts';

const templateSourceConfig = Type.Object(
  {
    path: Type.String({
      'x-local-path': true,
      minLength: 1,
      title: 'File',
      description: 'A JSON Lines file; a relative path is resolved against the flow directory.',
    }),
    stream: Type.Optional(Type.String({ minLength: 1, title: 'Stream name', default: 'records' })),
  },
  { additionalProperties: false },
);

export const templateSource = defineSource({
  type: 'template.source',
  title: 'JSON Lines file (template)',
  description: 'Reads a JSON Lines file, one record per line.',
  config: templateSourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  connectionFields: ['path'],
  async check(config, ctx) {
    await access(filePath(config, ctx)).catch(() => {
      throw new ConfigError(`node "${ctx.nodeId}": ${config.path} does not exist`, {
        nodeId: ctx.nodeId,
        details: [{ path: 'config.path', message: `${config.path} does not exist` }],
      });
    });
  },
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    const after = typeof ctx.resumeCursor === 'number' ? ctx.resumeCursor : 0;
    const stream = config.stream ?? 'records';
    const lines = createInterface({ input: createReadStream(filePath(config, ctx)), crlfDelay: Infinity });
    let line = 0;
    let records: Rec[] = [];
    for await (const text of lines) {
      line += 1;
      if (line <= after || text.trim() === '') continue;
      try {
        records.push(JSON.parse(text) as Rec);
      } catch (cause) {
        throw new SourceError(`node "${ctx.nodeId}": ${config.path} line ${line} is not JSON`, {
          nodeId: ctx.nodeId,
          cause,
        });
      }
      if (records.length === ctx.batchSize) {
        yield { kind: 'records', stream, records, cursor: line };
        records = [];
      }
    }
    if (records.length > 0) yield { kind: 'records', stream, records, cursor: line };
  },
});
