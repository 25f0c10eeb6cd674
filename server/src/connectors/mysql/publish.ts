/**
 * Publishing the staged streams in MySQL, where DDL commits on its own, in steps that are each
 * atomic and each safe to run again (a resumed commit repeats what a crash cut short):
 * - `shapeCreatedTables` (prepare): a table to create is finished inside its staging table:
 *   newest row per key (upsert), primary key, indexes, rows pointing at no parent refused, the
 *   bookkeeping columns dropped. Nothing is visible yet.
 * - `moveRows` (prepare, in the transaction `commit` commits): an existing table takes the staged
 *   rows by `INSERT … SELECT` (insert), `… ON DUPLICATE KEY UPDATE` in arrival order so the newest
 *   row of a key wins (upsert), or `DELETE` then insert (replace); rows it refuses are isolated by
 *   halving, each attempt in a SAVEPOINT; the staging table is emptied in the same transaction.
 * - `renameIntoPlace` (commit): one `RENAME TABLE stage1 TO t1, stage2 TO t2, …`, atomic for all.
 * - `finishPublish` (commit): foreign keys of created tables, staging tables dropped.
 */
import type { Connection } from 'mysql2/promise';
import type { ForeignKeyShape } from '../../node-kit/columns.ts';
import type { Rec } from '../../node-kit/contract.ts';
import { loadIsolatingFailures } from '../../node-kit/isolate-failures.ts';
import { bookkeepingColumns, HASH_COLUMN, ROW_COLUMN, SEQ_COLUMN } from '../../node-kit/sql/stage-columns.ts';
import { upsertsByKey } from '../../node-kit/sql/stage-config.ts';
import {
  noRowReason,
  type PublishRefusal,
  type SavedDeletes,
  type PublishOptions as StagedPublishOptions,
} from '../../node-kit/sql/staged-writer.ts';
import { columnNames, foreignKeyNames, indexNames, tableExists } from './catalog.ts';
import { addForeignKey, addIndex, columnDefinition, isAutoIncrement } from './ddl.ts';
import { quoteIdentifier } from './sql.ts';
import { isRowError, type StreamStage } from './stage.ts';

export interface PublishOptions extends StagedPublishOptions {
  /** MariaDB ≥ 10.7: uuid columns have their own type. */
  uuidType: boolean;
}

const seqRow = `(${quoteIdentifier(SEQ_COLUMN)}, ${quoteIdentifier(ROW_COLUMN)})`;

async function deleteSkipped(connection: Connection, table: string, skip: [number, number][] | undefined) {
  for (const [seq, row] of skip ?? []) {
    await connection.query(`DELETE FROM ${quoteIdentifier(table)} WHERE ${seqRow} = (?, ?)`, [seq, row]);
  }
}

/** Finishes each table to create inside its staging table (idempotent: each step checks what is done). */
export async function shapeCreatedTables(
  connection: Connection,
  stages: readonly StreamStage[],
  options: PublishOptions,
  refused: Map<string, PublishRefusal[]>,
): Promise<void> {
  for (const stage of stages) {
    if (!stage.saved.created || !(await tableExists(connection, stage.table))) continue;
    const table = quoteIdentifier(stage.table);
    const columns = await columnNames(connection, stage.table);
    const staged = columns.includes(SEQ_COLUMN);
    if (staged) await deleteSkipped(connection, stage.table, options.skip?.[stage.stream]);
    const { key, schema } = stage.saved;
    if (staged && upsertsByKey(options.mode) && key.length > 0) await keepNewestPerKey(connection, stage.table, key);
    const indexes = await indexNames(connection, stage.table);
    const changes: string[] = [];
    if (key.length > 0 && !indexes.includes('PRIMARY')) {
      changes.push(`ADD PRIMARY KEY (${key.map(quoteIdentifier).join(', ')})`);
      for (const column of schema.filter(isAutoIncrement)) {
        if (key.includes(column.name)) {
          changes.push(
            `MODIFY ${columnDefinition(column, { uuidType: options.uuidType, indexed: true, autoIncrement: true, primaryKey: true })}`,
          );
        }
      }
    }
    for (const index of stage.saved.shape.indexes ?? []) {
      const isPrimary = index.unique && index.columns.join('\u0000') === key.join('\u0000');
      if (isPrimary || index.name.toUpperCase() === 'PRIMARY' || indexes.includes(index.name)) continue;
      changes.push(addIndex(index));
    }
    if (changes.length > 0) await connection.query(`ALTER TABLE ${table} ${changes.join(', ')}`);
    if (staged) {
      if (options.skip === undefined)
        await refuseDanglingRows(connection, stage, stages, refused.get(stage.stream) ?? []);
      await connection.query(
        `ALTER TABLE ${table} ${bookkeepingColumns.map((column) => `DROP COLUMN ${quoteIdentifier(column)}`).join(', ')}`,
      );
    }
  }
}

