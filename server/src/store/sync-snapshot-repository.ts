/**
 * Diffing snapshots (DESIGN.md §5): per (flow, destination node, stream), each key this destination
 * holds from the flow with the 64-bit hash of the row it was last sent. A re-sync classifies each
 * batch against it (new, changed, unchanged), sends only what is not unchanged, and the snapshot
 * takes a row's hash only once the destination acknowledged it; a mirror deletes the keys the
 * snapshot holds that this run did not see. The set arithmetic runs in DuckDB (batches land in
 * temporary tables through an appender and are joined there), so no JavaScript structure ever holds
 * every key, and DuckDB spills what does not fit in memory to disk.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { StoreDatabase } from './store-database.ts';

/** A row of a batch as the snapshot sees it: its key (the key fields' values as JSON) and its hash. */
export interface KeyedHash {
  key: string;
  hash: bigint;
}

export type RowChange = 'new' | 'changed' | 'unchanged';

/** One destination node's snapshots for a run of its flow. */
export interface SyncSnapshot {
  /**
   * Per row, how it differs from what the destination was last sent. With `noteSeen` (a mirror,
   * which deletes what a run did not see) every key is also noted as seen by this run.
   */
  classify(stream: string, rows: readonly KeyedHash[], options?: { noteSeen?: boolean }): Promise<RowChange[]>;
  /** The destination acknowledged these rows: the snapshot holds their hashes from now on. */
  acknowledge(stream: string, rows: readonly KeyedHash[]): Promise<void>;
  /** The streams the snapshot holds or this run saw. */
  streams(): Promise<string[]>;
  /** Keys the snapshot holds that this run has not seen (a mirror's deletes), `limit` at a time after `after`. */
  vanished(stream: string, page: { after?: string; limit: number }): Promise<string[]>;
  /** Of these keys (the destination's own, for `mirrorScope: "all"`), those this run has not seen. */
  unseen(stream: string, keys: readonly string[]): Promise<string[]>;
  /** The destination deleted these keys: the snapshot forgets them. */
  forget(stream: string, keys: readonly string[]): Promise<void>;
  /** This run's seen keys are done with (it published, or was a dry run). */
  clearSeen(): Promise<void>;
  /** A new run: seen keys of this node's earlier runs (ones that failed and will not resume) go. */
  clearEarlierSeen(): Promise<void>;
  /**
   * A staged destination took these rows of source batch `seq`: the snapshot takes them when the run
   * publishes (`publishStaged`), not before, so a run that fails to publish leaves it as it was.
   */
  stage(stream: string, rows: readonly KeyedHash[], seq: number): Promise<void>;
  /** A staged destination will delete these keys when it publishes: the snapshot forgets them then. */
  stageForget(stream: string, keys: readonly string[], seq: number): Promise<void>;
  /** Rows staged after `seq` are replayed by a resumed run: they are staged again then. */
  discardStagedAfter(seq: number): Promise<void>;
  /** A staged destination refused these keys (of any stream) while publishing: they stay as the snapshot had them. */
  unstage(keys: readonly string[]): Promise<void>;
  /** The run published: every staged row's hash goes into the snapshot, every staged delete out of it. */
  publishStaged(): Promise<void>;
}

const batchTable = 'sync_batch';

export class SyncSnapshotRepository {
  constructor(private readonly db: StoreDatabase) {}

