import type { SourceCheckpoint } from '../engine/checkpoint.ts';
import type { FlowFingerprint } from '../flow/fingerprint.ts';
import type { StoreDatabase } from './store-database.ts';

/** Each source's latest checkpoint per run: its cursor, the destinations' resume states and the run's counts. */
export class CheckpointRepository {
  constructor(private readonly db: StoreDatabase) {}

  /** Replaces the source's checkpoint in place. */
  save(runId: string, checkpoint: SourceCheckpoint): Promise<void> {
    return this.db.run(
      `insert or replace into checkpoints (run_id, source_id, seq, cursor, states, stats, saved_at, finished, verification)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        runId,
        checkpoint.sourceId,
        checkpoint.seq,
        JSON.stringify(checkpoint.cursor ?? null),
        JSON.stringify(checkpoint.states),
        JSON.stringify(checkpoint.stats),
        checkpoint.savedAt,
        checkpoint.finished === true,
        checkpoint.verification ? JSON.stringify(checkpoint.verification) : null,
      ],
    );
  }

  load(runId: string): Promise<SourceCheckpoint[]> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
        `select source_id, seq, cursor::varchar as cursor, states::varchar as states, stats::varchar as stats, saved_at,
           finished, verification::varchar as verification from checkpoints where run_id = $1`,
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
        ...(row.verification == null ? {} : { verification: JSON.parse(String(row.verification)) }),
      }));
    });
  }

  /**
   * Where each source ended in the flow's last succeeded run (not a dry run), by source node id:
   * the incremental start point of the next run. A saved flow is matched by its id, a flow file's
   * runs by their flow name. A run's final checkpoints are saved before it is marked succeeded, so
   * only a run that succeeded moves the start point, and a failed one never does. Given the flow's
   * fingerprint, a source whose type or config changed since that run gets no start point.
   */
  lastRunCursors(
    flow: { flowId?: string; flowName: string },
    fingerprint?: FlowFingerprint,
  ): Promise<Record<string, unknown>> {
    return this.db.serial(async () => {
      const [run] = await this.db.rows(
        `select id, fingerprint::varchar as fingerprint from runs where status = 'succeeded' and not dry_run
           and (case when $1::varchar is null then flow_id is null and flow_name = $2 else flow_id = $1 end)
         order by finished_at desc limit 1`,
        [flow.flowId ?? null, flow.flowName],
      );
      if (!run) return {};
      const ran = run.fingerprint === null ? undefined : (JSON.parse(String(run.fingerprint)) as FlowFingerprint);
      const rows = await this.db.rows(
        'select source_id, cursor::varchar as cursor from checkpoints where run_id = $1 and finished',
        [String(run.id)],
      );
      const cursors: Record<string, unknown> = {};
      for (const row of rows) {
        const sourceId = String(row.source_id);
        // A source whose type or config changed since (another table, another cursor column) starts over.
        if (fingerprint && ran && ran.nodes[sourceId] !== fingerprint.nodes[sourceId]) continue;
        const cursor = JSON.parse(String(row.cursor)) as unknown;
        if (cursor !== null) cursors[sourceId] = cursor;
      }
      return cursors;
    });
  }
}