/** Deletes every staged row a later row of the same key supersedes. */
async function keepNewestPerKey(connection: Connection, staged: string, key: readonly string[]): Promise<void> {
  const table = quoteIdentifier(staged);
  const same = key.map((column) => `older.${quoteIdentifier(column)} = newer.${quoteIdentifier(column)}`).join(' AND ');
  await connection.query(
    `DELETE older FROM ${table} older JOIN ${table} newer ON ${same}
      AND (newer.${quoteIdentifier(SEQ_COLUMN)}, newer.${quoteIdentifier(ROW_COLUMN)}) > (older.${quoteIdentifier(SEQ_COLUMN)}, older.${quoteIdentifier(ROW_COLUMN)})`,
  );
}

/**
 * A mirror's deletes, in the caller's transaction: the target's rows whose key is in the deletes
 * table, then the deletes table emptied (a commit repeated after a crash finds nothing left).
 */
export async function applyDeletes(connection: Connection, deletes: SavedDeletes): Promise<void> {
  if (!(await tableExists(connection, deletes.target)) || !(await tableExists(connection, deletes.table))) return;
  const match = deletes.key.map((column) => `t.${quoteIdentifier(column)} = d.${quoteIdentifier(column)}`);
  await connection.query(
    `DELETE t FROM ${quoteIdentifier(deletes.target)} t JOIN ${quoteIdentifier(deletes.table)} d ON ${match.join(' AND ')}`,
  );
  await connection.query(`DELETE FROM ${quoteIdentifier(deletes.table)}`);
}

/** Update: staged rows whose key the target does not hold are refused, and taken out of the staging table. */
async function refuseUnknownKeys(connection: Connection, stage: StreamStage, refused: PublishRefusal[]) {
  const match = stage.saved.key.map((key) => `t.${quoteIdentifier(key)} = c.${quoteIdentifier(key)}`).join(' AND ');
  const unknown = `NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(stage.target)} t WHERE ${match})`;
  const rows = await stagedRowsWhere(connection, stage.table, unknown);
  for (const row of rows) refused.push({ ...row, reason: noRowReason(stage.saved.key, row.record, stage.target) });
  if (rows.length > 0) await connection.query(`DELETE c FROM ${quoteIdentifier(stage.table)} c WHERE ${unknown}`);
}

/** The staged rows (as `c`) meeting `condition`, in arrival order, as records with their hash and place. */
async function stagedRowsWhere(connection: Connection, table: string, condition: string) {
  const [rows] = await connection.query(
    `SELECT c.*, c.${quoteIdentifier(HASH_COLUMN)} AS _hash FROM ${quoteIdentifier(table)} c WHERE ${condition}
      ORDER BY c.${quoteIdentifier(SEQ_COLUMN)}, c.${quoteIdentifier(ROW_COLUMN)}`,
  );
  return (rows as Rec[]).map((row) => ({
    seq: Number(row[SEQ_COLUMN]),
    row: Number(row[ROW_COLUMN]),
    hash: BigInt(String(row._hash)),
    record: withoutBookkeeping(row),
  }));
}

/**
 * Where a foreign key's parent rows are before publishing (`now`: a created stream's staging table;
 * an existing table and the staging table of the rows it is about to take) and its table after.
 */
function referencedNow(stages: readonly StreamStage[], key: ForeignKeyShape): { now: string[]; final: string } {
  const stream = stages.find((other) => other.stream === key.referencedStream);
  if (stream === undefined) {
    const name = key.referencedStream.split('.').at(-1) as string;
    return { now: [name], final: name };
  }
  return { now: stream.saved.created ? [stream.table] : [stream.target, stream.table], final: stream.target };
}

