import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describeIssue } from '@backflow/flow-model';
import { describe, expect, it } from 'vitest';
import { findNodeType } from '../../server/src/nodes/registry.ts';
import { validateFlow } from '../../server/src/service/flow-runner.ts';
import { query, runCli, spawnCliWithEnv, workDir } from './support.ts';

/** 10 records on 11 data lines: lines 6, 8 and 11 are malformed, ids 5 and 8 break the schema. */
const messyCsv = [
  'id,email,amount,note',
  '1,a@example.com,10.50,plain',
  '2,b@example.com,20,"quoted, with comma"',
  '3,c@example.com,30,"multi',
  'line note"',
  '4,d@example.com,40,too,many,fields',
  '5,not-an-email,50,bad email',
  '6,f@example.com',
  '7,g@example.com,70,"Zoë ""quoted"" 🚀"',
  '8,h@example.com,-5,negative amount',
  '9,i@example.com,90,"unbalanced',
  '10,j@example.com,100,after the broken quote',
].join('\n');

/**
 * The examples that reach other systems, with the environment they read: validated once their node
 * types are registered (see the test).
 */
const databaseEnv = {
  MYSQL_URL: 'mysql://root@127.0.0.1:3306/shop',
  POSTGRES_URL: 'postgres://postgres@127.0.0.1:5432/shop',
};
const hubspotEnv = { HUBSPOT_BASE_URL: 'http://127.0.0.1:4010', HUBSPOT_TOKEN: 'pat-sandbox-token' };
const slackEnv = { SLACK_API_URL: 'http://127.0.0.1:4030/api', SLACK_BOT_TOKEN: 'xoxb-sandbox-token' };
const salesforceEnv = {
  SALESFORCE_LOGIN_URL: 'http://127.0.0.1:4020',
  SALESFORCE_CLIENT_ID: 'sandbox-client-id',
  SALESFORCE_CLIENT_SECRET: 'sandbox-client-secret',
};
const webhookEnv = { WEBHOOK_URL: 'http://127.0.0.1:4030/hooks/refunds', WEBHOOK_SECRET: 'whsec-demo' };
const sheetsEnv = {
  SHEETS_BASE_URL: 'http://127.0.0.1:4030',
  SHEETS_ACCESS_TOKEN: 'ya29.sandbox-token',
  SHEETS_SPREADSHEET_ID: 'demo',
};
const externalExamples: [string, Record<string, string>][] = [
  ['mysql-to-postgres', databaseEnv],
  ['postgres-to-duckdb', databaseEnv],
  ['duckdb-to-postgres', databaseEnv],
  ['warehouse-to-hubspot', hubspotEnv],
  ['salesforce-to-warehouse', salesforceEnv],
  ['finance-to-salesforce', salesforceEnv],
  ['hubspot-to-salesforce', { ...hubspotEnv, ...salesforceEnv }],
  ['salesforce-to-hubspot', { ...hubspotEnv, ...salesforceEnv }],
  ['tickets-to-slack', slackEnv],
  ['warehouse-to-webhook', webhookEnv],
  ['warehouse-to-sheets', sheetsEnv],
  ['metrics-to-salesforce', salesforceEnv],
];

async function unregisteredTypes(file: string): Promise<string[]> {
  const flow = JSON.parse(await readFile(file, 'utf8')) as { nodes: { type: string }[] };
  return [...new Set(flow.nodes.map((node) => node.type))].filter((type) => findNodeType(type) === undefined);
}

