/**
 * What the writers of both database destinations (`postgres.destination`, `mysql.destination`)
 * share: each stream staged in a table of its own batch by batch, the resume state, refusals sent
 * to the rejected port without secrets, the key a table is written by, and the typed errors. A
 * connector's writer extends `StagedWriter` with what its database does differently: making a
 * staging table (`startStream`), resuming, and publishing (`prepare`, `commit`).
 */
import { BackflowError, ConfigError, DestinationError, errorMessage } from '../../errors.ts';
import type { Column } from '../columns.ts';
import type {
  DestinationContext,
  DestinationWriter,
  Logger,
  NodeContext,
  Payload,
  Rec,
  RecordBatch,
} from '../contract.ts';
import type { StreamVerification } from '../verification.ts';
import { type ConnectionConfig, withoutSecrets } from './connection.ts';
import { deletesTableName, matchFields, type StagedColumn } from './stage-columns.ts';
import {
  configuredKey,
  type DatabaseWriteMode,
  type TargetConfig,
  tableOfStream,
  writesByKey,
} from './stage-config.ts';
import { type Readback, type StreamTally, streamVerification } from './stage-verification.ts';

/** Staged rows (seq, row) per stream that the targets refused at publish. */
export type RefusedRows = Record<string, [number, number][]>;

/** A mirror's keys to delete from a stream's table at publish, staged in a table of their own beside it. */
export interface SavedDeletes {
  stream: string;
  /** The target table's name (in the writer's schema or database). */
  target: string;
  /** The deletes table: the target's key columns, with their types. */
  table: string;
  /** The key columns, as the target names them. */
  key: string[];
}

/** The resume state: each stream's staging table, field mapping and checksum, and rows refused at publish. */
export interface StagedWriterState<Saved> {
  streams: Saved[];
  /** A mirror's staged deletes, per stream. */
  deletes?: SavedDeletes[];
  /** After prepare: staged rows (seq, row) the targets refused, so a resumed commit leaves them out. */
  refused?: RefusedRows;
}

/** A record of a batch the staging table refused, with the database's reason. */
export interface RowRefusal {
  row: number;
  reason: string;
}

/** A staged row the target refused at publish: which, why, and its staged hash (to take it out of the checksums). */
export interface PublishRefusal {
  seq: number;
  row: number;
  record: Rec;
  reason: string;
  hash: bigint;
}

/** How a connector publishes its staged streams. */
export interface PublishOptions {
  mode: DatabaseWriteMode;
  /** Rows refused in an earlier attempt of this publish (a resumed commit): deleted first, nothing isolated. */
  skip?: RefusedRows;
  /** A mirror's staged deletes, applied before any stream's rows. */
  deletes?: readonly SavedDeletes[];
  log: Logger;
  nodeId: string;
}

/** What the shared writer needs of a connector's staging table. */
export interface Stage<Connection, Saved> {
  readonly stream: string;
  readonly tally: StreamTally;
  save(): Saved;
  load(connection: Connection, batch: RecordBatch, seq: number): Promise<RowRefusal[]>;
}

/** An existing table's column as the writer needs it. */
export interface ExistingColumn {
  name: string;
  type: string;
  notNull: boolean;
  generated: boolean;
}

export abstract class StagedWriter<Connection, Saved, S extends Stage<Connection, Saved>> implements DestinationWriter {
  protected readonly stages = new Map<string, S>();
  /** A mirror's staged deletes, per stream. */
  protected readonly deletes = new Map<string, SavedDeletes>();
  protected reports: StreamVerification[] = [];
  protected refused: RefusedRows | undefined;
  private closed = false;

  constructor(
    protected readonly connection: Connection,
    protected readonly config: ConnectionConfig & TargetConfig,
    protected readonly ctx: DestinationContext,
  ) {}

  protected get mode(): DatabaseWriteMode {
    return this.config.mode ?? 'insert';
  }

