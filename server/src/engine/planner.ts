/**
 * Planning, before a run executes: rewrites the flow graph so the executor runs one kind of graph.
 * Pushdown: a source wired alone into a format node it declares a fusion with (`PartsFusion`) reads
 * with the fusion's part-writing read, and the format node passes the parts on. Then chains from a
 * parse node to a format node that can run on worker threads do so (parallel/chain-planner.ts).
 * Node ids, ports, edges and per-node counts stay those of the flow the user drew.
 */
import type { FlowGraph, GraphNode } from '../flow/graph.ts';
import type { PartsFusion, PartsRead, TransformType } from '../node-kit/contract.ts';
import { type ParallelOptions, planParallelChains } from './parallel/chain-planner.ts';

export interface PlanOptions {
  fusions: readonly PartsFusion[];
  /** `settings.pushdown` of the flow: false keeps every node on the row path. */
  pushdown?: boolean;
  /** Worker threads for chains that can use them; none: every node runs on the run's thread. */
  parallel?: ParallelOptions;
}

export interface RunPlan {
  graph: FlowGraph;
  /** The pairs fused, as `source → format` node ids, for the run log. */
  fused: { sourceId: string; formatId: string }[];
  /** The chains that run on worker threads (node ids, parse node first), for the run log. */
  chains: string[][];
}

export function planRun(graph: FlowGraph, options: PlanOptions): RunPlan {
  const { graph: fusedGraph, fused } = planFusions(graph, options);
  const { graph: planned, chains } = options.parallel
    ? planParallelChains(fusedGraph, options.parallel)
    : { graph: fusedGraph, chains: [] };
  return { graph: planned, fused, chains };
}

function planFusions(graph: FlowGraph, options: PlanOptions): Omit<RunPlan, 'chains'> {
  if (options.pushdown === false || options.fusions.length === 0) return { graph, fused: [] };
  const replaced = new Map<string, GraphNode>();
  const fused: RunPlan['fused'] = [];
  for (const source of graph.order) {
    if (source.type.role !== 'source' || source.outgoing.length !== 1) continue;
    const format = graph.nodes.get(source.outgoing[0]!.to.node)!;
    if (format.type.role !== 'transform' || format.incoming.length !== 1) continue;
    const read = partsReadFor(source, format, options.fusions);
    if (!read) continue;
    replaced.set(source.id, { ...source, type: { ...source.type, read: (_config, ctx) => read(ctx) } });
    replaced.set(format.id, { ...format, type: passingPartsOn(format.type) });
    fused.push({ sourceId: source.id, formatId: format.id });
  }
  if (fused.length === 0) return { graph, fused };
  const swap = (node: GraphNode) => replaced.get(node.id) ?? node;
  return {
    graph: {
      ...graph,
      nodes: new Map([...graph.nodes].map(([id, node]) => [id, swap(node)])),
      order: graph.order.map(swap),
    },
    fused,
  };
}

function partsReadFor(source: GraphNode, format: GraphNode, fusions: readonly PartsFusion[]): PartsRead | undefined {
  for (const fusion of fusions) {
    if (fusion.source !== source.type.type || fusion.format !== format.type.type) continue;
    const read = fusion.plan(source.spec.config ?? {}, format.spec.config ?? {});
    if (read) return read;
  }
  return undefined;
}

/** The format node of a fused pair: its source already wrote the parts, so it counts and forwards them. */
function passingPartsOn(format: TransformType): TransformType {
  const port = format.outputs.find((output) => output.kind === 'files')?.name ?? format.outputs[0]!.name;
  return {
    ...format,
    create: (_config, ctx) => ({
      async process(input, emit) {
        if (input.kind === 'file') ctx.read(input.rows ?? 0);
        await emit(port, input);
      },
    }),
  };
}