function importFlow(settings: Record<string, unknown> = {}) {
  return {
    name: 'import-payments',
    settings,
    nodes: [
      { id: 'file', type: 'files.source', config: { path: 'payments.csv' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      {
        id: 'check',
        type: 'schema.validate',
        config: {
          schema: {
            type: 'object',
            required: ['id', 'email', 'amount'],
            properties: {
              email: { type: 'string', format: 'email' },
              amount: { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' },
            },
          },
        },
      },
      { id: 'table', type: 'duckdb.destination', config: { path: 'db.duckdb', table: 'payments' } },
      { id: 'rejects', type: 'json.format', config: {} },
      { id: 'rejects-file', type: 'files.destination', config: { dir: 'rejected' } },
    ],
    edges: [
      { from: 'file', to: 'parse' },
      { from: 'parse:records', to: 'check' },
      { from: 'check:valid', to: 'table' },
      { from: 'parse:rejected', to: 'rejects' },
      { from: 'check:rejected', to: 'rejects' },
      { from: 'rejects', to: 'rejects-file' },
    ],
  };
}

async function setUp(flow: unknown) {
  const cwd = await workDir('cli');
  await writeFile(path.join(cwd, 'payments.csv'), messyCsv);
  await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow));
  return cwd;
}

describe('backflow run on malformed CSV', () => {
  it('lands the valid rows, rejects the rest with file, line and reason, and reconciles', async () => {
    const cwd = await setUp(importFlow());
    const result = await runCli(['run', 'flow.json', '--json'], cwd);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('succeeded');
    expect(summary.nodes.parse).toEqual({ read: 10, written: 7, rejected: 3, filtered: 0 });
    expect(summary.nodes.check).toEqual({ read: 7, written: 5, rejected: 2, filtered: 0 });
    expect(summary.nodes.table).toEqual({ read: 5, written: 5, rejected: 0, filtered: 0 });
    expect(summary.nodes['rejects-file']).toMatchObject({ read: 5, written: 5, files: 1 });

    const rows = await query('select id, note from payments order by id::integer', path.join(cwd, 'db.duckdb'));
    expect(rows).toEqual([
      { id: '1', note: 'plain' },
      { id: '2', note: 'quoted, with comma' },
      { id: '3', note: 'multi\nline note' },
      { id: '7', note: 'Zoë "quoted" 🚀' },
      { id: '10', note: 'after the broken quote' },
    ]);

    const stored = (await runCli(['rejected', summary.runId], cwd)).stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(stored.map((r: { nodeId: string; line: number }) => [r.nodeId, r.line])).toEqual([
      ['parse', 6],
      ['parse', 8],
      ['parse', 11],
      ['check', 7],
      ['check', 10],
    ]);
    for (const rejection of stored) {
      expect(rejection.file).toBe('payments.csv');
      expect(rejection.reasons[0]).toMatch(/^payments\.csv/);
    }
    // Lines that did not parse keep their text; records that parsed keep the record.
    expect(stored.map((r: { record: unknown; raw?: string }) => r.raw ?? null)).toEqual([
      '4,d@example.com,40,too,many,fields',
      '6,f@example.com',
      '9,i@example.com,90,"unbalanced',
      null,
      null,
    ]);
    expect(stored[3].record).toMatchObject({ id: '5', email: 'not-an-email' });
    expect(stored[3].reasons).toEqual(['payments.csv:7: /email must match format "email"']);

    const rejectedFile = await readFile(path.join(cwd, 'rejected/payments/part-00001.ndjson'), 'utf8');
    expect(rejectedFile.trim().split('\n')).toHaveLength(5);
  });

  it('fails with exit status 1 once settings.maxRejected is exceeded', async () => {
    const cwd = await setUp(importFlow({ maxRejected: 2 }));
    const result = await runCli(['run', 'flow.json', '--json'], cwd);
    expect(result.code).toBe(1);
    const summary = JSON.parse(result.stdout);
    expect(summary.status).toBe('failed');
    expect(summary.error.code).toBe('too_many_rejected');
    expect(existsSync(path.join(cwd, 'rejected', '_manifest.json'))).toBe(false);
  });

  it('refuses --resume with a changed flow (exit 2, naming the node) and resumes the unchanged one', async () => {
    const cwd = await setUp(importFlow({ maxRejected: 2 }));
    const failed = await runCli(['run', 'flow.json', '--json'], cwd);
    expect(failed.code).toBe(1);
    const { runId } = JSON.parse(failed.stdout) as { runId: string };

    const changed = importFlow({ maxRejected: 10 });
    changed.nodes[3]!.config = { path: 'db.duckdb', table: 'payments_v2' };
    await writeFile(path.join(cwd, 'changed.json'), JSON.stringify(changed));
    const refused = await runCli(['run', 'changed.json', '--resume', '--json'], cwd);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(
      `cannot resume run ${runId}: the flow changed since it started (node "table" changed (type or config))`,
    );

    // Settings are not part of what a run wrote: a higher maxRejected resumes the same run.
    await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(importFlow({ maxRejected: 10 })));
    const resumed = await runCli(['run', 'flow.json', '--resume', '--json'], cwd);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ runId, status: 'succeeded', resumed: true });
    expect(await query('select count(*)::integer as n from payments', path.join(cwd, 'db.duckdb'))).toEqual([{ n: 5 }]);
  });

  it('writes nothing on --dry-run and reports what each destination would write under that name', async () => {
    const cwd = await setUp(importFlow());
    const result = await runCli(['run', 'flow.json', '--dry-run', '--json'], cwd);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary.nodes.table).toEqual({ read: 5, written: 0, wouldWrite: 5, rejected: 0, filtered: 0 });
    expect(summary.nodes['rejects-file']).toEqual({
      read: 5,
      written: 0,
      wouldWrite: 5,
      rejected: 0,
      filtered: 0,
      files: 0,
    });
    // Transforms did their work: they wrote what they passed on.
    expect(summary.nodes.check).toEqual({ read: 7, written: 5, rejected: 2, filtered: 0 });
    expect(summary.outputs).toEqual({ table: 'db.duckdb, table payments', 'rejects-file': 'rejected' });
    expect(existsSync(path.join(cwd, 'db.duckdb'))).toBe(false);
    expect(existsSync(path.join(cwd, 'rejected'))).toBe(false);

    const table = await runCli(['run', 'flow.json', '--dry-run'], cwd);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^run \S+ succeeded \(dry run: nothing was written\) in \d+ ms\n/);
    expect(table.stdout).toMatch(/│ node +│ read │ written │ would write │ rejected │ filtered │ files │/);
    expect(table.stdout).toMatch(/│ 'table' +│ 5 +│ 0 +│ 5 +│ 0 +│ 0 +│ '' +│/);
    expect(table.stdout).toContain('table would write to db.duckdb, table payments\n');
    expect(table.stdout).not.toContain('output of');
  });
});

