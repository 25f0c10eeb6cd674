/**
 * In-memory node types for engine and validation tests: a source of generated rows, a buffering
 * "format" node and a destination that records what it got. They follow the real contract, so the
 * engine runs them exactly as it runs connectors.
 */
import { type Static, Type } from '@sinclair/typebox';
import {
  type DestinationWriter,
  defineDestination,
  defineSource,
  defineTransform,
  type Emit,
  type NodeType,
  type Rec,
  type SourceBatch,
} from '../node-kit/contract.ts';

const memorySourceConfig = Type.Object({
  rows: Type.Integer(),
  /** Throw after emitting this many batches (simulates a crash mid-run). */
  failAfterBatches: Type.Optional(Type.Integer()),
  /** Mark every n-th row `reject: true`, which memory destinations refuse. */
  rejectEvery: Type.Optional(Type.Integer()),
});
export type MemorySourceConfig = Static<typeof memorySourceConfig>;

export const memorySource = defineSource({
  type: 'memory.source',
  title: 'Memory source',
  description: 'Rows 1..n with an id',
  config: memorySourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    let next = typeof ctx.resumeCursor === 'number' ? ctx.resumeCursor + 1 : 1;
    let batches = 0;
    let sinceAlign = 0;
    while (next <= config.rows) {
      let size = Math.min(ctx.batchSize, config.rows - next + 1);
      if (ctx.alignRows) size = Math.min(size, ctx.alignRows - sinceAlign);
      const records: Rec[] = [];
      for (let i = 0; i < size; i++) {
        const id = next + i;
        records.push({
          id,
          name: `row ${id}`,
          ...(config.rejectEvery && id % config.rejectEvery === 0 ? { reject: true } : {}),
        });
      }
      next += size;
      sinceAlign = ctx.alignRows ? (sinceAlign + size) % ctx.alignRows : 0;
      if (config.failAfterBatches !== undefined && batches === config.failAfterBatches) {
        throw new Error('source connection lost');
      }
      batches += 1;
      yield { kind: 'records', stream: 'rows', records, cursor: next - 1 };
    }
  },
});

/** Collects groups of records and emits each group as one "file" of `groupRows`, like a format node. */
export const memoryGroup = defineTransform({
  type: 'memory.group',
  title: 'Group',
  description: 'Buffers records and emits a file per group',
  config: Type.Object({ groupRows: Type.Integer() }),
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [{ name: 'files', kind: 'files' }],
  partRows: (config) => config.groupRows,
  create(config, ctx) {
    let buffered: Rec[] = [];
    let part = (ctx.resumeState as { part: number } | undefined)?.part ?? 1;
    const close = async (emit: Emit) => {
      if (buffered.length === 0) return;
      const records = buffered;
      buffered = [];
      const name = `part-${part++}`;
      await emit('files', {
        kind: 'file',
        name,
        stream: 'rows',
        rows: records.length,
        open: () => {
          throw new Error('memory files have no bytes');
        },
        contentType: JSON.stringify(records.map((r) => r.id)),
      });
    };
    return {
      async process(input, emit) {
        if (input.kind !== 'records') return;
        buffered.push(...input.records);
        if (buffered.length >= config.groupRows) await close(emit);
      },
      flush: close,
      state: () => ({ part }),
      holding: () => buffered.length > 0,
    };
  },
});

/** Passes records through unchanged. */
export const memoryPass = defineTransform({
  type: 'memory.pass',
  title: 'Pass',
  description: 'Passes records on',
  config: Type.Object({}),
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [{ name: 'records', kind: 'records' }],
  create: () => ({ process: (input, emit) => emit('records', input) }),
});

/** Where memory destinations put what they received, by destination name. */
export interface MemoryTable {
  records: Rec[];
  files: Map<string, number[]>;
  prepared: boolean;
  committed: boolean;
}

export const memoryTables = new Map<string, MemoryTable>();

export const memoryDestination = defineDestination({
  type: 'memory.destination',
  title: 'Memory destination',
  description: 'Keeps records or files in memoryTables',
  config: Type.Object({ name: Type.String(), failOnSeq: Type.Optional(Type.Integer()) }),
  publishes: 'staged',
  inputs: [{ name: 'records', kind: 'records' }],
  async open(config, ctx): Promise<DestinationWriter> {
    const table: MemoryTable = memoryTables.get(config.name) ?? {
      records: [],
      files: new Map(),
      prepared: false,
      committed: false,
    };
    memoryTables.set(config.name, table);
    return {
      async write(payload, seq) {
        if (config.failOnSeq === seq) throw new Error(`disk full at batch ${seq}`);
        if (payload.kind === 'records') {
          for (const record of payload.records) {
            if (record.reject) ctx.reject([record], [`row ${record.id} refused`], [{ index: Number(record.id) }]);
            else table.records.push(record);
          }
        } else {
          table.files.set(payload.name, JSON.parse(payload.contentType ?? '[]'));
        }
      },
      async prepare() {
        table.prepared = true;
      },
      async commit() {
        table.committed = true;
      },
    };
  },
});

export const memoryFilesDestination = defineDestination({
  ...memoryDestination,
  type: 'memory.files-destination',
  inputs: [{ name: 'files', kind: 'files' }],
});

export const memoryNodeTypes: readonly NodeType[] = [
  memorySource,
  memoryPass,
  memoryGroup,
  memoryDestination,
  memoryFilesDestination,
];

export function findMemoryNodeType(type: string): NodeType | undefined {
  return memoryNodeTypes.find((t) => t.type === type);
}
