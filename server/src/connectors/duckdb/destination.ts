/**
 * `duckdb.destination`: writes records into a DuckDB table, all or nothing.
 *
 * Batches are staged in `_backflow_stage_<table>_<runId>` (same database, the target's column
 * types, plus `_backflow_seq`), each in one committed transaction, so a write is durable when it
 * resolves and a resumed run drops the staged batches after its checkpoint before they are
 * replayed. `commit`, once the whole run has succeeded, moves the staged rows into the target and
 * drops the staging table in one transaction; until then the target is untouched. So a staging
 * table that is gone after its run prepared was published.
 *
 * Mode mirror also stages deletes (`delete`, the keys of rows that vanished from the source) in
 * `_backflow_stage_<table>_<runId>_deletes`, applied by `commit` before the staged rows, in the
 * same transaction. Mode update stages only rows whose key the target holds and rejects the others.
 *
 * Loading: each batch is appended as text to a temporary table, then cast to the column types by
 * one set-based INSERT … SELECT (DuckDB parses every value; see record-values.ts). Rows with a
 * value that does not convert are reported through `ctx.reject` and the rest are staged.
 */
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection, DuckDBPreparedStatement } from '@duckdb/node-api';
import { type Static, Type } from '@sinclair/typebox';
import { BackflowError, ConfigError, DestinationError, errorMessage } from '../../errors.ts';
import { inferColumns } from '../../node-kit/columns.ts';
import {
  type ConfigIssue,
  type DestinationContext,
  type DestinationWriter,
  defineDestination,
  type NodeContext,
  type Payload,
  type Rec,
  type RecordBatch,
  type StreamInfo,
} from '../../node-kit/contract.ts';
import { keyedModeKey, keyedModes, keyProperty, mirrorScopeProperty, modeProperty } from '../../node-kit/schema.ts';
import { assertWritableDirectory } from '../../node-kit/writable-directory.ts';
import {
  canonicalTypes,
  connectNodeDatabase,
  disconnect,
  formatQualifiedName,
  inTransaction,
  parseQualifiedName,
  type QualifiedName,
  quoteIdentifier,
  quoteQualifiedName,
  resolveDatabasePath,
  type TableColumn,
  tableColumns,
} from './database.ts';
import { readCurrent, readKeys } from './destination-reads.ts';
import { castableText, castFromText, convertsText, type TypedColumn } from './record-values.ts';

const duckdbDestinationModes = ['insert', 'replace', 'upsert', 'update', 'mirror'] as const;
type DuckDBWriteMode = (typeof duckdbDestinationModes)[number];

