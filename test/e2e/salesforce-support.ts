/** What the Salesforce connector tests share: the sandbox's credentials as a node config, and jsforce on it as the oracle. */
import { Connection } from 'jsforce';
import { afterAll, beforeAll } from 'vitest';
import type { Rec } from '../../server/src/node-kit/contract.ts';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';

/** The sandbox's default client and user (its options' defaults). */
export const sandboxClient = { clientId: 'sandbox-client-id', clientSecret: 'sandbox-client-secret' };
export const sandboxUser = { username: 'admin@sandbox.example', password: 'sandbox-password' };

/** The connection fields of a node config reaching the sandbox, with the password grant. */
export function sandboxConnection(sandbox: Pick<SalesforceSandbox, 'url'>) {
  return { loginUrl: sandbox.url, ...sandboxClient, ...sandboxUser };
}

/** jsforce logged in to the sandbox: what the connector's reads and writes are checked against. */
export async function oracle(sandbox: Pick<SalesforceSandbox, 'url'>): Promise<Connection> {
  const connection = new Connection({ loginUrl: sandbox.url, version: '59.0' });
  await connection.login(sandboxUser.username, sandboxUser.password);
  return connection;
}

/** Every record `soql` finds, as the connector gives them: no `attributes`, `Id` first. */
export async function queryAll(connection: Connection, soql: string): Promise<Rec[]> {
  const result = await connection.query<Rec>(soql, { autoFetch: true, maxFetch: 1_000_000 });
  return result.records.map(withoutAttributes);
}

function withoutAttributes(record: Rec): Rec {
  const out: Rec = Object.hasOwn(record, 'Id') ? { Id: record.Id } : {};
  for (const [name, value] of Object.entries(record)) {
    if (name === 'attributes' || name === 'Id') continue;
    out[name] = value && typeof value === 'object' && !Array.isArray(value) ? withoutAttributes(value as Rec) : value;
  }
  return out;
}

/** Names with the nasty cases: quotes, commas, line breaks, unicode, a backslash. */
export function nastyName(i: number): string {
  return [`Plain ${i}`, `"Quoted", Inc. ${i}`, `Two\nlines ${i}`, `Ünïcødé ✓ ${i}`, `Back\\slash 'single' ${i}`][
    i % 5
  ]!;
}

/** Creates `records` one request each, in order (ids ascending as created). */
export async function createEach(connection: Connection, object: string, records: Rec[]): Promise<void> {
  for (const record of records) await connection.sobject(object).create(record);
}

/** A sandbox org (port 0) and jsforce logged in to it, for a whole test file: filled in before its tests, closed after. */
export function sandboxForFile(): { sandbox: SalesforceSandbox; jsforce: Connection } {
  const held = {} as { sandbox: SalesforceSandbox; jsforce: Connection };
  beforeAll(async () => {
    held.sandbox = await startSalesforceSandbox({ port: 0 });
    held.jsforce = await oracle(held.sandbox);
  });
  afterAll(() => held.sandbox?.close());
  return held;
}
