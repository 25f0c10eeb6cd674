/**
 * Publishing the staged streams, all inside the one transaction the caller opened (Postgres's DDL
 * is transactional, so the whole run appears at its COMMIT or not at all):
 * 1. rows: a table to create is the staging table renamed into place (no copy); an existing table
 *    takes `INSERT … SELECT` (insert), `… ON CONFLICT (key) DO UPDATE` with the newest staged row
 *    per key (upsert), or `DELETE` then insert (replace, keeping its grants, views and the foreign
 *    keys that point at it). Rows the target refuses (unique, foreign key, check) are isolated by
 *    halving, each attempt in a SAVEPOINT, and reported with Postgres's message;
 * 2. created tables: primary key (when not already made with the staging table), identity columns
 *    started after the largest value, indexes;
 * 3. foreign keys of created tables, after every stream's data (rows pointing at nothing are refused);
 * 4. sequences of existing tables moved past the loaded values; bookkeeping columns and staging tables dropped.
 */
import type pg from 'pg';
import type { ForeignKeyShape } from '../../node-kit/columns.ts';
import type { Rec } from '../../node-kit/contract.ts';
import { loadIsolatingFailures } from '../../node-kit/isolate-failures.ts';
import { bookkeepingColumns, HASH_COLUMN, ROW_COLUMN, SEQ_COLUMN } from '../../node-kit/sql/stage-columns.ts';
import { type DatabaseWriteMode, upsertsByKey } from '../../node-kit/sql/stage-config.ts';
import {
  noRowReason,
  type PublishOptions,
  type PublishRefusal,
  type SavedDeletes,
} from '../../node-kit/sql/staged-writer.ts';
import { tableExists } from './catalog.ts';
import { addForeignKey, addIdentity, addPrimaryKey, createIndex, isIdentity, resetSequence } from './ddl.ts';
import { quoteIdentifier, quoteLiteral, quoteTable, showTable, type TableName } from './sql.ts';
import { isRowError, type StreamStage } from './stage.ts';

/** A staged row the target refused at publish: which, why, and its staged hash (to take it out of the checksums). */
const seqRow = `(${quoteIdentifier(SEQ_COLUMN)}, ${quoteIdentifier(ROW_COLUMN)})`;
const withoutBookkeeping = bookkeepingColumns.map((column) => ` - ${quoteLiteral(column)}`).join('');

export interface PostgresPublishOptions extends PublishOptions {
  /** The schema of the targets (and of the deletes tables). */
  schema: string;
}

/** Publishes every stream (see above) in the caller's transaction; returns the rows refused, per stream. */
export async function publishStreams(
  client: pg.Client,
  stages: readonly StreamStage[],
  options: PostgresPublishOptions,
): Promise<Map<string, PublishRefusal[]>> {
  const refused = new Map<string, PublishRefusal[]>(stages.map((stage) => [stage.stream, []]));
  for (const deletes of options.deletes ?? []) await applyDeletes(client, deletes, options.schema);
  for (const stage of stages) {
    const skip = options.skip?.[stage.stream] ?? [];
    if (skip.length > 0) {
      await client.query(
        `DELETE FROM ${quoteTable(stage.table)} WHERE ${seqRow} IN (SELECT * FROM unnest($1::bigint[], $2::int[]))`,
        [skip.map(([seq]) => seq), skip.map(([, row]) => row)],
      );
    }
    if (stage.saved.created) await renameIntoPlace(client, stage, options.mode);
    else await moveRows(client, stage, options, refused.get(stage.stream) as PublishRefusal[]);
  }
  for (const stage of stages) if (stage.saved.created) await shapeTable(client, stage, options);
  for (const stage of stages) {
    if (stage.saved.created)
      await addForeignKeys(client, stage, stages, options, refused.get(stage.stream) as PublishRefusal[]);
  }
  for (const stage of stages) {
    if (stage.saved.created) {
      const drops = bookkeepingColumns.map((column) => `DROP COLUMN ${quoteIdentifier(column)}`).join(', ');
      await client.query(`ALTER TABLE ${quoteTable(stage.target)} ${drops}`);
    } else {
      for (const column of stage.saved.sequences) await client.query(resetSequence(stage.target, column));
      await client.query(`DROP TABLE ${quoteTable(stage.table)}`);
    }
  }
  for (const deletes of options.deletes ?? []) {
    await client.query(`DROP TABLE IF EXISTS ${quoteTable({ schema: options.schema, name: deletes.table })}`);
  }
  return refused;
}

