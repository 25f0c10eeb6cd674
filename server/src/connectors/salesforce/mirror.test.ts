import { describe, expect, it } from 'vitest';
import { DestinationError } from '../../errors.ts';
import type { HttpRequest } from '../../node-kit/http/index.ts';
import { deleteByKey } from './mirror.ts';
import type { SalesforceSession } from './session.ts';

/** A session answering the SOQL with `found` and each delete with `results`, noting the requests. */
function fakeSession(found: { Id: string; Key__c: string }[], results: unknown[]) {
  const requests: HttpRequest[] = [];
  const session: SalesforceSession = {
    apiVersion: '59.0',
    dataPath: (path) => `/services/data/v59.0${path}`,
    async request<T>(request: HttpRequest): Promise<T> {
      requests.push(request);
      if (request.method === 'DELETE') return results as T;
      return { totalSize: found.length, done: true, records: found } as T;
    },
    requestText: () => Promise.reject(new Error('not used')),
  };
  return { session, requests };
}

const target = { object: 'Account', field: 'Key__c', stream: 'accounts', nodeId: 'crm' };

describe('a Salesforce mirror delete', () => {
  it('finds the Ids by key and deletes them, a record deleted already being no error', async () => {
    const { session, requests } = fakeSession(
      [
        { Id: '001A', Key__c: 'a' },
        { Id: '001B', Key__c: "b'quote" },
      ],
      [
        { id: '001A', success: true, errors: [] },
        { id: '001B', success: false, errors: [{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }] },
      ],
    );
    expect(await deleteByKey(session, target, ['a', "b'quote", 'gone'])).toBe(1);
    expect(requests[0]?.query?.q).toBe("SELECT Id, Key__c FROM Account WHERE Key__c IN ('a', 'b\\'quote', 'gone')");
    expect(requests[1]).toMatchObject({
      method: 'DELETE',
      path: '/services/data/v59.0/composite/sobjects',
      query: { ids: '001A,001B', allOrNone: false },
    });
  });

  it('fails naming the object, Id and key when Salesforce refuses a delete for another reason', async () => {
    const { session } = fakeSession(
      [{ Id: '001L', Key__c: 'locked' }],
      [{ id: '001L', success: false, errors: [{ statusCode: 'ENTITY_IS_LOCKED', message: 'locked by approval' }] }],
    );
    const failure = await deleteByKey(session, target, ['locked']).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DestinationError);
    expect((failure as DestinationError).message).toBe(
      'node "crm": Salesforce refused to delete Account 001L (Key__c locked) of stream "accounts": ENTITY_IS_LOCKED: locked by approval',
    );
    expect((failure as DestinationError).context).toMatchObject({ nodeId: 'crm', stream: 'accounts' });
  });

  it('sends nothing when no key is found, and deletes in requests of 200', async () => {
    const none = fakeSession([], []);
    expect(await deleteByKey(none.session, target, ['none'])).toBe(0);
    expect(none.requests.map((request) => request.method ?? 'GET')).toEqual(['GET']);
    const found = Array.from({ length: 450 }, (_, i) => ({ Id: `001${String(i).padStart(3, '0')}`, Key__c: `k${i}` }));
    const requests: HttpRequest[] = [];
    const session: SalesforceSession = {
      apiVersion: '59.0',
      dataPath: (path) => path,
      async request<T>(request: HttpRequest): Promise<T> {
        requests.push(request);
        if (request.method !== 'DELETE') return { totalSize: 0, done: true, records: found.splice(0) } as T;
        const ids = String(request.query?.ids).split(',');
        return ids.map((id) => ({ id, success: true, errors: [] })) as T;
      },
      requestText: () => Promise.reject(new Error('not used')),
    };
    expect(await deleteByKey(session, target, ['k'])).toBe(450);
    expect(
      requests
        .filter((request) => request.method === 'DELETE')
        .map((request) => String(request.query?.ids).split(',').length),
    ).toEqual([200, 200, 50]);
  });
});
