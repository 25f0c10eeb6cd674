/**
 * A gate for a real source's reads, so a test decides when a run goes on instead of racing it: a
 * run held at the gate is surely still running when the test cancels it, refuses a second run or
 * subscribes to its events. The wrapped node type is the real one in every other respect.
 */
import type { NodeType, PartsFusion, SourceBatch, SourceContext } from '../node-kit/contract.ts';
import { createCatalog, type NodeCatalog } from '../nodes/registry.ts';

export class ReadGate {
  private afterBatches: number | undefined;
  private release: () => void = () => undefined;
  private released = Promise.resolve();
  private arrive: () => void = () => undefined;
  private arrived = Promise.resolve();

  /** Holds every read once it has yielded `afterBatches` batches, until `open`. */
  close(afterBatches = 0): void {
    this.afterBatches = afterBatches;
    this.released = new Promise((resolve) => {
      this.release = resolve;
    });
    this.arrived = new Promise((resolve) => {
      this.arrive = resolve;
    });
  }

  /** Lets held reads go on, and every read after them. */
  open(): void {
    this.afterBatches = undefined;
    this.release();
  }

  /** Resolves once a read waits at the closed gate. */
  get reached(): Promise<void> {
    return this.arrived;
  }

  /** Waits, when the gate is closed and `yielded` batches are out, until it opens or the run stops. */
  async pass(yielded: number, signal: AbortSignal): Promise<void> {
    if (this.afterBatches === undefined || yielded < this.afterBatches) return;
    this.arrive();
    const stopped = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([this.released, stopped]);
  }
}

async function* gated(batches: AsyncIterable<SourceBatch>, gate: ReadGate, ctx: SourceContext) {
  let yielded = 0;
  const iterator = batches[Symbol.asyncIterator]();
  try {
    for (;;) {
      await gate.pass(yielded, ctx.signal);
      const next = await iterator.next();
      if (next.done) return;
      yielded += 1;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** `catalog` with every read of the `sourceType` nodes (their own and their fusions') passing `gate` before each batch. */
export function heldCatalog(catalog: NodeCatalog, sourceType: string, gate: ReadGate): NodeCatalog {
  const types = catalog.types.map((type): NodeType => {
    if (type.type !== sourceType || type.role !== 'source') return type;
    return { ...type, read: (config, ctx) => gated(type.read(config, ctx), gate, ctx) };
  });
  const fusions = catalog.fusions.map(
    (fusion): PartsFusion =>
      fusion.source !== sourceType
        ? fusion
        : {
            ...fusion,
            plan(sourceConfig, formatConfig) {
              const read = fusion.plan(sourceConfig, formatConfig);
              return read && ((ctx: SourceContext) => gated(read(ctx), gate, ctx));
            },
          },
  );
  return createCatalog(types, fusions);
}
