import { invalid } from './errors.ts';
import type { ObjectRecord } from './store.ts';

export interface ListQuery {
  prefix: string;
  delimiter?: string;
  startOffset?: string;
  endOffset?: string;
  includeTrailingDelimiter: boolean;
  maxResults: number;
  pageToken?: string;
}

export interface ListPage {
  items: ObjectRecord[];
  prefixes: string[];
  nextPageToken?: string;
}

/** Where the previous page stopped: its last object name or prefix. */
interface PageCursor {
  after: string;
  afterPrefix: boolean;
}

function utf8Compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function decodeToken(token: string): PageCursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as PageCursor;
    if (typeof cursor.after === 'string' && typeof cursor.afterPrefix === 'boolean') return cursor;
  } catch {}
  throw invalid('Invalid pageToken.');
}

function encodeToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

type Entry = { kind: 'item'; object: ObjectRecord; key: string } | { kind: 'prefix'; key: string };

function* entries(objects: ObjectRecord[], query: ListQuery, cursor: PageCursor | undefined): Generator<Entry> {
  let lastPrefix = cursor?.afterPrefix ? cursor.after : undefined;
  for (const object of objects) {
    const { name } = object;
    if (!name.startsWith(query.prefix)) continue;
    if (query.startOffset !== undefined && utf8Compare(name, query.startOffset) < 0) continue;
    if (query.endOffset !== undefined && utf8Compare(name, query.endOffset) >= 0) continue;
    if (cursor && utf8Compare(name, cursor.after) <= 0) continue;
    if (lastPrefix !== undefined && name.startsWith(lastPrefix)) continue;
    if (query.delimiter) {
      const rest = name.slice(query.prefix.length);
      const at = rest.indexOf(query.delimiter);
      if (at >= 0) {
        const prefix = query.prefix + rest.slice(0, at + query.delimiter.length);
        lastPrefix = prefix;
        yield { kind: 'prefix', key: prefix };
        // With includeTrailingDelimiter, an object named exactly like the prefix is listed too.
        if (query.includeTrailingDelimiter && name === prefix) yield { kind: 'item', object, key: name };
        continue;
      }
    }
    yield { kind: 'item', object, key: name };
  }
}

/**
 * One page of objects.list: names under `prefix` in UTF-8 byte order; with a `delimiter`, names
 * with more of it after the prefix fold into `prefixes`. Items and prefixes both count towards
 * `maxResults`, as on GCS.
 */
export function listObjectsPage(objects: ObjectRecord[], query: ListQuery): ListPage {
  const cursor = query.pageToken ? decodeToken(query.pageToken) : undefined;
  const page: ListPage = { items: [], prefixes: [] };
  let count = 0;
  let last: Entry | undefined;
  for (const entry of entries(objects, query, cursor)) {
    if (count === query.maxResults) {
      page.nextPageToken = encodeToken({ after: last!.key, afterPrefix: last!.kind === 'prefix' });
      break;
    }
    if (entry.kind === 'item') page.items.push(entry.object);
    else page.prefixes.push(entry.key);
    count++;
    last = entry;
  }
  return page;
}
