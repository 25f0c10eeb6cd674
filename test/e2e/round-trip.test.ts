import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { everyTypeTable, query, runCli, workDir } from './support.ts';

/**
 * `csv` is pushed down (DuckDB writes the CSV), `csv-rows` turns pushdown off (`settings.pushdown: false`) so records are
 * formatted in JavaScript, `json` writes NDJSON.
 */
type BackupFormat = 'csv' | 'csv-rows' | 'json';

function backupFlow(format: BackupFormat) {
  const nodes = [
    { id: 'source', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'everything', key: 'id' } },
    format === 'json'
      ? { id: 'fmt', type: 'json.format', config: { gzip: true } }
      : { id: 'fmt', type: 'csv.format', config: { gzip: true } },
    { id: 'out', type: 'files.destination', config: { dir: `backup-${format}` } },
  ];
  const chain = nodes.map((n) => n.id);
  return {
    name: `types-backup-${format}`,
    ...(format === 'csv-rows' ? { settings: { pushdown: false } } : {}),
    nodes,
    edges: chain.slice(1).map((to, i) => ({ from: chain[i]!, to })),
  };
}

function restoreFlow(format: BackupFormat) {
  return {
    name: `types-restore-${format}`,
    nodes: [
      { id: 'backup', type: 'files.source', config: { path: `backup-${format}` } },
      { id: 'parse', type: format === 'json' ? 'json.parse' : 'csv.parse', config: {} },
      { id: 'table', type: 'duckdb.destination', config: { path: 'restored.duckdb', table: tableOf(format) } },
    ],
    edges: [
      { from: 'backup', to: 'parse' },
      { from: 'parse:records', to: 'table' },
    ],
  };
}

const tableOf = (format: BackupFormat) => `everything_${format.replace('-', '_')}`;

async function runFlowFile(cwd: string, name: string, flow: unknown) {
  await writeFile(path.join(cwd, name), JSON.stringify(flow));
  const result = await runCli(['run', name, '--json'], cwd);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout);
}

const checksum = (table: string) => `select count(*)::varchar as n, bit_xor(hash(columns(*)))::varchar from ${table}`;

describe('backup → restore round trip', () => {
  it.each(['csv', 'csv-rows', 'json'] as const)(
    'through %s keeps every DuckDB type and value identical',
    async (format) => {
      const cwd = await workDir(`types-${format}`);
      await query(everyTypeTable(0), path.join(cwd, 'source.duckdb'));

      const backup = await runFlowFile(cwd, 'backup.json', backupFlow(format));
      expect(backup.status).toBe('succeeded');
      expect(backup.nodes.out).toMatchObject({ read: 3, written: 3, files: 1 });
      const restore = await runFlowFile(cwd, 'restore.json', restoreFlow(format));
      expect(restore.status).toBe('succeeded');
      expect(restore.nodes.table).toMatchObject({ read: 3, written: 3, rejected: 0 });

      const types = (file: string, table: string) =>
        query(
          `select column_name, data_type from information_schema.columns where table_name = '${table}' order by ordinal_position`,
          file,
        );
      expect(await types(path.join(cwd, 'restored.duckdb'), tableOf(format))).toEqual(
        await types(path.join(cwd, 'source.duckdb'), 'everything'),
      );
      const [restored] = await query(checksum(tableOf(format)), path.join(cwd, 'restored.duckdb'));
      const [original] = await query(checksum('everything'), path.join(cwd, 'source.duckdb'));
      expect(restored).toEqual(original);
      const rows = await query(
        `attach '${path.join(cwd, 'source.duckdb')}' as a (read_only); attach '${path.join(cwd, 'restored.duckdb')}' as b (read_only);
       select count(*)::integer as differing from (
         (select * from a.everything except all select * from b.${tableOf(format)})
         union all (select * from b.${tableOf(format)} except all select * from a.everything))`,
      );
      expect(rows).toEqual([{ differing: 0 }]);
    },
  );
});
