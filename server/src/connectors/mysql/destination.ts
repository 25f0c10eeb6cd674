/**
 * `mysql.destination`: writes record streams into MySQL/MariaDB tables, all or nothing (`staged`).
 *
 * Each stream is staged in its own table (stage.ts) by LOAD DATA LOCAL INFILE, batch by batch,
 * each batch committed: a write is durable when it resolves, and a resumed run deletes the staged
 * batches after its checkpoint before they are replayed. `prepare` reads every staging table back
 * and verifies it (verify.ts), finishes the tables to create inside their staging tables, and
 * moves rows into existing tables in a transaction left open; `commit` commits it and renames the
 * created tables into place in one atomic RENAME TABLE (publish.ts says what is atomic and why).
 */
import mysql, { type Connection } from 'mysql2/promise';
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
import { describeTable, tableExists } from './target-catalog.ts';
import { columnDefinition } from './ddl.ts';
import {
  connectionOptions,
  defaultPort,
  type MysqlDestinationConfig,
  mysqlDestinationConfig,
  mysqlLocation,
} from './destination-config.ts';
import {
  finishPublish,
  moveRows,
  type PublishOptions,
  type PublishRefusal,
  renameIntoPlace,
  shapeCreatedTables,
} from './publish.ts';
import { identifierLength, quoteIdentifier } from './sql.ts';
import { type RowRefusal, type SavedStream, StreamStage } from './stage.ts';
import { readBack } from './verify.ts';

interface WriterState {
  streams: SavedStream[];
  /** After prepare: staged rows (seq, row) the targets refused, so a resumed commit leaves them out. */
  refused?: Record<string, [number, number][]>;
}

/** Strict: a value MySQL would truncate or zero is an error, so the row is refused rather than altered. */
const sqlMode =
  'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

interface Server {
  database: string;
  /** MariaDB ≥ 10.7 has a uuid type. */
  uuidType: boolean;
}

