import { createGunzip } from 'node:zlib';
import { createFileDecoder, TEXT_ENCODINGS, type TextEncoding } from '@backflow/transforms';
import { Type } from '@sinclair/typebox';
import type {
  Column,
  Emit,
  FilePayload,
  Rec,
  RecordLocation,
  TransformContext,
  TransformInstance,
} from '../../node-kit/contract.ts';
import { oneOf } from '../../node-kit/schema.ts';
import type { ParsedChunk, TextParser } from '../../node-kit/text-parsing.ts';

/** The `encoding` config of both parse nodes. */
export const encodingProperty = Type.Optional(
  oneOf(TEXT_ENCODINGS, {
    default: 'utf-8',
    title: 'Text encoding',
    description:
      'Bytes not valid in it reject the record holding them. latin1 and iso-8859-1 are read as windows-1252, as browsers do.',
  }),
);

/** Bytes parsed at a time: about a batch of short records. */
const parsedPieceBytes = 64 * 1024;

/**
 * A files → records node: each file is decompressed when its name ends in `.gz`, decoded from
 * `encoding` and parsed as it streams; records go out in batches with their file and line, and every
 * malformed row, or row with bytes not valid in the encoding, goes to `rejected` with its line and
 * reason, never dropped.
 */
export function createTextParserNode(
  createParser: () => TextParser,
  encoding: TextEncoding | undefined,
  ctx: TransformContext,
): TransformInstance {
  return {
    async process(input, emit) {
      if (input.kind !== 'file') return;
      await parseText(input, fileBytes(input), createParser(), encoding, ctx, emit);
    },
  };
}

/** The bytes of `file`, decompressed when its name ends in `.gz`. */
export function fileBytes(file: FilePayload): AsyncIterable<Buffer> {
  const raw = file.open();
  const bytes = file.name.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (error) => bytes.destroy(error));
  return bytes;
}

/**
 * Parses `bytes` of `file` (all of it, or a piece from a record boundary at `byteOffset`, as `parser`
 * expects) and emits its records in batches and its malformed rows as rejected.
 */
export async function parseText(
  file: FilePayload,
  bytes: AsyncIterable<Buffer> | Iterable<Buffer>,
  parser: TextParser,
  encoding: TextEncoding | undefined,
  ctx: TransformContext,
  emit: Emit,
  byteOffset = 0,
): Promise<void> {
  const recordsPerBatch = ctx.batchSize;
  const records: Rec[] = [];
  const locations: RecordLocation[] = [];
  /** Text columns, once the parser knows them (a CSV header): later nodes need not infer them. */
  let textColumns: Column[] | undefined;
  /** Emits full batches of `recordsPerBatch` (or everything left, at the end), whatever the chunk sizes were. */
  const flushRecords = async (all: boolean) => {
    while (records.length >= recordsPerBatch || (all && records.length > 0)) {
      textColumns ??= parser.columns?.()?.map((name) => ({ name, type: 'VARCHAR' }));
      const schema = file.schema ?? textColumns;
      const batch = {
        kind: 'records' as const,
        stream: file.stream,
        records: records.splice(0, recordsPerBatch),
        locations: locations.splice(0, recordsPerBatch),
      };
      await emit('records', schema ? { ...batch, schema } : batch);
    }
  };
  const take = async (chunk: ParsedChunk) => {
    ctx.read(chunk.records.length + chunk.errors.length);
    if (chunk.errors.length > 0) {
      // Nothing parsed, so no record: the text itself shows what was wrong.
      const rejected = chunk.errors.map((error) => ({
        record: null,
        ...(error.raw === undefined ? {} : { raw: error.raw }),
        reasons: [`${file.name}: ${error.message}`],
        file: file.name,
        line: error.line,
      }));
      await emit('rejected', { kind: 'records', stream: file.stream, records: rejected });
    }
    chunk.records.forEach((record, i) => {
      records.push(record);
      locations.push({ file: file.name, line: chunk.lines[i]! });
    });
    await flushRecords(false);
  };

  const decoder = createFileDecoder(encoding, byteOffset);
  for await (const chunk of bytes) {
    // Files are read a MiB at a time (for hashing); parsed whole, a MiB held some 18,000 records at once,
    // which outlived V8's young generation. A piece at a time, records go on in batches as they come.
    for (let at = 0; at < chunk.length; at += parsedPieceBytes) {
      ctx.signal.throwIfAborted();
      const decoded = decoder.write(chunk.subarray(at, at + parsedPieceBytes));
      await take(parser.write(decoded.text, decoded.invalid));
    }
  }
  const rest = decoder.end();
  await take(parser.write(rest.text, rest.invalid));
  await take(parser.end());
  await flushRecords(true);
}
