import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../node-kit/http/test-server.ts';
import { testContext } from '../../testing/node-context.ts';
import { ingestRecords } from './bulk-ingest.ts';
import { openSession } from './session.ts';

let server: TestServer | undefined;
afterEach(() => server?.close());

describe('Bulk API ingest', () => {
  it('sends null as #N/A and relationships as Object.Field columns; a CSV refused whole aborts the job, every record unprocessed', async () => {
    server = await startTestServer((request) => {
      if (request.path === '/services/oauth2/token') {
        return { status: 200, body: { access_token: 'token', instance_url: server!.url } };
      }
      if (request.method === 'POST') return { status: 200, body: { id: '750000000000001AAA', state: 'Open' } };
      if (request.method === 'PUT') {
        return { status: 400, body: [{ errorCode: 'InvalidBatch', message: 'Field name not found : Bogus__c' }] };
      }
      return { status: 200, body: { id: '750000000000001AAA', state: 'Aborted' } };
    });
    const ctx = testContext('/tmp');
    const session = await openSession({ loginUrl: server.url, clientId: 'id', clientSecret: 'secret' }, ctx);
    const records = [
      { External_Id__c: 'a-1', Name: 'Quote "and", comma', Description: null, Account: { External_Id__c: 'p-1' } },
      { External_Id__c: 'a-2', Bogus__c: 'x' },
    ];
    const outcome = await ingestRecords(
      session,
      { object: 'Contact', mode: 'upsert', externalIdField: 'External_Id__c' },
      records,
      'contacts',
      ctx,
    );
    expect(outcome).toEqual({ saved: [], refusals: [], unprocessed: [0, 1] });
    const [, create, upload, abort] = server.requests;
    expect(JSON.parse(create!.body)).toMatchObject({
      object: 'Contact',
      operation: 'upsert',
      externalIdFieldName: 'External_Id__c',
    });
    expect(upload!.headers['content-type']).toBe('text/csv');
    expect(upload!.body).toBe(
      '"External_Id__c","Name","Description","Account.External_Id__c","Bogus__c"\n' +
        '"a-1","Quote ""and"", comma","#N/A","p-1",""\n' +
        '"a-2","","","","x"\n',
    );
    expect({ method: abort!.method, body: JSON.parse(abort!.body) }).toEqual({
      method: 'PATCH',
      body: { state: 'Aborted' },
    });
    expect(ctx.warnings).toContain('a Bulk API ingest job refused its CSV');
  });
});
