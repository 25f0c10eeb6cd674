/**
 * `postgres.destination`: writes record streams into Postgres tables, all or nothing (`staged`).
 *
 * Each stream is staged in its own table (stage.ts) by COPY, batch by batch, each batch committed:
 * a write is durable when it resolves, and a resumed run deletes the staged batches after its
 * checkpoint before they are replayed. `prepare` reads every staging table back and verifies it
 * against what was received (verify.ts), then publishes every stream in one transaction
 * (publish.ts) that it leaves open; `commit` commits it. A run reopened only to publish (its
 * prepare ran in an attempt that died) publishes from the staging tables in `commit`; staging
 * tables that are gone then mean the earlier commit went through.
 */
import pg from 'pg';
import { BackflowError, ConfigError, DestinationError, errorMessage } from '../../errors.ts';
import { inferColumns } from '../../node-kit/columns.ts';
import {
  type DestinationContext,
  type DestinationWriter,
  defineDestination,
  type NodeContext,
  type Payload,
  type Rec,
  type RecordBatch,
} from '../../node-kit/contract.ts';
import {
  bookkeepingColumns,
  matchFields,
  type StagedColumn,
  stageTableName,
} from '../../node-kit/sql/stage-columns.ts';
import {
  configuredKey,
  connectionFieldNames,
  describeConnection,
  destinationModes,
  tableOfStream,
  withoutSecrets,
} from '../../node-kit/sql/stage-config.ts';
import { assertVerified, type Readback, streamVerification } from '../../node-kit/sql/stage-verification.ts';
import type { StreamVerification } from '../../node-kit/verification.ts';
import { describeTable, tableExists, typeExists } from './target-catalog.ts';
import { columnDefinitions, enumTypes } from './ddl.ts';
import {
  clientConfig,
  defaultPort,
  type PostgresDestinationConfig,
  postgresDestinationConfig,
  postgresLocation,
} from './destination-config.ts';
import { type PublishRefusal, publishStreams } from './publish.ts';
import { identifierBytes, quoteIdentifier, quoteTable, showTable, type TableName } from './sql.ts';
import { type RowRefusal, type SavedStream, StreamStage } from './stage.ts';
import { readBack } from './verify.ts';

/** The resume state: each stream's staging table, field mapping and checksum, and rows refused at publish. */
interface WriterState {
  streams: SavedStream[];
  /** After prepare: staged rows (seq, row) the targets refused, so a resumed commit leaves them out. */
  refused?: Record<string, [number, number][]>;
}

class PostgresWriter implements DestinationWriter {
  private readonly stages = new Map<string, StreamStage>();
  private reports: StreamVerification[] = [];
  private refused: Record<string, [number, number][]> | undefined;
  /** prepare's publishing transaction, left open for commit. */
  private publishing = false;
  /** Reopened to publish and found the staging tables gone: an earlier commit went through. */
  private published = false;
  private closed = false;

  constructor(
    private readonly client: pg.Client,
    private readonly config: PostgresDestinationConfig,
    private readonly ctx: DestinationContext,
  ) {}

  private get schema(): string {
    return this.config.schema ?? 'public';
  }

  private get mode() {
    return this.config.mode ?? 'insert';
  }

  /** Picks up this run's staging tables on resume, deleting the batches after the checkpoint. */
  async resume(state: WriterState | undefined): Promise<void> {
    if (state === undefined) return;
    const gone: string[] = [];
    for (const saved of state.streams) {
      const stage = new StreamStage(saved, saved.tally);
      if (!(await tableExists(this.client, stage.table))) {
        gone.push(showTable(stage.target));
        continue;
      }
      if (this.ctx.resumeSeq !== undefined && !this.ctx.prepared) {
        await this.client.query(
          `DELETE FROM ${quoteTable(stage.table)} WHERE ${quoteIdentifier('_backflow_seq')} > $1`,
          [this.ctx.resumeSeq],
        );
      }
      this.stages.set(stage.stream, stage);
    }
    if (gone.length > 0) {
      if (this.ctx.prepared && this.stages.size === 0) {
        this.published = true;
        return;
      }
      throw this.error(
        `the staging tables of ${gone.join(', ')} are gone, so the batches up to ${this.ctx.resumeSeq} are lost; run the flow again`,
      );
    }
    this.refused = state.refused;
  }

