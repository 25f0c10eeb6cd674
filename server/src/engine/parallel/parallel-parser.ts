import type { Emit, FilePayload, Rec, TransformContext, TransformInstance } from '../../node-kit/contract.ts';
import type { PieceParsing } from '../../node-kit/text-parsing.ts';
import { fileBytes, parseText } from '../../nodes/parse/text-parser-node.ts';
import type { ChainSpec, PieceResult, PieceTask } from './piece-chain.ts';
import type { PiecePool } from './piece-pool.ts';
import { copyOf } from './piece-runner.ts';

export interface ParallelParserOptions {
  /** The parse node as it runs on this thread: small files, and whatever cannot be cut. */
  sequential: TransformInstance;
  pieces: PieceParsing;
  spec: ChainSpec;
  /** Starts the worker threads (on the first file big enough to need them). */
  openPool(): PiecePool;
  /** Bytes a piece holds, about; files under four pieces are parsed on this thread. */
  pieceBytes: number;
}

/**
 * A parse node whose chain (parse → per-batch transforms → format) runs on worker threads: each big
 * file is cut into pieces at record boundaries (PieceCutter), the pieces are parsed, transformed and
 * encoded in parallel, and their results handed on in file order as encoded batches, each node's
 * counts and rejects with them. The first piece goes alone: the others need what it establishes (a
 * CSV header). A record longer than the pieces can hold ends the cutting: the rest of the file is
 * parsed on this thread, from that record's start.
 */
export function createParallelParser(options: ParallelParserOptions, ctx: TransformContext): TransformInstance {
  let pool: PiecePool | undefined;
  const close = async () => {
    await pool?.close();
    pool = undefined;
  };
  return {
    async process(input, emit) {
      if (input.kind !== 'file' || (input.bytes ?? 0) < 4 * options.pieceBytes) {
        return options.sequential.process(input, emit);
      }
      pool ??= options.openPool();
      await new FileInPieces(input, options, pool, ctx, emit).parse();
    },
    flush: close,
    abort: close,
  };
}

/** Pending bytes without a record boundary, in pieces, past which the rest of a file is parsed on this thread. */
const longestCutRecordPieces = 16;

class FileInPieces {
  private nextId = 0;
  private readonly inFlight: Promise<PieceResult>[] = [];

  constructor(
    private readonly file: FilePayload,
    private readonly options: ParallelParserOptions,
    private readonly pool: PiecePool,
    private readonly ctx: TransformContext,
    private readonly emit: Emit,
  ) {}

  async parse(): Promise<void> {
    const { pieceBytes, pieces } = this.options;
    const cutter = pieces.createCutter();
    const bytes = fileBytes(this.file)[Symbol.asyncIterator]();
    let pending: Buffer = Buffer.alloc(0);
    let ended = false;
    /** Reads until more than `size` bytes are pending (or the file ended), joining the chunks once. */
    const fill = async (size: number) => {
      const chunks = [pending];
      let length = pending.length;
      while (!ended && length <= size) {
        const next = await bytes.next();
        if (next.done) ended = true;
        else {
          chunks.push(next.value);
          length += next.value.length;
        }
      }
      if (chunks.length > 1) pending = Buffer.concat(chunks, length);
    };
    let line = 1;
    /** Bytes of the file cut off into pieces so far. */
    let offset = 0;
    let carried: unknown;
    let first = true;
    try {
      while (true) {
        const target = first ? Math.ceil(pieceBytes / 8) : pieceBytes;
        await fill(target);
        if (pending.length === 0) break;
        let text = '';
        let cut = -1;
        while (pending.length > target) {
          text = pending.toString('latin1');
          cut = cutter.cut(text, target);
          if (cut !== -1 || ended || pending.length > longestCutRecordPieces * pieceBytes) break;
          // A record runs past the piece: read on until it ends.
          await fill(pending.length * 2);
        }
        if (cut === -1 && !ended) {
          // No record boundary in reach: the rest is parsed here, from the last boundary.
          await this.drain(0);
          this.ctx.log.warn(
            `${this.file.name}: no record ends within ${pending.length} bytes of byte ${offset}; the rest of the file is parsed on one thread`,
          );
          const start = first ? undefined : { line, carried };
          const parser = pieces.createParser(start);
          await parseText(this.file, rest(pending, bytes), parser, pieces.encoding, this.ctx, this.emit, offset);
          return;
        }
        if (cut === -1) cut = pending.length;
        const task: PieceTask = {
          id: this.nextId++,
          bytes: copyOf(pending.subarray(0, cut)),
          byteOffset: offset,
          file: {
            name: this.file.name,
            stream: this.file.stream,
            ...(this.file.schema ? { schema: this.file.schema } : {}),
          },
          ...(first ? {} : { start: { line, carried } }),
        };
        if (cut < pending.length) line += cutter.lineBreaks(text, 0, cut);
        pending = pending.subarray(cut);
        offset += cut;
        const result = this.pool.run(task);
        // Awaited in order below; a failure meanwhile must not go unhandled.
        result.catch(() => undefined);
        this.inFlight.push(result);
        if (first) {
          const established = await this.drain(0);
          carried = established?.carried;
          first = false;
        } else await this.drain(this.pool.capacity - 1);
      }
      await this.drain(0);
    } finally {
      if (!ended) await bytes.return?.();
    }
  }

  /** Hands on results in order until at most `keep` are in flight; returns the last handed on. */
  private async drain(keep: number): Promise<PieceResult | undefined> {
    let last: PieceResult | undefined;
    while (this.inFlight.length > keep) {
      this.ctx.signal.throwIfAborted();
      last = await this.inFlight.shift()!;
      await this.handOn(last);
    }
    return last;
  }

  /** What the chain did with one piece, as the parse node's output: its counts, its rejects, encoded batches. */
  private async handOn(result: PieceResult): Promise<void> {
    const { stream } = this.file;
    for (const { nodeId, level, message, fields } of result.logs)
      this.ctx.log[level](message, { ...fields, node: nodeId });
    this.ctx.read(result.read);
    if (result.rejected.length > 0) {
      await this.emit('rejected', { kind: 'records', stream, records: result.rejected as unknown as Rec[] });
    }
    for (const { rows, steps, bytes, columns, schema } of result.batches) {
      await this.emit('records', {
        kind: 'encoded',
        stream,
        rows,
        steps,
        bytes,
        columns,
        ...(schema ? { schema } : {}),
      });
    }
  }
}

/** `pending`, then whatever `bytes` still has. */
async function* rest(pending: Buffer, bytes: AsyncIterator<Buffer>): AsyncIterable<Buffer> {
  if (pending.length > 0) yield pending;
  for (let next = await bytes.next(); !next.done; next = await bytes.next()) yield next.value;
}
