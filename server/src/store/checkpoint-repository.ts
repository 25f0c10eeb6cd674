import type { SourceCheckpoint } from '../engine/checkpoint.ts';
import type { StoreDatabase } from './store-database.ts';

/** Each source's latest checkpoint per run: its cursor, the destinations' resume states and the run's counts. */
export class CheckpointRepository {
  constructor(private readonly db: StoreDatabase) {}

  /** Replaces the source's checkpoint in place. */
  save(runId: string, checkpoint: SourceCheckpoint): Promise<void> {
    return this.db.run(
      `insert or replace into checkpoints (run_id, source_id, seq, cursor, states, stats, saved_at, finished)
       values ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        runId,
        checkpoint.sourceId,
        checkpoint.seq,
        JSON.stringify(checkpoint.cursor ?? null),
        JSON.stringify(checkpoint.states),
        JSON.stringify(checkpoint.stats),
        checkpoint.savedAt,
        checkpoint.finished === true,
      ],
    );
  }

  load(runId: string): Promise<SourceCheckpoint[]> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
        `select source_id, seq, cursor::varchar as cursor, states::varchar as states, stats::varchar as stats, saved_at,
           finished from checkpoints where run_id = $1`,
        [runId],
      );
      return rows.map((row) => ({
        sourceId: String(row.source_id),
        seq: Number(row.seq),
        cursor: JSON.parse(String(row.cursor)),
        states: JSON.parse(String(row.states)),
        stats: JSON.parse(String(row.stats)),
        savedAt: String(row.saved_at),
        ...(row.finished === true ? { finished: true } : {}),
      }));
    });
  }
}