describe('backflow validate', () => {
  it('prints each issue by node name with its JSON path, and exits 2', async () => {
    const flow = importFlow();
    flow.nodes[3] = { id: 'table', type: 'duckdb.destination', config: { table: 'payments' } as never };
    flow.edges.push({ from: 'rejects', to: 'table' });
    const cwd = await setUp(flow);
    const result = await runCli(['validate', 'flow.json'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('flow.json: table: path is required (at nodes[3].config.path)\n');
    expect(result.stderr).toContain(
      'flow.json: edges[6]: files output "rejects:files" cannot connect to records input "table:records" (put csv.parse or json.parse between them)\n',
    );
    const run = await runCli(['run', 'flow.json'], cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('  table: path is required\n');
  });

  it('accepts every shipped example', async () => {
    for (const example of ['warehouse-backup', 'warehouse-to-parquet', 'csv-to-duckdb']) {
      const result = await runCli(['validate', path.resolve('examples', `${example}.json`)], process.cwd());
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
  });

  it('accepts the examples that reach other systems with their variables set, and names one when unset', async () => {
    // Each example is checked by the validator the CLI runs (with the environment it would read); the
    // CLI itself validates one of them both ways, which is what the others would add: a start each.
    const unsetNames = (env: Record<string, string>) =>
      new RegExp(`refers to environment variable (${Object.keys(env).join('|')}), which is not set`);
    for (const [example, env] of externalExamples) {
      const file = path.resolve('examples', `${example}.json`);
      const missing = await unregisteredTypes(file);
      if (missing.length > 0) {
        // The examples came before their connectors: each is checked from the day its types are registered.
        console.warn(`\n*** NOT VALIDATED examples/${example}.json: ${missing.join(', ')} not registered yet\n`);
        continue;
      }
      const document: unknown = JSON.parse(await readFile(file, 'utf8'));
      expect(validateFlow(document, { env: { ...process.env, ...env } }).issues, example).toEqual([]);
      const unsetEnv = { ...process.env };
      for (const name of Object.keys(env)) delete unsetEnv[name];
      const { issues } = validateFlow(document, { env: unsetEnv });
      expect(issues.length, example).toBeGreaterThan(0);
      for (const issue of issues) expect(describeIssue(issue), example).toMatch(unsetNames(env));
    }
    const [example, env] = externalExamples.find(([name]) => name === 'hubspot-to-salesforce')!;
    const file = path.resolve('examples', `${example}.json`);
    const valid = await spawnCliWithEnv(['validate', file], process.cwd(), env).done;
    expect(valid.stderr).toBe('');
    expect(valid.code).toBe(0);
    const unset = await spawnCliWithEnv(
      ['validate', file],
      process.cwd(),
      Object.fromEntries(Object.keys(env).map((name) => [name, undefined])),
    ).done;
    expect(unset.code).toBe(2);
    expect(unset.stderr).toMatch(unsetNames(env));
  });

  it('exits 2 on a config nested 3,000 levels deep, naming the path, for validate and run', async () => {
    const cwd = await workDir('cli');
    const deep = `${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`;
    await writeFile(
      path.join(cwd, 'deep.json'),
      `{"name":"x","nodes":[{"id":"a","type":"map","config":{"defaults":${deep}}}],"edges":[]}`,
    );
    const result = await runCli(['validate', 'deep.json'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'deep.json: a: defaults.a.a.a.a…: nesting deeper than 64 levels (at nodes[0].config.defaults.a.a.a.a…)\n',
    );
    const json = await runCli(['validate', 'deep.json', '--json'], cwd);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      valid: false,
      issues: [{ path: 'nodes[0].config.defaults.a.a.a.a…', message: 'nesting deeper than 64 levels', nodeId: 'a' }],
    });
    const run = await runCli(['run', 'deep.json'], cwd);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('a: defaults.a.a.a.a…: nesting deeper than 64 levels');
  });

  it('exits 2 on a file that is not JSON', async () => {
    const cwd = await workDir('cli');
    await writeFile(path.join(cwd, 'broken.json'), '{ "name": ');
    const result = await runCli(['validate', 'broken.json'], cwd);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('broken.json is not valid JSON');
  });
});

describe('backflow node-types and runs', () => {
  it('lists every node type with its config schema and typed ports', async () => {
    const result = await runCli(['node-types', '--json'], process.cwd());
    const types = JSON.parse(result.stdout) as { type: string; config: object; outputs: { kind: string }[] }[];
    expect(types.map((t) => t.type).sort()).toEqual(
      [
        'csv.format',
        'csv.parse',
        'duckdb.destination',
        'duckdb.source',
        'files.destination',
        'files.source',
        'filter',
        'gcs.destination',
        'gcs.source',
        'hubspot.destination',
        'hubspot.source',
        'json.format',
        'json.parse',
        'map',
        'mysql.destination',
        'mysql.source',
        'parquet.format',
        'postgres.destination',
        'postgres.source',
        'salesforce.destination',
        'salesforce.source',
        'schema.validate',
        'sheets.destination',
        'slack.destination',
        'webhook.destination',
      ].sort(),
    );
    expect(types.find((t) => t.type === 'csv.format')!.outputs[0]!.kind).toBe('files');
  });

  it('lists runs with status and counts', async () => {
    const cwd = await setUp(importFlow());
    const run = JSON.parse((await runCli(['run', 'flow.json', '--json'], cwd)).stdout);
    const runs = JSON.parse((await runCli(['runs', '--json'], cwd)).stdout);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ runId: run.runId, flow: 'import-payments', status: 'succeeded', attempts: 1 });
    expect(runs[0].nodes.table.written).toBe(5);
  });
});

describe('backflow connections', () => {
  it('stores a connection a flow then names, keeps secrets out of every listing, tests and removes it', async () => {
    const cwd = await workDir('connections');
    await query(
      'create table t as select range as id, range * 2 as doubled from range(1000)',
      path.join(cwd, 'w.duckdb'),
    );
    expect((await runCli(['connections', 'add', 'wh', '--type', 'duckdb', '--set', 'path=w.duckdb'], cwd)).code).toBe(
      0,
    );
    const secret = `s3cr3t-${Date.now()}`;
    const added = await spawnCliWithEnv(
      [
        'connections',
        'add',
        'lake',
        '--type',
        'gcs',
        '--set',
        'projectId=demo',
        '--secret-env',
        'credentials=LAKE_KEY',
      ],
      cwd,
      { LAKE_KEY: secret },
    ).done;
    expect(added).toMatchObject({ code: 0, stdout: 'stored gcs connection lake (secrets: credentials)\n' });
    const listed = await runCli(['connections', 'list', '--json'], cwd);
    expect(listed.stdout).not.toContain(secret);
    expect(
      JSON.parse(listed.stdout).map((c: { name: string; secretsSet: string[] }) => [c.name, c.secretsSet]),
    ).toEqual([
      ['lake', ['credentials']],
      ['wh', []],
    ]);
    // A second add of a taken name is refused unless it says --replace.
    expect((await runCli(['connections', 'add', 'wh', '--type', 'duckdb', '--set', 'path=x.duckdb'], cwd)).code).toBe(
      2,
    );

    await writeFile(
      path.join(cwd, 'flow.json'),
      JSON.stringify({
        name: 'via-connection',
        nodes: [
          { id: 'src', type: 'duckdb.source', connection: 'wh', config: { table: 't', key: 'id' } },
          { id: 'dst', type: 'duckdb.destination', config: { path: 'out.duckdb', table: 't', mode: 'replace' } },
        ],
        edges: [{ from: 'src', to: 'dst' }],
      }),
    );
    const run = await runCli(['run', 'flow.json', '--json'], cwd);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).nodes.dst).toMatchObject({ read: 1000, written: 1000 });
    expect(await query('select sum(doubled)::bigint as s from t', path.join(cwd, 'out.duckdb'))).toEqual([
      { s: '999000' },
    ]);

    expect((await runCli(['connections', 'test', 'wh'], cwd)).stdout).toMatch(/^connection wh works/);
    expect((await runCli(['connections', 'remove', 'wh'], cwd)).code).toBe(0);
    const after = await runCli(['validate', 'flow.json'], cwd);
    expect(after.code).toBe(2);
    expect(after.stderr).toContain(
      'flow.json: src: connection: no stored connection is named "wh" (at nodes[0].connection)\n',
    );
  }, 120_000);
});