/** Rows whose foreign key points at no row: refused (the constraint, added after, would refuse the table). */
async function refuseDanglingRows(
  connection: Connection,
  stage: StreamStage,
  stages: readonly StreamStage[],
  refused: PublishRefusal[],
): Promise<void> {
  for (const key of stage.saved.shape.foreignKeys ?? []) {
    const { now, final } = referencedNow(stages, key);
    const parents: string[] = [];
    for (const table of now) if (await tableExists(connection, table)) parents.push(table);
    if (parents.length === 0) continue;
    const set = key.columns.map((column) => `c.${quoteIdentifier(column)} IS NOT NULL`).join(' AND ');
    const match = key.columns
      .map(
        (column, index) =>
          `p.${quoteIdentifier(key.referencedColumns[index] as string)} = c.${quoteIdentifier(column)}`,
      )
      .join(' AND ');
    const rows = await stagedRowsWhere(
      connection,
      stage.table,
      `${set} AND ${parents.map((table) => `NOT EXISTS (SELECT 1 FROM ${quoteIdentifier(table)} p WHERE ${match})`).join(' AND ')}`,
    );
    for (const row of rows) {
      const values = key.columns.map((column) => String(row.record[column])).join(', ');
      refused.push({
        ...row,
        reason: `field "${key.columns.join('", "')}": Cannot add or update a child row: a foreign key constraint fails (${quoteIdentifier(stage.target)}, CONSTRAINT ${quoteIdentifier(key.name)} FOREIGN KEY (${key.columns.map(quoteIdentifier).join(', ')}) REFERENCES ${quoteIdentifier(final)}): (${values}) is not in ${final}`,
      });
      await connection.query(`DELETE FROM ${quoteIdentifier(stage.table)} WHERE ${seqRow} = (?, ?)`, [
        row.seq,
        row.row,
      ]);
    }
  }
}

function withoutBookkeeping(row: Rec): Rec {
  const record: Rec = {};
  for (const [field, value] of Object.entries(row)) {
    if (!(bookkeepingColumns as readonly string[]).includes(field) && field !== '_hash') {
      record[field] = Buffer.isBuffer(value) ? value.toString('hex') : value;
    }
  }
  return record;
}

