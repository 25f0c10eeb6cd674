/** salesforce.source and salesforce.destination through the conformance suite, against the Salesforce sandbox. */
import type { Connection } from 'jsforce';
import { afterAll, beforeAll } from 'vitest';
import { salesforceDestination } from '../../server/src/connectors/salesforce/destination.ts';
import { salesforceSource } from '../../server/src/connectors/salesforce/source.ts';
import type { Rec, RecordBatch } from '../../server/src/node-kit/contract.ts';
import { recordItem } from '../../server/src/testing/conformance/checks.ts';
import { describeConformance } from '../../server/src/testing/conformance/describe-conformance.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import {
  createEach,
  nastyName,
  oracle,
  queryAll,
  sandboxClient,
  sandboxConnection,
  sandboxUser,
} from './salesforce-support.ts';

let sandbox: SalesforceSandbox;
let jsforce: Connection;
let setUps = 0;

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0 });
  jsforce = await oracle(sandbox);
  const accounts = Array.from({ length: 23 }, (_, i) => ({
    Name: nastyName(i),
    External_Id__c: `src-${i}`,
    NumberOfEmployees: i % 4 === 0 ? null : i * 1000,
  }));
  await createEach(jsforce, 'Account', accounts);
  const ids = (await queryAll(jsforce, 'SELECT Id FROM Account ORDER BY Id')).map((r) => String(r.Id));
  const contacts = Array.from({ length: 12 }, (_, i) => ({
    LastName: nastyName(i + 7),
    AccountId: ids[i % ids.length],
  }));
  await createEach(jsforce, 'Contact', contacts);
});
afterAll(() => sandbox?.close());

const fields = ['Id', 'Name', 'External_Id__c', 'NumberOfEmployees'];
const contactFields = ['Id', 'LastName', 'AccountId'];

/** The destination config every case uses: upsert Accounts by their external ID. */
const accountUpsert = () => ({
  ...sandboxConnection(sandbox),
  object: 'Account',
  mode: 'upsert' as const,
  externalIdField: 'External_Id__c',
});

/** A destination record: what a warehouse would send, keyed by the upsert's external ID. */
const row = (prefix: string, i: number): Rec => ({
  External_Id__c: `${prefix}-${i}`,
  Name: nastyName(i),
  NumberOfEmployees: i % 3 === 0 ? null : i,
  Description: i % 2 === 0 ? `line one\nline "two", ${i}` : null,
});

describeConformance({
  name: 'salesforce',
  secrets: [sandboxClient.clientSecret, sandboxUser.password],
  source: {
    type: salesforceSource,
    async setUp() {
      const expected = [
        ...(await queryAll(jsforce, `SELECT ${fields.join(', ')} FROM Account`)),
        ...(await queryAll(jsforce, `SELECT ${contactFields.join(', ')} FROM Contact`)),
      ];
      return {
        config: {
          ...sandboxConnection(sandbox),
          objects: ['Account', 'Contact'],
          fields: { Account: fields, Contact: contactFields },
        },
        expected: expected.map(recordItem),
      };
    },
    refused: async () => ({ ...sandboxConnection(sandbox), password: 'not-the-password', objects: ['Account'] }),
  },
  destination: {
    type: salesforceDestination,
    async setUp() {
      const prefix = `dst${++setUps}`;
      return {
        config: accountUpsert(),
        payloads: [0, 1, 2, 3, 4].map((b) => ({
          kind: 'records' as const,
          stream: 'customers',
          records: Array.from({ length: 6 }, (_, i) => row(prefix, b * 6 + i)),
        })),
        async readBack() {
          const records = await queryAll(
            jsforce,
            `SELECT External_Id__c, Name, NumberOfEmployees, Description FROM Account WHERE External_Id__c LIKE '${prefix}-%'`,
          );
          return records.map(recordItem);
        },
      };
    },
    refused: async () => ({ ...accountUpsert(), clientSecret: 'not-the-client-secret' }),
    async refusable() {
      const prefix = `bad${++setUps}`;
      const records = [row(prefix, 1), { External_Id__c: `${prefix}-2`, NumberOfEmployees: 5 }, row(prefix, 3)];
      records.push({ External_Id__c: `${prefix}-4`, Name: null });
      const payload: RecordBatch = { kind: 'records', stream: 'customers', records };
      return {
        config: accountUpsert(),
        payload,
        refused: 2,
      };
    },
  },
});
