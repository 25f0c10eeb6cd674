/**
 * The node-type contract (DESIGN.md §3): a node type is data (config JSON Schema, typed ports)
 * plus the functions its role needs. Connectors implement this and nothing else: they never
 * touch HTTP routes, the store or the editor.
 */
import type { Readable } from 'node:stream';
import type { JSONSchema } from '../flow/json-schema.ts';

export type PayloadKind = 'records' | 'files';

export interface PortSpec {
  name: string;
  kind: PayloadKind;
  title?: string;
}

/** A plain JSON-safe record. Exact types (BIGINT, DECIMAL, dates…) travel as strings. */
export type Rec = Record<string, unknown>;

import type { Column } from './columns.ts';

export type { Column };

/** Where a record came from, so a rejection can name the file and line. */
export interface RecordLocation {
  file?: string;
  line?: number;
  index?: number;
}

export interface RecordBatch {
  kind: 'records';
  stream: string;
  records: Rec[];
  /** Column types when the producer knows them (databases do; CSV does not). */
  schema?: Column[];
  /** Parallel to `records` when the producer knows where each record came from. */
  locations?: RecordLocation[];
}

export interface FilePayload {
  kind: 'file';
  /** Relative, deterministic name such as `orders/part-00001.csv.gz`. */
  name: string;
  stream: string;
  /** Opens the bytes; may be called more than once (each destination reads its own copy). */
  open(): Readable;
  /** A local file holding exactly these bytes, when there is one (lets a destination copy instead of stream). */
  localPath?: string;
  rows?: number;
  bytes?: number;
  sha256?: string;
  contentType?: string;
  schema?: Column[];
  /** Called by the engine once every destination has acknowledged the file (e.g. deletes a temp part). */
  dispose?(): Promise<void>;
}

export type Payload = RecordBatch | FilePayload;

/** A source batch carries the opaque, JSON-serialisable cursor *after* it (DESIGN.md §4). */
export type SourceBatch = Payload & { cursor: unknown };

export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export interface NodeContext {
  runId: string;
  flowName: string;
  nodeId: string;
  /** ISO date (YYYY-MM-DD) of the run's start, for path templates. */
  runDate: string;
  /** Directory the node may use for temporary files; removed after the run. */
  tempDir: string;
  /** Directory relative paths in configs resolve against. */
  baseDir: string;
  /**
   * The directories the node may touch, when confined (a server's runs): user SQL may read and
   * write files under them only. Undefined for a CLI run on its own.
   */
  fileRoots?: readonly string[];
  signal: AbortSignal;
  log: Logger;
}

/** Records per batch at most (the flow model's limit on `settings.batchSize`). */
export { maxBatchSize } from '@backflow/flow-model';

export interface SourceContext extends NodeContext {
  /** The cursor of the last checkpoint, when resuming. */
  resumeCursor?: unknown;
  /** Preferred records per batch. */
  batchSize: number;
  /**
   * When set, a downstream format node cuts parts every `alignRows` records: a source that can
   * should end a batch at each multiple of it so parts close exactly on batch boundaries.
   */
  alignRows?: number;
}

export interface TransformContext extends NodeContext {
  /** The state this node reported for the last checkpoint, when resuming. */
  resumeState?: unknown;
  /** Report records this node dropped on purpose (they count as `filtered`). */
  filtered(count: number): void;
  /** Report records read from a files input (the engine counts records inputs itself). */
  read(count: number): void;
}

export type Emit = (port: string, payload: Payload) => Promise<void>;

export interface TransformInstance {
  process(input: Payload, emit: Emit): Promise<void>;
  flush?(emit: Emit): Promise<void>;
  /** JSON state to resume from, taken after `process` returned (e.g. the next part number). */
  state?(): unknown;
  /**
   * True while the node holds records it took but has not passed on (a format node's open part).
   * No checkpoint is saved while any node holds records, so a crash can never lose them.
   */
  holding?(): boolean;
  /** Release resources on failure or cancel. */
  abort?(): Promise<void>;
}

export interface DestinationContext extends NodeContext {
  resumeState?: unknown;
  /** Sequence number of the last checkpointed batch, when resuming (batches after it are replayed). */
  resumeSeq?: number;
  /**
   * Reopened only to publish: its source had ended and it had prepared in an earlier attempt that
   * failed while publishing. Nothing is written; `commit` follows.
   */
  prepared?: boolean;
  /** Report records the destination refused (each with its reason); they count as `rejected`. */
  reject(records: Rec[], reasons: string[], locations?: RecordLocation[]): void;
}

