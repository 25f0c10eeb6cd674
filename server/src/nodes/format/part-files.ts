import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type {
  Column,
  Emit,
  EncodedBatch,
  FilePayload,
  Rec,
  RecordBatch,
  TransformContext,
  TransformInstance,
} from '../../node-kit/contract.ts';
import { digestFile } from '../../node-kit/digest.ts';
import { type PartEncoder, type PartFormat, partColumns } from '../../node-kit/part-format.ts';
import { partFileName } from '../../node-kit/parts.ts';

export interface PartOptions {
  rowsPerFile?: number;
  gzip?: boolean;
}

/** Resume state of a format node: the next part number of each stream. */
interface PartState {
  nextPart: Record<string, number>;
}

/**
 * A records → files node: records go into an open part on disk (never into memory), and the part is
 * emitted once it holds `rowsPerFile` records, when the stream changes, or at the end. Parts close on
 * batch boundaries, so every checkpoint falls between two parts. Batches a worker thread already
 * encoded (engine/parallel/) go into the part as they are, for formats whose batches stand alone.
 */
export function createPartWriter(format: PartFormat, options: PartOptions, ctx: TransformContext): TransformInstance {
  const gzip = options.gzip ?? false;
  const resume = ctx.resumeState as PartState | undefined;
  const nextPart: Record<string, number> = { ...resume?.nextPart };
  let open: OpenPart | undefined;

  const closePart = async (emit: Emit) => {
    const part = open;
    if (!part) return;
    open = undefined;
    const file = await part.finish();
    nextPart[part.stream] = part.number + 1;
    await emit('files', file);
  };

  /** A batch encoded on a worker thread: its refused records to `rejected`, its bytes into the part. */
  const appendEncoded = async (batch: EncodedBatch, emit: Emit) => {
    const [step] = batch.steps;
    if (!step) throw new Error('an encoded batch reached its format node without what the format did');
    if (step.rejected.length > 0) {
      await emit('rejected', { kind: 'records', stream: batch.stream, records: step.rejected as unknown as Rec[] });
    }
    if (step.passed === 0) return;
    const part = partFor(batch.stream, batch.columns, batch.schema);
    // Columns follow from the stream's schema, which a chain keeps: a difference is a bug, not data.
    if (part.columns.join('\0') !== batch.columns.join('\0')) {
      throw new Error(
        `a batch encoded for columns ${batch.columns.join(', ')} reached a part of ${part.columns.join(', ')}`,
      );
    }
    await part.appendBytes(batch.bytes, step.passed);
  };

  const partFor = (stream: string, columns: string[], schema: Column[] | undefined) => {
    open ??= new OpenPart(stream, nextPart[stream] ?? 1, columns, schema, format, gzip, ctx.tempDir);
    return open;
  };

  return {
    async process(input, emit) {
      if (input.kind === 'file') return;
      if (open && open.stream !== input.stream) await closePart(emit);
      if (input.kind === 'encoded') await appendEncoded(input, emit);
      else {
        if (input.records.length === 0) return;
        const part = partFor(input.stream, partColumns(input.records, input.schema), input.schema);
        await part.append(refuseUnfit(input, format, part.columns), emit);
      }
      if (options.rowsPerFile && open && open.rows >= options.rowsPerFile) await closePart(emit);
    },
    async flush(emit) {
      await closePart(emit);
    },
    state: () => ({ nextPart }),
    holding: () => open !== undefined,
    async abort() {
      await open?.discard();
    },
  };
}

/** Moves records that cannot be written to the `rejected` port; returns the rest. */
function refuseUnfit(batch: RecordBatch, format: PartFormat, columns: string[]): RecordBatch & { refused?: Rec[] } {
  if (!format.refuse) return batch;
  const kept: Rec[] = [];
  const refused: Rec[] = [];
  batch.records.forEach((record, i) => {
    const reason = format.refuse!(record, columns);
    if (reason === undefined) kept.push(record);
    else {
      const location = batch.locations?.[i];
      refused.push({ record, reasons: [reason], ...location });
    }
  });
  return refused.length === 0 ? batch : { ...batch, records: kept, refused };
}

