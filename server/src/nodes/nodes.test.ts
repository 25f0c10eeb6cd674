import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Flow } from '@backflow/flow-model';
import { describe, expect, it } from 'vitest';
import { sql } from '../connectors/duckdb/test-context.ts';
import type { Manifest } from '../node-kit/manifest.ts';
import { validateFlow } from '../service/flow-runner.ts';
import { temporaryDirectory } from '../testing/node-context.ts';
import { runValidFlow } from '../testing/run-graph.ts';

/** Runs a chain of real node types (each edge from the previous node's default port) in `dir`. */
async function runChain(dir: string, nodes: Flow['nodes'], extraEdges: Flow['edges'] = []) {
  const flow: Flow = {
    name: 'chain',
    nodes,
    edges: [...nodes.slice(1).map((node, i) => ({ from: nodes[i]!.id, to: node.id })), ...extraEdges],
  };
  return runValidFlow(validateFlow, flow, { baseDir: dir, tempRoot: path.join(dir, '.tmp') });
}

async function manifestOf(dir: string): Promise<Manifest> {
  return JSON.parse(await readFile(path.join(dir, '_manifest.json'), 'utf8'));
}

const people = [
  'id,name,country,spend',
  '1,Ada,GB,120.50',
  '2,"Grace ""Amazing"" Hopper",US,99',
  '3,Zoë,FR,',
  '4,=cmd|calc,DE,5000',
  '5,Linus,FI,12',
].join('\n');

