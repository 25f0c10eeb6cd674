/**
 * The salesforce-to-warehouse example through the CLI against a Salesforce sandbox holding 200,000
 * Contacts: the Contact stream passes the source's Bulk API threshold, so it is read by a Bulk API
 * 2.0 query job (four result pages), and the warehouse table must equal what jsforce reads from the
 * sandbox (every Id once, and a digest over some of the fields the flow carries).
 */
import { createHash } from 'node:crypto';
import { cp } from 'node:fs/promises';
import path from 'node:path';
import type { Connection } from 'jsforce';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type SalesforceSandbox, startSalesforceSandbox } from '../sandboxes/salesforce/server.ts';
import { oracle, queryAll } from './salesforce-support.ts';
import { query, repoRoot, spawnCliWithEnv, workDir } from './support.ts';

const contacts = 200_000;
let sandbox: SalesforceSandbox;
let jsforce: Connection;

beforeAll(async () => {
  sandbox = await startSalesforceSandbox({ port: 0, seed: { accounts: 1000, contacts } });
  jsforce = await oracle(sandbox);
}, 120_000);
afterAll(() => sandbox?.close());

/** An order-independent digest of rows: each row's fields joined, the lines sorted, hashed. */
function digest(rows: Record<string, unknown>[], fields: string[]): string {
  const lines = rows.map((row) => fields.map((field) => String(row[field] ?? '')).join('\u0001')).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

it('loads 200,000 Contacts through a Bulk API query into the warehouse, equal to the sandbox', async () => {
  const dir = await workDir('backflow-salesforce-warehouse-');
  await cp(path.join(repoRoot, 'examples', 'salesforce-to-warehouse.json'), path.join(dir, 'flow.json'));
  const before = sandbox.stats().requests;
  const run = await spawnCliWithEnv(['run', 'flow.json', '--json'], dir, {
    SALESFORCE_LOGIN_URL: sandbox.url,
    SALESFORCE_CLIENT_ID: 'sandbox-client-id',
    SALESFORCE_CLIENT_SECRET: 'sandbox-client-secret',
  }).done;
  expect(run.stderr).not.toContain('sandbox-client-secret');
  expect(run.code, run.stderr).toBe(0);
  const summary = JSON.parse(run.stdout) as { nodes: Record<string, { read?: number; written?: number }> };
  expect(summary.nodes.contacts?.read).toBe(contacts);
  expect(summary.nodes['contacts-table']?.written).toBe(contacts);
  // REST would take 100 query pages of 2,000 for the Contacts alone; a Bulk API job takes a handful of requests.
  expect(sandbox.stats().requests - before).toBeLessThan(40);

  const fields = ['Id', 'FirstName', 'LastName', 'Email', 'AccountId'];
  // jsforce 3.9's bulk2.query pipes each result page into one stream and breaks past the first page
  // (50,000 rows), so the oracle reads by REST query and queryMore instead.
  const expected = await queryAll(jsforce, `SELECT ${fields.join(', ')} FROM Contact`);
  expect(expected).toHaveLength(contacts);
  const database = path.join(dir, 'out', 'crm.duckdb');
  const counted = await query('SELECT count(*) AS rows, count(DISTINCT "Id") AS ids FROM contacts', database);
  expect(counted.map(({ rows, ids }) => [Number(rows), Number(ids)])).toEqual([[contacts, contacts]]);
  const loaded = await query(`SELECT ${fields.map((field) => `"${field}"`).join(', ')} FROM contacts`, database);
  expect(digest(loaded, fields)).toBe(digest(expected, fields));
}, 300_000);
