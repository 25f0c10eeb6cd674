/** An encryptionKey taken from the environment never shows in what a run leaves behind. */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import { chainFlow, createBucket, download, manifestName, sandboxAccess } from './gcs-support.ts';
import { everyTypeTable, query, spawnCliWithEnv, workDir } from './support.ts';

const bucketName = 'secrets';
const keyVariable = 'BACKFLOW_TEST_GCS_SECRET_KEY';
/** The spellings a leak would take: as is, JSON-escaped, base64, URL-encoded. */
const key = 'n0t-in-the-logs "quoted" ünïcode/+= key';
const spellings = [key, JSON.stringify(key).slice(1, -1), Buffer.from(key).toString('base64'), encodeURIComponent(key)];

let sandbox: GcsSandbox;

beforeAll(async () => {
  sandbox = await startGcsSandbox({ port: 0 });
});

afterAll(async () => {
  await sandbox?.close();
});

function hits(text: string): string[] {
  return spellings.filter((spelling) => text.includes(spelling));
}

/** Runs a flow file with the CLI, the key in its environment, and returns what it printed and its log lines. */
async function runWithKey(cwd: string, file: string, flow: unknown) {
  await writeFile(path.join(cwd, file), JSON.stringify(flow));
  const run = await spawnCliWithEnv(['run', file, '--json'], cwd, { [keyVariable]: key }).done;
  expect(run.stderr).toBe('');
  const summary = JSON.parse(run.stdout);
  const logs = await spawnCliWithEnv(['logs', summary.runId], cwd).done;
  expect(logs.code).toBe(0);
  return { summary, printed: run.stdout + run.stderr, logs: logs.stdout + logs.stderr };
}

describe('secrets of GCS nodes', () => {
  it('the encryptionKey is in none of: summaries, run logs, manifest, object metadata', async () => {
    const cwd = await workDir('gcs-secrets');
    await query(everyTypeTable(100), path.join(cwd, 'source.duckdb'));
    const bucket = await createBucket(sandbox, bucketName);
    const gcs = { bucket: bucketName, ...sandboxAccess(sandbox), encryptionKey: `\${env:${keyVariable}}` };

    const backup = await runWithKey(
      cwd,
      'backup.json',
      chainFlow('gcs-secrets', [
        { id: 'source', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'everything', key: 'id' } },
        { id: 'fmt', type: 'csv.format', config: { gzip: true } },
        { id: 'out', type: 'gcs.destination', config: { ...gcs, prefix: 'backups/{flow}/{runId}' } },
      ]),
    );
    expect(backup.summary.status).toBe('succeeded');
    const restoreFlow = chainFlow('gcs-secrets-restore', [
      { id: 'backup', type: 'gcs.source', config: { ...gcs, prefix: 'backups/gcs-secrets', backup: 'latest' } },
      { id: 'parse', type: 'csv.parse', config: {} },
      { id: 'table', type: 'duckdb.destination', config: { path: 'restored.duckdb', table: 'everything' } },
    ]);
    const restore = await runWithKey(cwd, 'restore.json', {
      ...restoreFlow,
      edges: [restoreFlow.edges[0]!, { from: 'parse:records', to: 'table' }],
    });
    expect(restore.summary.status).toBe('succeeded');
    expect(restore.summary.nodes.table).toMatchObject({ written: 103, rejected: 0 });

    // The key was used (the part is encrypted) and the logs say what happened, so their silence on it means something.
    const location = `backups/gcs-secrets/${backup.summary.runId}`;
    const manifest = (await download(bucket, `${location}/${manifestName}`)).toString('utf8');
    expect(JSON.parse(manifest).encryption).toBeDefined();
    expect((await download(bucket, `${location}/everything/part-00001.csv.gz`)).subarray(0, 4).toString()).toBe('BFE1');
    expect(backup.logs).toContain('run succeeded');
    expect(restore.logs).toContain(`restoring backup ${backup.summary.runId} of gcs-secrets`);

    const [files] = await bucket.getFiles({ prefix: `${location}/` });
    expect(files).toHaveLength(2);
    const metadata = JSON.stringify(files.map((file) => file.metadata));
    expect({
      backupSummary: hits(backup.printed),
      backupLogs: hits(backup.logs),
      restoreSummary: hits(restore.printed),
      restoreLogs: hits(restore.logs),
      manifest: hits(manifest),
      metadata: hits(metadata),
    }).toEqual({ backupSummary: [], backupLogs: [], restoreSummary: [], restoreLogs: [], manifest: [], metadata: [] });
  });
});
