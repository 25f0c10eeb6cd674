/**
 * The read of one stream (an object, or the object a SOQL query reads), record by record, each
 * with where the read stands after it; `source.ts` cuts them into batches.
 *
 * - Full read through REST: keyset pages `WHERE Id > :last ORDER BY Id LIMIT 2000`, resumed after
 *   the last Id.
 * - Through a Bulk API 2.0 query job: its result sets one after another, resumed at the set's
 *   locator, skipping the records of that set already read.
 * - Incremental: `WHERE SystemModstamp >= :start ORDER BY SystemModstamp, Id` (REST, paged by
 *   `nextRecordsUrl`) or the same SOQL as a query job. SystemModstamp and SOQL datetime literals
 *   hold whole seconds, so the read starts at the second of the last run's mark (less the lookback)
 *   and skips the records it re-reads unchanged, known by Id and content (see `changeWindow`).
 * - A SOQL query: its pages as they come, resumed by skipping the records already read.
 */

import { createHash } from 'node:crypto';
import type { Rec, SourceContext } from '../../node-kit/contract.ts';
import { type IncrementalMark, LookbackMemory } from '../../node-kit/sql/incremental.ts';
import type { PollOptions } from './bulk-jobs.ts';
import { readResultSet, runQueryJob } from './bulk-query.ts';
import { cellValue } from './describe.ts';
import { fromColumns, fromRest } from './records.ts';
import { countRecords, queryPages } from './rest-query.ts';
import type { SalesforceSession } from './session.ts';
import { datetimeMinus, soqlDatetimeFloor, soqlString } from './soql.ts';

/** Where a read stands, after a batch: opaque to the engine, JSON. */
export interface SourceCursor {
  stream: string;
  /** Full REST read: the Id of the last record read. */
  afterId?: string;
  /**
   * A Bulk API query job being read: the locator of the result set being read ('' for the first)
   * and its records already read.
   */
  bulk?: { job: string; locator: string; skip: number };
  /** A SOQL query read through REST: the records read. */
  skip?: number;
  /** Incremental: where each stream's next read starts. */
  since?: Record<string, IncrementalMark>;
}

/** A record's place in change order: its SystemModstamp and Id. */
export type Position = [string, string];

/** One stream, described. */
export interface StreamPlan {
  name: string;
  /** What the read selects from: an object name. */
  object: string;
  /** Fields selected, `Id` first (objects); for a SOQL query, unknown. */
  fields: string[];
  /** Field name (lower case) → Salesforce type, to read Bulk API CSV cells. */
  types: Map<string, string>;
  /** The SOQL query of the config, when the stream is one. */
  query?: string;
}

export interface ReadSettings {
  incremental?: { lookbackSeconds?: number };
  bulk: 'auto' | 'always' | 'never';
  bulkThreshold: number;
  /** How query jobs are waited for and read; tests shorten both. */
  bulkQuery?: BulkQueryOptions;
}

export interface BulkQueryOptions {
  polling?: PollOptions;
  /** Records per result set asked for (`maxRecords`). */
  resultSetRecords?: number;
}

/** One record read (or skipped as unchanged: no `record`), and the cursor fields after it. */
export interface ReadStep {
  record?: Rec;
  at: Omit<SourceCursor, 'stream' | 'since'>;
}

/** Records per REST keyset page: one page of the API's. */
const keysetPageRecords = 2_000;

/**
 * The steps of one stream's read from `from` (this stream's part of the resume cursor). Incremental
 * reads keep `since[plan.name]` up to date as records go by; `mark()` gives it with the lookback
 * memory's snapshot, for a cursor.
 */
export async function openStreamRead(
  session: SalesforceSession,
  plan: StreamPlan,
  settings: ReadSettings,
  from: SourceCursor | undefined,
  since: Record<string, IncrementalMark>,
  ctx: SourceContext,
): Promise<{ steps: AsyncGenerator<ReadStep>; mark(): void }> {
  const select = `SELECT ${plan.fields.join(', ')} FROM ${plan.object}`;
  if (plan.query !== undefined) {
    const useBulk = from?.bulk !== undefined || (from?.skip === undefined && settings.bulk === 'always');
    return {
      steps: useBulk
        ? bulkSteps(session, plan, plan.query, from?.bulk, settings, ctx)
        : querySteps(session, plan.query, from?.skip),
      mark() {},
    };
  }
  if (!settings.incremental) {
    const useBulk =
      from?.bulk !== undefined || (from?.afterId === undefined && (await prefersBulk(session, plan, settings)));
    return {
      steps: useBulk
        ? bulkSteps(session, plan, select, from?.bulk, settings, ctx)
        : keysetSteps(session, select, from?.afterId),
      mark() {},
    };
  }
  const window = changeWindow(settings.incremental.lookbackSeconds ?? 0, since[plan.name], from);
  const useBulk =
    from?.bulk !== undefined || (from === undefined && (await prefersBulk(session, plan, settings, window.where)));
  const soql = `${select}${window.where ? ` WHERE ${window.where}` : ''}`;
  const raw = useBulk
    ? bulkSteps(session, plan, soql, from?.bulk, settings, ctx)
    : restChangeSteps(session, `${soql} ORDER BY SystemModstamp, Id`);
  const { memory } = window;
  let after = since[plan.name]?.after as Position | undefined;
  async function* changed(): AsyncGenerator<ReadStep> {
    for await (const step of raw) {
      const record = step.record!;
      const position: Position = [String(record.SystemModstamp), String(record.Id)];
      if (after === undefined || comparePositions(position, after) > 0) after = position;
      if (window.skipUpTo && comparePositions(position, window.skipUpTo) <= 0) {
        yield { at: step.at };
        continue;
      }
      // SystemModstamp holds whole seconds: a record changed twice within one keeps its stamp, so
      // the memory knows records by Id and content, and a changed one is never taken as seen.
      const key = JSON.stringify([position[1], contentHash(record)]);
      if (memory.unchanged(key, position[0])) {
        yield { at: step.at };
        continue;
      }
      memory.remember(key, position[0]);
      yield step;
    }
  }
  return {
    steps: changed(),
    mark() {
      if (after !== undefined) since[plan.name] = { after, recent: memory.snapshot() };
    },
  };
}

