/**
 * A restore from GCS that cannot be trusted fails and applies nothing: a wrong or missing
 * encryption key, a part overwritten behind Backflow's back (plaintext or ciphertext).
 */
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Bucket } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import {
  type BackupManifest,
  chainFlow,
  createBucket,
  download,
  readBackupManifest,
  runInProcess,
  sandboxAccess,
} from './gcs-support.ts';
import { everyTypeTable, query, workDir } from './support.ts';

const bucketName = 'restore-failures';
const rows = 3 + 3000;
const rowsPerFile = 1000;
const keyVariable = 'BACKFLOW_TEST_GCS_FAILURES_KEY';
const wrongKeyVariable = 'BACKFLOW_TEST_GCS_FAILURES_WRONG_KEY';
const keyRef = (variable: string) => `\${env:${variable}}`;

let sandbox: GcsSandbox;
let bucket: Bucket;
let cwd: string;
/** The two backups every test restores (or tampers with a copy of): flow name → manifest. */
const backups = new Map<string, BackupManifest & { location: string }>();

async function backUp(name: string, encrypted: boolean): Promise<void> {
  const flow = chainFlow(name, [
    { id: 'source', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'everything', key: 'id' } },
    { id: 'fmt', type: 'csv.format', config: { gzip: true, rowsPerFile } },
    {
      id: 'out',
      type: 'gcs.destination',
      config: {
        bucket: bucketName,
        prefix: 'backups/{flow}/{runId}',
        ...sandboxAccess(sandbox),
        ...(encrypted ? { encryptionKey: keyRef(keyVariable) } : {}),
      },
    },
  ]);
  const summary = await runInProcess(cwd, flow);
  expect(summary.error).toBeUndefined();
  const location = `backups/${name}/${summary.runId}`;
  const manifest = await readBackupManifest(bucket, location);
  expect(manifest.files.map((file) => file.name)).toEqual([
    'everything/part-00001.csv.gz',
    'everything/part-00002.csv.gz',
    'everything/part-00003.csv.gz',
    'everything/part-00004.csv.gz',
  ]);
  expect(Boolean(manifest.encryption)).toBe(encrypted);
  backups.set(name, { ...manifest, location });
}

beforeAll(async () => {
  process.env[keyVariable] = 'the right key, long enough';
  process.env[wrongKeyVariable] = 'the wrong key, long enough';
  sandbox = await startGcsSandbox({ port: 0 });
  bucket = await createBucket(sandbox, bucketName);
  cwd = await workDir('gcs-restore-failures');
  await query(everyTypeTable(rows - 3), path.join(cwd, 'source.duckdb'));
  await backUp('plain', false);
  await backUp('encrypted', true);
});

afterAll(async () => {
  delete process.env[keyVariable];
  delete process.env[wrongKeyVariable];
  await sandbox?.close();
});

/** A restore of the backups of `backupFlow` into a table that already holds one row, replaced only on success. */
async function restore(backupFlow: string, encryptionKey: string | undefined, table: string) {
  const database = path.join(cwd, 'restored.duckdb');
  await query(`create table ${table} as select 'before the restore' as marker`, database);
  const flow = chainFlow(`restore-${table}`, [
    {
      id: 'backup',
      type: 'gcs.source',
      config: {
        bucket: bucketName,
        prefix: `backups/${backupFlow}`,
        backup: 'latest',
        ...sandboxAccess(sandbox),
        ...(encryptionKey ? { encryptionKey } : {}),
      },
    },
    { id: 'parse', type: 'csv.parse', config: {} },
    { id: 'table', type: 'duckdb.destination', config: { path: 'restored.duckdb', table, mode: 'replace' } },
  ]);
  const summary = await runInProcess(cwd, { ...flow, edges: [flow.edges[0]!, { from: 'parse:records', to: 'table' }] });
  const contents = await query(`select * from ${table}`, database);
  return { summary, contents };
}

/** Overwrites a part of a backup with other bytes, through the raw client. */
async function tamper(backupFlow: string, part: number, change: (stored: Buffer) => Buffer): Promise<string> {
  const backup = backups.get(backupFlow)!;
  const name = backup.files[part - 1]!.name;
  const object = `${backup.location}/${name}`;
  const original = await download(bucket, object);
  await bucket.file(object).save(change(original), { resumable: false });
  return name;
}

describe('restoring from GCS refuses what it cannot trust', () => {
  it('a wrong encryptionKey fails the run with decryption_failed and leaves the table as it was', async () => {
    const { summary, contents } = await restore('encrypted', keyRef(wrongKeyVariable), 'wrong_key');
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'decryption_failed' });
    expect(summary.error!.message).toContain('everything/part-00001.csv.gz: cannot decrypt');
    expect(summary.nodes.table?.written).toBe(0);
    expect(contents).toEqual([{ marker: 'before the restore' }]);
  });

  it('an encrypted backup restored without encryptionKey is a config error naming config.encryptionKey', async () => {
    const { summary, contents } = await restore('encrypted', undefined, 'no_key');
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({
      code: 'config_invalid',
      nodeId: 'backup',
      details: [{ path: 'config.encryptionKey', message: 'required to restore an encrypted backup' }],
    });
    expect(summary.nodes.backup?.read).toBe(0);
    expect(contents).toEqual([{ marker: 'before the restore' }]);
  });

  // Runs after the tests above: it overwrites a part of the plain backup for good.
  it('a part replaced by another valid CSV.gz fails on its sha256, naming it; earlier parts are not applied', async () => {
    const part = await tamper('plain', 3, () => gzipSync('id,text\n4,"not the backed-up row"\n'));
    const { summary, contents } = await restore('plain', undefined, 'tampered_plain');
    expect(summary.status).toBe('failed');
    expect(summary.error?.code).toBe('source_failed');
    expect(summary.error!.message).toMatch(new RegExp(`${part}: sha256 [0-9a-f]{64} does not match the manifest's`));
    // Parts 1 and 2 were parsed and staged before part 3 failed; none of it reached the table.
    expect(summary.nodes.parse?.read).toBeGreaterThanOrEqual(2 * rowsPerFile);
    expect(contents).toEqual([{ marker: 'before the restore' }]);
  });

  it('an encrypted part with one byte flipped fails with decryption_failed naming the part', async () => {
    const part = await tamper('encrypted', 2, (stored) => {
      const changed = Buffer.from(stored);
      changed[changed.length >> 1]! ^= 0x01;
      return changed;
    });
    const { summary, contents } = await restore('encrypted', keyRef(keyVariable), 'tampered_encrypted');
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatchObject({ code: 'decryption_failed' });
    expect(summary.error!.message).toContain(`${part}: cannot decrypt: segment`);
    expect(contents).toEqual([{ marker: 'before the restore' }]);
  });
});