/**
 * A destination publishes in two phases, so a run that fails anywhere publishes nothing (DESIGN.md §4):
 * `prepare` when its source has ended, then `commit` once every destination of the run prepared.
 * A destination that stages (files, objects, a staging table) makes its data visible in `commit`;
 * one that cannot stage (an API taking each batch at once, keyed so a replay overwrites) has
 * nothing left to do there.
 */
export interface DestinationWriter {
  /** Resolves once the payload is durable (staged). `seq` is the source batch sequence the payload ends at. */
  write(payload: Payload, seq: number): Promise<void>;
  /** JSON state to resume from, taken after `write` or `prepare` resolved. */
  state?(): unknown;
  /**
   * The source ended: finish staging and check the run's data can be published (e.g. every part is
   * where it was written). Publishes nothing.
   */
  prepare(): Promise<void>;
  /**
   * Publish what was staged (write the manifest, apply the staged rows) and release the writer.
   * Idempotent: a crash between a commit and the store recording it repeats it on resume.
   */
  commit(): Promise<void>;
  /** Release resources on failure or cancel, keeping what is staged for a resume. */
  abort?(): Promise<void>;
}

export interface StreamInfo {
  name: string;
  columns: Column[];
  key?: string[];
}

export interface NodeType<C = Record<string, unknown>> {
  /** `<system>.<role>`, e.g. `duckdb.source`. */
  type: string;
  role: 'source' | 'transform' | 'destination';
  title: string;
  description: string;
  /** The one description of the config: the server validates with it, the editor draws its form. */
  config: JSONSchema;
  inputs: PortSpec[];
  outputs: PortSpec[];
  /**
   * Config fields a stored connection of this connector (the `duckdb` of `duckdb.source`) may supply,
   * so credentials live in the store and flows name the connection. `check` must work with just these.
   */
  connectionFields?: readonly string[];
  /**
   * Checks a config beyond its JSON Schema, without I/O (a schema that compiles, an expression that
   * parses). Paths are relative to the config, e.g. `expression`.
   */
  checkConfig?(config: C): { path: string; message: string }[];
  /**
   * Parses what a config holds in a language (a SQL query) without running it or opening any data,
   * cheaply enough for the editor to ask as the user leaves a field. The config may be half edited:
   * only fields present are checked. Paths are relative to the config, e.g. `query`.
   */
  checkSyntax?(config: Partial<C>): Promise<{ path: string; message: string }[]>;
  /** Test the connection/config without moving data. */
  check?(config: C, ctx: NodeContext): Promise<void>;
  /** List streams (tables, objects) and their fields. */
  discover?(config: C, ctx: NodeContext): Promise<StreamInfo[]>;
  read?(config: C, ctx: SourceContext): AsyncIterable<SourceBatch>;
  create?(config: C, ctx: TransformContext): TransformInstance | Promise<TransformInstance>;
  open?(config: C, ctx: DestinationContext): Promise<DestinationWriter>;
  /**
   * After the run succeeded: prune older backups this destination wrote (config.keepLast); returns
   * what it deleted. Never called after a failed, cancelled or dry run. A failure here is logged as
   * a warning and does not fail the run.
   */
  retain?(config: C, ctx: NodeContext): Promise<string[]>;
  /**
   * Where a run's output lands, as the user would look for it (a directory, `gs://bucket/prefix`, a
   * database file and table), for the run summary's `outputs`. Never holds a secret.
   */
  location?(config: C, ctx: NodeContext): string;
  /** Rows per part a format node cuts at, so sources can align batches to it. */
  partRows?(config: C): number | undefined;
  /**
   * A format node DuckDB can write itself: the COPY options equal to this config (or undefined when
   * some option has no COPY equivalent). Lets a DuckDB source → format pair run as one COPY per part.
   */
  copyFormat?(config: C): CopyFormat | undefined;
  /** Whether `readParts` can serve this config (e.g. it needs a single-column key or a table). */
  canReadParts?(config: C): boolean;
  /** A source that can write parts itself (see `copyFormat`): yields finished part files with cursors. */
  readParts?(config: C, ctx: SourceContext, format: CopyFormat): AsyncIterable<SourceBatch>;
}

export interface CopyFormat {
  /** DuckDB COPY options, e.g. `format parquet, compression snappy`. */
  options: string;
  /** Part file extension, e.g. `parquet` or `csv.gz`. */
  extension: string;
  contentType: string;
  rowsPerFile?: number;
}

/** What a `rejected` port carries and the store keeps: the record, why, and where it came from. */
export interface RejectedRecord {
  record: unknown;
  /** The text as it stood in the file when it could not be parsed into a record (`record` is then null); capped. */
  raw?: string;
  reasons: string[];
  file?: string;
  line?: number;
}