describe('record nodes in a flow', () => {
  it('parse → filter → map → json.format writes exactly the kept, reshaped records', async () => {
    const dir = await temporaryDirectory();
    await writeFile(path.join(dir, 'people.csv'), people);
    const { result } = await runChain(dir, [
      { id: 'in', type: 'files.source', config: { path: 'people.csv' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'big', type: 'filter', config: { expression: "spend > 50 or country = 'FR'" } },
      {
        id: 'shape',
        type: 'map',
        config: {
          rename: { name: 'full_name' },
          cast: { id: 'integer', spend: 'number' },
          defaults: { spend: 0 },
          set: { label: { template: '{full_name} ({country})' } },
        },
      },
      { id: 'json', type: 'json.format', config: { style: 'ndjson', gzip: true } },
      { id: 'out', type: 'files.destination', config: { dir: 'out' } },
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.stats.nodes.big).toEqual({ read: 5, written: 4, rejected: 0, filtered: 1 });
    const manifest = await manifestOf(path.join(dir, 'out'));
    expect(manifest.files.map((f) => [f.name, f.rows])).toEqual([['people/part-00001.ndjson.gz', 4]]);
    const lines = gunzipSync(await readFile(path.join(dir, 'out', manifest.files[0]!.name)))
      .toString()
      .trim()
      .split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { id: 1, full_name: 'Ada', country: 'GB', spend: 120.5, label: 'Ada (GB)' },
      { id: 2, full_name: 'Grace "Amazing" Hopper', country: 'US', spend: 99, label: 'Grace "Amazing" Hopper (US)' },
      { id: 3, full_name: 'Zoë', country: 'FR', spend: 0, label: 'Zoë (FR)' },
      { id: 4, full_name: '=cmd|calc', country: 'DE', spend: 5000, label: '=cmd|calc (DE)' },
    ]);
  });

  it('a row with an invalid UTF-8 byte is one reject, and the run reconciles what csv.parse read', async () => {
    const dir = await temporaryDirectory();
    const bytes = Buffer.concat([Buffer.from('id,name\n1,Ann\n2,Zo'), Buffer.of(0xe9), Buffer.from('\n3,Bob\n')]);
    await writeFile(path.join(dir, 'people.csv'), bytes);
    const { result, recorder } = await runChain(dir, [
      { id: 'in', type: 'files.source', config: { path: 'people.csv' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'json', type: 'json.format', config: { style: 'ndjson' } },
      { id: 'out', type: 'files.destination', config: { dir: 'out' } },
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.stats.nodes.parse).toEqual({ read: 3, written: 2, rejected: 1, filtered: 0 });
    expect(recorder.rejected.map((r) => [r.nodeId, r.line, r.reasons])).toEqual([
      ['parse', 3, ['people.csv: line 3: invalid UTF-8 at byte offset 18']],
    ]);
    const manifest = await manifestOf(path.join(dir, 'out'));
    const written = await readFile(path.join(dir, 'out', manifest.files[0]!.name), 'utf8');
    expect(written).toBe('{"id":"1","name":"Ann"}\n{"id":"3","name":"Bob"}\n');
  });

  it('csv.format escapes formulae on request and refuses fields outside its columns instead of dropping them', async () => {
    const dir = await temporaryDirectory();
    // The columns come from the first batch (10,000 records); a field first seen later has no column.
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      JSON.stringify({ id: i + 1, name: i === 0 ? '=SUM(A1)' : 'ok' }),
    );
    lines.push('{"id":20001,"name":"late","extra":true}');
    await writeFile(path.join(dir, 'people.ndjson'), `${lines.join('\n')}\n`);
    const { result, recorder } = await runChain(dir, [
      { id: 'in', type: 'files.source', config: { path: 'people.ndjson' } },
      { id: 'parse', type: 'json.parse', config: {} },
      { id: 'csv', type: 'csv.format', config: { escapeFormulae: true } },
      { id: 'out', type: 'files.destination', config: { dir: 'out' } },
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.stats.nodes.csv).toEqual({ read: 20_001, written: 20_000, rejected: 1, filtered: 0, files: 1 });
    expect(recorder.rejected.map((r) => [r.nodeId, r.reasons[0], r.line])).toEqual([
      ['csv', 'field "extra" is not among the CSV columns (id, name)', 20_001],
    ]);
    const csv = (await readFile(path.join(dir, 'out/people/part-00001.csv'), 'utf8')).split('\n');
    expect(csv.slice(0, 3)).toEqual(['id,name', `1,"'=SUM(A1)"`, '2,ok']);
    expect(csv).toHaveLength(20_002);
  });

  it('schema.validate sends invalid records to rejected with every reason and the file line', async () => {
    const dir = await temporaryDirectory();
    await writeFile(path.join(dir, 'people.csv'), people);
    const { result, recorder } = await runChain(dir, [
      { id: 'in', type: 'files.source', config: { path: 'people.csv' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      {
        id: 'check',
        type: 'schema.validate',
        config: {
          schema: {
            type: 'object',
            required: ['spend'],
            properties: { spend: { type: 'string' }, country: { enum: ['GB', 'US', 'FR', 'DE'] } },
          },
        },
      },
      { id: 'db', type: 'duckdb.destination', config: { path: 'db.duckdb', table: 'people' } },
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.stats.nodes.check).toEqual({ read: 5, written: 3, rejected: 2, filtered: 0 });
    expect(recorder.rejected.map((r) => [r.line, r.reasons])).toEqual([
      [4, ['people.csv:4: /spend must be string']],
      [6, ['people.csv:6: /country must be equal to one of the allowed values']],
    ]);
    expect(await sql(path.join(dir, 'db.duckdb'), 'select id from people order by id')).toEqual([['1'], ['2'], ['4']]);
  });

  it('parquet.format writes parts of rowsPerFile rows with the source column types', async () => {
    const dir = await temporaryDirectory();
    await sql(
      path.join(dir, 'src.duckdb'),
      `create table t as select i::bigint as id, (i / 4)::decimal(10,2) as amount, [i, i + 1] as pair,
              timestamptz '2024-01-01 00:00:00+00' + to_days(i::integer) as happened from range(1, 2501) r(i)`,
    );
    const { result } = await runChain(dir, [
      // Run without the catalog's fusions, so the rows go through parquet.format itself.
      { id: 'src', type: 'duckdb.source', config: { path: 'src.duckdb', table: 't', key: 'id', batchSize: 300 } },
      { id: 'pq', type: 'parquet.format', config: { rowsPerFile: 1000 } },
      { id: 'out', type: 'files.destination', config: { dir: 'out' } },
    ]);
    expect(result.status).toBe('succeeded');
    const manifest = await manifestOf(path.join(dir, 'out'));
    expect(manifest.files.map((f) => f.rows)).toEqual([1000, 1000, 500]);
    const parts = manifest.files.map((f) => `'${path.join(dir, 'out', f.name)}'`).join(', ');
    const [types] = await sql(
      ':memory:',
      `select typeof(id), typeof(amount), typeof(pair), typeof(happened) from read_parquet([${parts}]) limit 1`,
    );
    expect(types).toEqual(['BIGINT', 'DECIMAL(10,2)', 'BIGINT[]', 'TIMESTAMP WITH TIME ZONE']);
    const [sums] = await sql(
      path.join(dir, 'src.duckdb'),
      `select (select sum(hash(id, amount, pair, happened)) from read_parquet([${parts}]))::varchar,
              (select sum(hash(id, amount, pair, happened)) from t)::varchar`,
    );
    expect(sums![0]).toBe(sums![1]);
  });

  it('reports configs that do not compile (expression, JSON Schema, map) at their path before any run', () => {
    const { issues } = validateFlow({
      name: 'bad-configs',
      nodes: [
        { id: 'in', type: 'files.source', config: { path: 'x.csv' } },
        { id: 'parse', type: 'csv.parse' },
        { id: 'keep', type: 'filter', config: { expression: 'amount > (5' } },
        { id: 'check', type: 'schema.validate', config: { schema: { type: 'objekt' } } },
        { id: 'shape', type: 'map', config: { rename: { a: 'x', b: 'x' } } },
        { id: 'json', type: 'json.format' },
        { id: 'out', type: 'files.destination', config: { dir: 'o' } },
      ],
      edges: ['in', 'parse', 'keep', 'check', 'shape', 'json', 'out']
        .slice(1)
        .map((to, i, rest) => ({ from: i === 0 ? 'in' : rest[i - 1]!, to })),
    });
    expect(issues.map((issue) => [issue.nodeId, issue.path])).toEqual([
      ['keep', 'nodes[2].config.expression'],
      ['check', 'nodes[3].config.schema'],
      ['shape', 'nodes[4].config.rename.b'],
    ]);
    expect(issues[0]!.message).toBe("expected ')' at column 12");
    expect(issues[2]!.message).toBe('"x" is already the new name of "a"');
  });

  it('reports a filter nested 20,000 parentheses deep at nodes[i].config.expression', () => {
    const expression = `${'('.repeat(20_000)}x = 1${')'.repeat(20_000)}`;
    const { issues } = validateFlow({
      name: 'deep-filter',
      nodes: [
        { id: 'in', type: 'files.source', config: { path: 'x.csv' } },
        { id: 'parse', type: 'csv.parse' },
        { id: 'keep', type: 'filter', config: { expression } },
        { id: 'json', type: 'json.format' },
        { id: 'out', type: 'files.destination', config: { dir: 'o' } },
      ],
      edges: [
        { from: 'in', to: 'parse' },
        { from: 'parse', to: 'keep' },
        { from: 'keep', to: 'json' },
        { from: 'json', to: 'out' },
      ],
    });
    expect(issues).toEqual([
      {
        path: 'nodes[2].config.expression',
        message: 'expression nests deeper than 64 levels at column 65',
        nodeId: 'keep',
      },
    ]);
  });

  it('runs a filter of 20,000 or terms and keeps exactly the records it matches', async () => {
    const dir = await temporaryDirectory();
    await writeFile(path.join(dir, 'people.csv'), people);
    // spend = 0, 0.5, 1, … 9999.5: of 120.50, 99, (empty), 5000 and 12 it matches all but the empty one.
    const expression = Array.from({ length: 20_000 }, (_, i) => `spend = ${i / 2}`).join(' or ');
    const { result } = await runChain(dir, [
      { id: 'in', type: 'files.source', config: { path: 'people.csv' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'keep', type: 'filter', config: { expression } },
      { id: 'json', type: 'json.format', config: {} },
      { id: 'out', type: 'files.destination', config: { dir: 'out' } },
    ]);
    expect(result.status).toBe('succeeded');
    expect(result.stats.nodes.keep).toEqual({ read: 5, written: 4, rejected: 0, filtered: 1 });
    const lines = (await readFile(path.join(dir, 'out/people/part-00001.ndjson'), 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line).id)).toEqual(['1', '2', '4', '5']);
  });

  it('refuses integers beyond their documented maximum, naming the field, and takes the maximum itself', () => {
    // 1e308 is an integer to JSON Schema; it used to validate and then fail in DuckDB or in memory.
    const flow = (rowsPerFile: number, batchSize: number, chunkSize: number) => ({
      name: 'huge-numbers',
      nodes: [
        { id: 'src', type: 'duckdb.source', config: { path: 'x.duckdb', table: 't', batchSize } },
        { id: 'csv', type: 'csv.format', config: { rowsPerFile } },
        { id: 'json', type: 'json.format', config: { rowsPerFile } },
        { id: 'pq', type: 'parquet.format', config: { rowsPerFile } },
        { id: 'gcs', type: 'gcs.destination', config: { bucket: 'backups', prefix: 'p', chunkSize } },
        { id: 'files', type: 'files.destination', config: { dir: 'o' } },
        { id: 'more', type: 'files.destination', config: { dir: 'p' } },
      ],
      edges: [
        { from: 'src', to: 'csv' },
        { from: 'src', to: 'json' },
        { from: 'src', to: 'pq' },
        { from: 'csv', to: 'gcs' },
        { from: 'json', to: 'files' },
        { from: 'pq', to: 'more' },
      ],
    });
    expect(validateFlow(flow(1e308, 1e308, 1e308)).issues).toEqual([
      { path: 'nodes[0].config.batchSize', message: 'must be <= 1000000', nodeId: 'src' },
      { path: 'nodes[1].config.rowsPerFile', message: 'must be <= 1000000000', nodeId: 'csv' },
      { path: 'nodes[2].config.rowsPerFile', message: 'must be <= 1000000000', nodeId: 'json' },
      { path: 'nodes[3].config.rowsPerFile', message: 'must be <= 1000000000', nodeId: 'pq' },
      { path: 'nodes[4].config.chunkSize', message: 'must be <= 1073741824', nodeId: 'gcs' },
    ]);
    expect(validateFlow(flow(1_000_000_000, 1_000_000, 1_073_741_824)).issues).toEqual([]);
    const settings = (batchSize: number, checkpointIntervalMs: number) =>
      validateFlow({ ...flow(1, 1, 262_144), settings: { batchSize, checkpointIntervalMs } }).issues;
    expect(settings(1_000_001, 1e308)).toEqual([
      { path: 'settings.batchSize', message: 'must be <= 1000000' },
      { path: 'settings.checkpointIntervalMs', message: 'must be <= 86400000' },
    ]);
    expect(settings(1_000_000, 86_400_000)).toEqual([]);
  });
});
