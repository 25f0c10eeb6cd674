/**
 * Diffing snapshots (DESIGN.md §5): per (flow, destination node, stream), each key this destination
 * holds from the flow with the 64-bit hash of the row it was last sent. A re-sync classifies each
 * batch against it (new, changed, unchanged), sends only what is not unchanged, and the snapshot
 * takes a row's hash only once the destination acknowledged it; a mirror deletes the keys the
 * snapshot holds that this run did not see. The set arithmetic runs in DuckDB (batches land in
 * temporary tables through an appender and are joined there), so no JavaScript structure ever holds
 * every key, and DuckDB spills what does not fit in memory to disk.
 *
 * Joins run on 64-bit hashes, never on key text: each (flow, node, stream) is a `scope` hash and
 * each key a `key_hash` (joining a batch against a million varchar keys is about 15 times slower).
 * Two keys of one stream share a hash with odds of about n²/2^65 (3 in a million at 10M keys); the
 * key text is kept only to name what a mirror deletes. No index: DuckDB's hash joins scan the
 * compressed columns, and an index of every key would live in memory.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { RowHash } from '../node-kit/row-hash.ts';
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
  /**
   * The destination acknowledged these rows (they landed): the snapshot takes their hashes when the
   * run ends (`applyLanded`), in one join rather than one per batch.
   */
  acknowledge(stream: string, rows: readonly KeyedHash[]): Promise<void>;
  /** The destination deleted these keys (they landed): the snapshot forgets them when the run ends. */
  forget(stream: string, keys: readonly string[]): Promise<void>;
  /**
   * Acknowledged rows and deletes go into the snapshot: at the end of a run whatever its outcome, and
   * when a run starts, for an attempt that crashed before it could.
   */
  applyLanded(): Promise<void>;
  /**
   * What the run noted since (seen keys, pending rows) is kept in memory (spilling to disk) until
   * this makes it durable: as each checkpoint is saved, so a resumed run, which replays the batches
   * after its checkpoint, finds exactly what the batches before it noted.
   */
  persist(): Promise<void>;
  /** The streams the snapshot holds or this run saw. */
  streams(): Promise<string[]>;
  /** Keys the snapshot holds that this run has not seen (a mirror's deletes), `limit` at a time. */
  vanished(stream: string, limit: number): AsyncIterable<string[]>;
  /** Of these keys (the destination's own, for `mirrorScope: "all"`), those this run has not seen. */
  unseen(stream: string, keys: readonly string[]): Promise<string[]>;
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

/** Adds rows (or deletes) to the pending ones: `seq` orders staged rows; landed ones keep their arrival order. */
type Pend = (
  stream: string,
  rows: readonly KeyedHash[],
  kind: { deleted: boolean; landed: boolean; seq?: number },
) => Promise<void>;

/** The temporary table where runs note rows of `table` until they are made durable (SyncSnapshot.persist). */
function fresh(table: string): string {
  return `temp.${table}_fresh`;
}

/** Pending rows are ordered by batch and position in it: room for this many rows a batch. */
const rowsPerBatch = 1_048_576;

/** The batch sequence a mirror's deletes are staged at: after every batch a source can send. */
export const afterEveryBatch = 2 ** 40;

/** Rows a set operation of the store takes at once: a few tens of megabytes, under its memory limit. */
const rowsPerPart = 250_000;

/** How many parts of the key hashes `rows` rows are handled in. */
function partsFor(rows: number): number {
  return Math.max(1, Math.ceil(rows / rowsPerPart));
}

/** Keys as rows without a hash (deletes). */
function asRows(keys: readonly string[]): KeyedHash[] {
  return keys.map((key) => ({ key, hash: 0n }));
}

export class SyncSnapshotRepository {
  private readonly hash = new RowHash();
  /** Temporary tables of vanished keys, one per listing (several mirrors may list at once). */
  private listings = 0;
  /** Rows in the fresh tables, not yet moved into the store's. */
  private freshRows = 0;

  constructor(private readonly db: StoreDatabase) {}

