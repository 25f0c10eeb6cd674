/**
 * In-memory node types for engine and validation tests: a source of generated rows, a buffering
 * "format" node and a destination that records what it got. They follow the real contract, so the
 * engine runs them exactly as it runs connectors.
 */
import type { DestinationWriter, Emit, NodeType, Rec, SourceBatch } from '../node-kit/contract.ts';

export interface MemorySourceConfig {
  rows: number;
  /** Throw after emitting this many batches (simulates a crash mid-run). */
  failAfterBatches?: number;
  /** Mark every n-th row `reject: true`, which memory destinations refuse. */
  rejectEvery?: number;
}

export const memorySource: NodeType<MemorySourceConfig> = {
  type: 'memory.source',
  role: 'source',
  title: 'Memory source',
  description: 'Rows 1..n with an id',
  config: {
    type: 'object',
    required: ['rows'],
    properties: { rows: { type: 'integer' }, failAfterBatches: { type: 'integer' }, rejectEvery: { type: 'integer' } },
  },
  inputs: [],
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
};

/** Collects groups of records and emits each group as one "file" of `groupRows`, like a format node. */
export const memoryGroup: NodeType<{ groupRows: number }> = {
  type: 'memory.group',
  role: 'transform',
  title: 'Group',
  description: 'Buffers records and emits a file per group',
  config: { type: 'object', required: ['groupRows'], properties: { groupRows: { type: 'integer' } } },
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
};

/** Passes records through unchanged. */
export const memoryPass: NodeType<Record<string, never>> = {
  type: 'memory.pass',
  role: 'transform',
  title: 'Pass',
  description: 'Passes records on',
  config: { type: 'object' },
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [{ name: 'records', kind: 'records' }],
  create: () => ({ process: (input, emit) => emit('records', input) }),
};

/** Where memory destinations put what they received, by destination name. */
export interface MemoryTable {
  records: Rec[];
  files: Map<string, number[]>;
  prepared: boolean;
  committed: boolean;
}

export const memoryTables = new Map<string, MemoryTable>();

export const memoryDestination: NodeType<{ name: string; failOnSeq?: number }> = {
  type: 'memory.destination',
  role: 'destination',
  title: 'Memory destination',
  description: 'Keeps records or files in memoryTables',
  config: {
    type: 'object',
    required: ['name'],
    properties: { name: { type: 'string' }, failOnSeq: { type: 'integer' } },
  },
  inputs: [{ name: 'records', kind: 'records' }],
  outputs: [],
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
};

export const memoryFilesDestination: NodeType<{ name: string }> = {
  ...(memoryDestination as unknown as NodeType<{ name: string }>),
  type: 'memory.files-destination',
  inputs: [{ name: 'files', kind: 'files' }],
};

export const memoryNodeTypes = [memorySource, memoryPass, memoryGroup, memoryDestination, memoryFilesDestination];

export function findMemoryNodeType(type: string): NodeType | undefined {
  return memoryNodeTypes.find((t) => t.type === type) as NodeType | undefined;
}
