/**
 * A CRM destination's books for its reconciliation report (verification.ts StreamVerification): per
 * stream, records received, created, updated and refused (with the most frequent reasons), and per
 * relation (a lookup field, an association) how many records were sent with one. It rides in the
 * writer's checkpointed state, so a resumed run's report covers every attempt: batches replayed
 * after the checkpoint are counted once, as the state is that of the checkpoint. A replayed batch's
 * records created in the dead attempt count as updated (the replay finds them).
 */
import type { PlannedRecord, PlannedStream } from './contract.ts';
import type { StreamVerification } from './verification.ts';

/** Distinct refusal reasons a stream keeps counts of; the rest are in the run's rejected records. */
const keptReasons = 20;
/** Samples a dry run keeps per stream and action. */
const samplesPerAction = 5;

export interface StreamBooks {
  target: string;
  received: number;
  created: number;
  updated: number;
  rejected: number;
  reasons: Record<string, number>;
  relations: Record<string, number>;
  samples: PlannedRecord[];
}

export type SavedLedger = Record<string, StreamBooks>;

export class WriteLedger {
  private readonly streams: SavedLedger;

  constructor(saved?: SavedLedger) {
    this.streams = structuredClone(saved ?? {});
  }

  /** The books of a stream, opened on first use. */
  stream(stream: string, target: string): StreamBooks {
    let books = this.streams[stream];
    if (!books) {
      books = { target, received: 0, created: 0, updated: 0, rejected: 0, reasons: {}, relations: {}, samples: [] };
      this.streams[stream] = books;
    }
    return books;
  }

  /** Refused records: counted, and their reasons tallied (the first `keptReasons` distinct ones). */
  refused(books: StreamBooks, reasons: readonly string[]): void {
    books.rejected += reasons.length;
    for (const reason of reasons) {
      if (reason in books.reasons || Object.keys(books.reasons).length < keptReasons) {
        books.reasons[reason] = (books.reasons[reason] ?? 0) + 1;
      }
    }
  }

  /** Records sent with a relation set. */
  related(books: StreamBooks, relation: string, count: number): void {
    if (count > 0) books.relations[relation] = (books.relations[relation] ?? 0) + count;
  }

  /** A dry run's sample, kept while its action has fewer than `samplesPerAction`. */
  sample(books: StreamBooks, sample: PlannedRecord): void {
    if (books.samples.filter((kept) => kept.action === sample.action).length < samplesPerAction) {
      books.samples.push(sample);
    }
  }

  names(): string[] {
    return Object.keys(this.streams);
  }

  /** The relations a stream's records were sent with: what its read-back checks (others do not apply to its object). */
  relationNames(stream: string): Set<string> {
    return new Set(Object.keys(this.streams[stream]?.relations ?? {}));
  }

  save(): SavedLedger {
    return structuredClone(this.streams);
  }

  /** A dry run's report. */
  plan(): PlannedStream[] {
    return Object.entries(this.streams).map(([stream, books]) => ({
      stream,
      target: books.target,
      create: books.created,
      update: books.updated,
      reject: books.rejected,
      relations: Object.entries(books.relations).map(([name, count]) => ({ name, count })),
      samples: books.samples,
    }));
  }

  /**
   * The reconciliation of a stream against what was read back: `loaded` records of this run found
   * in the destination, and per relation how many of them have it set.
   */
  verification(stream: string, readBack: { loaded: number; relations: Record<string, number> }): StreamVerification {
    const books = this.streams[stream]!;
    const missing = books.received - books.rejected - readBack.loaded;
    const relations = Object.entries(books.relations).map(([name, expected]) => ({
      name,
      expected,
      present: readBack.relations[name] ?? 0,
    }));
    const reasons = Object.entries(books.reasons)
      .sort(([, a], [, b]) => b - a)
      .map(([reason, count]) => ({ reason, count }));
    return {
      stream,
      target: books.target,
      source: books.received,
      loaded: readBack.loaded,
      rejected: books.rejected,
      missing,
      created: books.created,
      updated: books.updated,
      ...(reasons.length > 0 ? { reasons } : {}),
      ...(relations.length > 0 ? { relations } : {}),
      ok: missing === 0 && relations.every((relation) => relation.present === relation.expected),
    };
  }
}