/** A mirror's deletes: the target's rows whose key is in the deletes table (none when the target is gone). */
async function applyDeletes(client: pg.Client, deletes: SavedDeletes, schema: string): Promise<void> {
  const target: TableName = { schema, name: deletes.target };
  const table: TableName = { schema, name: deletes.table };
  if (!(await tableExists(client, target)) || !(await tableExists(client, table))) return;
  const match = deletes.key.map((column) => `t.${quoteIdentifier(column)} = d.${quoteIdentifier(column)}`);
  await client.query(`DELETE FROM ${quoteTable(target)} t USING ${quoteTable(table)} d WHERE ${match.join(' AND ')}`);
}

/** A created table: the staging table becomes it (upsert first keeps only the newest row per key). */
async function renameIntoPlace(client: pg.Client, stage: StreamStage, mode: DatabaseWriteMode): Promise<void> {
  const table = quoteTable(stage.table);
  if (upsertsByKey(mode) && stage.saved.key.length > 0) {
    const same = stage.saved.key
      .map((key) => `older.${quoteIdentifier(key)} = newer.${quoteIdentifier(key)}`)
      .join(' AND ');
    const newer = `(newer.${quoteIdentifier(SEQ_COLUMN)}, newer.${quoteIdentifier(ROW_COLUMN)}) > (older.${quoteIdentifier(SEQ_COLUMN)}, older.${quoteIdentifier(ROW_COLUMN)})`;
    await client.query(`DELETE FROM ${table} older USING ${table} newer WHERE ${same} AND ${newer}`);
  }
  await client.query(`ALTER TABLE ${table} RENAME TO ${quoteIdentifier(stage.target.name)}`);
}

/** An existing table takes the staged rows by the mode; rows it refuses are isolated. */
async function moveRows(client: pg.Client, stage: StreamStage, options: PublishOptions, refused: PublishRefusal[]) {
  const target = quoteTable(stage.target);
  const staged = quoteTable(stage.table);
  const columns = stage.columns.map((column) => quoteIdentifier(column.name));
  const list = columns.join(', ');
  const overriding = stage.saved.alwaysIdentity ? ' OVERRIDING SYSTEM VALUE' : '';
  const order = `${quoteIdentifier(SEQ_COLUMN)}, ${quoteIdentifier(ROW_COLUMN)}`;
  const keys = stage.saved.key.map(quoteIdentifier);
  const others = columns.filter((column) => !keys.includes(column));
  const newestPerKey = (range: string) =>
    `SELECT DISTINCT ON (${keys.join(', ')}) ${list} FROM ${staged} ${range}
       ORDER BY ${keys.join(', ')}, ${quoteIdentifier(SEQ_COLUMN)} DESC, ${quoteIdentifier(ROW_COLUMN)} DESC`;
  const statement = (range: string) => {
    if (options.mode === 'update') {
      if (others.length === 0) return 'SELECT 1';
      const match = keys.map((key) => `t.${key} = s.${key}`).join(' AND ');
      return `UPDATE ${target} t SET ${others.map((column) => `${column} = s.${column}`).join(', ')}
        FROM (${newestPerKey(range)}) s WHERE ${match}`;
    }
    if (!upsertsByKey(options.mode)) {
      return `INSERT INTO ${target} (${list})${overriding} SELECT ${list} FROM ${staged} ${range} ORDER BY ${order}`;
    }
    const updates = others.map((column) => `${column} = EXCLUDED.${column}`);
    return `INSERT INTO ${target} (${list})${overriding}
      ${newestPerKey(range)}
      ON CONFLICT (${keys.join(', ')}) DO ${updates.length === 0 ? 'NOTHING' : `UPDATE SET ${updates.join(', ')}`}`;
  };
  if (options.mode === 'update' && options.skip === undefined) await refuseUnknownKeys(client, stage, refused);
  if (options.mode === 'replace') await client.query(`DELETE FROM ${target}`);
  const attempt = async (range: string) => {
    await client.query('SAVEPOINT backflow_publish');
    try {
      await client.query(statement(range));
      await client.query('RELEASE SAVEPOINT backflow_publish');
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT backflow_publish');
      throw error;
    }
  };
  try {
    await attempt('');
    return;
  } catch (error) {
    if (!isRowError(error) || options.skip !== undefined) throw error;
  }
  // Some row is refused: find which by halving the staged rows (in arrival order) into ranges.
  const ids = (
    await client.query<{ seq: string; row: number }>(
      `SELECT ${quoteIdentifier(SEQ_COLUMN)} AS seq, ${quoteIdentifier(ROW_COLUMN)} AS row FROM ${staged} ORDER BY ${order}`,
    )
  ).rows.map(({ seq, row }) => [Number(seq), row] as const);
  const failures = await loadIsolatingFailures(
    ids,
    (slice) => {
      const [first, last] = [slice[0], slice[slice.length - 1]] as [
        readonly [number, number],
        readonly [number, number],
      ];
      return attempt(`WHERE ${seqRow} BETWEEN (${first[0]}, ${first[1]}) AND (${last[0]}, ${last[1]})`);
    },
    isRowError,
  );
  for (const { row, error } of failures) {
    const [seq, index] = ids[row] as readonly [number, number];
    refused.push({
      seq,
      row: index,
      ...(await stagedRow(client, stage.table, seq, index)),
      reason: stage.reason(error),
    });
  }
  options.log.warn(`${refused.length} staged rows were refused by ${stage.describe()} and rejected`, {
    nodeId: options.nodeId,
    table: stage.describe(),
    rejected: refused.length,
  });
}

