/**
 * Writing records through sObject Collections: up to 200 a request, `allOrNone: false`, so each
 * record is saved or refused on its own and the answer lists a result per record, in order. A
 * request refused whole (400: a field the object does not have, a body Salesforce cannot read) is
 * split in halves until the records it blames stand alone, each refused with Salesforce's message.
 */
import { DestinationError } from '../../errors.ts';
import type { Rec } from '../../node-kit/contract.ts';
import type { HttpApiError } from '../../node-kit/http/index.ts';
import { loadIsolatingFailures } from '../../node-kit/isolate-failures.ts';
import { isRefusedForItsRecords, reasonOf, refusalReason, type SalesforceErrorItem } from './save-errors.ts';
import type { SalesforceSession } from './session.ts';

/** The most records sObject Collections takes in one request. */
export const collectionRecords = 200;

export type SaveMode = 'insert' | 'update' | 'upsert';

/** Where and how a stream's records are saved. */
export interface SaveTarget {
  object: string;
  mode: SaveMode;
  externalIdField?: string;
}

interface SaveResult {
  id?: string | null;
  success: boolean;
  errors?: SalesforceErrorItem[];
  created?: boolean;
}

/** A record refused: its index in the list given and why. */
export interface Refusal {
  index: number;
  reason: string;
}

/** A record saved: its index in the list given, its Salesforce Id and whether it was created (else updated). */
export interface Saved {
  index: number;
  id: string;
  created: boolean;
}

/** What became of a list of records: those saved (with their Ids) and those refused. */
export interface SaveOutcome {
  saved: Saved[];
  refusals: Refusal[];
}

/** Saves `records` in requests of 200, one after another; resolves with the Ids saved and the records refused. */
export async function saveRecords(
  session: SalesforceSession,
  target: SaveTarget,
  records: readonly Rec[],
  nodeId: string,
): Promise<SaveOutcome> {
  const refusals: Refusal[] = [];
  const saved: Saved[] = [];
  for (let start = 0; start < records.length; start += collectionRecords) {
    const chunk = records
      .slice(start, start + collectionRecords)
      .map((record, offset) => ({ record, index: start + offset }));
    const failures = await loadIsolatingFailures(
      chunk,
      async (slice) => {
        const results = await saveCollection(
          session,
          target,
          slice.map((entry) => entry.record),
          nodeId,
        );
        results.forEach((result, position) => {
          const index = slice[position]!.index;
          if (!result.success) refusals.push({ index, reason: reasonOf(result.errors ?? []) });
          else if (result.id) saved.push({ index, id: result.id, created: wasCreated(target.mode, result) });
        });
      },
      isRefusedForItsRecords,
    );
    for (const failure of failures) {
      refusals.push({ index: chunk[failure.row]!.index, reason: refusalReason(failure.error as HttpApiError) });
    }
  }
  return { saved: saved.sort((a, b) => a.index - b.index), refusals: refusals.sort((a, b) => a.index - b.index) };
}

/** An insert creates, an update updates; an upsert's answer says which it did. */
function wasCreated(mode: SaveMode, result: SaveResult): boolean {
  return mode === 'insert' || (mode === 'upsert' && result.created === true);
}

/** One sObject Collections request; its results, one per record. */
async function saveCollection(
  session: SalesforceSession,
  target: SaveTarget,
  records: readonly Rec[],
  nodeId: string,
): Promise<SaveResult[]> {
  const body = {
    allOrNone: false,
    records: records.map((record) => {
      const { attributes: _ignored, ...fields } = record;
      return { attributes: { type: target.object }, ...fields };
    }),
  };
  const results =
    target.mode === 'insert'
      ? await session.request<SaveResult[]>({ method: 'POST', path: session.dataPath('/composite/sobjects'), body })
      : target.mode === 'update'
        ? await session.request<SaveResult[]>({ method: 'PATCH', path: session.dataPath('/composite/sobjects'), body })
        : await session.request<SaveResult[]>({
            method: 'PATCH',
            path: session.dataPath(`/composite/sobjects/${target.object}/${target.externalIdField}`),
            body,
          });
  if (!Array.isArray(results) || results.length !== records.length) {
    throw new DestinationError(
      `node "${nodeId}": Salesforce answered ${Array.isArray(results) ? results.length : 'no'} results for ${records.length} ${target.object} records`,
      { nodeId },
    );
  }
  return results;
}
