import { randomBytes } from 'node:crypto';
import { SalesforceError } from './errors.ts';
import { type Exchange, type Route, sendJson } from './http.ts';
import type { Org } from './org.ts';
import { renderRow } from './render.ts';
import { type QueryOutcome, runSoql } from './soql/engine.ts';

/** A query whose later pages are still to be fetched through `nextRecordsUrl`. */
interface OpenCursor {
  outcome: QueryOutcome;
  pageSize: number;
  version: string;
  /** `query` or `queryAll`: the resource the next page is fetched from. */
  resource: string;
}

const defaultPageSize = 2000;
/** Open locators kept; the oldest is dropped past this, as Salesforce expires unused cursors. */
const maxOpenCursors = 1000;

/** `Sforce-Query-Options: batchSize=N` (200..2000) sets the page size, as in Salesforce. */
function pageSizeOf(exchange: Exchange): number {
  const header = exchange.req.headers['sforce-query-options'];
  const match = typeof header === 'string' ? /batchSize=(\d+)/i.exec(header) : null;
  if (!match) return defaultPageSize;
  return Math.min(defaultPageSize, Math.max(200, Number(match[1])));
}

/**
 * Query and QueryAll with their query locators: the first page answers `totalSize`, `done` and up to
 * 2,000 records; when more remain, `nextRecordsUrl` (`/services/data/vXX.X/query/<locator>-<offset>`)
 * fetches the next page. Results are a snapshot taken when the query ran.
 */
export function queryRoutes(org: Org): Route[] {
  const cursors = new Map<string, OpenCursor>();

  function page(cursor: OpenCursor, locator: string, offset: number) {
    const { outcome, pageSize, version } = cursor;
    const { query } = outcome;
    if (query.countOnly) return { totalSize: outcome.records.length, done: true, records: [] };
    if (query.aggregate) {
      const { alias, path } = query.aggregate;
      const count = path
        ? outcome.records.filter((r) => org.reader.valueAt(r, path) !== null).length
        : outcome.records.length;
      return { totalSize: 1, done: true, records: [{ attributes: { type: 'AggregateResult' }, [alias]: count }] };
    }
    const slice = outcome.records.slice(offset, offset + pageSize);
    const end = offset + slice.length;
    const done = end >= outcome.records.length;
    if (done) cursors.delete(locator);
    return {
      totalSize: outcome.records.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${version}/${cursor.resource}/${locator}-${end}` }),
      records: slice.map((record) => renderRow(org.reader, query.type, record, query.columns, version)),
    };
  }

  function start(resource: 'query' | 'queryAll') {
    return async (exchange: Exchange) => {
      const soql = exchange.url.searchParams.get('q');
      if (!soql) throw new SalesforceError(400, 'MALFORMED_QUERY', 'A query string has to be specified');
      const outcome = runSoql(soql, org.reader, { includeDeleted: resource === 'queryAll', now: org.now() });
      const locator = `01g${randomBytes(8).toString('hex').slice(0, 15)}`;
      const cursor = { outcome, pageSize: pageSizeOf(exchange), version: exchange.version, resource };
      cursors.set(locator, cursor);
      if (cursors.size > maxOpenCursors) cursors.delete(cursors.keys().next().value as string);
      sendJson(exchange.res, 200, page(cursor, locator, 0));
    };
  }

  async function more(exchange: Exchange) {
    const match = /^(01g[0-9a-f]+)-(\d+)$/.exec(exchange.params[0] as string);
    const cursor = match ? cursors.get(match[1] as string) : undefined;
    if (!match || !cursor) throw new SalesforceError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    sendJson(exchange.res, 200, page(cursor, match[1] as string, Number(match[2])));
  }

  return [
    { method: 'GET', path: /^\/query\/?$/, handle: start('query') },
    { method: 'GET', path: /^\/queryAll\/?$/, handle: start('queryAll') },
    { method: 'GET', path: /^\/query\/([^/]+)\/?$/, handle: more },
    { method: 'GET', path: /^\/queryAll\/([^/]+)\/?$/, handle: more },
  ];
}
