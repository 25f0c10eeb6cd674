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
import type pg from 'pg';
import { errorMessage } from '../../errors.ts';
import { inferColumns } from '../../node-kit/columns.ts';
import {
  type DestinationContext,
  type DestinationWriter,
  defineDestination,
  type NodeContext,
  type RecordBatch,
} from '../../node-kit/contract.ts';
import { keyedModeKey } from '../../node-kit/schema.ts';
import { connectionFields, withoutSecrets } from '../../node-kit/sql/connection.ts';
import { destinationReads } from '../../node-kit/sql/destination-reads.ts';
import { bookkeepingColumns, stageTableName } from '../../node-kit/sql/stage-columns.ts';
import {
  checkTargetConfig,
  describeConnection,
  destinationModes,
  tableOfStream,
  writesByKey,
} from '../../node-kit/sql/stage-config.ts';
import { assertVerified, type Readback } from '../../node-kit/sql/stage-verification.ts';
import {
  checkOnConnection,
  connectionError,
  openStagedWriter,
  type RefusedRows,
  type SavedDeletes,
  StagedWriter,
  type StagedWriterState,
} from '../../node-kit/sql/staged-writer.ts';
import { describeTable, tableExists, typeExists } from './catalog.ts';
import { postgresDialect } from './connection.ts';
import { columnDefinitions, enumTypes } from './ddl.ts';
import {
  clientConfig,
  defaultPort,
  type PostgresDestinationConfig,
  postgresDestinationConfig,
  postgresLocation,
} from './destination-config.ts';
import { type PostgresPublishOptions, publishStreams } from './publish.ts';
import { identifierBytes, quoteIdentifier, quoteTable, showTable, type TableName } from './sql.ts';
import { type SavedStream, StreamStage } from './stage.ts';
import { readBack } from './verify.ts';

type WriterState = StagedWriterState<SavedStream>;

class PostgresWriter extends StagedWriter<pg.Client, SavedStream, StreamStage> {
  /** prepare's publishing transaction, left open for commit. */
  private publishing = false;
  /** Reopened to publish and found the staging tables gone: an earlier commit went through. */
  private published = false;

  constructor(
    client: pg.Client,
    protected override readonly config: PostgresDestinationConfig,
    ctx: DestinationContext,
  ) {
    super(client, config, ctx);
  }

  private get schema(): string {
    return this.config.schema ?? 'public';
  }

  /** Picks up this run's staging tables on resume, deleting the batches after the checkpoint. */
  async resume(state: WriterState | undefined): Promise<void> {
    if (state === undefined) return;
    const gone: string[] = [];
    for (const saved of state.streams) {
      const stage = new StreamStage(saved, saved.tally);
      if (!(await tableExists(this.connection, stage.table))) {
        gone.push(showTable(stage.target));
        continue;
      }
      if (this.ctx.resumeSeq !== undefined && !this.ctx.prepared) {
        await this.connection.query(
          `DELETE FROM ${quoteTable(stage.table)} WHERE ${quoteIdentifier('_backflow_seq')} > $1`,
          [this.ctx.resumeSeq],
        );
      }
      this.stages.set(stage.stream, stage);
    }
    await this.resumeDeletes(state.deletes);
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

  /** Verifies every staging table, then publishes all streams in one transaction left open for commit. */
  async prepare(): Promise<void> {
    const stages = [...this.stages.values()];
    const readbacks = await this.readBackAll(readBack);
    this.verify(readbacks);
    assertVerified(this.reports, this.ctx.nodeId);
    await this.begin();
    try {
      const refused = await publishStreams(this.connection, stages, this.publishOptions());
      this.refused = {};
      for (const stage of stages) {
        this.takeOutRefused(stage, refused.get(stage.stream) ?? [], readbacks.get(stage.stream) as Readback);
      }
      this.verify(readbacks);
    } catch (cause) {
      await this.publishFailed(cause);
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
        await publishStreams(this.connection, [...this.stages.values()], this.publishOptions(this.refused ?? {}));
      }
      await this.connection.query('COMMIT');
      this.publishing = false;
    } catch (cause) {
      await this.publishFailed(cause);
    } finally {
      await this.close();
    }
  }

  protected describeTarget(stage: StreamStage): string {
    return stage.describe();
  }

  private publishOptions(skip?: RefusedRows): PostgresPublishOptions {
    return {
      mode: this.mode,
      schema: this.schema,
      deletes: [...this.deletes.values()],
      log: this.ctx.log,
      nodeId: this.ctx.nodeId,
      ...(skip === undefined ? {} : { skip }),
    };
  }

  protected readonly identifierBytes = identifierBytes;

  protected async columnsOf(table: string): Promise<string[] | undefined> {
    return (await describeTable(this.connection, { schema: this.schema, name: table }))?.columns.map(
      (column) => column.name,
    );
  }

  protected async createDeletes(deletes: SavedDeletes): Promise<void> {
    const table = quoteTable({ schema: this.schema, name: deletes.table });
    await this.connection.query(`DROP TABLE IF EXISTS ${table}`);
    await this.connection.query(
      `CREATE TABLE ${table} AS SELECT ${deletes.key.map(quoteIdentifier).join(', ')} FROM ${quoteTable({ schema: this.schema, name: deletes.target })} WITH NO DATA`,
    );
  }

  /** One INSERT per call: the keys as a JSON array, typed as the table's columns by jsonb_populate_recordset. */
  protected async stageDeletes(deletes: SavedDeletes, keys: unknown[][]): Promise<void> {
    const table = quoteTable({ schema: this.schema, name: deletes.table });
    const records = keys.map((values) =>
      Object.fromEntries(deletes.key.map((column, index) => [column, values[index]])),
    );
    await this.connection.query(
      `INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb)`,
      [JSON.stringify(records)],
    );
  }

