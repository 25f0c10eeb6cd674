/**
 * Entry 12: warehouse → HubSpot contacts through `runFlow` (duckdb.source → hubspot.destination,
 * upsert by email) against the HubSpot sandbox at its default limit of 190 requests per rolling
 * 10 s, in a process of its own. With 100 contacts per batch request the limit bounds any client at
 * 1,900 contacts/s: that bound is the peer. 12a: one run of 100,000 contacts (goal ≥ 90 % of the
 * bound, no record failed). 12b: two runs at once sharing one token, 50,000 contacts each: the
 * sandbox's busiest 10-second window must hold at most 190 requests and no 429 answered (the
 * limiter is per credential and shared by every run of the process).
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { RunSummary } from '../../../server/src/service/flow-runner.ts';
import { envRef } from '../../e2e/support.ts';
import { dataDir } from '../bench-data.ts';
import { assertRows, type EntryOutcome, type Figure } from '../entry-result.ts';
import { runFlowTrial } from '../flow-run.ts';
import { notBuiltYet } from '../not-built.ts';
import { type SandboxProcess, startSandboxProcess, stopSandboxProcess } from '../sandbox-process.ts';
import { timed } from '../timing.ts';

const contacts = 100_000;
const requestsPerTenSeconds = 190;
const contactsPerRequest = 100;
const boundPerSecond = (requestsPerTenSeconds / 10) * contactsPerRequest;
const minShare = 0.9;
const token = 'pat-sandbox-token';
/** The variable the flows read the token from (a secret field never holds a literal). */
const tokenEnv = 'BACKFLOW_BENCH_HUBSPOT_TOKEN';
const targetId = 'hubspot-contacts';

interface SandboxStats {
  requests: number;
  maxInTenSeconds: number;
  rejected429: number;
}

/** A DuckDB file of `contacts` warehouse customers with distinct emails, made once. */
async function customersOnce(): Promise<string> {
  const file = path.join(dataDir, `hubspot-customers-${contacts}.duckdb`);
  await mkdir(dataDir, { recursive: true });
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE TABLE IF NOT EXISTS customers AS
      SELECT i AS customer_id, 'customer.' || i || '@example.com' AS email,
             'First' || (i % 997) AS firstname, 'Last' || (i % 991) AS lastname,
             ['US', 'DE', 'FR', 'GB', 'JP'][1 + i % 5] AS country
        FROM range(1, ${contacts} + 1) AS r(i)`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return file;
}

function syncFlow(database: string, baseUrl: string, from: number, to: number) {
  return {
    name: `bench-hubspot-${from}`,
    nodes: [
      {
        id: 'customers',
        type: 'duckdb.source',
        config: {
          path: database,
          query: `SELECT customer_id, email, firstname, lastname, country FROM customers WHERE customer_id BETWEEN ${from} AND ${to}`,
          key: 'customer_id',
        },
      },
      { id: 'fields', type: 'map', config: { drop: ['customer_id'] } },
      {
        id: targetId,
        type: 'hubspot.destination',
        config: { baseUrl, token: envRef(tokenEnv), object: 'contacts', mode: 'upsert', idProperty: 'email' },
      },
    ],
    edges: [
      { from: 'customers', to: 'fields' },
      { from: 'fields', to: targetId },
    ],
  };
}

function written(summary: RunSummary): { written: number; rejected: number } {
  const node = summary.nodes[targetId];
  return { written: node?.written ?? 0, rejected: node?.rejected ?? 0 };
}

async function stats(sandbox: SandboxProcess): Promise<SandboxStats> {
  const answer = await fetch(`${sandbox.url}/__sandbox/stats`);
  return (await answer.json()) as SandboxStats;
}

/** Contacts the sandbox holds, by the search API's total. */
async function contactCount(sandbox: SandboxProcess): Promise<number> {
  const answer = await fetch(`${sandbox.url}/crm/v3/objects/contacts/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ limit: 1, filterGroups: [] }),
  });
  return ((await answer.json()) as { total: number }).total;
}