  /** Picks up this run's staging tables on resume, deleting the batches after the checkpoint. */
  abstract resume(state: StagedWriterState<Saved> | undefined): Promise<void>;
  abstract prepare(): Promise<void>;
  abstract commit(): Promise<void>;
  /** The stream's first batch: its target described (or to be created) and its staging table made. */
  protected abstract startStream(batch: RecordBatch): Promise<S>;
  /** The target a stream's verification names. */
  protected abstract describeTarget(stage: S): string;
  /** Rolls back a publishing transaction left open, if any. */
  protected abstract rollback(): Promise<void>;
  /** Ends the connection, ignoring one already gone. */
  protected abstract disconnect(): Promise<void>;
  /** The database's longest identifier (bytes), for the names of the tables a run makes. */
  protected abstract readonly identifierBytes: number;
  /** An existing table's column names; undefined when there is no such table. */
  protected abstract columnsOf(table: string): Promise<string[] | undefined>;
  /** Makes the (empty) deletes table, its columns the target's key columns with their types. */
  protected abstract createDeletes(deletes: SavedDeletes): Promise<void>;
  /** Adds keys (each the key columns' values, in order, as text) to the deletes table, durably. */
  protected abstract stageDeletes(deletes: SavedDeletes, keys: unknown[][]): Promise<void>;
  /** Whether the deletes table is (still) there. */
  protected abstract deletesExist(deletes: SavedDeletes): Promise<boolean>;
  /** Drops the deletes table if it is there. */
  protected abstract dropDeletes(deletes: SavedDeletes): Promise<void>;