  /** The snapshots of `nodeId` in flow `flowKey` (see id-map-repository.ts idMapFlowKey), as run `runId` uses them. */
  forRun(flowKey: string, nodeId: string, runId: string): SyncSnapshot {
    const scope = [flowKey, nodeId] as const;
    return {
      ...this.staging(flowKey, nodeId, runId),
      classify: (stream, rows, { noteSeen = false } = {}) =>
        this.db.transaction(async () => {
          await this.load(stream, rows);
          if (noteSeen)
            await this.db.connection.run(
              `insert into sync_seen select distinct $1, $2, $3, stream, key from ${batchTable}`,
              [...scope, runId],
            );
          const found = await this.db.rows(
            `select b.position, (s.row_hash = b.row_hash) as same from ${batchTable} b
               join sync_snapshots s on s.flow_key = $1 and s.node_id = $2 and s.stream = b.stream and s.key = b.key`,
            [...scope],
          );
          const changes: RowChange[] = rows.map(() => 'new');
          for (const row of found) changes[Number(row.position)] = row.same ? 'unchanged' : 'changed';
          return changes;
        }),
      acknowledge: (stream, rows) =>
        this.db.transaction(async () => {
          if (rows.length === 0) return;
          await this.load(stream, rows);
          await this.db.connection.run(
            // A key twice in one batch: its last row is the one the destination holds.
            `insert or replace into sync_snapshots
               select $1, $2, stream, key, row_hash, $3 from ${batchTable}
               qualify row_number() over (partition by key order by position desc) = 1`,
            [...scope, runId],
          );
        }),
      vanished: (stream, { after, limit }) =>
        this.db.serial(async () => {
          const rows = await this.db.rows(
            `select s.key from sync_snapshots s
              where s.flow_key = $1 and s.node_id = $2 and s.stream = $3 and s.key > $4
                and not exists (select 1 from sync_seen seen where seen.flow_key = $1 and seen.node_id = $2
                                   and seen.run_id = $5 and seen.stream = $3 and seen.key = s.key)
              order by s.key limit ${Math.max(1, Math.floor(limit))}`,
            [...scope, stream, after ?? '', runId],
          );
          return rows.map((row) => String(row.key));
        }),
      unseen: (stream, keys) =>
        this.db.transaction(async () => {
          if (keys.length === 0) return [];
          await this.loadKeys(stream, keys);
          const rows = await this.db.rows(
            `select b.key from ${batchTable} b
              where not exists (select 1 from sync_seen seen where seen.flow_key = $1 and seen.node_id = $2
                                  and seen.run_id = $3 and seen.stream = b.stream and seen.key = b.key)
              order by b.position`,
            [...scope, runId],
          );
          return rows.map((row) => String(row.key));
        }),
      streams: async () => {
        const rows = await this.db.rows(
          `select distinct stream from sync_snapshots where flow_key = $1 and node_id = $2
           union select distinct stream from sync_seen where flow_key = $1 and node_id = $2 and run_id = $3
           order by stream`,
          [...scope, runId],
        );
        return rows.map((row) => String(row.stream));
      },
      clearSeen: () =>
        this.db.run('delete from sync_seen where flow_key = $1 and node_id = $2 and run_id = $3', [...scope, runId]),
      clearEarlierSeen: () =>
        this.db.run('delete from sync_seen where flow_key = $1 and node_id = $2 and run_id <> $3', [...scope, runId]),
      forget: (stream, keys) =>
        this.db.transaction(async () => {
          if (keys.length === 0) return;
          await this.loadKeys(stream, keys);
          await this.db.connection.run(
            `delete from sync_snapshots s using ${batchTable} b
              where s.flow_key = $1 and s.node_id = $2 and s.stream = b.stream and s.key = b.key`,
            [...scope],
          );
        }),
    };
  }

  /** Staging for destinations that publish at commit (see SyncSnapshot.stage). */
  private staging(flowKey: string, nodeId: string, runId: string) {
    const scope = [runId, nodeId] as const;
    return {
      stage: (stream: string, rows: readonly KeyedHash[], seq: number) =>
        this.db.transaction(async () => {
          if (rows.length === 0) return;
          await this.load(stream, rows);
          await this.db.connection.run(
            `insert into sync_staged select $1, $2, stream, key, row_hash, $3, false from ${batchTable}`,
            [...scope, seq],
          );
        }),
      stageForget: (stream: string, keys: readonly string[], seq: number) =>
        this.db.transaction(async () => {
          if (keys.length === 0) return;
          await this.loadKeys(stream, keys);
          await this.db.connection.run(
            `insert into sync_staged select $1, $2, stream, key, 0, $3, true from ${batchTable}`,
            [...scope, seq],
          );
        }),
      discardStagedAfter: (seq: number) =>
        this.db.run('delete from sync_staged where run_id = $1 and node_id = $2 and seq > $3', [...scope, seq]),
      unstage: (keys: readonly string[]) =>
        this.db.transaction(async () => {
          if (keys.length === 0) return;
          await this.loadKeys('', keys);
          await this.db.connection.run(
            `delete from sync_staged s using ${batchTable} b
              where s.run_id = $1 and s.node_id = $2 and s.key = b.key`,
            [...scope],
          );
        }),
      publishStaged: () =>
        this.db.transaction(async () => {
          // The last row staged for a key is the one the destination published (or deleted).
          const last = `select * from sync_staged where run_id = $1 and node_id = $2
                         qualify row_number() over (partition by stream, key order by seq desc) = 1`;
          await this.db.connection.run(
            `insert or replace into sync_snapshots
               select $3, node_id, stream, key, row_hash, run_id from (${last}) where not deleted`,
            [...scope, flowKey],
          );
          await this.db.connection.run(
            `delete from sync_snapshots s using (${last}) d
              where d.deleted and s.flow_key = $3 and s.node_id = d.node_id and s.stream = d.stream and s.key = d.key`,
            [...scope, flowKey],
          );
          await this.db.connection.run('delete from sync_staged where run_id = $1 and node_id = $2', [...scope]);
        }),
    };
  }

  private loadKeys(stream: string, keys: readonly string[]): Promise<void> {
    return this.load(
      stream,
      keys.map((key) => ({ key, hash: 0n })),
    );
  }

  /** Replaces the batch table's rows with `rows` of `stream`, through an appender (one call, not one statement a row). */
  private async load(stream: string, rows: readonly KeyedHash[]): Promise<void> {
    const connection: DuckDBConnection = this.db.connection;
    await connection.run(
      `create temp table if not exists ${batchTable} (position integer, stream varchar, key varchar, row_hash ubigint)`,
    );
    await connection.run(`delete from ${batchTable}`);
    const appender = await connection.createAppender(batchTable, 'main', 'temp');
    rows.forEach((row, position) => {
      appender.appendInteger(position);
      appender.appendVarchar(stream);
      appender.appendVarchar(row.key);
      appender.appendUBigInt(row.hash);
      appender.endRow();
    });
    appender.closeSync();
  }
}
