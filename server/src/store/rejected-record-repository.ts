import type { RejectedRecord } from '../node-kit/contract.ts';
import type { StoreDatabase } from './store-database.ts';

export interface RejectedRow extends RejectedRecord {
  nodeId: string;
  at: string;
}

/** The records a run's nodes rejected, with their reasons, tagged with the source batch they came with. */
export class RejectedRecordRepository {
  constructor(private readonly db: StoreDatabase) {}

  save(runId: string, nodeId: string, rejected: RejectedRecord[], seq: number): Promise<void> {
    if (rejected.length === 0) return Promise.resolve();
    // One statement for the whole batch: the rows travel as one JSON array.
    return this.db.run(
      `insert into rejected (run_id, node_id, rejected_at, record, raw, reasons, file, line, seq)
       select $1, $2, $4, r->'record', r->>'raw', r->'reasons', r->>'file', (r->>'line')::bigint, $5
       from (select unnest(from_json($3::json, '["json"]')) as r)`,
      [runId, nodeId, JSON.stringify(rejected), new Date().toISOString(), seq],
    );
  }

  /** Drops the records these nodes rejected after batch `afterSeq` (a resume replays those batches). */
  discard(runId: string, nodeIds: string[], afterSeq: number): Promise<void> {
    if (nodeIds.length === 0) return Promise.resolve();
    return this.db.run(
      `delete from rejected where run_id = $1 and seq > $2 and list_contains(from_json($3::json, '["varchar"]'), node_id)`,
      [runId, afterSeq, JSON.stringify(nodeIds)],
    );
  }

  /** The run's rejected records in store order, a page at a time, so any number streams in bounded memory. */
  async *list(runId: string, pageSize = 1000): AsyncGenerator<RejectedRow> {
    let after = -1;
    for (;;) {
      const page = await this.page(runId, after, pageSize);
      for (const { row } of page) yield row;
      if (page.length < pageSize) return;
      after = page[page.length - 1]!.rowid;
    }
  }

  private page(runId: string, afterRowid: number, limit: number) {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
        `select rowid, node_id, rejected_at, record::varchar as record, raw, reasons::varchar as reasons, file, line
         from rejected where run_id = $1 and rowid > $2 order by rowid limit $3`,
        [runId, afterRowid, limit],
      );
      return rows.map((row) => ({ rowid: Number(row.rowid), row: toRejected(row) }));
    });
  }
}

function toRejected(row: Record<string, unknown>): RejectedRow {
  return {
    nodeId: String(row.node_id),
    at: String(row.rejected_at),
    record: JSON.parse(String(row.record)),
    ...(row.raw == null ? {} : { raw: String(row.raw) }),
    reasons: JSON.parse(String(row.reasons)),
    ...(row.file == null ? {} : { file: String(row.file) }),
    ...(row.line == null ? {} : { line: Number(row.line) }),
  };
}