  async write(payload: Payload, seq: number): Promise<void> {
    if (payload.kind !== 'records') throw this.error(`takes records, but received the file ${payload.name}`);
    if (payload.records.length === 0) return;
    try {
      const stage = this.stages.get(payload.stream) ?? (await this.startStream(payload));
      const refusals = await stage.load(this.connection, payload, seq);
      if (refusals.length > 0) this.reportRefused(payload, refusals);
    } catch (cause) {
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`staging batch ${seq} of stream "${payload.stream}" failed: ${errorMessage(cause)}`, cause);
    }
  }

  /**
   * A mirror's deletes: the keys are staged in the stream's deletes table (made on the first call)
   * and deleted from the target when the run publishes, before the rows are written. A stream whose
   * table does not exist has nothing to delete.
   */
  async delete(stream: string, keys: Rec[]): Promise<void> {
    if (keys.length === 0) return;
    try {
      const deletes = this.deletes.get(stream) ?? (await this.startDeletes(stream));
      if (deletes === undefined) return;
      const fields = configuredKey(this.config);
      await this.stageDeletes(
        deletes,
        keys.map((key) => fields.map((field) => key[field] ?? null)),
      );
    } catch (cause) {
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`staging ${keys.length} deletes of stream "${stream}" failed: ${errorMessage(cause)}`, cause);
    }
  }

  state(): StagedWriterState<Saved> {
    return {
      streams: [...this.stages.values()].map((stage) => stage.save()),
      ...(this.deletes.size === 0 ? {} : { deletes: [...this.deletes.values()] }),
      ...(this.refused === undefined ? {} : { refused: this.refused }),
    };
  }

  /** Leaves the staging tables for a resumed run; an open publishing transaction rolls back. */
  async abort(): Promise<void> {
    await this.rollback();
    await this.close();
  }

  verification(): StreamVerification[] {
    return this.reports;
  }

  /**
   * Picks up the deletes a resumed run staged: kept when it was prepared (its commit applies them),
   * else dropped, because the mirror's deletes are asked for again after the batches are replayed.
   */
  protected async resumeDeletes(saved: SavedDeletes[] | undefined): Promise<void> {
    for (const deletes of saved ?? []) {
      if (!this.ctx.prepared) await this.dropDeletes(deletes);
      else if (await this.deletesExist(deletes)) this.deletes.set(deletes.stream, deletes);
    }
  }

  /** The stream's deletes table, made empty; undefined when the stream's table does not exist. */
  private async startDeletes(stream: string): Promise<SavedDeletes | undefined> {
    const target = tableOfStream(this.config, stream);
    const columns = await this.columnsOf(target);
    if (columns === undefined) return undefined;
    const key = configuredKey(this.config).map((field) => {
      const named =
        columns.find((column) => column === field) ??
        columns.find((column) => column.toLowerCase() === field.toLowerCase());
      if (named === undefined) throw this.configError('key', `key column ${field} is not a column of ${target}`);
      return named;
    });
    if (key.length === 0) throw this.configError('key', `mode ${this.mode} needs a key to delete rows of ${target}`);
    const deletes = { stream, target, table: deletesTableName(target, this.ctx.runId, this.identifierBytes), key };
    await this.createDeletes(deletes);
    this.deletes.set(stream, deletes);
    return deletes;
  }

  /** Reads every staging table back, hashed from the database's own values (the connector's `readBack`). */
  protected async readBackAll(
    readBack: (connection: Connection, stage: S) => Promise<Readback>,
  ): Promise<Map<string, Readback>> {
    const readbacks = new Map<string, Readback>();
    try {
      for (const stage of this.stages.values()) readbacks.set(stage.stream, await readBack(this.connection, stage));
    } catch (cause) {
      throw this.error(`reading the staged rows back failed: ${errorMessage(cause)}`, cause);
    }
    return readbacks;
  }

  /** Each stream's verification: what it received against what its staging table holds. */
  protected verify(readbacks: Map<string, Readback>): void {
    this.reports = [...this.stages.values()].map((stage) =>
      streamVerification(
        stage.stream,
        this.describeTarget(stage),
        stage.tally,
        readbacks.get(stage.stream) as Readback,
      ),
    );
  }

  protected async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.disconnect();
  }

  /** A publish that failed: the transaction rolled back, the error typed and free of secrets. */
  protected async publishFailed(cause: unknown): Promise<never> {
    await this.rollback();
    if (cause instanceof BackflowError) throw cause;
    throw this.error(`publishing the staged rows failed: ${errorMessage(cause)}`, cause);
  }

  /**
   * Keeps the rows refused at publish (so a resumed commit leaves them out), takes them out of the
   * stream's checksums and sends them to the rejected port.
   */
  protected takeOutRefused(stage: S, rows: PublishRefusal[], readback: Readback): void {
    this.refused ??= {};
    this.refused[stage.stream] = rows.map(({ seq, row }) => [seq, row]);
    if (rows.length === 0) return;
    for (const row of rows) {
      stage.tally.received.remove(row.hash);
      readback.held.remove(row.hash);
      stage.tally.rejected += 1;
    }
    this.ctx.reject(
      rows.map((row) => row.record),
      rows.map((row) => withoutSecrets(row.reason, this.config)),
    );
  }

  /** Refuses a second stream mapped to a table a stream already writes. */
  protected assertTargetFree(stream: string, shown: string, writesTarget: (stage: S) => boolean): void {
    const taken = [...this.stages.values()].find(writesTarget);
    if (taken !== undefined) {
      throw this.configError(
        'tables',
        `streams "${taken.stream}" and "${stream}" would both be written to ${shown}: map each stream to its own table with tables`,
      );
    }
  }

  /** A target that does not exist: update has no rows to change, and createTables false forbids making it. */
  protected assertCreatable(shown: string): void {
    if (this.mode === 'update') {
      throw this.configError('mode', `mode update changes existing rows, but table ${shown} does not exist`);
    }
    if (this.config.createTables === false) {
      throw this.configError('createTables', `table ${shown} does not exist and createTables is false`);
    }
  }

  /** The key of a table to create: configured, else the source's primary key; upsert refuses to go without. */
  protected keyOfNewTable(fields: readonly Column[], primaryKey: string[] | undefined, shown: string): string[] {
    return this.keyOf(
      configuredKey(this.config),
      primaryKey ?? [],
      fields.map((field) => field.name),
      shown,
    );
  }

  /**
   * Pairs the records' fields with an existing table's writable columns (a field that matches none is
   * warned about) and finds the key: configured, else the source's primary key, else the table's.
   * `definitions` are the staging table's columns, typed as the table's.
   */
  protected fitExistingTable<C extends ExistingColumn>(
    fields: readonly Column[],
    sourceKey: string[] | undefined,
    table: { columns: C[]; primaryKey: string[] },
    shown: string,
    quoteIdentifier: (name: string) => string,
  ): { matched: StagedColumn[]; key: string[]; definitions: string[]; columnOf: (name: string) => C | undefined } {
    const writable = table.columns.filter((column) => !column.generated);
    const { matched, unmatched } = matchFields(
      fields,
      writable.map((column) => column.name),
    );
    for (const field of unmatched) this.warnUnmatched(field, shown);
    const columnOf = (name: string) => writable.find((column) => column.name === name);
    const tableNames = (names: string[]) =>
      names.map((name) => matched.find((column) => column.field === name || column.name === name)?.name ?? name);
    const fromSource = tableNames(sourceKey ?? []);
    const key = this.keyOf(
      tableNames(configuredKey(this.config)),
      fromSource.length > 0 ? fromSource : table.primaryKey,
      matched.map((column) => column.name),
      shown,
    );
    const definitions = matched.map((column) => {
      const described = columnOf(column.name);
      return `${quoteIdentifier(column.name)} ${described?.type}${described?.notNull ? ' NOT NULL' : ''}`;
    });
    return { matched, key, definitions, columnOf };
  }

  /** Fields of the first batch's records that no column takes (a schema that omits them): warned once. */
  protected warnUnknownFields(batch: RecordBatch, columns: StagedColumn[], shown: string): void {
    const known = new Set([
      ...columns.map((column) => column.field),
      ...(batch.schema ?? []).map((column) => column.name),
    ]);
    const unknown = new Set(batch.records.slice(0, 100).flatMap((record) => Object.keys(record)));
    for (const field of unknown) {
      if (!known.has(field)) this.warnUnmatched(field, shown);
    }
  }

  protected error(message: string, cause?: unknown): DestinationError {
    return new DestinationError(`node "${this.ctx.nodeId}": ${withoutSecrets(message, this.config)}`, {
      nodeId: this.ctx.nodeId,
      ...(cause === undefined ? {} : { cause: new Error(withoutSecrets(errorMessage(cause), this.config)) }),
    });
  }

  protected configError(field: string, message: string): ConfigError {
    return new ConfigError(`node "${this.ctx.nodeId}": ${message}`, {
      nodeId: this.ctx.nodeId,
      details: [{ path: `config.${field}`, message }],
    });
  }

  private keyOf(configured: string[], fallback: string[], columns: string[], shown: string): string[] {
    const key = configured.length > 0 ? configured : fallback;
    const missing = key.filter((column) => !columns.includes(column));
    if (missing.length > 0) {
      throw this.configError('key', `key column ${missing.join(', ')} is not a column of ${shown}`);
    }
    if (writesByKey(this.mode) && key.length === 0) {
      throw this.configError('key', `${this.mode} into ${shown} needs a key: the stream has no primary key`);
    }
    return key;
  }

  private warnUnmatched(field: string, shown: string): void {
    this.ctx.log.warn(`field "${field}" matches no column of ${shown}; its values are not written`, {
      nodeId: this.ctx.nodeId,
      field,
    });
  }

  private reportRefused(batch: RecordBatch, refusals: RowRefusal[]): void {
    const records = refusals.map(({ row }) => batch.records[row] as Rec);
    const reasons = refusals.map(({ reason }) => withoutSecrets(reason, this.config));
    const locations = batch.locations;
    if (locations === undefined) this.ctx.reject(records, reasons);
    else
      this.ctx.reject(
        records,
        reasons,
        refusals.map(({ row }) => locations[row] ?? {}),
      );
  }
}