/** Update: staged rows whose key the target does not hold are refused, and taken out of the staging table. */
async function refuseUnknownKeys(client: pg.Client, stage: StreamStage, refused: PublishRefusal[]): Promise<void> {
  const match = stage.saved.key.map((key) => `t.${quoteIdentifier(key)} = c.${quoteIdentifier(key)}`).join(' AND ');
  const unknown = `NOT EXISTS (SELECT 1 FROM ${quoteTable(stage.target)} t WHERE ${match})`;
  const found = await stagedRowsWhere(client, stage.table, unknown);
  for (const row of found) {
    refused.push({ ...row, reason: noRowReason(stage.saved.key, row.record, showTable(stage.target)) });
  }
  if (found.length > 0) await client.query(`DELETE FROM ${quoteTable(stage.table)} c WHERE ${unknown}`);
}

/** The staged rows (as `c`) meeting `condition`, in arrival order, as records with their hash and place. */
async function stagedRowsWhere(client: pg.Client, table: TableName, condition: string) {
  const found = await client.query<{ record: Rec; hash: string; seq: string; row: number }>(
    `SELECT to_jsonb(c)${withoutBookkeeping} AS record, c.${quoteIdentifier(HASH_COLUMN)}::text AS hash,
            c.${quoteIdentifier(SEQ_COLUMN)} AS seq, c.${quoteIdentifier(ROW_COLUMN)} AS row
       FROM ${quoteTable(table)} c WHERE ${condition} ORDER BY 3, 4`,
  );
  return found.rows.map((row) => ({ record: row.record, hash: BigInt(row.hash), seq: Number(row.seq), row: row.row }));
}

async function stagedRow(client: pg.Client, table: TableName, seq: number, row: number) {
  const found = await client.query<{ record: Rec; hash: string }>(
    `SELECT to_jsonb(s)${withoutBookkeeping} AS record, s.${quoteIdentifier(HASH_COLUMN)}::text AS hash
       FROM ${quoteTable(table)} s WHERE ${seqRow} = ($1, $2)`,
    [seq, row],
  );
  const { record, hash } = found.rows[0] as { record: Rec; hash: string };
  return { record, hash: BigInt(hash) };
}

