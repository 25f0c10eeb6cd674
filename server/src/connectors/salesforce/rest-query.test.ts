import { describe, expect, it } from 'vitest';
import type { HttpRequest } from '../../node-kit/http/index.ts';
import { queryIn } from './rest-query.ts';
import type { SalesforceSession } from './session.ts';

/** A session that answers every query with no records and keeps the SOQL it was sent. */
function recordingSession(): { session: SalesforceSession; queries: string[] } {
  const queries: string[] = [];
  const session: SalesforceSession = {
    apiVersion: '59.0',
    dataPath: (path) => `/services/data/v59.0${path}`,
    async request<T>(request: HttpRequest) {
      queries.push(String((request.query as Record<string, string>).q));
      return { totalSize: 0, done: true, records: [] } as T;
    },
    requestText: () => Promise.reject(new Error('not used')),
  };
  return { session, queries };
}

async function drain(records: AsyncIterable<unknown>) {
  for await (const _ of records);
}

describe('queryIn', () => {
  it('asks at most 200 values a query, and cuts long values short of a URL too long to send', async () => {
    const { session, queries } = recordingSession();
    const ids = Array.from({ length: 450 }, (_, i) => `001${String(i).padStart(15, '0')}`);
    await drain(queryIn(session, { fields: ['Id'], object: 'Account', field: 'Id', values: ids }));
    expect(queries.map((soql) => soql.match(/'/g)!.length / 2)).toEqual([200, 200, 50]);
    expect(queries[0]).toBe(
      `SELECT Id FROM Account WHERE Id IN (${ids
        .slice(0, 200)
        .map((id) => `'${id}'`)
        .join(', ')})`,
    );

    const long = Array.from({ length: 100 }, (_, i) => `${"o'brien".repeat(35)}-${i}`);
    queries.length = 0;
    await drain(
      queryIn(session, {
        fields: ['Id', 'Key__c'],
        object: 'Account',
        field: 'Key__c',
        values: long,
        also: 'IsDeleted = false',
      }),
    );
    expect(queries.length).toBeGreaterThan(1);
    for (const soql of queries) {
      expect(encodeURIComponent(soql).length).toBeLessThan(9_000);
      expect(soql.endsWith(') AND IsDeleted = false')).toBe(true);
    }
    const asked = queries.flatMap((soql) => [...soql.matchAll(/-(\d+)'/g)].map((match) => Number(match[1])));
    expect(asked).toEqual(long.map((_, i) => i));
  });

  it('writes numbers as numbers and text quoted', async () => {
    const { session, queries } = recordingSession();
    await drain(queryIn(session, { fields: ['Id'], object: 'Thing__c', field: 'Number__c', values: [1, 2.5, 'a\\b'] }));
    expect(queries).toEqual(["SELECT Id FROM Thing__c WHERE Number__c IN (1, 2.5, 'a\\\\b')"]);
  });
});
