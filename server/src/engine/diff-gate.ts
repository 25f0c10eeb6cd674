/**
 * Diffing in front of a keyed destination (DESIGN.md §5): each batch is classified against the
 * destination node's snapshot in the store, and only new and changed rows are written; the
 * snapshot takes a row's hash once the destination acknowledged it: at once for a destination
 * whose batches land as written (`idempotent-batches`, `at-least-once`), when the run publishes for
 * one that stages (`staged`). Rows the destination refused keep their old hash, so the next run
 * sends them again. With `sendAll` (a full resync) every row is written, and the snapshot still
 * advances, so the run after diffs against what this one sent. In a dry run the same
 * classification counts what would be inserted, updated and left unchanged, and nothing advances.
 *
 * A mirror notes every key a run sees; once its source ended, the keys the snapshot holds that the
 * run did not see are deleted from the destination (and, with `mirrorScope: "all"`, every key the
 * destination lists that the run did not see), then forgotten: at once where deletes land at once,
 * at publish where they are staged.
 */
import type { DestinationWriter, PlannedChange, PlannedStream, PublishKind, Rec } from '../node-kit/contract.ts';
import { RowHash } from '../node-kit/row-hash.ts';
import type { MirrorScope } from '../node-kit/schema.ts';
import {
  afterEveryBatch,
  type KeyedHash,
  type RowChange,
  type SyncSnapshot,
} from '../store/sync-snapshot-repository.ts';

/** What a diffed destination did with the rows it was handed, per run. */
export interface DiffCounts {
  inserted: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

/** The destination's reads of its own records (DestinationReads with its config and context). */
export interface KeyReads {
  keys?(stream: string): AsyncIterable<Rec[]>;
  current?(stream: string, keys: Rec[]): Promise<Rec[]>;
}

export interface DiffGateOptions {
  publishes: PublishKind;
  /** A full resync: every row is written. */
  sendAll: boolean;
  /** A dry run: batches are classified and counted, the snapshot is left as it is. */
  dryRun: boolean;
  /** A mirror, and which records it deletes; undefined: nothing is deleted. */
  mirror: MirrorScope | undefined;
  /** Keys match regardless of case (DestinationType.keysIgnoreCase). */
  keysIgnoreCase?: boolean;
}

/** Keys deleted (or looked up) per call. */
const deletePage = 1000;
/** Changes per action and stream a dry run shows with their before and after. */
const samplesPerAction = 5;

/** A stream's dry-run tally: counts per action, and the first few changes. */
interface StreamPlan {
  insert: number;
  update: number;
  delete: number;
  unchanged: number;
  changes: PlannedChange[];
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
  /** A dry run's tally per stream. */
  private readonly plans = new Map<string, StreamPlan>();

  constructor(
    private readonly snapshot: SyncSnapshot,
    /** The key fields of a stream; undefined: the stream is not diffed (written whole). */
    private readonly keyFieldsOf: (stream: string) => readonly string[] | undefined,
    private readonly options: DiffGateOptions,
    private readonly countsOf: () => DiffCounts,
  ) {}

  private get publishes(): PublishKind {
    return this.options.publishes;
  }

  /** Whether a stream's batches go through the gate. */
  diffs(stream: string): boolean {
    return this.keyFieldsOf(stream) !== undefined;
  }

