/**
 * SOQL through the REST API: `query` answers a first page of records (up to 2,000) and a
 * `nextRecordsUrl` for the next until `done`.
 */
import type { Rec } from '../../node-kit/contract.ts';
import type { SalesforceSession } from './session.ts';

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
