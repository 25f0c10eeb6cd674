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

/** Values in one `IN (...)` list, at most: a page of the ID map's pairs. */
export const inListValues = 200;
/** Characters of literals in one `IN (...)` list, URL-encoded, at most: the query travels in a URL (about 16,000 characters a request). */
const inListCharacters = 8_000;

/**
 * The records of `SELECT <fields> FROM <object> WHERE <field> IN (values) [AND <also>]`, asked as
 * many values a query as fit `inListValues` and `inListCharacters` (the caller passes names checked
 * by `isSoqlName`).
 */
export async function* queryIn(
  session: SalesforceSession,
  query: { fields: readonly string[]; object: string; field: string; values: readonly unknown[]; also?: string },
): AsyncGenerator<Rec[]> {
  const also = query.also ? ` AND ${query.also}` : '';
  for (const list of inLists(query.values.map(soqlLiteral))) {
    yield* queryPages(
      session,
      `SELECT ${query.fields.join(', ')} FROM ${query.object} WHERE ${query.field} IN (${list.join(', ')})${also}`,
    );
  }
}

/** Literals cut into lists that each fit one query. */
function inLists(literals: readonly string[]): string[][] {
  const lists: string[][] = [];
  let list: string[] = [];
  let characters = 0;
  for (const literal of literals) {
    const length = encodeURIComponent(`${literal}, `).length;
    if (list.length > 0 && (list.length === inListValues || characters + length > inListCharacters)) {
      lists.push(list);
      list = [];
      characters = 0;
    }
    list.push(literal);
    characters += length;
  }
  if (list.length > 0) lists.push(list);
  return lists;
}
