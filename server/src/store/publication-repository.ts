import type { StoreDatabase } from './store-database.ts';

/** Which destinations committed a run's data, so a resume after a failed publish commits only the rest. */
export class PublicationRepository {
  constructor(private readonly db: StoreDatabase) {}

  /** Records that the destination committed the run's data (again is a no-op). */
  add(runId: string, nodeId: string): Promise<void> {
    return this.db.run('insert or replace into publications (run_id, node_id, published_at) values ($1, $2, $3)', [
      runId,
      nodeId,
      new Date().toISOString(),
    ]);
  }

  /** The destinations that committed the run's data (a run that failed while publishing lists some). */
  destinations(runId: string): Promise<Set<string>> {
    return this.db.serial(async () => {
      const rows = await this.db.rows('select node_id from publications where run_id = $1', [runId]);
      return new Set(rows.map((row) => String(row.node_id)));
    });
  }
}