  /** The snapshots of `nodeId` in flow `flowKey` (see id-map-repository.ts idMapFlowKey), as run `runId` uses them. */
  forRun(flowKey: string, nodeId: string, runId: string): SyncSnapshot {
    const node = [flowKey, nodeId] as const;
    const known = new Set<string>();
    /** The stream's scope hash, registered (for `streams`) on first use. */
    const scopeOf = async (stream: string): Promise<bigint> => {
      const scope = this.textHash([flowKey, nodeId, stream]);
      if (!known.has(stream)) {
        await this.db.connection.run('insert or ignore into sync_streams values ($1::ubigint, $2, $3, $4)', [
          scope.toString(),
          ...node,
          stream,
        ]);
        known.add(stream);
      }
      return scope;
    };
    const nodeScopes = 'select scope from sync_streams where flow_key = $1 and node_id = $2';
    /** Rows landed in order: a later acknowledgement of a key wins over an earlier one of this attempt. */
    let landings = 0;
    const pend: Pend = (stream, rows, { deleted, landed, seq }) =>
      this.db.serial(async () => {
        if (rows.length === 0) return;
        const scope = (await scopeOf(stream)).toString();
        await this.load(rows);
        landings += 1;
        // Unique per row, so the last row of a key wins even within one batch.
        const order = `${seq ?? landings}::bigint * ${rowsPerBatch} + position`;
        await this.db.connection.run(
          `insert into ${fresh('sync_pending')} select $1::ubigint, $2, key_hash, row_hash, key, ${order}, $3, $4 from ${batchTable}`,
          [scope, runId, deleted, landed],
        );
        await this.noted(rows.length);
      });
    return {
      ...this.staging(runId, pend, nodeScopes, node),
      classify: (stream, rows, { noteSeen = false } = {}) =>
        this.db.serial(async () => {
          const scope = (await scopeOf(stream)).toString();
          await this.load(rows);
          if (noteSeen) {
            await this.db.connection.run(
              `insert into ${fresh('sync_seen')} select $1::ubigint, $2, key_hash from ${batchTable}`,
              [scope, runId],
            );
            await this.noted(rows.length);
          }
          const reader = await this.db.connection.runAndReadAll(
            `select b.position, (s.row_hash = b.row_hash) as same from ${batchTable} b
               join sync_snapshots s on s.scope = $1::ubigint and s.key_hash = b.key_hash`,
            [scope],
          );
          const changes: RowChange[] = rows.map(() => 'new');
          for (const [position, same] of reader.getRows()) changes[Number(position)] = same ? 'unchanged' : 'changed';
          return changes;
        }),
      acknowledge: (stream, rows) => pend(stream, rows, { deleted: false, landed: true }),
      forget: (stream, keys) => pend(stream, asRows(keys), { deleted: true, landed: true }),
      applyLanded: () => this.merged(`run_id is not null and landed`, [...node]),
      persist: () => this.durably(async () => undefined),
      streams: async () => {
        const rows = await this.db.serial(() =>
          this.db.rows('select stream from sync_streams where flow_key = $1 and node_id = $2 order by stream', [
            ...node,
          ]),
        );
        return rows.map((row) => String(row.stream));
      },
      vanished: (stream, limit) => this.listVanished(scopeOf, stream, runId, limit),
      unseen: (stream, keys) =>
        this.durably(async () => {
          if (keys.length === 0) return [];
          const scope = (await scopeOf(stream)).toString();
          await this.loadKeys(keys);
          const reader = await this.db.connection.runAndReadAll(
            // The seen keys among the batch's first (a join built on the batch), so no hash table of every seen key.
            `select b.key from ${batchTable} b
              where b.key_hash not in (select seen.key_hash from sync_seen seen join ${batchTable} k on k.key_hash = seen.key_hash
                                        where seen.scope = $1::ubigint and seen.run_id = $2)
              order by b.position`,
            [scope, runId],
          );
          return reader.getRows().map(([key]) => String(key));
        }),
      clearSeen: () =>
        this.durably(async () => {
          await this.db.connection.run(`delete from sync_seen where run_id = $3 and scope in (${nodeScopes})`, [
            ...node,
            runId,
          ]);
        }),
      clearEarlierSeen: () =>
        this.durably(async () => {
          await this.db.connection.run(`delete from sync_seen where run_id <> $3 and scope in (${nodeScopes})`, [
            ...node,
            runId,
          ]);
        }),
    };
  }

