import type { ErrorDetail } from '../errors.ts';
import type { FlowGraph, GraphEdge } from '../flow/graph.ts';
import type { EdgePayload } from '../node-kit/contract.ts';
import type { DiffCounts } from './diff-gate.ts';

/**
 * Per-node counts; `files` only for nodes that emit or write files. In a dry run a destination
 * writes nothing: its `written` (and `files`) stay 0 and `wouldWrite` counts what it would have
 * written, so read = written + wouldWrite + rejected + filtered still holds.
 */
export interface NodeCounts {
  read: number;
  written: number;
  /** Only on the destinations of a dry run. */
  wouldWrite?: number;
  rejected: number;
  filtered: number;
  files?: number;
  /** On a diffed destination (engine/diff-gate.ts): records new to it, changed, and unchanged (not sent; counted as filtered). */
  inserted?: number;
  updated?: number;
  unchanged?: number;
  /** On a mirror: records deleted from the destination because they vanished from the source (none are read). */
  deleted?: number;
}

export interface EdgeCounts {
  from: string;
  to: string;
  records: number;
  files: number;
  /** On a files edge, the rows inside the files it carried (where they say). */
  rows?: number;
}

export interface StatsSnapshot {
  nodes: Record<string, NodeCounts>;
  edges: EdgeCounts[];
}

/**
 * Run accounting (DESIGN.md §4): every record a node reads is written, rejected or filtered,
 * and every record an edge carries is read by the node at its end.
 */
export class RunStats {
  readonly nodes = new Map<string, NodeCounts>();
  readonly edges: EdgeCounts[];
  private readonly edgesByIndex: Map<number, EdgeCounts>;

  constructor(
    private readonly graph: FlowGraph,
    options: { dryRun?: boolean } = {},
  ) {
    for (const node of graph.order) {
      const emitsFiles = node.type.outputs.some((p) => p.kind === 'files');
      const takesFiles = node.type.inputs.some((p) => p.kind === 'files');
      this.nodes.set(node.id, {
        read: 0,
        written: 0,
        ...(options.dryRun && node.type.role === 'destination' ? { wouldWrite: 0 } : {}),
        rejected: 0,
        filtered: 0,
        ...(emitsFiles || (takesFiles && node.type.role === 'destination') ? { files: 0 } : {}),
      });
    }
    this.edges = graph.edges.map((e) => ({
      from: `${e.from.node}:${e.from.port}`,
      to: `${e.to.node}:${e.to.port}`,
      records: 0,
      files: 0,
      ...(e.kind === 'files' ? { rows: 0 } : {}),
    }));
    // Looked up on every delivery, so by the edge's index in the flow document, not by a search.
    this.edgesByIndex = new Map(graph.edges.map((e, i) => [e.index, this.edges[i]!]));
  }

  node(id: string): NodeCounts {
    return this.nodes.get(id)!;
  }

  /** Counts of the edge at `edges[index]` of the flow document. */
  edge(index: number): EdgeCounts {
    return this.edgesByIndex.get(index)!;
  }

  /** Restores the counts a checkpoint saved for some nodes (a resumed run continues them). */
  restore(snapshot: StatsSnapshot, nodeIds: Iterable<string>): void {
    const ids = new Set(nodeIds);
    for (const id of ids) {
      const saved = snapshot.nodes[id];
      if (saved) this.nodes.set(id, { ...saved });
    }
    for (const saved of snapshot.edges) {
      const edge = this.edges.find((e) => e.from === saved.from && e.to === saved.to);
      if (edge && ids.has(saved.to.split(':')[0]!)) Object.assign(edge, saved);
    }
  }

  snapshot(nodeIds?: Iterable<string>): StatsSnapshot {
    const ids = nodeIds ? new Set(nodeIds) : undefined;
    const nodes: Record<string, NodeCounts> = {};
    for (const [id, counts] of this.nodes) if (!ids || ids.has(id)) nodes[id] = { ...counts };
    const edges = this.edges.filter((e) => !ids || ids.has(e.to.split(':')[0]!)).map((e) => ({ ...e }));
    return { nodes, edges };
  }

