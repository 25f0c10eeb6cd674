import type {
  Emit,
  EncodedStep,
  Logger,
  Rec,
  RecordBatch,
  RejectedRecord,
  TransformContext,
  TransformInstance,
  TransformType,
} from '../../node-kit/contract.ts';
import { type PartEncoder, type PartFormat, partColumns } from '../../node-kit/part-format.ts';
import type { PieceParsing } from '../../node-kit/text-parsing.ts';
import { parseText } from '../../nodes/parse/text-parser-node.ts';
import { transformTypes } from '../../nodes/transform-types.ts';
import type { ChainNode, ChainSpec, PieceBatch, PieceResult, PieceTask } from './piece-chain.ts';

/** A transform type of the worker's list, by name (the planner only sends chains of these). */
export function chainType(node: ChainNode): TransformType {
  const type = transformTypes.find((candidate) => candidate.type === node.type);
  if (type?.role !== 'transform') throw new Error(`node "${node.id}": ${node.type} cannot run on a worker thread`);
  return type;
}

interface Step {
  id: string;
  instance: TransformInstance;
}

/**
 * Runs a chain (piece-chain.ts) on one piece of a file at a time: the worker thread's side of
 * parallel-parser.ts, and the same code whatever thread it runs on.
 */
export class PieceRunner {
  private logs: PieceResult['logs'] = [];
  /** Where the steps' `ctx.filtered` counts go: the step processing a batch now. */
  private counting?: EncodedStep;

  private constructor(
    private readonly spec: ChainSpec,
    private readonly pieces: PieceParsing,
    private readonly steps: Step[],
    private readonly format: PartFormat,
    private readonly encoder: PartEncoder,
  ) {}

  static async open(spec: ChainSpec): Promise<PieceRunner> {
    const parserType = chainType(spec.parser);
    const pieces = parserType.pieces?.(spec.parser.config);
    const format = chainType(spec.format).partFormat?.(spec.format.config);
    if (!pieces || !format?.batchesStandAlone) throw new Error('this chain cannot run on a worker thread');
    const steps: Step[] = [];
    // The runner exists before the steps do: their contexts report to it.
    const runner = new PieceRunner(spec, pieces, steps, format, format.createEncoder());
    for (const node of spec.steps) {
      steps.push({ id: node.id, instance: await chainType(node).create(node.config, runner.context(node.id)) });
    }
    return runner;
  }

  async run(task: PieceTask): Promise<PieceResult> {
    this.logs = [];
    const parser = this.pieces.createParser(task.start);
    const rejected: RejectedRecord[] = [];
    const batches: PieceBatch[] = [];
    let read = 0;
    const file = {
      kind: 'file' as const,
      name: task.file.name,
      stream: task.file.stream,
      ...(task.file.schema ? { schema: task.file.schema } : {}),
      open: () => {
        throw new Error('a piece is parsed from its bytes');
      },
    };
    const ctx: TransformContext = {
      ...this.context(this.spec.parser.id),
      read: (count) => {
        read += count;
      },
    };
    const bytes = Buffer.from(task.bytes.buffer, task.bytes.byteOffset, task.bytes.byteLength);
    const emit: Emit = async (port, payload) => {
      if (payload.kind !== 'records') throw new Error(`${this.spec.parser.id} emitted ${payload.kind} on ${port}`);
      if (port === 'rejected') rejected.push(...(payload.records as unknown as RejectedRecord[]));
      else batches.push(await this.batch(payload));
    };
    await parseText(file, [bytes], parser, this.pieces.encoding, ctx, emit, task.byteOffset);
    const carried = task.start ? undefined : parser.carryOver?.();
    return {
      id: task.id,
      read,
      rejected,
      batches,
      ...(carried === undefined ? {} : { carried }),
      logs: this.logs,
    };
  }

  /** Takes one parsed batch through the steps and the format. */
  private async batch(parsed: RecordBatch): Promise<PieceBatch> {
    const steps: EncodedStep[] = [];
    let batch: RecordBatch | undefined = parsed;
    for (const step of this.steps) {
      const done: EncodedStep = { rejected: [], filtered: 0, passed: 0 };
      const passed: RecordBatch[] = [];
      this.counting = done;
      await step.instance.process(batch, async (port, payload) => {
        if (payload.kind !== 'records') throw new Error(`${step.id} emitted ${payload.kind} on ${port}`);
        if (port === 'rejected') done.rejected.push(...(payload.records as unknown as RejectedRecord[]));
        else passed.push(payload);
      });
      this.counting = undefined;
      done.passed = passed.reduce((sum, out) => sum + out.records.length, 0);
      steps.push(done);
      batch = joined(passed);
      if (!batch) return { rows: parsed.records.length, steps, bytes: new Uint8Array(0), columns: [] };
    }
    const columns = partColumns(batch.records, batch.schema);
    const kept: Rec[] = [];
    const refused: RejectedRecord[] = [];
    batch.records.forEach((record, i) => {
      const reason = this.format.refuse?.(record, columns);
      if (reason === undefined) kept.push(record);
      else refused.push({ record, reasons: [reason], ...batch.locations?.[i] });
    });
    steps.push({ rejected: refused, filtered: 0, passed: kept.length });
    return {
      rows: parsed.records.length,
      steps,
      bytes: kept.length > 0 ? ownBytes(this.encoder.encode(kept, columns)) : new Uint8Array(0),
      columns,
      ...(batch.schema ? { schema: batch.schema } : {}),
    };
  }

  private context(nodeId: string): TransformContext {
    const log = (level: 'info' | 'warn' | 'error') => (message: string, fields?: Record<string, unknown>) => {
      this.logs.push({ nodeId, level, message, ...(fields ? { fields } : {}) });
    };
    const logger: Logger = { info: log('info'), warn: log('warn'), error: log('error') };
    return {
      ...this.spec.run,
      nodeId,
      tempDir: '',
      signal: new AbortController().signal,
      log: logger,
      batchSize: this.spec.batchSize,
      filtered: (count) => {
        if (this.counting) this.counting.filtered += count;
      },
      read: () => {
        throw new Error(`node "${nodeId}" reads records, not files`);
      },
    };
  }
}

/** The batches a step passed on, as one (a step passes one batch per batch it takes, or none). */
function joined(batches: RecordBatch[]): RecordBatch | undefined {
  const nonEmpty = batches.filter((batch) => batch.records.length > 0);
  if (nonEmpty.length <= 1) return nonEmpty[0];
  const [first] = nonEmpty;
  const locations = nonEmpty.every((batch) => batch.locations)
    ? nonEmpty.flatMap((batch) => batch.locations!)
    : undefined;
  return {
    ...first!,
    records: nonEmpty.flatMap((batch) => batch.records),
    ...(locations ? { locations } : {}),
  };
}

/** `bytes` in an ArrayBuffer they fill alone, so it can be transferred: copied only when they share one. */
function ownBytes(bytes: string | Uint8Array): Uint8Array {
  if (typeof bytes === 'string') return ownBytes(Buffer.from(bytes, 'utf8'));
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return copyOf(bytes);
}

/** `bytes` in an ArrayBuffer of their own (set copies as memcpy; the Uint8Array constructor goes byte by byte). */
export function copyOf(bytes: Uint8Array): Uint8Array {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy;
}
