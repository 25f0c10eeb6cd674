/**
 * The read-back behind a stream's reconciliation report: the pairs this run recorded in the ID map,
 * a page at a time, and for each page `SELECT Id, <relation fields> FROM <Object> WHERE Id IN (...)`
 * — how many of the Ids exist, and per relation how many records have it set. Only a page of Ids is
 * held at once.
 */
import type { IdMap } from '../../node-kit/contract.ts';
import { inListValues, queryIn } from './rest-query.ts';
import type { SalesforceSession } from './session.ts';

/** A relation checked: its name in the report, the field holding it, and whether a value read counts as set. */
export interface RelationCheck {
  name: string;
  field: string;
  isSet(value: unknown): boolean;
}

export interface ReadBack {
  loaded: number;
  relations: Record<string, number>;
}

export async function readBack(
  session: SalesforceSession,
  idMap: IdMap,
  mapped: { namespace: string; object: string },
  checks: readonly RelationCheck[],
): Promise<ReadBack> {
  const fields = ['Id', ...new Set(checks.map((check) => check.field))];
  const counted: ReadBack = { loaded: 0, relations: {} };
  for (const check of checks) counted.relations[check.name] = 0;
  let after: string | undefined;
  for (;;) {
    const pairs = await idMap.recorded(mapped.namespace, {
      ...(after === undefined ? {} : { after }),
      limit: inListValues,
    });
    if (pairs.length === 0) return counted;
    const ids = [...new Set(pairs.map(([, id]) => id))];
    for await (const records of queryIn(session, { fields, object: mapped.object, field: 'Id', values: ids })) {
      counted.loaded += records.length;
      for (const record of records) {
        for (const check of checks) if (check.isSet(record[check.field])) counted.relations[check.name]! += 1;
      }
    }
    after = pairs[pairs.length - 1]![0];
  }
}