  /** Staging for destinations that publish at commit (see SyncSnapshot.stage). */
  private staging(runId: string, pend: Pend, nodeScopes: string, node: readonly [string, string]) {
    const ofRun = `run_id = $3 and not landed and scope in (${nodeScopes})`;
    return {
      stage: (stream: string, rows: readonly KeyedHash[], seq: number) =>
        pend(stream, rows, { deleted: false, landed: false, seq }),
      stageForget: (stream: string, keys: readonly string[], seq: number) =>
        pend(stream, asRows(keys), { deleted: true, landed: false, seq }),
      discardStagedAfter: (seq: number) =>
        this.durably(async () => {
          await this.db.connection.run(`delete from sync_pending where ${ofRun} and seq >= $4::bigint`, [
            ...node,
            runId,
            String((BigInt(seq) + 1n) * BigInt(rowsPerBatch)),
          ]);
        }),
      unstage: (keys: readonly string[]) =>
        this.durably(async () => {
          if (keys.length === 0) return;
          await this.load(asRows(keys));
          await this.db.connection.run(
            `delete from sync_pending p using ${batchTable} b where p.key_hash = b.key_hash and p.${ofRun}`,
            [...node, runId],
          );
        }),
      publishStaged: () => this.merged(`run_id = $3 and not landed`, [...node, runId]),
    };
  }

  /**
   * Pending rows of the node that `where` picks (over `values`; $1, $2 are the flow and node) go into
   * the snapshot, the last one per key winning, deletes taking keys out; then they are dropped.
   */
  private merged(where: string, values: string[]): Promise<void> {
    return this.db.serial(async () => {
      await this.inTransaction(() => this.moveFresh());
      await this.merge(where, values);
    });
  }

  /**
   * Call inside `serial`. Each part commits on its own: a transaction holding every row of a big
   * merge outgrows the memory limit, and a merge cut short is simply done again (a part deletes the
   * keys it inserts first), since the pending rows go only once every part is in.
   */
  private async merge(where: string, values: string[]): Promise<void> {
    const pending = `from sync_pending where ${where}
                       and scope in (select scope from sync_streams where flow_key = $1 and node_id = $2)`;
    const counted = await this.db.connection.runAndReadAll(`select count(*) ${pending}`, values);
    // In parts of the key hashes, each small enough for the store's memory limit.
    const parts = partsFor(Number(counted.getRows()[0]![0]));
    for (let part = 0; part < parts; part++) {
      // The last row per key: a grouping of fixed-width columns (which spills), joined back for the rest.
      const inPart = `${pending} and key_hash % ${parts} = ${part}`;
      await this.inTransaction(async () => {
        await this.db.connection.run(
          `create or replace temp table sync_merge as
             select p.scope, p.key_hash, p.row_hash, p.key, p.deleted
               from (select * ${inPart}) p
               join (select scope, key_hash, max(seq) as seq ${inPart} group by scope, key_hash) last
                 on p.scope = last.scope and p.key_hash = last.key_hash and p.seq = last.seq`,
          values,
        );
        await this.db.connection.run(
          'delete from sync_snapshots s using sync_merge m where s.scope = m.scope and s.key_hash = m.key_hash',
        );
        await this.db.connection.run(
          'insert into sync_snapshots select scope, key_hash, row_hash, key from sync_merge where not deleted',
        );
      });
    }
    await this.inTransaction(async () => {
      await this.db.connection.run(`delete ${pending}`, values);
      await this.db.connection.run('drop table if exists sync_merge');
    });
  }

