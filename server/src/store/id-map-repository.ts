import type { IdMap } from '../node-kit/contract.ts';
import type { SqlValue, StoreDatabase } from './store-database.ts';

/** Source ids looked up, or pairs recorded, per statement: well within DuckDB's parameter limits. */
const chunkSize = 500;

/**
 * Each flow's ID map (node-kit/contract.ts IdMap): per object, source id → destination id, kept
 * across runs. A flow is keyed as saved (`flow:<id>`) or, for flow files, by its name
 * (`name:<name>`), as its incremental start points are.
 */
export class IdMapRepository {
  constructor(private readonly db: StoreDatabase) {}

  /** The flow's map as a run's destinations use it; pairs it records name the run. */
  forRun(flowKey: string, runId: string): IdMap {
    return {
      lookup: (object, sourceIds) => this.lookup(flowKey, object, sourceIds),
      record: (object, pairs) => this.record(flowKey, object, pairs, runId),
      recorded: (object, page) => this.recorded(flowKey, object, runId, page),
    };
  }

  private recorded(
    flowKey: string,
    object: string,
    runId: string,
    { after, limit }: { after?: string; limit: number },
  ): Promise<[string, string][]> {
    return this.db.serial(async () => {
      const rows = await this.db.rows(
        `select source_id, destination_id from id_maps
          where flow_key = $1 and object = $2 and run_id = $3 and source_id > $4
          order by source_id limit ${Math.max(1, Math.floor(limit))}`,
        [flowKey, object, runId, after ?? ''],
      );
      return rows.map((row): [string, string] => [String(row.source_id), String(row.destination_id)]);
    });
  }

  private lookup(flowKey: string, object: string, sourceIds: readonly string[]): Promise<Map<string, string>> {
    return this.db.serial(async () => {
      const found = new Map<string, string>();
      for (let start = 0; start < sourceIds.length; start += chunkSize) {
        const ids = sourceIds.slice(start, start + chunkSize);
        const rows = await this.db.rows(
          `select source_id, destination_id from id_maps
            where flow_key = $1 and object = $2 and source_id in (${ids.map((_, i) => `$${i + 3}`).join(', ')})`,
          [flowKey, object, ...ids],
        );
        for (const row of rows) found.set(String(row.source_id), String(row.destination_id));
      }
      return found;
    });
  }

  private record(
    flowKey: string,
    object: string,
    pairs: readonly (readonly [string, string])[],
    runId: string,
  ): Promise<void> {
    if (pairs.length === 0) return Promise.resolve();
    const recordedAt = new Date().toISOString();
    return this.db.transaction(async () => {
      for (let start = 0; start < pairs.length; start += chunkSize) {
        // The last pair of a source id wins, as a later write of the same record replaces the earlier.
        const chunk = [...new Map(pairs.slice(start, start + chunkSize)).entries()];
        const values: SqlValue[] = [];
        const rows = chunk.map(([source, destination], i) => {
          values.push(flowKey, object, source, destination, runId, recordedAt);
          const at = i * 6;
          return `($${at + 1}, $${at + 2}, $${at + 3}, $${at + 4}, $${at + 5}, $${at + 6})`;
        });
        await this.db.connection.run(
          `insert or replace into id_maps (flow_key, object, source_id, destination_id, run_id, recorded_at)
           values ${rows.join(', ')}`,
          values,
        );
      }
    });
  }
}

/** A flow's key in the ID map: its saved id, else (a flow file) its name. */
export function idMapFlowKey(flow: { flowId?: string; flowName: string }): string {
  return flow.flowId ? `flow:${flow.flowId}` : `name:${flow.flowName}`;
}
