/**
 * The node-type contract (DESIGN.md §3): a node type is data (config JSON Schema, typed ports)
 * plus the functions its role needs. Connectors implement this and nothing else: they never
 * touch HTTP routes, the store or the editor.
 */
import type { Readable } from 'node:stream';
import type { Static, TObject } from '@sinclair/typebox';

export type PayloadKind = 'records' | 'files';

export interface PortSpec {
  name: string;
  kind: PayloadKind;
  title?: string;
}

/** A plain JSON-safe record. Exact types (BIGINT, DECIMAL, dates…) travel as strings. */
export type Rec = Record<string, unknown>;

import type { Column, TableShape } from './columns.ts';
import type { PartFormat } from './part-format.ts';
import type { PieceParsing } from './text-parsing.ts';
import type { StreamVerification } from './verification.ts';

export type { Column, TableShape };

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
  /** The table's keys, indexes and foreign keys, when a database source knows them (on every batch of the stream). */
  shape?: TableShape;
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

/**
 * Records a worker thread already took through a chain of nodes and turned into a format node's bytes
 * (engine/parallel/): what goes along the chain's edges in place of their records, so each node still
 * counts, rejects and filters what it did. Only the chain's own nodes ever receive one.
 */
export interface EncodedBatch {
  kind: 'encoded';
  stream: string;
  /** Records on the edge this payload travels (the receiving node reads them). */
  rows: number;
  /** What each node still ahead did with them, the receiving node's first; the format node's last. */
  steps: EncodedStep[];
  /** The format node's encoding of the records it kept (`steps`' last `passed`), for a part of `columns`. */
  bytes: Uint8Array;
  columns: string[];
  /** The stream schema as the format node received it. */
  schema?: Column[];
}

/** What one node of a chain did with the records it read: rejected, filtered, passed on (the rest). */
export interface EncodedStep {
  rejected: RejectedRecord[];
  filtered: number;
  passed: number;
}

export type Payload = RecordBatch | FilePayload;

/** What travels along a flow's edges between transforms: records, files, or records already encoded. */
export type EdgePayload = Payload | EncodedBatch;

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
  /**
   * The cursor this source ended at in the flow's last succeeded run, for incremental reads
   * (rows changed since then); undefined on a flow's first run or when it is run with `fullResync`.
   */
  lastRunCursor?: unknown;
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
  /** Preferred records per batch, for transforms that make records (the parsers). */
  batchSize: number;
  /** Report records this node dropped on purpose (they count as `filtered`). */
  filtered(count: number): void;
  /** Report records read from a files input (the engine counts records inputs itself). */
  read(count: number): void;
}

export type Emit = (port: string, payload: EdgePayload) => Promise<void>;