  /** A source produced `payload`: it read and passed on its rows (and the file). */
  sourceBatch(id: string, payload: EdgePayload): void {
    const counts = this.node(id);
    const rows = rowsOf(payload);
    counts.read += rows;
    counts.written += rows;
    if (payload.kind === 'file' && counts.files !== undefined) counts.files += 1;
  }

  /** `edge` carried `payload`. A records edge carries part files when its format node is fused: their rows count as records. */
  carried(edge: GraphEdge, payload: EdgePayload): void {
    const counts = this.edge(edge.index);
    const rows = rowsOf(payload);
    if (payload.kind === 'file') counts.files += 1;
    if (payload.kind !== 'file' || edge.kind === 'records') counts.records += rows;
    else if (counts.rows !== undefined) counts.rows += rows;
  }

  /** A transform took a records payload, or records already encoded (a files payload's rows it reports itself). */
  transformTook(id: string, payload: EdgePayload): void {
    if (payload.kind !== 'file') this.node(id).read += rowsOf(payload);
  }

  /** A node passed `payload` on (a port other than `rejected`). */
  emitted(id: string, payload: EdgePayload): void {
    const counts = this.node(id);
    counts.written += rowsOf(payload);
    if (payload.kind === 'file') counts.files = (counts.files ?? 0) + 1;
  }

  /**
   * A destination refused records it had already taken as written (a staged row found to break a
   * foreign key while publishing): they move from written (or would-write) to rejected.
   */
  rejectedAfterWrite(id: string, count: number): void {
    const counts = this.node(id);
    if (counts.wouldWrite !== undefined) counts.wouldWrite -= count;
    else counts.written -= count;
    counts.rejected += count;
  }

  /** A diffed destination's counts, started at 0 (a resumed run's come back with its checkpoint). */
  diffCounts(id: string): DiffCounts {
    const counts = this.node(id);
    counts.inserted ??= 0;
    counts.updated ??= 0;
    counts.unchanged ??= 0;
    counts.deleted ??= 0;
    return counts as DiffCounts;
  }

  /** A diffed destination left out `count` records it already holds unchanged: they count as filtered. */
  unchanged(id: string, count: number): void {
    this.node(id).filtered += count;
  }

  rejected(id: string, count: number): void {
    this.node(id).rejected += count;
  }

  /** A destination took `payload`, before writing it. */
  destinationTook(id: string, payload: EdgePayload): void {
    this.node(id).read += rowsOf(payload);
  }

  /**
   * A destination wrote `payload`, refusing `refused` of its rows on the way. In a dry run what it
   * took counts as would-write, not written.
   */
  destinationWrote(id: string, payload: EdgePayload, refused: number): void {
    const counts = this.node(id);
    const rows = rowsOf(payload);
    if (counts.wouldWrite !== undefined) counts.wouldWrite += rows - refused;
    else {
      counts.written += rows - refused;
      if (payload.kind === 'file') counts.files = (counts.files ?? 0) + 1;
    }
  }

  totalRejected(): number {
    let total = 0;
    for (const counts of this.nodes.values()) total += counts.rejected;
    return total;
  }

  /** Every mismatch, or an empty list when the run accounts for every record. */
  reconcile(): ErrorDetail[] {
    const problems: ErrorDetail[] = [];
    for (const node of this.graph.order) {
      const c = this.node(node.id);
      const wouldWrite = c.wouldWrite ?? 0;
      if (c.read !== c.written + wouldWrite + c.rejected + c.filtered) {
        const would = c.wouldWrite === undefined ? '' : `, would write ${wouldWrite}`;
        problems.push({
          path: node.id,
          message: `node "${node.id}" read ${c.read} but wrote ${c.written}${would}, rejected ${c.rejected}, filtered ${c.filtered}`,
        });
      }
      const incoming = node.incoming.filter((e) => e.kind === 'records');
      if (incoming.length > 0 && incoming.length === node.incoming.length) {
        const carried = incoming.reduce((sum, e) => sum + this.edge(e.index).records, 0);
        if (carried !== c.read) {
          problems.push({
            path: node.id,
            message: `edges into "${node.id}" carried ${carried} records but it read ${c.read}`,
          });
        }
      }
    }
    return problems;
  }
}

export function rowsOf(payload: EdgePayload): number {
  if (payload.kind === 'records') return payload.records.length;
  return payload.rows ?? 0;
}
