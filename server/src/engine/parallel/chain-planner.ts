/**
 * Planning of chains that run on worker threads: a parse node that can cut its files into pieces,
 * then only per-batch transforms, each feeding the next alone, then a format node whose batches
 * stand alone. The parse node's type is swapped for one that runs the whole chain on worker threads
 * for big files (parallel-parser.ts), and the transforms' for ones that also take its encoded batches
 * (they count, reject and filter what the workers say they did); the format node takes them as it is.
 */
import { availableParallelism } from 'node:os';
import type { FlowGraph, GraphNode } from '../../flow/graph.ts';
import type {
  EdgePayload,
  Emit,
  Rec,
  TransformContext,
  TransformInstance,
  TransformType,
} from '../../node-kit/contract.ts';
import { transformTypes } from '../../nodes/transform-types.ts';
import { createParallelParser } from './parallel-parser.ts';
import type { ChainNode, ChainSpec } from './piece-chain.ts';
import { PiecePool } from './piece-pool.ts';

export interface ParallelOptions {
  /** Worker threads per chain; 0 runs everything on the run's thread. */
  workers: number;
  /** Bytes a piece of a file holds, about. */
  pieceBytes: number;
}

/**
 * Two worker threads (one on a single core) and pieces of 1 MiB, unless BACKFLOW_PARSE_WORKERS (0
 * turns worker threads off) or BACKFLOW_PARSE_PIECE_BYTES say otherwise.
 */
export function parallelOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ParallelOptions {
  const workers = Number(env.BACKFLOW_PARSE_WORKERS ?? Math.min(2, availableParallelism()));
  const pieceBytes = Number(env.BACKFLOW_PARSE_PIECE_BYTES ?? 1024 * 1024);
  if (!Number.isInteger(workers) || workers < 0) throw new Error('BACKFLOW_PARSE_WORKERS must be a whole number ≥ 0');
  if (!Number.isInteger(pieceBytes) || pieceBytes < 64)
    throw new Error('BACKFLOW_PARSE_PIECE_BYTES must be a whole number ≥ 64');
  return { workers, pieceBytes };
}

export interface ParallelPlan {
  graph: FlowGraph;
  /** Each chain's node ids, parse node first, for the run log. */
  chains: string[][];
}

export function planParallelChains(graph: FlowGraph, options: ParallelOptions): ParallelPlan {
  if (options.workers < 1) return { graph, chains: [] };
  const replaced = new Map<string, GraphNode>();
  const chains: string[][] = [];
  for (const parser of graph.order) {
    const chain = chainFrom(parser, graph);
    if (!chain) continue;
    const [, ...steps] = chain;
    const format = steps.pop()!;
    replaced.set(parser.id, { ...parser, type: parallelParserType(parser, steps, format, options) });
    for (const step of steps) replaced.set(step.id, { ...step, type: takingEncoded(step.type as TransformType) });
    chains.push(chain.map((node) => node.id));
  }
  if (chains.length === 0) return { graph, chains };
  const swap = (node: GraphNode) => replaced.get(node.id) ?? node;
  return {
    graph: {
      ...graph,
      nodes: new Map([...graph.nodes].map(([id, node]) => [id, swap(node)])),
      order: graph.order.map(swap),
    },
    chains,
  };
}

/** The chain starting at `parser` (parser, steps…, format), or undefined when there is none. */
function chainFrom(parser: GraphNode, graph: FlowGraph): GraphNode[] | undefined {
  if (!onWorkers(parser) || !parser.type.pieces?.(config(parser))) return undefined;
  const chain = [parser];
  let node = parser;
  while (true) {
    const next = soleRecordsTarget(node, graph);
    if (next?.incoming.length !== 1 || !onWorkers(next)) return undefined;
    chain.push(next);
    if (next.type.partFormat?.(config(next)).batchesStandAlone) return chain;
    if (!next.type.perBatch) return undefined;
    node = next;
  }
}

/** A transform the worker threads know, as they know it (a test's own type of the same name is not). */
function onWorkers(node: GraphNode): node is GraphNode & { type: TransformType } {
  return node.type.role === 'transform' && transformTypes.includes(node.type);
}

/** The one node fed by `node`'s records output (every other output is `rejected`), if exactly one. */
function soleRecordsTarget(node: GraphNode, graph: FlowGraph): GraphNode | undefined {
  const records = node.outgoing.filter((edge) => edge.from.port !== 'rejected');
  if (records.length !== 1 || records[0]!.kind !== 'records') return undefined;
  return graph.nodes.get(records[0]!.to.node);
}

function config(node: GraphNode): Record<string, unknown> {
  return node.spec.config ?? {};
}

function chainNode(node: GraphNode): ChainNode {
  return { id: node.id, type: node.type.type, config: config(node) };
}

function parallelParserType(
  parser: GraphNode,
  steps: GraphNode[],
  format: GraphNode,
  options: ParallelOptions,
): TransformType {
  const type = parser.type as TransformType;
  return {
    ...type,
    async create(parserConfig, ctx) {
      const spec: ChainSpec = {
        parser: chainNode(parser),
        steps: steps.map(chainNode),
        format: chainNode(format),
        batchSize: ctx.batchSize,
        run: { runId: ctx.runId, flowName: ctx.flowName, runDate: ctx.runDate, baseDir: ctx.baseDir },
      };
      return createParallelParser(
        {
          sequential: await type.create(parserConfig, ctx),
          pieces: type.pieces!(parserConfig)!,
          spec,
          openPool: () => new PiecePool(spec, options.workers),
          pieceBytes: options.pieceBytes,
        },
        ctx,
      );
    },
  };
}

/** A per-batch transform that also passes on batches the chain's workers encoded, doing what they say it did. */
function takingEncoded(type: TransformType): TransformType {
  const port = type.outputs.find((output) => output.name !== 'rejected')!.name;
  return {
    ...type,
    async create(stepConfig, ctx) {
      const instance = await type.create(stepConfig, ctx);
      return {
        process: (input, emit) =>
          input.kind === 'encoded' ? passOn(input, emit, port, ctx) : instance.process(input, emit),
      } satisfies TransformInstance;
    },
  };
}

async function passOn(
  batch: Extract<EdgePayload, { kind: 'encoded' }>,
  emit: Emit,
  port: string,
  ctx: TransformContext,
): Promise<void> {
  const [step, ...rest] = batch.steps;
  if (!step) throw new Error('an encoded batch arrived without what this node did');
  if (step.filtered > 0) ctx.filtered(step.filtered);
  if (step.rejected.length > 0) {
    await emit('rejected', { kind: 'records', stream: batch.stream, records: step.rejected as unknown as Rec[] });
  }
  if (step.passed > 0) await emit(port, { ...batch, rows: step.passed, steps: rest });
}