  async write(payload: Payload, seq: number): Promise<void> {
    if (payload.kind !== 'records') throw this.error(`takes records, but received the file ${payload.name}`);
    if (payload.records.length === 0) return;
    try {
      const stage = this.stages.get(payload.stream) ?? (await this.startStream(payload));
      const refusals = await stage.load(this.client, payload, seq);
      if (refusals.length > 0) this.reportRefused(payload, refusals);
    } catch (cause) {
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`staging batch ${seq} of stream "${payload.stream}" failed: ${errorMessage(cause)}`, cause);
    }
  }

  state(): WriterState {
    return {
      streams: [...this.stages.values()].map((stage) => stage.save()),
      ...(this.refused === undefined ? {} : { refused: this.refused }),
    };
  }

  /** Verifies every staging table, then publishes all streams in one transaction left open for commit. */
  async prepare(): Promise<void> {
    const stages = [...this.stages.values()];
    const readbacks = new Map<string, Readback>();
    try {
      for (const stage of stages) readbacks.set(stage.stream, await readBack(this.client, stage));
    } catch (cause) {
      throw this.error(`reading the staged rows back failed: ${errorMessage(cause)}`, cause);
    }
    this.reports = stages.map((stage) =>
      streamVerification(stage.stream, stage.describe(), stage.tally, readbacks.get(stage.stream) as Readback),
    );
    assertVerified(this.reports, this.ctx.nodeId);
    await this.begin();
    try {
      const refused = await publishStreams(this.client, stages, {
        mode: this.mode,
        log: this.ctx.log,
        nodeId: this.ctx.nodeId,
      });
      this.refused = {};
      for (const stage of stages) {
        const rows = refused.get(stage.stream) ?? [];
        this.refused[stage.stream] = rows.map(({ seq, row }) => [seq, row]);
        if (rows.length > 0) this.takeOutRefused(stage, rows, readbacks.get(stage.stream) as Readback);
      }
      this.reports = stages.map((stage) =>
        streamVerification(stage.stream, stage.describe(), stage.tally, readbacks.get(stage.stream) as Readback),
      );
    } catch (cause) {
      await this.rollback();
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`publishing the staged rows failed: ${errorMessage(cause)}`, cause);
    }
  }

  async commit(): Promise<void> {
    try {
      if (this.published) {
        this.ctx.log.info('this run was already published (its staging tables are gone)', { nodeId: this.ctx.nodeId });
        return;
      }
      if (!this.publishing) {
        // Reopened to publish after a prepare in an earlier attempt: publish again from the staging tables.
        await this.begin();
        await publishStreams(this.client, [...this.stages.values()], {
          mode: this.mode,
          skip: this.refused ?? {},
          log: this.ctx.log,
          nodeId: this.ctx.nodeId,
        });
      }
      await this.client.query('COMMIT');
      this.publishing = false;
    } catch (cause) {
      await this.rollback();
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`publishing the staged rows failed: ${errorMessage(cause)}`, cause);
    } finally {
      await this.close();
    }
  }

  /** Leaves the staging tables for a resumed run; an open publishing transaction rolls back. */
  async abort(): Promise<void> {
    await this.rollback();
    await this.close();
  }

  verification(): StreamVerification[] {
    return this.reports;
  }

  private takeOutRefused(stage: StreamStage, rows: PublishRefusal[], readback: Readback): void {
    for (const row of rows) {
      stage.tally.received.remove(row.hash);
      readback.held.remove(row.hash);
      stage.tally.rejected += 1;
    }
    this.ctx.reject(
      rows.map((row) => row.record),
      rows.map((row) => row.reason),
    );
  }

  private async begin(): Promise<void> {
    await this.client.query('BEGIN');
    this.publishing = true;
  }

  private async rollback(): Promise<void> {
    if (!this.publishing) return;
    this.publishing = false;
    await this.client.query('ROLLBACK').catch(() => undefined);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.end().catch(() => undefined);
  }

  /** The stream's first batch: its target described (or to be created) and its staging table made. */
  private async startStream(batch: RecordBatch): Promise<StreamStage> {
    const target: TableName = { schema: this.schema, name: tableOfStream(this.config, batch.stream) };
    const taken = [...this.stages.values()].find((stage) => stage.target.name === target.name);
    if (taken !== undefined) {
      throw this.configError(
        'tables',
        `streams "${taken.stream}" and "${batch.stream}" would both be written to ${showTable(target)}: map each stream to its own table with tables`,
      );
    }
    const fields = batch.schema ?? inferColumns(batch.records);
    const shape = batch.shape ?? {};
    const stage: TableName = {
      schema: this.schema,
      name: stageTableName(target.name, this.ctx.runId, identifierBytes),
    };
    const existing = await describeTable(this.client, target);
    if (existing === undefined && this.config.createTables === false) {
      throw this.configError('createTables', `table ${showTable(target)} does not exist and createTables is false`);
    }
    await this.client.query(`DROP TABLE IF EXISTS ${quoteTable(stage)}`);
    let saved: Omit<SavedStream, 'tally'>;
    if (existing === undefined) {
      const key = this.keyOf(
        configuredKey(this.config),
        shape.primaryKey ?? [],
        fields.map((f) => f.name),
        target,
      );
      await this.client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.schema)}`);
      for (const type of enumTypes(fields, target)) {
        if (!(await typeExists(this.client, type.name))) await this.client.query(type.create);
      }
      const definitions = [...columnDefinitions(fields, target), ...bookkeepingDefinitions()];
      // Duplicate keys are refused as they are staged, with Postgres's message; an upsert keeps them for the newest to win.
      if (key.length > 0 && this.mode !== 'upsert') {
        definitions.push(
          `CONSTRAINT ${quoteIdentifier(`${target.name}_pkey`.slice(0, 63))} PRIMARY KEY (${key.map(quoteIdentifier).join(', ')})`,
        );
      }
      await this.client.query(`CREATE TABLE ${quoteTable(stage)} (${definitions.join(', ')})`);
      saved = {
        stream: batch.stream,
        target,
        stage,
        schema: fields,
        shape,
        columns: fields.map((field) => ({ name: field.name, field: field.name, type: field.type })),
        created: true,
        key,
        alwaysIdentity: false,
        sequences: [],
      };
    } else {
      const writable = existing.columns.filter((column) => !column.generated);
      const { matched, unmatched } = matchFields(
        fields,
        writable.map((column) => column.name),
      );
      for (const field of unmatched) {
        this.ctx.log.warn(`field "${field}" matches no column of ${showTable(target)}; its values are not written`, {
          nodeId: this.ctx.nodeId,
          field,
        });
      }
      const columnOf = (name: string) => writable.find((column) => column.name === name);
      const fieldNames = (names: string[]) =>
        names.map((name) => matched.find((column) => column.field === name || column.name === name)?.name ?? name);
      const key = this.keyOf(
        fieldNames(configuredKey(this.config)),
        fieldNames(shape.primaryKey ?? []).length > 0 ? fieldNames(shape.primaryKey ?? []) : existing.primaryKey,
        matched.map((column) => column.name),
        target,
      );
      const definitions = matched.map((column) => {
        const described = columnOf(column.name);
        return `${quoteIdentifier(column.name)} ${described?.type}${described?.notNull ? ' NOT NULL' : ''}`;
      });
      const names = new Set(matched.map((column) => column.name));
      for (const check of existing.checks) {
        if (check.columns.every((column) => names.has(column))) {
          definitions.push(`CONSTRAINT ${quoteIdentifier(check.name)} ${check.definition}`);
        }
      }
      await this.client.query(
        `CREATE TABLE ${quoteTable(stage)} (${[...definitions, ...bookkeepingDefinitions()].join(', ')})`,
      );
      saved = {
        stream: batch.stream,
        target,
        stage,
        schema: fields,
        shape,
        columns: matched,
        created: false,
        key,
        alwaysIdentity: matched.some((column) => columnOf(column.name)?.identity === 'a'),
        sequences: matched.filter((column) => columnOf(column.name)?.hasSequence).map((column) => column.name),
      };
    }
    this.warnUnknownFields(batch, saved.columns, target);
    const created = new StreamStage(saved);
    this.stages.set(batch.stream, created);
    return created;
  }

  /** The key: configured, else the source's primary key (or the table's); upsert refuses to go without. */
  private keyOf(configured: string[], fallback: string[], columns: string[], target: TableName): string[] {
    const key = configured.length > 0 ? configured : fallback;
    const missing = key.filter((column) => !columns.includes(column));
    if (missing.length > 0) {
      throw this.configError('key', `key column ${missing.join(', ')} is not a column of ${showTable(target)}`);
    }
    if (this.mode === 'upsert' && key.length === 0) {
      throw this.configError('key', `upsert into ${showTable(target)} needs a key: the stream has no primary key`);
    }
    return key;
  }

  /** Fields of the first batch's records that no column takes (a schema that omits them): warned once. */
  private warnUnknownFields(batch: RecordBatch, columns: StagedColumn[], target: TableName): void {
    const known = new Set([
      ...columns.map((column) => column.field),
      ...(batch.schema ?? []).map((column) => column.name),
    ]);
    const unknown = new Set(batch.records.slice(0, 100).flatMap((record) => Object.keys(record)));
    for (const field of unknown) {
      if (!known.has(field)) {
        this.ctx.log.warn(`field "${field}" matches no column of ${showTable(target)}; its values are not written`, {
          nodeId: this.ctx.nodeId,
          field,
        });
      }
    }
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

  private error(message: string, cause?: unknown): DestinationError {
    return new DestinationError(`node "${this.ctx.nodeId}": ${withoutSecrets(message, this.config)}`, {
      nodeId: this.ctx.nodeId,
      ...(cause === undefined ? {} : { cause: new Error(withoutSecrets(errorMessage(cause), this.config)) }),
    });
  }

  private configError(field: string, message: string): ConfigError {
    return new ConfigError(`node "${this.ctx.nodeId}": ${message}`, {
      nodeId: this.ctx.nodeId,
      details: [{ path: `config.${field}`, message }],
    });
  }
}

function bookkeepingDefinitions(): string[] {
  const [seq, row, hash] = bookkeepingColumns.map(quoteIdentifier);
  return [`${seq} bigint NOT NULL`, `${row} integer NOT NULL`, `${hash} numeric(20,0) NOT NULL`];
}

/** A connected client, its session set for exact text forms (UTC, ISO dates and intervals); errors without secrets. */
async function connect(config: PostgresDestinationConfig, ctx: NodeContext): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(config));
  // An idle connection's error (server restart) must not crash the process; the next query fails instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(
      `SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'iso_8601'; SET client_encoding = 'UTF8'; SET extra_float_digits = 1`,
    );
    return client;
  } catch (cause) {
    await client.end().catch(() => undefined);
    const where = describeConnection(config, 'postgres', defaultPort);
    const message = `cannot connect to ${where}: ${withoutSecrets(errorMessage(cause), config)}`;
    throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config', message }],
    });
  }
}

async function open(config: PostgresDestinationConfig, ctx: DestinationContext): Promise<DestinationWriter> {
  const client = await connect(config, ctx);
  const writer = new PostgresWriter(client, config, ctx);
  try {
    await writer.resume(ctx.resumeState as WriterState | undefined);
    return writer;
  } catch (error) {
    await client.end().catch(() => undefined);
    if (error instanceof BackflowError) throw error;
    throw new DestinationError(`node "${ctx.nodeId}": cannot open: ${withoutSecrets(errorMessage(error), config)}`, {
      nodeId: ctx.nodeId,
    });
  }
}

/** Connects and checks the tables can be written: the schema allows CREATE, or the table exists and allows INSERT. */
async function check(config: PostgresDestinationConfig, ctx: NodeContext): Promise<void> {
  const client = await connect(config, ctx);
  try {
    const schema = config.schema ?? 'public';
    const table = config.table ?? Object.values(config.tables ?? {})[0];
    const found = await client.query<{
      schema_exists: boolean;
      can_create: boolean;
      can_insert: boolean | null;
      can_create_schema: boolean;
    }>(
      `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema_exists,
              CASE WHEN EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) THEN has_schema_privilege($1, 'CREATE') ELSE false END AS can_create,
              has_database_privilege(current_database(), 'CREATE') AS can_create_schema,
              CASE WHEN to_regclass($2) IS NULL THEN NULL ELSE has_table_privilege(to_regclass($2), 'INSERT') END AS can_insert`,
      [schema, table === undefined ? null : quoteTable({ schema, name: table })],
    );
    const row = found.rows[0];
    const ok =
      row?.can_insert === true || row?.can_create === true || (row?.schema_exists === false && row.can_create_schema);
    if (!ok) {
      const message = `${describeConnection(config, 'postgres', defaultPort)}: the user may not create tables in schema ${schema}${
        table === undefined ? '' : ` nor insert into ${schema}.${table}`
      }`;
      throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
        nodeId: ctx.nodeId,
        details: [{ path: 'config', message }],
      });
    }
  } catch (error) {
    if (error instanceof BackflowError) throw error;
    const message = withoutSecrets(errorMessage(error), config);
    throw new ConfigError(`node "${ctx.nodeId}": ${message}`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config', message }],
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgresDestination = defineDestination({
  type: 'postgres.destination',
  title: 'PostgreSQL destination',
  description:
    'Writes record streams into PostgreSQL tables (insert, upsert or replace), creating them with keys, indexes and foreign keys; verified and applied all at once when the run completes.',
  config: postgresDestinationConfig,
  publishes: 'staged',
  modes: destinationModes,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields: connectionFieldNames,
  check,
  open,
  location: (config) => postgresLocation(config),
});