const duckdbDestinationConfig = Type.Object(
  {
    path: Type.String({
      'x-local-path': true,
      minLength: 1,
      title: 'Database file',
      description:
        'Path of the .duckdb file, created if missing; a relative path is resolved against the flow directory.',
    }),
    table: Type.String({
      minLength: 1,
      title: 'Table',
      description:
        'Table to write, optionally with its schema (sales.orders). Created from the incoming columns if missing.',
    }),
    mode: Type.Optional(
      modeProperty(duckdbDestinationModes, {
        default: 'insert',
        description:
          'insert appends the records; replace swaps the table contents for them; upsert replaces rows with the same key and inserts the others; update changes rows whose key the table holds and rejects the others; mirror upserts and deletes the rows whose records vanished from the source. Every mode applies when the run completes, all at once.',
      }),
    ),
    key: Type.Optional(
      keyProperty({ description: 'Column, or columns, that identify a row; required for upsert, update and mirror.' }),
    ),
    mirrorScope: mirrorScopeProperty('rows'),
  },
  {
    title: 'DuckDB destination',
    additionalProperties: false,
    if: { properties: { mode: { enum: [...keyedModes] } }, required: ['mode'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then keyword, not a thenable.
    then: { required: ['key'] },
  },
);
export type DuckDBDestinationConfig = Static<typeof duckdbDestinationConfig>;

/** Sequence column of the staging table: the source batch a row came with. */
const SEQ_COLUMN = '_backflow_seq';
/** Per-connection temporary table holding the batch being written, as text. */
const BATCH_TABLE = '_backflow_batch';
/** Per-connection temporary table holding the keys of a delete, as text. */
const DELETE_KEYS_TABLE = '_backflow_delete_keys';
/** Longest value quoted in a rejection reason. */
const REASON_VALUE_LENGTH = 120;

/** The resume state: whether this run staged anything, so a resume can tell a lost staging table from one never made. */
interface StageState {
  staged: boolean;
}

/** A staging-table column with what a value for it must satisfy. */
interface StageColumn extends TypedColumn {
  /** NULL is refused: the target column is NOT NULL, or it is part of the key of a keyed mode. */
  required: boolean;
  requiredBecause: string;
}

/** The staging table, loaded: its columns and the statement that stages a batch. */
interface Stage {
  columns: StageColumn[];
  /** `INSERT INTO stage … SELECT <casts> FROM batch WHERE <all values convert>`, `$1` = seq. */
  insert: DuckDBPreparedStatement;
  /**
   * `SELECT row_index, <failed?>, <text>…, <key missing?> FROM batch WHERE <some value does not
   * convert, or (update) the key is not in the target>`; undefined when nothing can fail.
   */
  rejectQuery: string | undefined;
}

/** Whether a mode writes by key (its rows are matched to the target's by `key`). */
function isKeyedMode(mode: DuckDBWriteMode): boolean {
  return keyedModes.includes(mode);
}

class StagedTableWriter implements DestinationWriter {
  private stage: Stage | undefined;
  private connected = true;
  /** A mirror's deletes are staged in `deleteTable`, to apply (first) when publishing. */
  private deletesStaged = false;
  /** Found already published when reopened to publish (a crash came between the commit and its record). */
  private published = false;
  /** Record field → stage column index (undefined: no such column, already warned about). */
  private readonly fieldColumns = new Map<string, number | undefined>();

  constructor(
    private readonly connection: DuckDBConnection,
    private readonly ctx: DestinationContext,
    private readonly target: QualifiedName,
    private readonly stageTable: QualifiedName,
    /** A mirror's staged deletes: the key columns (typed like the target's) of the rows to delete. */
    private readonly deleteTable: QualifiedName,
    private readonly mode: DuckDBWriteMode,
    private readonly keys: string[],
    private readonly targetColumns: TableColumn[] | undefined,
  ) {}

  /** Reopens this run's staging table on resume (dropping batches after the checkpoint), or starts a new one. */
  async start(): Promise<void> {
    await this.startDeletes();
    const stage = quoteQualifiedName(this.stageTable);
    const staged = await tableColumns(this.connection, this.stageTable);
    const resumeSeq = this.ctx.resumeSeq;
    if (staged !== undefined && resumeSeq !== undefined) {
      await this.connection.run(`DELETE FROM ${stage} WHERE ${quoteIdentifier(SEQ_COLUMN)} > $1`, [BigInt(resumeSeq)]);
      await this.loadStage();
      return;
    }
    if (staged !== undefined) {
      // Left by an earlier attempt of this run that the engine restarts from the beginning.
      await this.connection.run(`DROP TABLE ${stage}`);
    } else if (resumeSeq !== undefined && (this.ctx.resumeState as StageState | undefined)?.staged) {
      if (this.ctx.prepared) {
        this.published = true;
        return;
      }
      throw this.error(
        `staging table ${stage} is gone, so the batches up to ${resumeSeq} are lost; run the flow again`,
      );
    }
    if (this.targetColumns !== undefined) {
      await this.connection.run(
        `CREATE TABLE ${stage} AS SELECT *, CAST(NULL AS BIGINT) AS ${quoteIdentifier(SEQ_COLUMN)} FROM ${quoteQualifiedName(this.target)} LIMIT 0`,
      );
      await this.loadStage();
    }
  }

  /**
   * Deletes an earlier attempt of this run staged are kept only when this one reopens just to
   * publish them (`prepared`); otherwise the engine runs the mirror's deletes again after the replay.
   */
  private async startDeletes(): Promise<void> {
    if ((await tableColumns(this.connection, this.deleteTable)) === undefined) return;
    if (this.ctx.prepared) this.deletesStaged = true;
    else await this.connection.run(`DROP TABLE ${quoteQualifiedName(this.deleteTable)}`);
  }

  async write(payload: Payload, seq: number): Promise<void> {
    if (payload.kind !== 'records') {
      throw this.error(`takes records, but received the file ${payload.name}`);
    }
    if (payload.records.length === 0) return;
    try {
      const stage = this.stage ?? (await this.createStage(payload));
      await this.appendBatch(stage, payload.records);
      const rejected = await inTransaction(this.connection, async () => {
        stage.insert.bindBigInt(1, BigInt(seq));
        const staged = (await stage.insert.run()).rowsChanged;
        return staged < payload.records.length ? await this.rejectedRows(stage) : [];
      });
      if (rejected.length > 0) this.reportRejected(payload, rejected);
    } catch (cause) {
      if (cause instanceof BackflowError) throw cause;
      throw this.error(`staging batch ${seq} (${payload.stream}) failed: ${errorMessage(cause)}`, cause);
    }
  }

  /**
   * Stages the deletes of a mirror: the keys (text) cast to the key columns' types into the delete
   * table, in one statement, so they are durable when this resolves. A key that does not convert
   * cannot be in the table; without a target table there is nothing to delete. Asked again for the
   * same keys (a resume), they are staged twice, which deletes the same rows.
   */
  async delete(_stream: string, keys: Rec[]): Promise<void> {
    const stage = this.stage;
    if (keys.length === 0 || this.targetColumns === undefined || stage === undefined) return;
    const keyColumns = this.keys.map(
      (key) => stage.columns.find((column) => sameName(column.name, key)) as StageColumn,
    );
    const deletes = quoteQualifiedName(this.deleteTable);
    const keyList = this.keys.map(quoteIdentifier).join(', ');
    const text = (index: number) => quoteIdentifier(`t${index}`);
    try {
      await this.connection.run(
        `CREATE TABLE IF NOT EXISTS ${deletes} AS SELECT ${keyList} FROM ${quoteQualifiedName(this.target)} LIMIT 0`,
      );
      await this.connection.run(
        `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(DELETE_KEYS_TABLE)} (${keyColumns
          .map((_, index) => `${text(index)} VARCHAR`)
          .join(', ')})`,
      );
      const appender = await this.connection.createAppender(DELETE_KEYS_TABLE, 'main', 'temp');
      try {
        for (const key of keys) {
          keyColumns.forEach((column, index) => {
            const value = castableText(key[this.keys[index] as string], column.type);
            if (value === null) appender.appendNull();
            else appender.appendVarchar(value);
          });
          appender.endRow();
        }
      } finally {
        appender.closeSync();
      }
      const casts = keyColumns.map((column, index) => castFromText(text(index), column));
      await this.connection.run(
        `INSERT INTO ${deletes} (${keyList})
         SELECT * FROM (SELECT ${casts.map((cast, index) => `${cast} AS v${index}`).join(', ')}
                          FROM temp.main.${quoteIdentifier(DELETE_KEYS_TABLE)})
          WHERE ${casts.map((_, index) => `v${index} IS NOT NULL`).join(' AND ')}`,
      );
      this.deletesStaged = true;
    } catch (cause) {
      throw this.error(`staging ${keys.length} deletes failed: ${errorMessage(cause)}`, cause);
    }
  }

  state(): StageState {
    return { staged: this.stage !== undefined || this.published || this.deletesStaged };
  }

  /** Every batch is staged durably as it is written: nothing is left to do before publishing. */
  async prepare(): Promise<void> {}

  async commit(): Promise<void> {
    try {
      if (this.published) {
        this.ctx.log.info(`this run's rows were already applied to ${quoteQualifiedName(this.target)}`);
        return;
      }
      if (this.stage === undefined) {
        this.ctx.log.info('no records arrived and the table does not exist; nothing to write', {
          nodeId: this.ctx.nodeId,
          table: quoteQualifiedName(this.target),
        });
        return;
      }
      const stage = this.stage;
      await inTransaction(this.connection, () => this.publish(stage));
    } catch (cause) {
      throw this.error(
        `applying the staged rows to ${quoteQualifiedName(this.target)} failed: ${errorMessage(cause)}`,
        cause,
      );
    } finally {
      this.closeConnection();
    }
  }

  /** Leaves the staging table in place: a resumed run continues from it. */
  async abort(): Promise<void> {
    this.closeConnection();
  }

  /**
   * Moves the staged rows into the target (one transaction, run by the caller) and drops the
   * staging tables. A mirror's staged deletes go first, so a key deleted and staged again (never
   * in one run) would end up present.
   */
  private async publish(stage: Stage): Promise<void> {
    const target = quoteQualifiedName(this.target);
    const stageTable = quoteQualifiedName(this.stageTable);
    const seq = quoteIdentifier(SEQ_COLUMN);
    const columns = stage.columns.map((column) => quoteIdentifier(column.name)).join(', ');
    const keys = this.keys.map(quoteIdentifier).join(', ');
    if ((await tableColumns(this.connection, this.target)) === undefined) {
      // An update changes existing rows only: every row was rejected, and there is no table to make.
      if (this.mode === 'update') {
        await this.connection.run(`DROP TABLE ${stageTable}`);
        return;
      }
      await this.connection.run(`CREATE TABLE ${target} AS SELECT ${columns} FROM ${stageTable} LIMIT 0`);
    }
    if (this.deletesStaged) {
      const deletes = quoteQualifiedName(this.deleteTable);
      await this.connection.run(`DELETE FROM ${target} WHERE (${keys}) IN (SELECT ${keys} FROM ${deletes})`);
      await this.connection.run(`DROP TABLE ${deletes}`);
    }
    if (this.mode === 'replace') {
      await this.connection.run(`DELETE FROM ${target}`);
    }
    if (this.mode === 'update') {
      await this.update(stage);
    } else if (this.mode === 'upsert' || this.mode === 'mirror') {
      await this.connection.run(`DELETE FROM ${target} WHERE (${keys}) IN (SELECT ${keys} FROM ${stageTable})`);
      // The newest staged row of each key wins: latest batch, then latest within it.
      await this.connection.run(
        `INSERT INTO ${target} (${columns})
         SELECT ${columns} FROM (
           SELECT *, rowid AS staged_row FROM ${stageTable}
           QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY ${seq} DESC, rowid DESC) = 1
         ) ORDER BY ${seq}, staged_row`,
      );
    } else {
      await this.connection.run(
        `INSERT INTO ${target} (${columns}) SELECT ${columns} FROM ${stageTable} ORDER BY ${seq}, rowid`,
      );
    }
    await this.connection.run(`DROP TABLE ${stageTable}`);
  }

  /**
   * Update: the newest staged row of each key replaces the other columns of the target's row with
   * that key, in place (rows whose key the target lacked were rejected when staged).
   */
  private async update(stage: Stage): Promise<void> {
    const target = quoteQualifiedName(this.target);
    const keys = this.keys.map(quoteIdentifier).join(', ');
    const others = stage.columns.filter((column) => !this.keys.some((key) => sameName(key, column.name)));
    if (others.length === 0) return;
    const assignments = others.map(
      (column) => `${quoteIdentifier(column.name)} = staged.${quoteIdentifier(column.name)}`,
    );
    const matches = this.keys.map((key) => `${target}.${quoteIdentifier(key)} = staged.${quoteIdentifier(key)}`);
    await this.connection.run(
      `UPDATE ${target} SET ${assignments.join(', ')}
         FROM (SELECT * FROM ${quoteQualifiedName(this.stageTable)}
               QUALIFY row_number() OVER (PARTITION BY ${keys} ORDER BY ${quoteIdentifier(SEQ_COLUMN)} DESC, rowid DESC) = 1) staged
        WHERE ${matches.join(' AND ')}`,
    );
  }

  /** Creates the staging table of a new target from the first batch's schema (or, without one, from its values). */
  private async createStage(batch: RecordBatch): Promise<Stage> {
    const columns = batch.schema ?? inferColumns(batch.records);
    let types: string[];
    try {
      types = await canonicalTypes(
        this.connection,
        columns.map((column) => column.type),
      );
    } catch (cause) {
      throw this.error(`cannot create ${quoteQualifiedName(this.target)}: ${errorMessage(cause)}`, cause);
    }
    const definitions = columns.map((column, index) => `${quoteIdentifier(column.name)} ${types[index]}`);
    definitions.push(`${quoteIdentifier(SEQ_COLUMN)} BIGINT`);
    await this.connection.run(`CREATE TABLE ${quoteQualifiedName(this.stageTable)} (${definitions.join(', ')})`);
    return this.loadStage();
  }

  /** Reads the staging table's columns and prepares the statements that stage a batch. */
  private async loadStage(): Promise<Stage> {
    const stageTable = quoteQualifiedName(this.stageTable);
    const described = ((await tableColumns(this.connection, this.stageTable)) ?? []).filter(
      (column) => column.name !== SEQ_COLUMN,
    );
    const probe = await this.connection.prepare(`SELECT * FROM ${stageTable}`);
    const columns = described.map((column, index): StageColumn => {
      const isKey = isKeyedMode(this.mode) && this.keys.some((key) => sameName(key, column.name));
      const notNull = this.targetColumns?.some((target) => sameName(target.name, column.name) && target.notNull);
      return {
        name: column.name,
        type: probe.columnType(index),
        typeText: column.type,
        required: isKey || notNull === true,
        requiredBecause: isKey ? 'the key is NULL' : 'NULL in a NOT NULL column',
      };
    });
    probe.destroySync();
    const missingKeys = this.keys.filter((key) => !columns.some((column) => sameName(column.name, key)));
    if (missingKeys.length > 0) {
      const message = `key column ${missingKeys.join(', ')} is not a column of ${quoteQualifiedName(this.target)}`;
      throw new ConfigError(`node "${this.ctx.nodeId}": ${message}`, {
        nodeId: this.ctx.nodeId,
        details: [{ path: 'config.key', message }],
      });
    }

    const { createBatchTable, insert, rejectQuery } = stagingSql(stageTable, columns, this.keyMissing(columns));
    await this.connection.run(createBatchTable);
    this.stage = { columns, insert: await this.connection.prepare(insert), rejectQuery };
    return this.stage;
  }

  /**
   * In update mode, the condition (on the converted batch `b`, value `v<i>` of stage column i) that a
   * row's key is not in the target: every key, when there is no target.
   */
  private keyMissing(columns: StageColumn[]): string | undefined {
    if (this.mode !== 'update') return undefined;
    if (this.targetColumns === undefined) return 'true';
    const matches = this.keys.map((key) => {
      const index = columns.findIndex((column) => sameName(column.name, key));
      return `existing.${quoteIdentifier(key)} = b.v${index}`;
    });
    return `NOT EXISTS (SELECT 1 FROM ${quoteQualifiedName(this.target)} existing WHERE ${matches.join(' AND ')})`;
  }

  /** Replaces the batch table's contents with the records as text, one column per stage column. */
  private async appendBatch(stage: Stage, records: Rec[]): Promise<void> {
    await this.connection.run(`DELETE FROM temp.main.${quoteIdentifier(BATCH_TABLE)}`);
    const appender = await this.connection.createAppender(BATCH_TABLE, 'main', 'temp');
    try {
      const texts: (string | null)[] = new Array(stage.columns.length);
      for (let row = 0; row < records.length; row++) {
        texts.fill(null);
        const record = records[row] as Rec;
        for (const field in record) {
          const index = this.columnIndexOf(field, stage);
          if (index !== undefined)
            texts[index] = castableText(record[field], (stage.columns[index] as StageColumn).type);
        }
        appender.appendInteger(row);
        for (const text of texts) {
          if (text === null) appender.appendNull();
          else appender.appendVarchar(text);
        }
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
  }

  /** The stage column a record field fills: same name, else the one column equal ignoring case (DuckDB's rule). */
  private columnIndexOf(field: string, stage: Stage): number | undefined {
    if (this.fieldColumns.has(field)) return this.fieldColumns.get(field);
    let index = stage.columns.findIndex((column) => column.name === field);
    if (index === -1) {
      const matches = stage.columns.filter((column) => sameName(column.name, field));
      index = matches.length === 1 ? stage.columns.indexOf(matches[0] as StageColumn) : -1;
    }
    if (index === -1) {
      const message = `field "${field}" matches no column of ${quoteQualifiedName(this.target)}; its values are not written`;
      this.ctx.log.warn(message, { nodeId: this.ctx.nodeId, field });
    }
    const column = index === -1 ? undefined : index;
    this.fieldColumns.set(field, column);
    return column;
  }

  /** Rows of the batch table that were not staged, each with why. */
  private async rejectedRows(stage: Stage): Promise<{ row: number; reason: string }[]> {
    if (stage.rejectQuery === undefined) return [];
    const rows = (await this.connection.runAndReadAll(stage.rejectQuery)).getRowsJson();
    return rows.map(([row, ...flagsAndTexts]) => {
      const reasons = stage.columns.flatMap((column, index) => {
        if (flagsAndTexts[index * 2] !== true) return [];
        const text = flagsAndTexts[index * 2 + 1];
        if (text === null) return [`field "${column.name}": ${column.requiredBecause}`];
        return [`field "${column.name}": cannot convert ${quoteValue(String(text))} to ${column.typeText}`];
      });
      if (reasons.length === 0 && flagsAndTexts[stage.columns.length * 2] === true) {
        reasons.push(this.missingKeyReason(stage, flagsAndTexts));
      }
      return { row: Number(row), reason: reasons.join('; ') };
    });
  }

  /** Why update refused a row: `no row with key (id)=(42) in table customers: mode update changes existing rows only`. */
  private missingKeyReason(stage: Stage, flagsAndTexts: unknown[]): string {
    const values = this.keys.map((key) => {
      const index = stage.columns.findIndex((column) => sameName(column.name, key));
      const text = flagsAndTexts[index * 2 + 1];
      return text === null || text === undefined ? 'NULL' : shorten(String(text));
    });
    const table = formatQualifiedName(this.target);
    return `no row with key (${this.keys.join(', ')})=(${values.join(', ')}) in table ${table}: mode update changes existing rows only`;
  }

  private reportRejected(batch: RecordBatch, rejected: { row: number; reason: string }[]): void {
    const records = rejected.map(({ row }) => batch.records[row] as Rec);
    const reasons = rejected.map(({ reason }) => reason);
    const locations = batch.locations;
    if (locations === undefined) {
      this.ctx.reject(records, reasons);
    } else {
      this.ctx.reject(
        records,
        reasons,
        rejected.map(({ row }) => locations[row] ?? {}),
      );
    }
  }

  private closeConnection(): void {
    if (!this.connected) return;
    this.connected = false;
    disconnect(this.connection);
  }

  private error(message: string, cause?: unknown): DestinationError {
    return new DestinationError(`node "${this.ctx.nodeId}": ${message}`, {
      nodeId: this.ctx.nodeId,
      ...(cause === undefined ? {} : { cause }),
    });
  }
}

/**
 * The SQL that stages a batch: the temporary table its text goes into (column `t<i>` for stage
 * column i), the INSERT that casts it into the staging table skipping rows with a value that does
 * not convert (or a NULL where one is refused), and the query that finds those rows again.
 */
function stagingSql(
  stageTable: string,
  columns: StageColumn[],
  keyMissing: string | undefined,
): { createBatchTable: string; insert: string; rejectQuery: string | undefined } {
  const text = (index: number) => quoteIdentifier(`t${index}`);
  const batchTable = `temp.main.${quoteIdentifier(BATCH_TABLE)}`;
  const converted = `SELECT row_index, ${columns
    .map((column, index) => `${text(index)}, ${castFromText(text(index), column)} AS v${index}`)
    .join(', ')} FROM ${batchTable}`;
  const failures = columns.map((column, index) => {
    const conditions: string[] = [];
    if (convertsText(column.type)) conditions.push(`(${text(index)} IS NOT NULL AND v${index} IS NULL)`);
    if (column.required) conditions.push(`${text(index)} IS NULL`);
    return conditions.length === 0 ? undefined : `(${conditions.join(' OR ')})`;
  });
  const anyFailure = [...failures, keyMissing === undefined ? undefined : `(${keyMissing})`]
    .filter((failure) => failure !== undefined)
    .join(' OR ');
  const targetColumns = [...columns.map((column) => quoteIdentifier(column.name)), quoteIdentifier(SEQ_COLUMN)];
  return {
    createBatchTable: `CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(BATCH_TABLE)} (row_index INTEGER, ${columns
      .map((_, index) => `${text(index)} VARCHAR`)
      .join(', ')})`,
    insert: `INSERT INTO ${stageTable} (${targetColumns.join(', ')})
      SELECT ${columns.map((_, index) => `v${index}`).join(', ')}, $1
        FROM (${converted}) b ${anyFailure === '' ? '' : `WHERE NOT (${anyFailure})`}
       ORDER BY row_index`,
    rejectQuery:
      anyFailure === ''
        ? undefined
        : `SELECT row_index, ${failures
            .map((failure, index) => `${failure ?? 'false'} AS f${index}, ${text(index)}`)
            .join(', ')}, ${keyMissing ?? 'false'} AS key_missing
            FROM (${converted}) b WHERE ${anyFailure} ORDER BY row_index`,
  };
}

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function quoteValue(text: string): string {
  return `'${shorten(text).replaceAll("'", "''")}'`;
}

function shorten(text: string): string {
  return text.length > REASON_VALUE_LENGTH ? `${text.slice(0, REASON_VALUE_LENGTH)}…` : text;
}

/** Issues beyond the schema: a keyed mode without its key, a mirror scope without a mirror. */
function checkConfig(config: DuckDBDestinationConfig): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const mode = config.mode ?? 'insert';
  const keys = config.key === undefined ? [] : typeof config.key === 'string' ? [config.key] : config.key;
  if (isKeyedMode(mode) && keys.length === 0) {
    issues.push({ path: 'key', message: `mode ${mode} needs a key: the column, or columns, that identify a row` });
  }
  // The schema fills in the default `flow`, which deletes nothing outside a mirror: only `all` is an issue.
  if (config.mirrorScope === 'all' && mode !== 'mirror') {
    issues.push({ path: 'mirrorScope', message: `mirrorScope applies to mode mirror only, not ${mode}` });
  }
  return issues;
}

/** The table name parses and the database file can be written (or created); nothing is created. */
async function check(config: DuckDBDestinationConfig, ctx: NodeContext): Promise<void> {
  targetTable(config, ctx.nodeId);
  const file = resolveDatabasePath(config.path, ctx.baseDir);
  const info = await stat(file).catch(() => undefined);
  if (info === undefined) return assertWritableDirectory(path.dirname(file), { nodeId: ctx.nodeId, field: 'path' });
  if (!info.isFile()) {
    throw new ConfigError(`node "${ctx.nodeId}": ${file} is not a database file`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.path', message: `${file} is not a database file` }],
    });
  }
  await access(file, constants.W_OK).catch(() => {
    throw new ConfigError(`node "${ctx.nodeId}": ${file} cannot be written to`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.path', message: `${file} cannot be written to` }],
    });
  });
}

/**
 * The tables the file holds, with typed columns, NOT NULL and primary keys, for the table picker
 * and the editor's field mapping; a file not made yet holds none (the table is created on write).
 */
async function discover(config: Partial<DuckDBDestinationConfig>, ctx: NodeContext): Promise<StreamInfo[]> {
  if (!config.path) return [];
  const file = resolveDatabasePath(config.path, ctx.baseDir);
  if ((await stat(file).catch(() => undefined)) === undefined) return [];
  const connection = await connectNodeDatabase(config.path, ctx, { mustExist: true, readOnly: true });
  try {
    const columnRows = (
      await connection.runAndReadAll(
        `SELECT c.schema_name, c.table_name, c.column_name, c.data_type, NOT c.is_nullable,
                list_contains(coalesce(k.columns, []), c.column_name)
           FROM duckdb_columns() c
           LEFT JOIN (SELECT schema_name, table_name, constraint_column_names AS columns
                        FROM duckdb_constraints()
                       WHERE database_name = current_database() AND constraint_type = 'PRIMARY KEY') k
             USING (schema_name, table_name)
          WHERE c.database_name = current_database() AND NOT c.internal
            AND NOT starts_with(c.table_name, '_backflow_stage_')
          ORDER BY c.schema_name, c.table_name, c.column_index`,
      )
    ).getRowsJson();
    const streams = new Map<string, StreamInfo>();
    for (const [schema, table, name, type, notNull, inKey] of columnRows) {
      const streamId = formatQualifiedName(
        schema === 'main' ? { name: String(table) } : { schema: String(schema), name: String(table) },
      );
      const stream = streams.get(streamId) ?? { name: streamId, columns: [] };
      streams.set(streamId, stream);
      stream.columns.push({ name: String(name), type: String(type), ...(notNull === true ? { notNull: true } : {}) });
      if (inKey === true) stream.key = [...(stream.key ?? []), String(name)];
    }
    return [...streams.values()];
  } finally {
    disconnect(connection);
  }
}

function targetTable(config: DuckDBDestinationConfig, nodeId: string): QualifiedName {
  try {
    return parseQualifiedName(config.table);
  } catch (cause) {
    throw new ConfigError(`node "${nodeId}": ${errorMessage(cause)}`, {
      nodeId,
      details: [{ path: 'config.table', message: errorMessage(cause) }],
      cause,
    });
  }
}

async function open(config: DuckDBDestinationConfig, ctx: DestinationContext): Promise<DestinationWriter> {
  const mode = config.mode ?? 'insert';
  const keys = config.key === undefined ? [] : typeof config.key === 'string' ? [config.key] : config.key;
  if (isKeyedMode(mode) && keys.length === 0) {
    throw new ConfigError(`node "${ctx.nodeId}": ${mode} needs a key`, {
      nodeId: ctx.nodeId,
      details: [{ path: 'config.key', message: `${mode} needs a key` }],
    });
  }
  const target = targetTable(config, ctx.nodeId);
  const stageTable: QualifiedName = { ...target, name: `_backflow_stage_${target.name}_${ctx.runId}` };
  // Starts like the staging table, so the file's table listing leaves it out too.
  const deleteTable: QualifiedName = { ...target, name: `_backflow_stage_${target.name}_${ctx.runId}_deletes` };
  const connection = await connectNodeDatabase(config.path, ctx, { mustExist: false });
  try {
    const targetColumns = await tableColumns(connection, target);
    const writer = new StagedTableWriter(connection, ctx, target, stageTable, deleteTable, mode, keys, targetColumns);
    await writer.start();
    return writer;
  } catch (error) {
    disconnect(connection);
    if (error instanceof ConfigError || error instanceof DestinationError) throw error;
    throw new DestinationError(`node "${ctx.nodeId}": cannot open ${config.table}: ${errorMessage(error)}`, {
      nodeId: ctx.nodeId,
      cause: error,
    });
  }
}

export const duckdbDestination = defineDestination({
  type: 'duckdb.destination',
  title: 'DuckDB destination',
  description:
    'Writes records into a DuckDB table (insert, replace, upsert, update or mirror), applied all at once when the run completes.',
  config: duckdbDestinationConfig,
  publishes: 'staged',
  modes: duckdbDestinationModes,
  syncKey: (config) => keyedModeKey(config),
  reads: {
    keys: (config, ctx) => readKeys(config, ctx),
    current: (config, ctx, _stream, keys) => readCurrent(config, ctx, keys),
  },
  checkConfig,
  inputs: [{ name: 'records', kind: 'records' }],
  connectionFields: ['path'],
  check,
  discover,
  open,
  location: (config) => `${config.path}, table ${config.table}`,
});
