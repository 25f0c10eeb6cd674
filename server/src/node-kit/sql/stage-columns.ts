/**
 * The staging table both database destinations load into before publishing: its name, its
 * bookkeeping columns, and how record fields find the columns of an existing table.
 */
import { createHash } from 'node:crypto';
import type { Column } from '../columns.ts';

/** The source batch a staged row came with: a resume deletes the batches after its checkpoint. */
export const SEQ_COLUMN = '_backflow_seq';
/** The row's place in its batch: with the seq, the order the rows arrived in (the newest wins an upsert). */
export const ROW_COLUMN = '_backflow_row';
/** The row's hash as received (verification.ts rowHash), to name the first row the database changed. */
export const HASH_COLUMN = '_backflow_hash';

export const bookkeepingColumns = [SEQ_COLUMN, ROW_COLUMN, HASH_COLUMN] as const;

/**
 * `_backflow_stage_<table>_<hash>`, within the database's identifier length: the hash of the run
 * and the table keeps it unique and the same on every attempt of the run (a resume finds it).
 */
export function stageTableName(table: string, runId: string, maxBytes: number): string {
  return runTableName('_backflow_stage_', table, runId, maxBytes);
}

/** `_backflow_deletes_<table>_<hash>`: a mirror's keys to delete from the table, staged like its rows. */
export function deletesTableName(table: string, runId: string, maxBytes: number): string {
  return runTableName('_backflow_deletes_', table, runId, maxBytes);
}

function runTableName(prefix: string, table: string, runId: string, maxBytes: number): string {
  const hash = createHash('sha1').update(`${runId}\u0000${table}`).digest('hex').slice(0, 12);
  let name = table;
  while (Buffer.byteLength(`${prefix}${name}_${hash}`) > maxBytes) name = name.slice(0, -1);
  return `${prefix}${name}_${hash}`;
}

/** A column of the staging table and the record field that fills it. */
export interface StagedColumn {
  /** The column's name in the table. */
  name: string;
  /** The record field it takes its value from. */
  field: string;
  /** Backflow column type the value is hashed by (the batch schema's, else inferred). */
  type: string;
}

/**
 * Pairs record fields with a table's columns: same name, else the one column equal ignoring
 * case. Returns the pairs and the fields that match no column.
 */
export function matchFields(
  fields: readonly Column[],
  tableColumns: readonly string[],
): { matched: StagedColumn[]; unmatched: string[] } {
  const matched: StagedColumn[] = [];
  const unmatched: string[] = [];
  const taken = new Set<string>();
  for (const field of fields) {
    let name = tableColumns.find((column) => column === field.name);
    if (name === undefined) {
      const same = tableColumns.filter((column) => column.toLowerCase() === field.name.toLowerCase());
      name = same.length === 1 ? same[0] : undefined;
    }
    if (name === undefined || taken.has(name)) unmatched.push(field.name);
    else {
      taken.add(name);
      matched.push({ name, field: field.name, type: field.type });
    }
  }
  return { matched, unmatched };
}
