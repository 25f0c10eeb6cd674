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
  FilePayload,
  Rec,
  RecordBatch,
  TransformContext,
  TransformInstance,
} from '../../node-kit/contract.ts';
import { digestFile } from '../../node-kit/digest.ts';
import { partFileName } from '../../node-kit/parts.ts';

/** Turns records into the bytes of one part (CSV, NDJSON, …). One encoder per part. */
export interface TextEncoder {
  start(columns: string[]): string;
  /** Bytes when the encoder makes them directly (no text in between). */
  encode(records: Rec[], columns: string[]): string | Uint8Array;
  end(): string;
}

export interface PartFormat {
  /** File extension without the dot, e.g. `csv` (`.gz` is added when gzipped). */
  extension: string;
  contentType: string;
  createEncoder(): TextEncoder;
  /** Records that cannot go into this part's columns, with the reason (e.g. a field outside the CSV header). */
  refuse?(record: Rec, columns: string[]): string | undefined;
  /**
   * Converts the finished text part (e.g. NDJSON) into the final file at `target` (e.g. Parquet),
   * for formats that are not written as a text stream.
   */
  convert?(textFile: string, target: string, schema: Column[] | undefined): Promise<void>;
}

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
 * batch boundaries, so every checkpoint falls between two parts.
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

  return {
    async process(input, emit) {
      if (input.kind !== 'records') return;
      if (open && open.stream !== input.stream) await closePart(emit);
      if (input.records.length === 0) return;
      if (!open) {
        const number = nextPart[input.stream] ?? 1;
        const columns = input.schema?.map((c) => c.name) ?? unionOfKeys(input.records);
        open = new OpenPart(input.stream, number, columns, input.schema, format, gzip, ctx.tempDir);
      }
      await open.append(refuseUnfit(input, format, open.columns), emit);
      if (options.rowsPerFile && open.rows >= options.rowsPerFile) await closePart(emit);
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

function unionOfKeys(records: Rec[]): string[] {
  const keys = new Set<string>();
  for (const record of records) for (const key of Object.keys(record)) keys.add(key);
  return [...keys];
}

class OpenPart {
  rows = 0;
  private readonly file: string;
  private readonly name: string;
  private readonly encoder: TextEncoder;
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
