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
import type { Connection } from 'mysql2/promise';
import { errorMessage } from '../../errors.ts';
import { inferColumns } from '../../node-kit/columns.ts';
import {
  type DestinationContext,
  type DestinationWriter,
  defineDestination,
  type NodeContext,
  type Rec,
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
  type PublishRefusal,
  type RefusedRows,
  type SavedDeletes,
  StagedWriter,
  type StagedWriterState,
} from '../../node-kit/sql/staged-writer.ts';
import { columnNames, describeTable, tableExists } from './catalog.ts';
import { mysqlDialect } from './connection.ts';
import { columnDefinition } from './ddl.ts';
import {
  connectionOptions,
  defaultPort,
  type MysqlDestinationConfig,
  mysqlDestinationConfig,
  mysqlLocation,
} from './destination-config.ts';
import {
  applyDeletes,
  finishPublish,
  moveRows,
  type PublishOptions,
  renameIntoPlace,
  shapeCreatedTables,
} from './publish.ts';
import { identifierLength, quoteIdentifier } from './sql.ts';
import { type SavedStream, StreamStage } from './stage.ts';
import { utcDatetime } from './values.ts';
import { readBack } from './verify.ts';

/** Strict: a value MySQL would truncate or zero is an error, so the row is refused rather than altered. */
const sqlMode =
  'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION';

type WriterState = StagedWriterState<SavedStream>;

interface Server {
  database: string;
  /** MariaDB ≥ 10.7 has a uuid type. */
  uuidType: boolean;
}

class MysqlWriter extends StagedWriter<Connection, SavedStream, StreamStage> {
  private moving = false;

  constructor(
    connection: Connection,
    private readonly server: Server,
    protected override readonly config: MysqlDestinationConfig,
    ctx: DestinationContext,
  ) {
    super(connection, config, ctx);
  }

  private options(skip?: RefusedRows): PublishOptions {
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
    await this.resumeDeletes(state.deletes);
    if (gone.length > 0) {
      throw this.error(
        `the staging tables of ${gone.join(', ')} are gone, so the batches up to ${this.ctx.resumeSeq} are lost; run the flow again`,
      );
    }
    this.refused = state.refused;
  }

  async prepare(): Promise<void> {
    const stages = [...this.stages.values()];
    const readbacks = await this.readBackAll(readBack);
    this.verify(readbacks);
    assertVerified(this.reports, this.ctx.nodeId);
    const refused = new Map<string, PublishRefusal[]>(stages.map((stage) => [stage.stream, []]));
    try {
      await shapeCreatedTables(this.connection, stages, this.options(), refused);
      await this.connection.query('BEGIN');
      this.moving = true;
      for (const deletes of this.deletes.values()) await applyDeletes(this.connection, deletes);
      for (const stage of stages) {
        if (!stage.saved.created)
          await moveRows(this.connection, stage, this.options(), refused.get(stage.stream) ?? []);
      }
    } catch (cause) {
      await this.publishFailed(cause);
    }
    this.refused = {};
    for (const stage of stages) {
      this.takeOutRefused(stage, refused.get(stage.stream) ?? [], readbacks.get(stage.stream) as Readback);
    }
    this.verify(readbacks);
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
        for (const deletes of this.deletes.values()) await applyDeletes(this.connection, deletes);
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
      for (const deletes of this.deletes.values()) await this.dropDeletes(deletes);
    } catch (cause) {
      await this.publishFailed(cause);
    } finally {
      await this.close();
    }
  }

  protected describeTarget(stage: StreamStage): string {
    return stage.describe(this.server.database);
  }

  protected readonly identifierBytes = identifierLength;

  protected async columnsOf(table: string): Promise<string[] | undefined> {
    const names = await columnNames(this.connection, table);
    return names.length === 0 ? undefined : names;
  }

  protected async createDeletes(deletes: SavedDeletes): Promise<void> {
    await this.dropDeletes(deletes);
    await this.connection.query(
      `CREATE TABLE ${quoteIdentifier(deletes.table)} ENGINE=InnoDB AS SELECT ${deletes.key.map(quoteIdentifier).join(', ')} FROM ${quoteIdentifier(deletes.target)} LIMIT 0`,
    );
  }

  /**
   * Multi-row INSERTs of at most 1000 keys each, the values as text converted by MySQL to the column
   * types; an instant (`2024-01-31T10:00:00.000Z`, as keys compare) in MySQL's form for a date-time key.
   */
  protected async stageDeletes(deletes: SavedDeletes, keys: unknown[][]): Promise<void> {
    const types = (await describeTable(this.connection, deletes.table))?.columns ?? [];
    const toKey = deletes.key.map((column) => {
      const type = types.find((described) => described.name === column)?.type ?? '';
      if (/^(datetime|timestamp)/i.test(type))
        return (value: unknown) => (typeof value === 'string' ? utcDatetime(value) : value);
      if (/^date\b/i.test(type)) return (value: unknown) => (typeof value === 'string' ? value.slice(0, 10) : value);
      return (value: unknown) => value;
    });
    const columns = deletes.key.map(quoteIdentifier).join(', ');
    for (let start = 0; start < keys.length; start += 1000) {
      const rows = keys.slice(start, start + 1000).map((values) => values.map((value, index) => toKey[index]?.(value)));
      await this.connection.query(`INSERT INTO ${quoteIdentifier(deletes.table)} (${columns}) VALUES ?`, [rows]);
    }
  }

  protected deletesExist(deletes: SavedDeletes): Promise<boolean> {
    return tableExists(this.connection, deletes.table);
  }

  protected async dropDeletes(deletes: SavedDeletes): Promise<void> {
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(deletes.table)}`);
  }

  protected async rollback(): Promise<void> {
    if (!this.moving) return;
    this.moving = false;
    await this.connection.query('ROLLBACK').catch(() => undefined);
  }

  protected async disconnect(): Promise<void> {
    await this.connection.end().catch(() => undefined);
  }

  protected async startStream(batch: RecordBatch): Promise<StreamStage> {
    const target = tableOfStream(this.config, batch.stream);
    this.assertTargetFree(batch.stream, target, (stage) => stage.target === target);
    const fields = batch.schema ?? inferColumns(batch.records);
    const shape = batch.shape ?? {};
    const stage = stageTableName(target, this.ctx.runId, identifierLength);
    const existing = await describeTable(this.connection, target);
    if (existing === undefined) this.assertCreatable(target);
    await this.connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(stage)}`);
    const bookkeeping = [
      `${quoteIdentifier(bookkeepingColumns[0])} bigint NOT NULL`,
      `${quoteIdentifier(bookkeepingColumns[1])} int NOT NULL`,
      `${quoteIdentifier(bookkeepingColumns[2])} bigint unsigned NOT NULL`,
    ];
    const tableOptions = 'ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin';
    let saved: Omit<SavedStream, 'tally'>;
    if (existing === undefined) {
      const key = this.keyOfNewTable(fields, shape.primaryKey, target);
      const indexed = new Set([
        ...key,
        ...(shape.indexes ?? []).flatMap((index) => index.columns),
        ...(shape.foreignKeys ?? []).flatMap((fk) => fk.columns),
      ]);
      // Duplicate keys are refused as they are staged, with MySQL's message; an upsert keeps them for the newest to win.
      const primaryKey = key.length > 0 && !writesByKey(this.mode);
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
      const { matched, key, definitions } = this.fitExistingTable(
        fields,
        shape.primaryKey,
        existing,
        target,
        quoteIdentifier,
      );
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
}

