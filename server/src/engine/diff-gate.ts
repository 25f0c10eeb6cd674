/**
 * Diffing in front of a keyed destination (DESIGN.md §5): each batch is classified against the
 * destination node's snapshot in the store, and only new and changed rows are written; the
 * snapshot takes a row's hash once the destination acknowledged it: at once for a destination
 * whose batches land as written (`idempotent-batches`, `at-least-once`), when the run publishes for
 * one that stages (`staged`). Rows the destination refused keep their old hash, so the next run
 * sends them again. With `sendAll` (a full resync) every row is written, and the snapshot still
 * advances, so the run after diffs against what this one sent. In a dry run the same
 * classification counts what would be inserted, updated and left unchanged, and nothing advances.
 */
import type { PublishKind, Rec } from '../node-kit/contract.ts';
import { RowHash } from '../node-kit/row-hash.ts';
import type { KeyedHash, SyncSnapshot } from '../store/sync-snapshot-repository.ts';

/** What a diffed destination did with the rows it was handed, per run. */
export interface DiffCounts {
  inserted: number;
  updated: number;
  unchanged: number;
}

export class DiffGate {
  private readonly hash = new RowHash();
  /** Keys refused during the write in progress (a batch's worth at most). */
  private readonly refused = new Set<string>();
  /** The key fields of the stream being written. */
  private keyFields: readonly string[] = [];
  /** Refusals while publishing, taken out of the staged rows before they are published. */
  private unstaging: Promise<void> = Promise.resolve();

  /**
   * `countsOf` gives the node's run counts (RunStats), so a checkpoint keeps them for a resumed run;
   * asked only once a batch is diffed, so a destination that diffs nothing shows no such counts.
   */
  constructor(
    private readonly snapshot: SyncSnapshot,
    /** The key fields of a stream; undefined: the stream is not diffed (written whole). */
    private readonly keyFieldsOf: (stream: string) => readonly string[] | undefined,
    private readonly publishes: PublishKind,
    private readonly sendAll: boolean,
    private readonly countsOf: () => DiffCounts,
    /** A dry run: batches are classified and counted, the snapshot is left as it is. */
    private readonly dryRun = false,
  ) {}

  /** Whether a stream's batches go through the gate. */
  diffs(stream: string): boolean {
    return this.keyFieldsOf(stream) !== undefined;
  }

  /** The rows of a batch to write (new and changed ones; all with `sendAll`), with their keys and hashes. */
  async changed(stream: string, records: readonly Rec[]): Promise<{ indexes: number[]; rows: KeyedHash[] }> {
    this.keyFields = this.keyFieldsOf(stream) ?? [];
    const rows = records.map((record) => ({ key: this.keyOf(record), hash: this.hashOf(record) }));
    const changes = await this.snapshot.classify(stream, rows);
    const counts = this.countsOf();
    const indexes: number[] = [];
    changes.forEach((change, index) => {
      if (change === 'unchanged' && !this.sendAll) {
        counts.unchanged += 1;
        return;
      }
      if (change === 'new') counts.inserted += 1;
      else counts.updated += 1;
      indexes.push(index);
    });
    this.refused.clear();
    return { indexes, rows: indexes.map((index) => rows[index]!) };
  }

  /** The destination refused these records: while writing the batch in progress, or (`whilePublishing`) staged ones. */
  rejected(records: readonly Rec[], whilePublishing: boolean): void {
    const keys = records.map((record) => this.keyOf(record));
    if (!whilePublishing) for (const key of keys) this.refused.add(key);
    else if (this.publishes === 'staged') {
      this.unstaging = this.unstaging.then(() => this.snapshot.unstage(keys));
    }
  }

  /** The destination took the batch's rows (`seq` is its source batch): the snapshot takes those it did not refuse. */
  async landed(stream: string, rows: readonly KeyedHash[], seq: number): Promise<void> {
    if (this.dryRun) return;
    const accepted = rows.filter((row) => !this.refused.has(row.key));
    this.refused.clear();
    if (this.publishes === 'staged') await this.snapshot.stage(stream, accepted, seq);
    else await this.snapshot.acknowledge(stream, accepted);
  }

  /** The run published what the destination staged. */
  async published(): Promise<void> {
    await this.unstaging;
    if (this.publishes === 'staged') await this.snapshot.publishStaged();
  }

  /** A resumed run replays the batches after its checkpoint: what they staged is staged again then. */
  resumedAt(seq: number): Promise<void> {
    return this.publishes === 'staged' ? this.snapshot.discardStagedAfter(seq) : Promise.resolve();
  }

  /** The key fields' values as JSON: one text per key, whatever its types. */
  private keyOf(record: Rec): string {
    return JSON.stringify(this.keyFields.map((field) => record[field] ?? null));
  }

  /** The row as sent, hashed: any field changed, added or dropped changes it. */
  private hashOf(record: Rec): bigint {
    this.hash.start();
    this.hash.text(JSON.stringify(record));
    return this.hash.finish();
  }
}