/** (SystemModstamp, Id) order: datetimes as REST writes them compare as text. */
export function comparePositions(a: Position, b: Position): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1;
}

function contentHash(record: Rec): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('base64url').slice(0, 22);
}

/**
 * Where an incremental read of a stream starts, and what it skips. A new read starts at the second
 * of the last run's mark less the lookback (SOQL datetimes hold whole seconds), and skips the
 * records its memory holds unchanged: those the last run emitted within the lookback, or within the
 * mark's own second without one. A read resumed in this stream through REST, in (SystemModstamp,
 * Id) order, starts at its own mark's second and skips the records up to the mark: it read them.
 */
function changeWindow(
  lookbackSeconds: number,
  mark: IncrementalMark | undefined,
  from: SourceCursor | undefined,
): { where?: string; skipUpTo?: Position; memory: LookbackMemory } {
  const memory = new LookbackMemory('TIMESTAMPTZ', lookbackSeconds, mark);
  if (mark === undefined) return { memory };
  const after = mark.after as Position;
  if (from !== undefined && from.bulk === undefined) {
    return { where: `SystemModstamp >= ${soqlDatetimeFloor(after[0])}`, skipUpTo: after, memory };
  }
  const start = datetimeMinus(after[0], lookbackSeconds);
  return { where: `SystemModstamp >= ${soqlDatetimeFloor(start)}`, memory };
}

async function prefersBulk(
  session: SalesforceSession,
  plan: StreamPlan,
  settings: ReadSettings,
  where?: string,
): Promise<boolean> {
  if (settings.bulk !== 'auto') return settings.bulk === 'always';
  return (await countRecords(session, plan.object, where)) > settings.bulkThreshold;
}

async function* keysetSteps(
  session: SalesforceSession,
  select: string,
  afterId: string | undefined,
): AsyncGenerator<ReadStep> {
  let after = afterId;
  for (;;) {
    const soql = `${select}${after === undefined ? '' : ` WHERE Id > ${soqlString(after)}`} ORDER BY Id LIMIT ${keysetPageRecords}`;
    let read = 0;
    for await (const page of queryPages(session, soql)) {
      for (const raw of page) {
        const record = fromRest(raw);
        after = String(record.Id);
        read += 1;
        yield { record, at: { afterId: after } };
      }
    }
    if (read < keysetPageRecords) return;
  }
}

async function* restChangeSteps(session: SalesforceSession, soql: string): AsyncGenerator<ReadStep> {
  for await (const page of queryPages(session, soql)) {
    for (const raw of page) yield { record: fromRest(raw), at: {} };
  }
}

async function* querySteps(
  session: SalesforceSession,
  query: string,
  skip: number | undefined,
): AsyncGenerator<ReadStep> {
  let read = 0;
  for await (const page of queryPages(session, query)) {
    for (const raw of page) {
      read += 1;
      if (read <= (skip ?? 0)) continue;
      yield { record: fromRest(raw), at: { skip: read } };
    }
  }
}

async function* bulkSteps(
  session: SalesforceSession,
  plan: StreamPlan,
  soql: string,
  from: SourceCursor['bulk'],
  settings: ReadSettings,
  ctx: SourceContext,
): AsyncGenerator<ReadStep> {
  const job = from?.job || (await runQueryJob(session, soql, plan.name, ctx, settings.bulkQuery?.polling));
  let locator = from?.locator ?? '';
  let skip = from?.skip ?? 0;
  for (;;) {
    const set = await readResultSet(session, job, locator, plan.name, ctx, settings.bulkQuery?.resultSetRecords);
    for (let index = skip; index < set.rows.length; index++) {
      const record = csvRecord(plan, set.rows[index]!);
      yield { record, at: { bulk: { job, locator, skip: index + 1 } } };
    }
    if (set.next === null) return;
    locator = set.next;
    skip = 0;
  }
}

/** A Bulk API CSV row as the REST API would have given the record. */
function csvRecord(plan: StreamPlan, row: Record<string, string | null>): Rec {
  const values: Record<string, unknown> = {};
  for (const [column, text] of Object.entries(row))
    values[column] = cellValue(text, plan.types.get(column.toLowerCase()));
  return fromColumns(values);
}