/** Why update refuses a staged row: `no row with key (id)=(42) in table public.customers: …`. */
export function noRowReason(key: readonly string[], record: Rec, shown: string): string {
  const values = key.map((column) => (record[column] === null ? 'NULL' : String(record[column])));
  return `no row with key (${key.join(', ')})=(${values.join(', ')}) in table ${shown}: mode update changes existing rows only`;
}

/** A connection refused, or a check that failed, as a ConfigError on the node's config. */
export function connectionError(ctx: NodeContext, message: string): ConfigError {
  return new ConfigError(`node "${ctx.nodeId}": ${message}`, {
    nodeId: ctx.nodeId,
    details: [{ path: 'config', message }],
  });
}

/** Opens a writer: resumes it from its saved state, and on failure ends its connection with a typed error. */
export async function openStagedWriter<Saved>(
  writer: { resume(state: StagedWriterState<Saved> | undefined): Promise<void> },
  config: ConnectionConfig,
  ctx: DestinationContext,
  disconnect: () => Promise<void>,
): Promise<void> {
  try {
    await writer.resume(ctx.resumeState as StagedWriterState<Saved> | undefined);
  } catch (error) {
    await disconnect();
    if (error instanceof BackflowError) throw error;
    throw new DestinationError(`node "${ctx.nodeId}": cannot open: ${withoutSecrets(errorMessage(error), config)}`, {
      nodeId: ctx.nodeId,
    });
  }
}

/**
 * Runs a destination's `check` on a connection: an error it throws is a ConfigError without
 * secrets, and the connection is ended either way.
 */
export async function checkOnConnection(
  config: ConnectionConfig,
  ctx: NodeContext,
  run: () => Promise<void>,
  disconnect: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof BackflowError) throw error;
    throw connectionError(ctx, withoutSecrets(errorMessage(error), config));
  } finally {
    await disconnect();
  }
}
