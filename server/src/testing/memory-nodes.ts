/**
 * In-memory node types for engine and validation tests: a source of generated rows, a buffering
 * "format" node and a destination that records what it got. They follow the real contract, so the
 * engine runs them exactly as it runs connectors.
 */
import { type Static, Type } from '@sinclair/typebox';
import { VerificationError } from '../errors.ts';
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
import { RowChecksum, rowHash, type StreamVerification } from '../node-kit/verification.ts';

const memorySourceConfig = Type.Object({
  rows: Type.Integer(),
  /** Throw after emitting this many batches (simulates a crash mid-run). */
  failAfterBatches: Type.Optional(Type.Integer()),
  /** Mark every n-th row `reject: true`, which memory destinations refuse. */
  rejectEvery: Type.Optional(Type.Integer()),
  /** Read only the rows after where the flow's last succeeded run ended (`ctx.lastRunCursor`). */
  incremental: Type.Optional(Type.Boolean()),
});
export type MemorySourceConfig = Static<typeof memorySourceConfig>;

/**
 * Rows a memory source holds now, by node id, over its config's `rows`: a table that grows between
 * runs while the flow (and so its fingerprint) stays the same.
 */
export const memorySourceRows = new Map<string, number>();

/** Batches after which a memory source crashes, by node id, over its config's `failAfterBatches` (the flow unchanged). */
export const memorySourceCrashes = new Map<string, number>();

/** The `lastRunCursor` each memory source read started with, in order, by node id. */
export const memorySourceStarts: { nodeId: string; lastRunCursor: unknown }[] = [];

export const memorySource = defineSource({
  type: 'memory.source',
  title: 'Memory source',
  description: 'Rows 1..n with an id',
  config: memorySourceConfig,
  outputs: [{ name: 'records', kind: 'records' }],
  async *read(config, ctx): AsyncGenerator<SourceBatch> {
    memorySourceStarts.push({ nodeId: ctx.nodeId, lastRunCursor: ctx.lastRunCursor });
    const after = config.incremental && typeof ctx.lastRunCursor === 'number' ? ctx.lastRunCursor : 0;
    let next = typeof ctx.resumeCursor === 'number' ? ctx.resumeCursor + 1 : after + 1;
    let batches = 0;
    let sinceAlign = 0;
    const rows = memorySourceRows.get(ctx.nodeId) ?? config.rows;
    while (next <= rows) {
      let size = Math.min(ctx.batchSize, rows - next + 1);
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
      const failAfterBatches = memorySourceCrashes.get(ctx.nodeId) ?? config.failAfterBatches;
      if (failAfterBatches !== undefined && batches === failAfterBatches) {
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
  config: Type.Object({
    name: Type.String(),
    failOnSeq: Type.Optional(Type.Integer()),
    /**
     * Verify like a database: checksum what it received and what it "staged". `corrupt` stages the
     * record with this id altered, so the readback differs there; `report` reports a mismatch
     * without throwing (a destination the engine must still stop).
     */
    verify: Type.Optional(
      Type.Object({ corrupt: Type.Optional(Type.Integer()), throws: Type.Optional(Type.Boolean()) }),
    ),
  }),
  publishes: 'staged',
  inputs: [{ name: 'records', kind: 'records' }],
  async open(config, ctx): Promise<DestinationWriter> {
    const received = new RowChecksum();
    let rejected = 0;
    let report: StreamVerification[] | undefined;
    const types = ['INTEGER', 'VARCHAR'];
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
            if (record.reject) {
              rejected += 1;
              ctx.reject([record], [`row ${record.id} refused`], [{ index: Number(record.id) }]);
            } else {
              received.add(rowHash([record.id, record.name], types));
              table.records.push(record.id === config.verify?.corrupt ? { ...record, name: 'altered' } : record);
            }
          }
        } else {
          table.files.set(payload.name, JSON.parse(payload.contentType ?? '[]'));
        }
      },
      async prepare() {
        if (config.verify) {
          const held = new RowChecksum();
          for (const record of table.records) held.add(rowHash([record.id, record.name], types));
          const corrupt = config.verify.corrupt;
          const differs = held.hex !== received.hex;
          report = [
            {
              stream: 'rows',
              target: `${config.name}.rows`,
              source: received.rows + rejected,
              loaded: held.rows,
              rejected,
              missing: received.rows - held.rows,
              checksum: { source: received.hex, destination: held.hex },
              ...(differs && corrupt !== undefined
                ? { firstDifference: { key: `id=${corrupt}`, message: 'name differs' } }
                : {}),
              ok: !differs,
            },
          ];
          if (differs && config.verify.throws !== false) {
            throw new VerificationError(`${config.name}.rows differs from what it received at id=${corrupt}`);
          }
        }
        table.prepared = true;
      },
      verification: () => report ?? [],
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