  protected deletesExist(deletes: SavedDeletes): Promise<boolean> {
    return tableExists(this.connection, { schema: this.schema, name: deletes.table });
  }

  protected async dropDeletes(deletes: SavedDeletes): Promise<void> {
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteTable({ schema: this.schema, name: deletes.table })}`);
  }

  private async begin(): Promise<void> {
    await this.connection.query('BEGIN');
    this.publishing = true;
  }

  protected async rollback(): Promise<void> {
    if (!this.publishing) return;
    this.publishing = false;
    await this.connection.query('ROLLBACK').catch(() => undefined);
  }

  protected async disconnect(): Promise<void> {
    await this.connection.end().catch(() => undefined);
  }

  protected async startStream(batch: RecordBatch): Promise<StreamStage> {
    const target: TableName = { schema: this.schema, name: tableOfStream(this.config, batch.stream) };
    const shown = showTable(target);
    this.assertTargetFree(batch.stream, shown, (stage) => stage.target.name === target.name);
    const fields = batch.schema ?? inferColumns(batch.records);
    const shape = batch.shape ?? {};
    const stage: TableName = {
      schema: this.schema,
      name: stageTableName(target.name, this.ctx.runId, identifierBytes),
    };
    const existing = await describeTable(this.connection, target);
    if (existing === undefined) this.assertCreatable(shown);
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteTable(stage)}`);
    let saved: Omit<SavedStream, 'tally'>;
    if (existing === undefined) {
      const key = this.keyOfNewTable(fields, shape.primaryKey, shown);
      await this.connection.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.schema)}`);
      for (const type of enumTypes(fields, target)) {
        if (!(await typeExists(this.connection, type.name))) await this.connection.query(type.create);
      }
      const definitions = [...columnDefinitions(fields, target), ...bookkeepingDefinitions()];
      // Duplicate keys are refused as they are staged, with Postgres's message; an upsert keeps them for the newest to win.
      if (key.length > 0 && !writesByKey(this.mode)) {
        definitions.push(
          `CONSTRAINT ${quoteIdentifier(`${target.name}_pkey`.slice(0, 63))} PRIMARY KEY (${key.map(quoteIdentifier).join(', ')})`,
        );
      }
      await this.connection.query(`CREATE TABLE ${quoteTable(stage)} (${definitions.join(', ')})`);
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
      const { matched, key, definitions, columnOf } = this.fitExistingTable(
        fields,
        shape.primaryKey,
        existing,
        shown,
        quoteIdentifier,
      );
      const names = new Set(matched.map((column) => column.name));
      for (const check of existing.checks) {
        if (check.columns.every((column) => names.has(column))) {
          definitions.push(`CONSTRAINT ${quoteIdentifier(check.name)} ${check.definition}`);
        }
      }
      await this.connection.query(
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
    this.warnUnknownFields(batch, saved.columns, shown);
    const created = new StreamStage(saved);
    this.stages.set(batch.stream, created);
    return created;
  }
}

function bookkeepingDefinitions(): string[] {
  const [seq, row, hash] = bookkeepingColumns.map(quoteIdentifier);
  return [`${seq} bigint NOT NULL`, `${row} integer NOT NULL`, `${hash} numeric(20,0) NOT NULL`];
}

/** A connected client, its session set for exact text forms (UTC, ISO dates and intervals); errors without secrets. */
async function connect(config: PostgresDestinationConfig, ctx: NodeContext): Promise<pg.Client> {
  const { default: pg } = await import('pg');
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
    throw connectionError(ctx, `cannot connect to ${where}: ${withoutSecrets(errorMessage(cause), config)}`);
  }
}

async function open(config: PostgresDestinationConfig, ctx: DestinationContext): Promise<DestinationWriter> {
  const client = await connect(config, ctx);
  const writer = new PostgresWriter(client, config, ctx);
  await openStagedWriter(writer, config, ctx, () => client.end().catch(() => undefined));
  return writer;
}

/** Connects and checks the tables can be written: the schema allows CREATE, or the table exists and allows INSERT. */
async function check(config: PostgresDestinationConfig, ctx: NodeContext): Promise<void> {
  const client = await connect(config, ctx);
  await checkOnConnection(
    config,
    ctx,
    async () => {
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
        throw connectionError(
          ctx,
          `${describeConnection(config, 'postgres', defaultPort)}: the user may not create tables in schema ${schema}${
            table === undefined ? '' : ` nor insert into ${schema}.${table}`
          }`,
        );
      }
    },
    () => client.end().catch(() => undefined),
  );
}

/** Reads of the destination's own rows (mirrorScope all, dry-run samples), on a connection of their own. */
const postgresReads = destinationReads<PostgresDestinationConfig>(postgresDialect, async (config, ctx) => {
  const client = await connect(config, ctx);
  const schema = config.schema ?? 'public';
  return {
    query: async (text, values) => (await client.query(text, values)).rows,
    table: async (name) => {
      const table = await describeTable(client, { schema, name });
      if (table === undefined) return undefined;
      return { quoted: quoteTable({ schema, name }), columns: table.columns.map((column) => column.name) };
    },
    end: () => client.end().catch(() => undefined),
  };
});

export const postgresDestination = defineDestination({
  type: 'postgres.destination',
  title: 'PostgreSQL destination',
  description:
    'Writes record streams into PostgreSQL tables (insert, update, upsert, mirror or replace), creating them with keys, indexes and foreign keys; verified and applied all at once when the run completes.',
  config: postgresDestinationConfig,
  publishes: 'staged',
  modes: destinationModes,
  checkConfig: checkTargetConfig,
  syncKey: (config) => keyedModeKey(config),
  reads: postgresReads,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  check,
  open,
  location: (config) => postgresLocation(config),
});