export async function measureHubspotSync(): Promise<EntryOutcome[]> {
  const entry = `12a warehouse → HubSpot, ${contacts.toLocaleString('en')} contacts at 190 requests/10 s`;
  const missing = notBuiltYet(['hubspot.destination']);
  if (missing) return [{ entry, skipped: missing, notes: [] }];
  const database = await customersOnce();
  process.env[tokenEnv] = token;

  // 12a: one run, in a fresh sandbox.
  let sandbox = await startSandboxProcess('hubspot');
  let single: { ms: number; counts: { written: number; rejected: number }; stats: SandboxStats; held: number };
  try {
    const { ms, value } = await timed(() => runFlowTrial(syncFlow(database, sandbox.url, 1, contacts)));
    single = { ms, counts: written(value.summary), stats: await stats(sandbox), held: await contactCount(sandbox) };
  } finally {
    await stopSandboxProcess(sandbox);
  }
  assertRows(`${entry} (written)`, single.counts.written, contacts);
  assertRows(`${entry} (rejected)`, single.counts.rejected, 0);
  assertRows(`${entry} (contacts in the sandbox)`, single.held, contacts);

  // 12b: two runs at once sharing the token, in another fresh sandbox.
  sandbox = await startSandboxProcess('hubspot');
  let shared: { ms: number; counts: { written: number; rejected: number }[]; stats: SandboxStats; held: number };
  try {
    const half = contacts / 2;
    const { ms, value } = await timed(() =>
      Promise.all([
        runFlowTrial(syncFlow(database, sandbox.url, 1, half)),
        runFlowTrial(syncFlow(database, sandbox.url, half + 1, contacts)),
      ]),
    );
    shared = {
      ms,
      counts: value.map((trial) => written(trial.summary)),
      stats: await stats(sandbox),
      held: await contactCount(sandbox),
    };
  } finally {
    await stopSandboxProcess(sandbox);
  }
  assertRows('12b (contacts in the sandbox)', shared.held, contacts);

  const rate = (contacts / single.ms) * 1000;
  const ours: Figure = {
    label: 'runFlow duckdb.source → map → hubspot.destination',
    value: rate,
    unit: 'rows/s',
    samples: [rate],
  };
  const bound: Figure = {
    label: 'the limit: 190 requests/10 s × 100 contacts',
    value: boundPerSecond,
    unit: 'rows/s',
    samples: [boundPerSecond],
  };
  const sharedRate = (contacts / shared.ms) * 1000;
  const withinLimit = shared.stats.maxInTenSeconds <= requestsPerTenSeconds && shared.stats.rejected429 === 0;
  return [
    {
      entry,
      ours,
      peer: bound,
      ratio: rate / boundPerSecond,
      goal: { text: `ours ≥ ${minShare}× bound, none failed`, pass: rate / boundPerSecond >= minShare },
      notes: [
        `one run, ${(single.ms / 1000).toFixed(1)} s; the sandbox answered ${single.stats.requests} requests, at most ${single.stats.maxInTenSeconds} in a 10 s window, ${single.stats.rejected429} with 429`,
        `${Math.round(rate).toLocaleString('en')} contacts/s against the bound ${boundPerSecond.toLocaleString('en')}/s (a rolling window lets the first 190 requests go at once, so a run of a few windows can pass the bound a little)`,
        'the sandbox runs in its own process with its memory store; upsert by email',
      ],
    },
    {
      entry: '12b two runs sharing one HubSpot token',
      ours: { label: 'both runs together', value: sharedRate, unit: 'rows/s', samples: [sharedRate] },
      peer: bound,
      ratio: sharedRate / boundPerSecond,
      goal: { text: '≤ 190 requests in any 10 s, no 429', pass: withinLimit },
      notes: [
        `${Math.round(sharedRate).toLocaleString('en')} contacts/s together; busiest 10 s window ${shared.stats.maxInTenSeconds} requests, ${shared.stats.rejected429} answered 429, ${shared.stats.requests} in all`,
        `written ${shared.counts.map((count) => count.written).join(' + ')}, rejected ${shared.counts.map((count) => count.rejected).join(' + ')}`,
      ],
    },
  ];
}