class MysqlWriter implements DestinationWriter {
  private readonly stages = new Map<string, StreamStage>();
  private reports: StreamVerification[] = [];
  private refused: Record<string, [number, number][]> | undefined;
  private moving = false;
  private closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly server: Server,
    private readonly config: MysqlDestinationConfig,
    private readonly ctx: DestinationContext,
  ) {}

  private get mode() {
    return this.config.mode ?? 'insert';
  }

  private options(skip?: Record<string, [number, number][]>): PublishOptions {
    return {
      mode: this.mode,
      uuidType: this.server.uuidType,
      log: this.ctx.log,
      nodeId: this.ctx.nodeId,
      ...(skip === undefined ? {} : { skip }),
    };
  }

  async resume(state: WriterState | undefined): Promise<void> {
    if (state === undefined) return;
    const gone: string[] = [];
    for (const saved of state.streams) {
      const stage = new StreamStage(saved, saved.tally);
      if (await tableExists(this.connection, stage.table)) {
        if (this.ctx.resumeSeq !== undefined && !this.ctx.prepared) {
          await this.connection.query(
            `DELETE FROM ${quoteIdentifier(stage.table)} WHERE ${quoteIdentifier('_backflow_seq')} > ?`,
            [this.ctx.resumeSeq],
          );
        }
      } else if (!this.ctx.prepared) gone.push(stage.target);
      // Reopened to publish, a staging table that is gone was published (renamed or dropped after its rows moved).
      this.stages.set(stage.stream, stage);
    }
    if (gone.length > 0) {
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
      const refusals = await stage.load(this.connection, payload, seq);
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

  async prepare(): Promise<void> {
    const stages = [...this.stages.values()];
    const readbacks = new Map<string, Readback>();
    try {
      for (const stage of stages) readbacks.set(stage.stream, await readBack(this.connection, stage));
    } catch (cause) {
      throw this.error(`reading the staged rows back failed: ${errorMessage(cause)}`, cause);
    }
    const report = () =>
      stages.map((stage) =>
        streamVerification(
          stage.stream,
          stage.describe(this.server.database),
          stage.tally,
          readbacks.get(stage.stream) as Readback,
        ),
      );
    this.reports = report();
    assertVerified(this.reports, this.ctx.nodeId);
    const refused = new Map<string, PublishRefusal[]>(stages.map((stage) => [stage.stream, []]));
    try {
      await shapeCreatedTables(this.connection, stages, this.options(), refused);
      await this.connection.query('BEGIN');
      this.moving = true;
      for (const stage of stages) {
        if (!stage.saved.created)
          await moveRows(this.connection, stage, this.options(), refused.get(stage.stream) ?? []);
      }
    } catch (cause) {
      await this.rollback();
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`publishing the staged rows failed: ${errorMessage(cause)}`, cause);
    }
    this.refused = {};
    for (const stage of stages) {
      const rows = refused.get(stage.stream) ?? [];
      this.refused[stage.stream] = rows.map(({ seq, row }) => [seq, row]);
      const readback = readbacks.get(stage.stream) as Readback;
      for (const row of rows) {
        stage.tally.received.remove(row.hash);
        readback.held.remove(row.hash);
        stage.tally.rejected += 1;
      }
      if (rows.length > 0)
        this.ctx.reject(
          rows.map((row) => row.record),
          rows.map((row) => withoutSecrets(row.reason, this.config)),
        );
    }
    this.reports = report();
  }

  async commit(): Promise<void> {
    const stages = [...this.stages.values()];
    try {
      if (this.moving) {
        await this.connection.query('COMMIT');
        this.moving = false;
      } else {
        // Reopened to publish after a prepare in an earlier attempt: every step again, each skipping what is done.
        const options = this.options(this.refused ?? {});
        await shapeCreatedTables(this.connection, stages, options, new Map());
        await this.connection.query('BEGIN');
        this.moving = true;
        for (const stage of stages) {
          if (!stage.saved.created && (await tableExists(this.connection, stage.table))) {
            await moveRows(this.connection, stage, options, []);
          }
        }
        await this.connection.query('COMMIT');
        this.moving = false;
      }
      await renameIntoPlace(this.connection, stages);
      await finishPublish(this.connection, stages, this.options());
    } catch (cause) {
      await this.rollback();
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`publishing the staged rows failed: ${errorMessage(cause)}`, cause);
    } finally {
      await this.close();
    }
  }

  async abort(): Promise<void> {
    await this.rollback();
    await this.close();
  }

  verification(): StreamVerification[] {
    return this.reports;
  }

  private async rollback(): Promise<void> {
    if (!this.moving) return;
    this.moving = false;
    await this.connection.query('ROLLBACK').catch(() => undefined);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.end().catch(() => undefined);
  }

  private async startStream(batch: RecordBatch): Promise<StreamStage> {
    const target = tableOfStream(this.config, batch.stream);
    const taken = [...this.stages.values()].find((stage) => stage.target === target);
    if (taken !== undefined) {
      throw this.configError(
        'tables',
        `streams "${taken.stream}" and "${batch.stream}" would both be written to ${target}: map each stream to its own table with tables`,
      );
    }
    const fields = batch.schema ?? inferColumns(batch.records);
    const shape = batch.shape ?? {};
    const stage = stageTableName(target, this.ctx.runId, identifierLength);
    const existing = await describeTable(this.connection, target);
    if (existing === undefined && this.config.createTables === false) {
      throw this.configError('createTables', `table ${target} does not exist and createTables is false`);
    }
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(stage)}`);
    const bookkeeping = [
      `${quoteIdentifier(bookkeepingColumns[0])} bigint NOT NULL`,
      `${quoteIdentifier(bookkeepingColumns[1])} int NOT NULL`,
      `${quoteIdentifier(bookkeepingColumns[2])} bigint unsigned NOT NULL`,
    ];
    const tableOptions = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
    let saved: Omit<SavedStream, 'tally'>;
    if (existing === undefined) {
      const key = this.keyOf(
        configuredKey(this.config),
        shape.primaryKey ?? [],
        fields.map((field) => field.name),
        target,
      );
      const indexed = new Set([
        ...key,
        ...(shape.indexes ?? []).flatMap((index) => index.columns),
        ...(shape.foreignKeys ?? []).flatMap((fk) => fk.columns),
      ]);
      // Duplicate keys are refused as they are staged, with MySQL's message; an upsert keeps them for the newest to win.
      const primaryKey = key.length > 0 && this.mode !== 'upsert';
      const definitions = fields.map((field) =>
        columnDefinition(field, {
          uuidType: this.server.uuidType,
          indexed: indexed.has(field.name),
          autoIncrement: primaryKey && key.includes(field.name),
          primaryKey: key.includes(field.name),
        }),
      );
      if (primaryKey) definitions.push(`PRIMARY KEY (${key.map(quoteIdentifier).join(', ')})`);
      await this.connection.query(
        `CREATE TABLE ${quoteIdentifier(stage)} (${[...definitions, ...bookkeeping].join(', ')}) ${tableOptions}`,
      );
      saved = {
        stream: batch.stream,
        target,
        stage,
        schema: fields,
        shape,
        columns: fields.map((field) => ({ name: field.name, field: field.name, type: field.type })),
        created: true,
        key,
      };
    } else {
      const writable = existing.columns.filter((column) => !column.generated);
      const { matched, unmatched } = matchFields(
        fields,
        writable.map((column) => column.name),
      );
      for (const field of unmatched) {
        this.ctx.log.warn(`field "${field}" matches no column of ${target}; its values are not written`, {
          nodeId: this.ctx.nodeId,
          field,
        });
      }
      const columnOf = (name: string) => writable.find((column) => column.name === name);
      const tableNames = (names: string[]) =>
        names.map((name) => matched.find((column) => column.field === name || column.name === name)?.name ?? name);
      const sourceKey = tableNames(shape.primaryKey ?? []);
      const key = this.keyOf(
        tableNames(configuredKey(this.config)),
        sourceKey.length > 0 ? sourceKey : existing.primaryKey,
        matched.map((column) => column.name),
        target,
      );
      const definitions = matched.map((column) => {
        const described = columnOf(column.name);
        return `${quoteIdentifier(column.name)} ${described?.type}${described?.notNull ? ' NOT NULL' : ''}`;
      });
      const names = new Set(matched.map((column) => column.name));
      for (const check of existing.checks) {
        const referenced = [...check.clause.matchAll(/`((?:[^`]|``)+)`/g)].map((match) =>
          (match[1] as string).replaceAll('``', '`'),
        );
        if (referenced.every((column) => names.has(column))) {
          definitions.push(`CONSTRAINT ${quoteIdentifier(`${check.name}`)} CHECK (${check.clause})`);
        }
      }
      await this.connection.query(
        `CREATE TABLE ${quoteIdentifier(stage)} (${[...definitions, ...bookkeeping].join(', ')}) ${tableOptions}`,
      );
      saved = { stream: batch.stream, target, stage, schema: fields, shape, columns: matched, created: false, key };
    }
    this.warnUnknownFields(batch, saved.columns, target);
    const created = new StreamStage(saved);
    this.stages.set(batch.stream, created);
    return created;
  }

  private keyOf(configured: string[], fallback: string[], columns: string[], target: string): string[] {
    const key = configured.length > 0 ? configured : fallback;
    const missing = key.filter((column) => !columns.includes(column));
    if (missing.length > 0)
      throw this.configError('key', `key column ${missing.join(', ')} is not a column of ${target}`);
    if (this.mode === 'upsert' && key.length === 0) {
      throw this.configError('key', `upsert into ${target} needs a key: the stream has no primary key`);
    }
    return key;
  }

  private warnUnknownFields(batch: RecordBatch, columns: StagedColumn[], target: string): void {
    const known = new Set([
      ...columns.map((column) => column.field),
      ...(batch.schema ?? []).map((column) => column.name),
    ]);
    const unknown = new Set(batch.records.slice(0, 100).flatMap((record) => Object.keys(record)));
    for (const field of unknown) {
      if (!known.has(field)) {
        this.ctx.log.warn(`field "${field}" matches no column of ${target}; its values are not written`, {
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

async function connect(
  config: MysqlDestinationConfig,
  ctx: NodeContext,
): Promise<{ connection: Connection; server: Server }> {
  const where = describeConnection(config, 'mysql', defaultPort);
  const refuse = (message: string) =>
    new ConfigError(`node "${ctx.nodeId}": ${message}`, { nodeId: ctx.nodeId, details: [{ path: 'config', message }] });
  let connection: Connection;
  try {
    connection = await mysql.createConnection(connectionOptions(config));
  } catch (cause) {
    throw refuse(`cannot connect to ${where}: ${withoutSecrets(errorMessage(cause), config)}`);
  }
  // An idle connection's error must not crash the process; the next query fails instead.
  connection.on('error', () => undefined);
  try {
    await connection.query(`SET time_zone = '+00:00', sql_mode = ?, NAMES utf8mb4`, [sqlMode]);
    const [rows] = await connection.query('SELECT DATABASE() AS db, VERSION() AS version');
    const { db, version } = (rows as { db: string | null; version: string }[])[0] as {
      db: string | null;
      version: string;
    };
    if (db === null) throw new Error('no database given (the URL path or the database field)');
    const mariadb = /mariadb/i.exec(version);
    const [major = 0, minor = 0] = version.split('.').map(Number);
    return {
      connection,
      server: { database: db, uuidType: mariadb !== null && (major > 10 || (major === 10 && minor >= 7)) },
    };
  } catch (cause) {
    await connection.end().catch(() => undefined);
    throw refuse(`${where}: ${withoutSecrets(errorMessage(cause), config)}`);
  }
}

async function open(config: MysqlDestinationConfig, ctx: DestinationContext): Promise<DestinationWriter> {
  const { connection, server } = await connect(config, ctx);
  const writer = new MysqlWriter(connection, server, config, ctx);
  try {
    await writer.resume(ctx.resumeState as WriterState | undefined);
    return writer;
  } catch (error) {
    await connection.end().catch(() => undefined);
    if (error instanceof BackflowError) throw error;
    throw new DestinationError(`node "${ctx.nodeId}": cannot open: ${withoutSecrets(errorMessage(error), config)}`, {
      nodeId: ctx.nodeId,
    });
  }
}

/** Connects and checks the tables can be written: CREATE on the database, or INSERT on the table. */
async function check(config: MysqlDestinationConfig, ctx: NodeContext): Promise<void> {
  const { connection, server } = await connect(config, ctx);
  try {
    const [rows] = await connection.query('SHOW GRANTS');
    const grants = (rows as Record<string, string>[]).map((row) => Object.values(row)[0] ?? '').join('\n');
    const database = server.database.replaceAll('_', '\\_');
    const onThis = new RegExp(
      `ON (\\*|\`${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`|\`${server.database}\`)\\.\\*`,
      'i',
    );
    const table = config.table ?? Object.values(config.tables ?? {})[0];
    const allowed = grants.split('\n').some((grant) => {
      if (!/ON \*\.\*/i.test(grant) && !onThis.test(grant) && !(table !== undefined && grant.includes(`.\`${table}\``)))
        return false;
      return /ALL PRIVILEGES|CREATE|INSERT/i.test(grant);
    });
    if (!allowed) {
      const message = `${describeConnection(config, 'mysql', defaultPort)}: the user may not create tables in ${server.database}${table === undefined ? '' : ` nor insert into ${table}`}`;
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
    await connection.end().catch(() => undefined);
  }
}

export const mysqlDestination = defineDestination({
  type: 'mysql.destination',
  title: 'MySQL / MariaDB destination',
  description:
    'Writes record streams into MySQL or MariaDB tables (insert, upsert or replace), creating them with keys, indexes and foreign keys; verified and applied when the run completes.',
  config: mysqlDestinationConfig,
  publishes: 'staged',
  modes: destinationModes,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields: connectionFieldNames,
  check,
  open,
  location: (config) => mysqlLocation(config),
});