/** Primary key (unless the staging table had it), identity columns, indexes of a created table. */
async function shapeTable(client: pg.Client, stage: StreamStage, options: PublishOptions): Promise<void> {
  const { target, key, schema, shape } = stage.saved;
  if (key.length > 0 && !(await hasPrimaryKey(client, target))) await client.query(addPrimaryKey(target, key));
  for (const column of schema) {
    if (isIdentity(column, target))
      for (const statement of addIdentity(target, column.name)) await client.query(statement);
  }
  for (const index of shape.indexes ?? []) {
    const isPrimary = index.unique && index.columns.join('\u0000') === key.join('\u0000');
    if (isPrimary || index.name.toUpperCase() === 'PRIMARY') continue;
    // Index names are per schema in Postgres (per table in MySQL): a taken name gets the table's as prefix.
    const taken = await client.query(`SELECT to_regclass($1) IS NOT NULL AS taken`, [
      quoteTable({ schema: target.schema, name: index.name }),
    ]);
    const name = taken.rows[0]?.taken ? `${target.name}_${index.name}`.slice(0, 63) : index.name;
    await client.query(createIndex(target, { ...index, name }));
  }
  options.log.info(`built ${stage.describe()}: primary key, ${shape.indexes?.length ?? 0} indexes`, {
    nodeId: options.nodeId,
  });
}

async function hasPrimaryKey(client: pg.Client, table: TableName): Promise<boolean> {
  const found = await client.query(`SELECT 1 FROM pg_index WHERE indrelid = to_regclass($1) AND indisprimary`, [
    quoteTable(table),
  ]);
  return (found.rowCount ?? 0) > 0;
}

/**
 * Foreign keys of a created table, to a table of this run or one already there. Rows pointing at
 * no row are refused with Postgres's message (the constraint would refuse the whole table).
 */
async function addForeignKeys(
  client: pg.Client,
  stage: StreamStage,
  stages: readonly StreamStage[],
  options: PublishOptions,
  refused: PublishRefusal[],
): Promise<void> {
  const target = stage.target;
  for (const key of stage.saved.shape.foreignKeys ?? []) {
    const referenced =
      stages.find((other) => other.stream === key.referencedStream)?.target ??
      ({ schema: target.schema, name: key.referencedStream.split('.').at(-1) as string } satisfies TableName);
    if (!(await tableExists(client, referenced))) {
      options.log.warn(
        `foreign key ${key.name} of ${stage.describe()} references ${referenced.schema}.${referenced.name}, which is not there: not created`,
        { nodeId: options.nodeId },
      );
      continue;
    }
    await client.query('SAVEPOINT backflow_foreign_key');
    try {
      await client.query(addForeignKey(target, key, referenced));
      await client.query('RELEASE SAVEPOINT backflow_foreign_key');
    } catch (error) {
      await client.query('ROLLBACK TO SAVEPOINT backflow_foreign_key');
      if ((error as { code?: string }).code !== '23503' || options.skip !== undefined) throw error;
      const orphans = await danglingRows(client, target, key, referenced);
      const message = (error as Error).message;
      for (const orphan of orphans) {
        const values = key.columns.map((column) => String(orphan.record[column])).join(', ');
        const reason = `field "${key.columns.join('", "')}": ${message} (Key (${key.columns.join(', ')})=(${values}) is not present in table "${referenced.name}".)`;
        refused.push({ ...orphan, reason });
        await client.query(`DELETE FROM ${quoteTable(target)} WHERE ${seqRow} = ($1, $2)`, [orphan.seq, orphan.row]);
      }
      await client.query(addForeignKey(target, key, referenced));
    }
  }
}

async function danglingRows(client: pg.Client, table: TableName, key: ForeignKeyShape, referenced: TableName) {
  const set = key.columns.map((column) => `c.${quoteIdentifier(column)} IS NOT NULL`).join(' AND ');
  const match = key.columns
    .map(
      (column, index) => `p.${quoteIdentifier(key.referencedColumns[index] as string)} = c.${quoteIdentifier(column)}`,
    )
    .join(' AND ');
  return stagedRowsWhere(
    client,
    table,
    `${set} AND NOT EXISTS (SELECT 1 FROM ${quoteTable(referenced)} p WHERE ${match})`,
  );
}