async function connect(
  config: MysqlDestinationConfig,
  ctx: NodeContext,
): Promise<{ connection: Connection; server: Server }> {
  const where = describeConnection(config, 'mysql', defaultPort);
  const refuse = (message: string) => connectionError(ctx, message);
  let connection: Connection;
  try {
    const { default: mysql } = await import('mysql2/promise');
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
  await openStagedWriter(writer, config, ctx, () => connection.end().catch(() => undefined));
  return writer;
}

/** Connects and checks the tables can be written: CREATE on the database, or INSERT on the table. */
async function check(config: MysqlDestinationConfig, ctx: NodeContext): Promise<void> {
  const { connection, server } = await connect(config, ctx);
  await checkOnConnection(
    config,
    ctx,
    async () => {
      const [rows] = await connection.query('SHOW GRANTS');
      const grants = (rows as Record<string, string>[]).map((row) => Object.values(row)[0] ?? '').join('\n');
      const database = server.database.replaceAll('_', '\\_');
      const onThis = new RegExp(
        `ON (\\*|\`${database.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`|\`${server.database}\`)\\.\\*`,
        'i',
      );
      const table = config.table ?? Object.values(config.tables ?? {})[0];
      const allowed = grants.split('\n').some((grant) => {
        if (
          !/ON \*\.\*/i.test(grant) &&
          !onThis.test(grant) &&
          !(table !== undefined && grant.includes(`.\`${table}\``))
        )
          return false;
        return /ALL PRIVILEGES|CREATE|INSERT/i.test(grant);
      });
      if (!allowed) {
        throw connectionError(
          ctx,
          `${describeConnection(config, 'mysql', defaultPort)}: the user may not create tables in ${server.database}${table === undefined ? '' : ` nor insert into ${table}`}`,
        );
      }
    },
    () => connection.end().catch(() => undefined),
  );
}

/** Reads of the destination's own rows (mirrorScope all, dry-run samples), on a connection of their own. */
const mysqlReads = destinationReads<MysqlDestinationConfig>(mysqlDialect, async (config, ctx) => {
  const { connection } = await connect(config, ctx);
  return {
    query: async (text, values) => (await connection.query(text, values))[0] as Rec[],
    table: async (name) => {
      const columns = await columnNames(connection, name);
      return columns.length === 0 ? undefined : { quoted: quoteIdentifier(name), columns };
    },
    end: () => connection.end().catch(() => undefined),
  };
});

export const mysqlDestination = defineDestination({
  type: 'mysql.destination',
  title: 'MySQL / MariaDB destination',
  description:
    'Writes record streams into MySQL or MariaDB tables (insert, update, upsert, mirror or replace), creating them with keys, indexes and foreign keys; verified and applied when the run completes.',
  config: mysqlDestinationConfig,
  publishes: 'staged',
  modes: destinationModes,
  checkConfig: checkTargetConfig,
  syncKey: (config) => keyedModeKey(config),
  reads: mysqlReads,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields,
  check,
  open,
  location: (config) => mysqlLocation(config),
});