/** An existing table takes its staged rows by the mode, in the caller's transaction; refused rows are isolated. */
export async function moveRows(
  connection: Connection,
  stage: StreamStage,
  options: PublishOptions,
  refused: PublishRefusal[],
): Promise<void> {
  const target = quoteIdentifier(stage.target);
  const staged = quoteIdentifier(stage.table);
  await deleteSkipped(connection, stage.table, options.skip?.[stage.stream]);
  const columns = stage.columns.map((column) => quoteIdentifier(column.name));
  const list = columns.join(', ');
  const order = `${quoteIdentifier(SEQ_COLUMN)}, ${quoteIdentifier(ROW_COLUMN)}`;
  const keys = stage.saved.key.map(quoteIdentifier);
  const others = columns.filter((column) => !keys.includes(column));
  const updates = others.map((column) => `${column} = VALUES(${column})`);
  // Rows go in arrival order, so for a key staged twice the later row's update wins.
  const upsert = upsertsByKey(options.mode)
    ? ` ON DUPLICATE KEY UPDATE ${(updates.length > 0 ? updates : [`${keys[0]} = ${keys[0]}`]).join(', ')}`
    : '';
  const statement = (range: string) => {
    if (options.mode !== 'update') {
      return `INSERT INTO ${target} (${list}) SELECT ${list} FROM ${staged} ${range} ORDER BY ${order}${upsert}`;
    }
    const match = keys.map((key) => `t.${key} = s.${key}`).join(' AND ');
    const sets = (others.length > 0 ? others : [keys[0] as string]).map((column) => `t.${column} = s.${column}`);
    return `UPDATE ${target} t JOIN ${staged} s ON ${match} SET ${sets.join(', ')} ${range}`;
  };
  if (options.mode === 'update') {
    // One staged row per key (the newest) for the UPDATE's join, which would take any of them.
    await keepNewestPerKey(connection, stage.table, stage.saved.key);
    if (options.skip === undefined) await refuseUnknownKeys(connection, stage, refused);
  }
  if (options.mode === 'replace') await connection.query(`DELETE FROM ${target}`);
  const attempt = async (range: string, values: unknown[] = []) => {
    await connection.query('SAVEPOINT backflow_publish');
    try {
      await connection.query(statement(range), values);
      await connection.query('RELEASE SAVEPOINT backflow_publish');
    } catch (error) {
      await connection.query('ROLLBACK TO SAVEPOINT backflow_publish');
      throw error;
    }
  };
  try {
    await attempt('');
  } catch (error) {
    if (!isRowError(error) || options.skip !== undefined) throw error;
    const [rows] = await connection.query(
      `SELECT ${quoteIdentifier(SEQ_COLUMN)} AS seq, ${quoteIdentifier(ROW_COLUMN)} AS row_index FROM ${staged} ORDER BY ${order}`,
    );
    const ids = (rows as { seq: string; row_index: number }[]).map(
      ({ seq, row_index }) => [Number(seq), row_index] as const,
    );
    const failures = await loadIsolatingFailures(
      ids,
      (slice) => {
        const first = slice[0] as readonly [number, number];
        const last = slice[slice.length - 1] as readonly [number, number];
        return attempt(`WHERE ${seqRow} >= (?, ?) AND ${seqRow} <= (?, ?)`, [...first, ...last]);
      },
      isRowError,
    );
    for (const { row, error: failure } of failures) {
      const [seq, index] = ids[row] as readonly [number, number];
      const [found] = await connection.query(
        `SELECT *, ${quoteIdentifier(HASH_COLUMN)} AS _hash FROM ${staged} WHERE ${seqRow} = (?, ?)`,
        [seq, index],
      );
      const record = (found as Rec[])[0] as Rec;
      refused.push({
        seq,
        row: index,
        record: withoutBookkeeping(record),
        hash: BigInt(String(record._hash)),
        reason: stage.reason(failure),
      });
    }
    options.log.warn(`${failures.length} staged rows were refused by ${stage.target} and rejected`, {
      nodeId: options.nodeId,
      table: stage.target,
      rejected: failures.length,
    });
  }
  // Emptied in the same transaction: a commit repeated after a crash finds nothing left to insert.
  await connection.query(`DELETE FROM ${staged}`);
}

/** Every created table's staging table renamed into place by one atomic RENAME TABLE. */
export async function renameIntoPlace(connection: Connection, stages: readonly StreamStage[]): Promise<void> {
  const renames: string[] = [];
  for (const stage of stages) {
    if (stage.saved.created && (await tableExists(connection, stage.table))) {
      renames.push(`${quoteIdentifier(stage.table)} TO ${quoteIdentifier(stage.target)}`);
    }
  }
  if (renames.length > 0) await connection.query(`RENAME TABLE ${renames.join(', ')}`);
}

/** Foreign keys of created tables (their rows were checked before), and the emptied staging tables dropped. */
export async function finishPublish(connection: Connection, stages: readonly StreamStage[], options: PublishOptions) {
  for (const stage of stages) {
    if (!stage.saved.created) {
      await connection.query(`DROP TABLE IF EXISTS ${quoteIdentifier(stage.table)}`);
      continue;
    }
    const present = await foreignKeyNames(connection, stage.target);
    for (const key of stage.saved.shape.foreignKeys ?? []) {
      if (present.includes(key.name)) continue;
      const { final } = referencedNow(stages, key);
      if (!(await tableExists(connection, final))) {
        options.log.warn(
          `foreign key ${key.name} of ${stage.target} references ${final}, which is not there: not created`,
          {
            nodeId: options.nodeId,
          },
        );
        continue;
      }
      // Dangling rows were refused already: skip InnoDB's re-check, which would copy the whole table.
      await connection.query('SET foreign_key_checks = 0');
      try {
        await connection.query(`ALTER TABLE ${quoteIdentifier(stage.target)} ${addForeignKey(key, final)}`);
      } finally {
        await connection.query('SET foreign_key_checks = 1');
      }
    }
  }
}