class OpenPart {
  rows = 0;
  private readonly file: string;
  private readonly name: string;
  private readonly encoder: PartEncoder;
  private readonly hash = createHash('sha256');
  private bytes = 0;
  /** Where text goes in: the gzip stream when compressing, else the hashing stream. */
  private head?: Writable;
  private output?: WriteStream;
  private finished?: Promise<void>;
  private readonly ready: Promise<void>;

  constructor(
    readonly stream: string,
    readonly number: number,
    readonly columns: string[],
    private readonly schema: Column[] | undefined,
    private readonly format: PartFormat,
    private readonly gzip: boolean,
    tempDir: string,
  ) {
    this.name = partFileName(stream, number, format.extension, gzip);
    this.file = path.join(tempDir, format.convert ? `${this.name}.ndjson` : this.name);
    this.encoder = format.createEncoder();
    this.ready = this.openFile();
  }

  private async openFile(): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true });
    const hashing = new Transform({
      transform: (chunk: Buffer, _encoding, done) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        done(null, chunk);
      },
    });
    this.output = createWriteStream(this.file);
    if (this.gzip) {
      const gzip = createGzip({ level: 6 });
      this.head = gzip;
      this.finished = pipeline(gzip, hashing, this.output);
    } else {
      this.head = hashing;
      this.finished = pipeline(hashing, this.output);
    }
    this.finished.catch(() => undefined); // awaited in finish()
    await this.write(this.encoder.start(this.columns));
  }

  /** Writes text, waiting for the stream to drain so a slow disk slows the run instead of filling memory. */
  private async write(text: string | Uint8Array): Promise<void> {
    if (text.length === 0) return;
    if (!this.head!.write(typeof text === 'string' ? Buffer.from(text, 'utf8') : text)) await once(this.head!, 'drain');
  }

  async append(batch: RecordBatch & { refused?: Rec[] }, emit: Emit): Promise<void> {
    await this.ready;
    if (batch.refused) {
      await emit('rejected', { kind: 'records', stream: batch.stream, records: batch.refused });
    }
    if (batch.records.length === 0) return;
    await this.write(this.encoder.encode(batch.records, this.columns));
    this.rows += batch.records.length;
  }

  /** Bytes of `rows` records, encoded elsewhere for these columns. */
  async appendBytes(bytes: Uint8Array, rows: number): Promise<void> {
    await this.ready;
    await this.write(bytes);
    this.rows += rows;
  }

  async finish(): Promise<FilePayload> {
    await this.ready;
    await this.write(this.encoder.end());
    this.head!.end();
    await this.finished;
    const { file, bytes, sha256 } = this.format.convert ? await this.converted() : await this.asWritten();
    return {
      kind: 'file',
      name: this.name,
      stream: this.stream,
      rows: this.rows,
      bytes,
      sha256,
      contentType: this.format.contentType,
      localPath: file,
      open: () => createReadStream(file),
      ...(this.schema ? { schema: this.schema } : {}),
      dispose: () => rm(file, { force: true }),
    };
  }

  private async asWritten() {
    return { file: this.file, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  private async converted() {
    const target = this.file.slice(0, -'.ndjson'.length);
    await this.format.convert!(this.file, target, this.schema);
    await rm(this.file, { force: true });
    return { file: target, ...(await digestFile(target)) };
  }

  async discard(): Promise<void> {
    this.head?.destroy();
    this.output?.destroy();
    await rm(this.file, { force: true });
  }
}

/** Config fields every format node shares. */
export const partConfigProperties = {
  rowsPerFile: Type.Optional(
    Type.Integer({
      minimum: 1,
      // A billion rows is beyond any sensible part; the value reaches DuckDB's OFFSET as written.
      maximum: 1_000_000_000,
      title: 'Rows per file',
      description: 'Start a new part after this many records (parts close on batch boundaries); empty = one file',
    }),
  ),
  gzip: Type.Optional(Type.Boolean({ default: false, title: 'Gzip' })),
};
