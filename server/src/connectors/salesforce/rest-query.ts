/**
 * SOQL through the REST API: `query` answers a first page of records (up to 2,000) and a
 * `nextRecordsUrl` for the next until `done`.
 */
import type { Rec } from '../../node-kit/contract.ts';
import type { SalesforceSession } from './session.ts';
import { soqlLiteral } from './soql.ts';

export interface QueryPage {
  totalSize: number;
  done: boolean;
  records: Rec[];
  nextRecordsUrl?: string;
}

/** The pages of `soql`'s records, as the API gives them (with `attributes`), one request each. */
export async function* queryPages(session: SalesforceSession, soql: string): AsyncGenerator<Rec[]> {
  let page = await session.request<QueryPage>({ path: session.dataPath('/query'), query: { q: soql } });
  for (;;) {
    yield page.records;
    if (page.done || !page.nextRecordsUrl) return;
    page = await session.request<QueryPage>({ path: page.nextRecordsUrl });
  }
}

/** How many records `SELECT COUNT() FROM …` counts. */
export async function countRecords(session: SalesforceSession, from: string, where?: string): Promise<number> {
  const soql = `SELECT COUNT() FROM ${from}${where ? ` WHERE ${where}` : ''}`;
  const page = await session.request<QueryPage>({ path: session.dataPath('/query'), query: { q: soql } });
  return page.totalSize;
}

/** Values in one `IN (...)` list: short enough for a query's URL whatever the values. */
export const inListValues = 200;

/**
 * The records of `SELECT <fields> FROM <object> WHERE <field> IN (values) [AND <also>]`, asked
 * `inListValues` values a query (the caller passes names checked by `isSoqlName`).
 */
export async function* queryIn(
  session: SalesforceSession,
  query: { fields: readonly string[]; object: string; field: string; values: readonly unknown[]; also?: string },
): AsyncGenerator<Rec[]> {
  for (let start = 0; start < query.values.length; start += inListValues) {
    const list = query.values
      .slice(start, start + inListValues)
      .map(soqlLiteral)
      .join(', ');
    const also = query.also ? ` AND ${query.also}` : '';
    yield* queryPages(
      session,
      `SELECT ${query.fields.join(', ')} FROM ${query.object} WHERE ${query.field} IN (${list})${also}`,
    );
  }
}