  /** Materialises the vanished keys once (anti-joins over the snapshot), then hands them out a page at a time. */
  private async *listVanished(
    scopeOf: (stream: string) => Promise<bigint>,
    stream: string,
    runId: string,
    limit: number,
  ): AsyncIterable<string[]> {
    this.listings += 1;
    const table = `sync_vanished_${this.listings}`;
    const count = await this.durably(async () => {
      const scope = (await scopeOf(stream)).toString();
      await this.db.connection.run(`create temp table ${table} (key varchar)`);
      const held = await this.db.connection.runAndReadAll(
        'select count(*) from sync_snapshots where scope = $1::ubigint',
        [scope],
      );
      // In parts of the key hashes, as merges are: an anti-join of every key at once outgrows the memory limit.
      const parts = partsFor(Number(held.getRows()[0]![0]));
      for (let part = 0; part < parts; part++) {
        await this.db.connection.run(
          `insert into ${table}
             select s.key from sync_snapshots s
              where s.scope = $1::ubigint and s.key_hash % ${parts} = ${part}
                and not exists (select 1 from sync_seen seen
                                 where seen.scope = $1::ubigint and seen.run_id = $2 and seen.key_hash % ${parts} = ${part}
                                   and seen.key_hash = s.key_hash)`,
          [scope, runId],
        );
      }
      const reader = await this.db.connection.runAndReadAll(`select count(*) from ${table}`);
      return Number(reader.getRows()[0]![0]);
    });
    try {
      const page = Math.max(1, Math.floor(limit));
      for (let at = 0; at < count; at += page) {
        const keys = await this.db.serial(async () => {
          const reader = await this.db.connection.runAndReadAll(
            `select key from ${table} where rowid >= ${at} and rowid < ${at + page} order by rowid`,
          );
          return reader.getRows().map(([key]) => String(key));
        });
        yield keys;
      }
    } finally {
      await this.db.run(`drop table if exists ${table}`);
    }
  }

  /**
   * Runs `work` in one transaction after moving what runs noted in memory (seen keys, pending rows:
   * the fresh tables) into the store's tables, so it sees, and keeps, all of it.
   */
  private durably<T>(work: () => Promise<T>): Promise<T> {
    return this.db.transaction(async () => {
      await this.moveFresh();
      return work();
    });
  }

  private async moveFresh(): Promise<void> {
    await this.createTempTables();
    for (const table of ['sync_seen', 'sync_pending']) {
      await this.db.connection.run(`insert into ${table} select * from ${fresh(table)}`);
      // Made anew, not emptied: a temporary table never reclaims the space of deleted rows.
      await this.db.connection.run(`create or replace temp table ${fresh(table)} as select * from ${table} limit 0`);
    }
    this.freshRows = 0;
  }

  /**
   * `rows` more rows in the fresh tables (call inside `serial`): past a bound they move to the store's
   * tables early, so memory stays bounded between checkpoints (early is never wrong: a resumed run
   * notes its replayed batches again, and discards what it staged after its checkpoint).
   */
  private async noted(rows: number): Promise<void> {
    this.freshRows += rows;
    if (this.freshRows >= rowsPerPart) await this.inTransaction(() => this.moveFresh());
  }

  /** Runs `work` in a transaction of its own; call inside `serial`. */
  private async inTransaction(work: () => Promise<void>): Promise<void> {
    await this.db.connection.run('begin transaction');
    try {
      await work();
      await this.db.connection.run('commit');
    } catch (error) {
      await this.db.connection.run('rollback');
      throw error;
    }
  }

  /** The 64-bit hash of texts (a scope's names, or one key). */
  private textHash(texts: readonly string[]): bigint {
    this.hash.start();
    for (const text of texts) this.hash.text(text);
    return this.hash.finish();
  }

  /** The batch table and the fresh tables, made once per connection (they are temporary). */
  private tempTablesMade = false;
  private async createTempTables(): Promise<void> {
    if (this.tempTablesMade) return;
    const connection = this.db.connection;
    for (const table of ['sync_seen', 'sync_pending']) {
      await connection.run(`create temp table if not exists ${fresh(table)} as select * from ${table} limit 0`);
    }
    this.tempTablesMade = true;
  }

  private loadKeys(keys: readonly string[]): Promise<void> {
    return this.load(asRows(keys));
  }

  /** Replaces the batch table's rows with `rows` (and their key hashes), through an appender: one call, not one statement a row. */
  private async load(rows: readonly KeyedHash[]): Promise<void> {
    const connection: DuckDBConnection = this.db.connection;
    await this.createTempTables();
    // Made anew each time: after deletes, DuckDB would still count every row the table ever held,
    // and, taking it for the bigger side, build its joins on the whole snapshot instead.
    await connection.run(
      `create or replace temp table ${batchTable} (position integer, key_hash ubigint, row_hash ubigint, key varchar)`,
    );
    const appender = await connection.createAppender(batchTable, 'main', 'temp');
    rows.forEach((row, position) => {
      appender.appendInteger(position);
      appender.appendUBigInt(this.textHash([row.key]));
      appender.appendUBigInt(row.hash);
      appender.appendVarchar(row.key);
      appender.endRow();
    });
    appender.closeSync();
  }
}