  /** The rows of a batch to write (new and changed ones; all with `sendAll`), with their keys and hashes. */
  async changed(stream: string, records: readonly Rec[]): Promise<{ indexes: number[]; rows: KeyedHash[] }> {
    this.keyFields = this.keyFieldsOf(stream) ?? [];
    const rows = records.map((record) => ({ key: this.keyOf(record), hash: this.hashOf(record) }));
    const changes = await this.snapshot.classify(stream, rows, { noteSeen: this.options.mirror !== undefined });
    const counts = this.countsOf();
    const indexes: number[] = [];
    changes.forEach((change, index) => {
      if (this.options.dryRun) this.tally(stream, change, records[index]!);
      if (change === 'unchanged' && !this.options.sendAll) {
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

  /**
   * A mirror's deletes, once the source ended and every batch was written: what vanished from the
   * source is deleted (counted only, in a dry run) and forgotten.
   */
  async deleteVanished(writer: DestinationWriter, reads: KeyReads): Promise<void> {
    if (this.options.mirror === undefined) return;
    for (const stream of await this.snapshot.streams()) {
      this.keyFields = this.keyFieldsOf(stream) ?? [];
      if (this.keyFields.length === 0) continue;
      if (this.options.mirror === 'all' && reads.keys) {
        for await (const page of reads.keys(stream)) {
          const keys = await this.snapshot.unseen(
            stream,
            page.map((record) => this.keyOf(record)),
          );
          await this.deleteKeys(writer, stream, keys, false);
        }
      }
      // Keys the snapshot holds that the run did not see (for "all", the destination deleted most of them already).
      for await (const keys of this.snapshot.vanished(stream, deletePage)) {
        await this.deleteKeys(writer, stream, keys, this.options.mirror === 'all' && reads.keys !== undefined);
      }
    }
  }

  /** Deletes `keys` (unless `deletedAlready`), counts them, and has the snapshot forget them. */
  private async deleteKeys(
    writer: DestinationWriter,
    stream: string,
    keys: readonly string[],
    deletedAlready: boolean,
  ): Promise<void> {
    if (keys.length === 0) return;
    const records = keys.map((key) => this.recordOfKey(key));
    if (this.options.dryRun) {
      if (deletedAlready) return;
      this.countsOf().deleted += keys.length;
      const plan = this.planOf(stream);
      plan.delete += keys.length;
      for (const key of records) {
        if (plan.changes.filter((change) => change.action === 'delete').length >= samplesPerAction) break;
        plan.changes.push({ action: 'delete', key });
      }
      return;
    }
    if (!writer.delete) throw new Error(`the destination cannot delete records, so it cannot mirror`);
    if (!deletedAlready) {
      await writer.delete(stream, records);
      this.countsOf().deleted += keys.length;
    }
    if (this.publishes === 'staged') await this.snapshot.stageForget(stream, keys, afterEveryBatch);
    else await this.snapshot.forget(stream, keys);
  }

  /**
   * A dry run's plan per stream: counts, and its sampled changes with the destination's records as
   * they are now (where it can read them).
   */
  async plan(reads: KeyReads): Promise<PlannedStream[]> {
    const planned: PlannedStream[] = [];
    for (const [stream, plan] of this.plans) {
      this.keyFields = this.keyFieldsOf(stream) ?? [];
      const before = new Map<string, Rec>();
      if (reads.current && plan.changes.length > 0) {
        for (const record of await reads.current(
          stream,
          plan.changes.map((change) => change.key),
        )) {
          before.set(this.keyOf(record), record);
        }
      }
      planned.push({
        stream,
        target: stream,
        create: plan.insert,
        update: plan.update,
        reject: 0,
        delete: plan.delete,
        unchanged: plan.unchanged,
        samples: [],
        changes: plan.changes.map((change) => {
          const found = before.get(this.keyOf(change.key));
          return found === undefined ? change : { ...change, before: found };
        }),
      });
    }
    return planned;
  }

  private tally(stream: string, change: RowChange, record: Rec): void {
    const plan = this.planOf(stream);
    if (change === 'unchanged' && !this.options.sendAll) {
      plan.unchanged += 1;
      return;
    }
    const action = change === 'new' ? 'insert' : 'update';
    plan[action] += 1;
    if (plan.changes.filter((sample) => sample.action === action).length < samplesPerAction) {
      plan.changes.push({ action, key: this.keyRecord(record), after: record });
    }
  }

  private planOf(stream: string): StreamPlan {
    let plan = this.plans.get(stream);
    if (plan === undefined) {
      plan = { insert: 0, update: 0, delete: 0, unchanged: 0, changes: [] };
      this.plans.set(stream, plan);
    }
    return plan;
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
    if (this.options.dryRun) return;
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

  /**
   * A run opens the gate. What an attempt that crashed acknowledged goes into the snapshot first. A
   * resumed run (`resumeSeq`) replays the batches after its checkpoint, so what they staged is staged
   * again then; one reopened only to publish (`prepared`) replays nothing and keeps all it staged
   * (its mirror's deletes, staged after every batch, included). A new run drops the seen keys of
   * earlier runs that failed.
   */
  async opened(resumeSeq: number | undefined, prepared: boolean): Promise<void> {
    await this.snapshot.applyLanded();
    if (prepared) return;
    if (resumeSeq === undefined) await this.snapshot.clearEarlierSeen();
    else if (this.publishes === 'staged') await this.snapshot.discardStagedAfter(resumeSeq);
  }

  /** A checkpoint is being saved: what the gate noted up to it becomes durable with it. */
  persist(): Promise<void> {
    return this.options.dryRun ? Promise.resolve() : this.snapshot.persist();
  }

  /**
   * The run ended: what landed goes into the snapshot, whatever the outcome; a mirror's seen keys
   * are done with once it succeeded (a failed run keeps them for its resume).
   */
  async ended(succeeded: boolean): Promise<void> {
    if (!this.options.dryRun) await this.snapshot.applyLanded();
    if ((succeeded || this.options.dryRun) && this.options.mirror !== undefined) await this.snapshot.clearSeen();
  }

  /**
   * The key fields' values as text, in a JSON array: one text per key whatever the types each side
   * reads them as (1 and "1" are one key), so the destination's own keys compare with the source's.
   */
  private keyOf(record: Rec): string {
    const key = JSON.stringify(this.keyFields.map((field) => keyText(record[field])));
    return this.options.keysIgnoreCase ? key.toLowerCase() : key;
  }

  /** A record of the key fields only. */
  private keyRecord(record: Rec): Rec {
    return Object.fromEntries(this.keyFields.map((field) => [field, record[field] ?? null]));
  }

  /** A key (see keyOf) as a record of the key fields, each value as text. */
  private recordOfKey(key: string): Rec {
    const values = JSON.parse(key) as (string | null)[];
    return Object.fromEntries(this.keyFields.map((field, index) => [field, values[index] ?? null]));
  }

  /** The row as sent, hashed: any field changed, added or dropped changes it. */
  private hashOf(record: Rec): bigint {
    this.hash.start();
    this.hash.text(JSON.stringify(record));
    return this.hash.finish();
  }
}

function keyText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