export interface TransformInstance {
  process(input: EdgePayload, emit: Emit): Promise<void>;
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

/**
 * Where records of this flow went in a destination system: per object, source id → destination id,
 * kept in the store across runs (DESIGN.md §4), so a migration turns associations into lookups, a
 * re-run updates instead of creating twice, and a resumed run finds what its dead attempt created.
 * `object` is the destination's own namespace (e.g. `hubspot:companies`). Recording is idempotent:
 * a replayed batch records the same pairs again.
 */
export interface IdMap {
  /** The destination ids recorded for these source ids of `object` (ids never recorded are absent). */
  lookup(object: string, sourceIds: readonly string[]): Promise<Map<string, string>>;
  /** Records (or replaces) source id → destination id pairs of `object`. */
  record(object: string, pairs: readonly (readonly [sourceId: string, destinationId: string])[]): Promise<void>;
  /**
   * The pairs of `object` this run recorded (any of its attempts), ordered by source id, `limit` at
   * a time after source id `after`: what a destination reads back to verify its run.
   */
  recorded(
    object: string,
    page: { after?: string; limit: number },
  ): Promise<[sourceId: string, destinationId: string][]>;
}

export interface DestinationContext extends NodeContext {
  /** This flow's ID map (see IdMap). */
  idMap: IdMap;
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
  /**
   * A dry run of a destination that `plansDryRun`: write nothing, decide what each record would
   * become (read the destination where its API allows) and report it through `plan()`. Its ID map
   * takes what the writer records for this run only (parents planned, children resolve).
   */
  dryRun?: boolean;
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
  /**
   * The verification report of what `prepare` checked (a database compares what it received with
   * what it staged, per stream): read after `prepare`, whether it resolved or threw.
   */
  verification?(): StreamVerification[];
  /** In a dry run (`ctx.dryRun`), what the writes would have done, per stream; read after the source ended. */
  plan?(): PlannedStream[];
  /**
   * A mirror (mode `mirror`): delete these records of `stream`, each given by its key fields'
   * values (as text), because they vanished from the source. Called after the stream's last batch
   * was written, before `prepare`. A staged destination deletes them when it publishes; one whose
   * batches land at once deletes them now (archives, where its API has no delete). A key the
   * destination does not hold is no error, and a resumed run may ask again for the same keys.
   */
  delete?(stream: string, keys: Rec[]): Promise<void>;
}

/**
 * Reads of a keyed destination's own records, for a sync (none writes; a dry run uses them without
 * opening a writer). `keys` are the key fields of `syncKey`; values compare as text.
 */
export interface DestinationReads<C> {
  /** For `mirrorScope: "all"`: every key the destination holds for `stream` (key fields' values), a page at a time. */
  keys?(config: C, ctx: NodeContext, stream: string): AsyncIterable<Rec[]>;
  /**
   * For a dry run's before → after samples: the destination's records with these keys as they are
   * now, read from the live system (any order; keys it does not hold are left out).
   */
  current?(config: C, ctx: NodeContext, stream: string, keys: Rec[]): Promise<Rec[]>;
}

/** A dry run's plan for one stream: records that would be created, updated or refused, and relations made. */
export interface PlannedStream {
  stream: string;
  /** Where it would land, as the user knows it (`Salesforce Contact`). */
  target: string;
  create: number;
  update: number;
  reject: number;
  /** Per relation (a lookup field, an association), how many records would get one. */
  relations?: { name: string; count: number }[];
  /** The first few records of each action, as they would be sent. */
  samples: PlannedRecord[];
  /** A mirror: records that vanished from the source and would be deleted. */
  delete?: number;
  /** A diffed destination: records it holds as they are, so not sent. */
  unchanged?: number;
  /** A diffed destination: for the first few keys of each action, the record now and as it would be. */
  changes?: PlannedChange[];
}

/** One record a diffed sync would change: its key, and the destination's record before and after. */
export interface PlannedChange {
  action: 'insert' | 'update' | 'delete';
  key: Rec;
  /** The destination's record now, read from it; absent when it holds none (or cannot be read). */
  before?: Rec;
  /** The record as it would be sent; absent for a delete. */
  after?: Rec;
}

export interface PlannedRecord {
  action: 'create' | 'update' | 'reject';
  sourceId?: string;
  /** The destination record an update would change. */
  destinationId?: string;
  fields: Rec;
  /** Relation → the destination id it would point at (`new:<source id>` for one the run would create). */
  relations?: Record<string, string>;
  reason?: string;
}

export interface StreamInfo {
  name: string;
  columns: Column[];
  key?: string[];
  /** Keys, indexes and foreign keys, for databases. */
  shape?: TableShape;
}

/** An issue of a config beyond its schema; `path` is relative to the config, e.g. `expression`. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/**
 * A node type's config: one TypeBox object schema, which is at once the JSON Schema the server
 * validates with (ajv reads it as is) and the editor draws its form from, and the TypeScript type
 * the node's functions get (`Static<typeof schema>`).
 */
export type ConfigSchema = TObject;

/** What every node type has, whatever its role. */
interface NodeTypeBase<C> {
  /** `<system>.<role>`, e.g. `duckdb.source`. */
  type: string;
  title: string;
  description: string;
  config: ConfigSchema;
  inputs: readonly PortSpec[];
  outputs: readonly PortSpec[];
  /**
   * Config fields a stored connection of this connector (the `duckdb` of `duckdb.source`) may supply,
   * so credentials live in the store and flows name the connection. `check` must work with just these.
   */
  connectionFields?: readonly string[];
  /** Checks a config beyond its schema, without I/O (a schema that compiles, an expression that parses). */
  checkConfig?(config: C): ConfigIssue[];
  /**
   * Parses what a config holds in a language (a SQL query) without running it or opening any data,
   * cheaply enough for the editor to ask as the user leaves a field. The config may be half edited:
   * only fields present are checked.
   */
  checkSyntax?(config: Partial<C>): Promise<ConfigIssue[]>;
  /** Test the connection/config without moving data. */
  check?(config: C, ctx: NodeContext): Promise<void>;
  /** List streams (tables, objects) and their fields. */
  discover?(config: C, ctx: NodeContext): Promise<StreamInfo[]>;
}

/** Reads a system: an async iterable of batches, each with the cursor after it. */
export interface SourceType<C = Record<string, unknown>> extends NodeTypeBase<C> {
  role: 'source';
  read(config: C, ctx: SourceContext): AsyncIterable<SourceBatch>;
}

/** Turns payloads into payloads (records → records, files → records, records → files). */
export interface TransformType<C = Record<string, unknown>> extends NodeTypeBase<C> {
  role: 'transform';
  create(config: C, ctx: TransformContext): TransformInstance | Promise<TransformInstance>;
  /** Rows per part a format node cuts at, so its source can end batches where parts end. */
  partRows?(config: C): number | undefined;
  /**
   * A parser whose files can be cut into pieces at record boundaries and parsed apart, on worker
   * threads (engine/parallel/); undefined for configs that cannot be (a text encoding where a line
   * break byte may sit inside a character).
   */
  pieces?(config: C): PieceParsing | undefined;
  /**
   * `process` depends on nothing but the batch it is given (no state, no flush, records and rejected
   * ports only), so a worker thread may run it on a copy of the batch (engine/parallel/).
   */
  perBatch?: boolean;
  /** A format node's part format (node-kit/part-format.ts), for a worker thread to encode batches with. */
  partFormat?(config: C): PartFormat;
}

/**
 * How a destination makes a run's data visible (DESIGN.md §5):
 * - `staged`: nothing is visible until the run commits (files, GCS, DuckDB, databases, Sheets' hidden tabs);
 * - `idempotent-batches`: each batch lands at once, keyed so a replayed batch overwrites itself (CRM);
 * - `at-least-once`: each batch lands at once and a replay may repeat it (messages, webhooks); the
 *   destination says in `duplicateGuard` how it limits that.
 */
export type PublishKind = 'staged' | 'idempotent-batches' | 'at-least-once';

/** The one vocabulary of how a record destination applies records (DESIGN.md §5). */
export const writeModes = ['insert', 'update', 'upsert', 'replace', 'append', 'mirror'] as const;
export type WriteMode = (typeof writeModes)[number];

/** Writes into a system, publishing in two phases (see DestinationWriter). */
export interface DestinationType<C = Record<string, unknown>> extends NodeTypeBase<C> {
  role: 'destination';
  publishes: PublishKind;
  /** For `at-least-once`: what limits a replay's repeats (e.g. an idempotency key per message). */
  duplicateGuard?: string;
  /** The write modes a record destination supports (its config's `mode` offers exactly these). */
  modes?: readonly WriteMode[];
  /**
   * The fields that identify a record of `stream` in the destination, when its config writes by key
   * (an upsert): the engine then diffs each batch against what this node sent before and writes only
   * new and changed records (engine/diff-gate.ts). Undefined: every record is written.
   */
  syncKey?(config: C, stream: string): readonly string[] | undefined;
  /**
   * Its keys match regardless of case (HubSpot's emails, Salesforce's external IDs): a diffed sync
   * compares them lower-cased, so `Bob@x.com` at the source is the `bob@x.com` the system holds and
   * a mirror never deletes one for the other.
   */
  keysIgnoreCase?: boolean;
  /** Reads of its own records by key, for mirrors and dry-run samples (see DestinationReads). */
  reads?: DestinationReads<C>;
  /**
   * A dry run opens it with `ctx.dryRun` and reads its `plan()` (what would be created, updated,
   * related); without, a dry run only counts what would reach it.
   */
  plansDryRun?: boolean;
  open(config: C, ctx: DestinationContext): Promise<DestinationWriter>;
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
}

/** Any node type: what the registry lists and the engine runs, told apart by `role`. */
export type NodeType<C = Record<string, unknown>> = SourceType<C> | TransformType<C> | DestinationType<C>;

/** A definition: the node type less what its factory fills in, with the config schema its functions are typed by. */
type Definition<N, S extends ConfigSchema, Fixed extends keyof N> = Omit<N, 'role' | 'config' | Fixed> & {
  config: S;
};

/**
 * A source: config schema, outputs and `read` (checked by the compiler: a source without `read`
 * does not compile), its functions typed by the schema.
 */
export function defineSource<S extends ConfigSchema>(
  definition: Definition<SourceType<Static<S>>, S, 'inputs'>,
): SourceType<Static<S>> {
  return { ...definition, role: 'source', inputs: [] };
}

/** A transform: config schema, inputs, outputs and `create`. */
export function defineTransform<S extends ConfigSchema>(
  definition: Definition<TransformType<Static<S>>, S, never>,
): TransformType<Static<S>> {
  return { ...definition, role: 'transform' };
}

/** A destination: config schema, inputs, how it publishes, and `open`. */
export function defineDestination<S extends ConfigSchema>(
  definition: Definition<DestinationType<Static<S>>, S, 'outputs'>,
): DestinationType<Static<S>> {
  return { ...definition, role: 'destination', outputs: [] };
}

/** A read that yields finished part files (each with the cursor after it) instead of records. */
export type PartsRead = (ctx: SourceContext) => AsyncIterable<SourceBatch>;

/**
 * A source that can do a format node's work itself (DuckDB's `COPY … TO part`), so rows never
 * cross into JavaScript. When such a source feeds that format node alone, the planner fuses the
 * pair: the source reads with `plan`'s part-writing read and the format node passes the parts on.
 * Declared by the source's connector; the format node knows nothing of it.
 */
export interface PartsFusion {
  /** Node type names, e.g. `duckdb.source` and `csv.format`. */
  source: string;
  format: string;
  /** The part-writing read for these configs, or undefined when they cannot fuse (the row path runs). */
  plan(sourceConfig: Record<string, unknown>, formatConfig: Record<string, unknown>): PartsRead | undefined;
}

/** A fusion of `source` into `format`, its `plan` typed by both node types' configs. */
export function defineFusion<SC, FC>(
  source: SourceType<SC>,
  format: TransformType<FC>,
  plan: (sourceConfig: SC, formatConfig: FC) => PartsRead | undefined,
): PartsFusion {
  return {
    source: source.type,
    format: format.type,
    // The configs were validated against these node types' schemas before any plan is made.
    plan: (sourceConfig, formatConfig) => plan(sourceConfig as SC, formatConfig as FC),
  };
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
