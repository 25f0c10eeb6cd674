/**
 * A chain of nodes a worker thread runs on pieces of a file: parse → per-batch transforms → a format
 * node's encoding. What one piece gives back says, per batch, what every node did (read, rejected,
 * filtered, passed on) and holds the format's bytes, so the main thread accounts for each node as if
 * it had run them itself (parallel-parser.ts).
 */
import type { Column, EncodedStep, RejectedRecord } from '../../node-kit/contract.ts';
import type { PieceStart } from '../../node-kit/text-parsing.ts';

export interface ChainNode {
  id: string;
  type: string;
  config: Record<string, unknown>;
}

export interface ChainSpec {
  parser: ChainNode;
  /** The per-batch transforms between parser and format, in order. */
  steps: ChainNode[];
  format: ChainNode;
  batchSize: number;
  /** The parts of the nodes' context that do not depend on the node. */
  run: { runId: string; flowName: string; runDate: string; baseDir: string };
}

/** One piece of a file, cut at record boundaries; `start` is absent for the file's first piece. */
export interface PieceTask {
  id: number;
  bytes: Uint8Array;
  /** Where the piece starts in the file (decompressed), for the offsets of invalid bytes. */
  byteOffset: number;
  start?: PieceStart;
  file: { name: string; stream: string; schema?: Column[] };
}

export interface PieceBatch {
  /** Records the parser passed on in this batch. */
  rows: number;
  /** What each node after the parser did with them, the format node last (absent past a node that passed none on). */
  steps: EncodedStep[];
  /** The format's bytes of the records it kept; each in an ArrayBuffer of its own, transferred. */
  bytes: Uint8Array;
  columns: string[];
  schema?: Column[];
}

export interface PieceResult {
  id: number;
  /** Records and malformed rows the parser read. */
  read: number;
  /** The parser's rejected rows. */
  rejected: RejectedRecord[];
  batches: PieceBatch[];
  /** After the first piece: what the parsers of the later pieces must know. */
  carried?: unknown;
  /** What the chain's nodes logged, to be logged on the main thread. */
  logs: { nodeId: string; level: 'info' | 'warn' | 'error'; message: string; fields?: Record<string, unknown> }[];
}
