/**
 * Backup to GCS → restore from GCS keeps every DuckDB type and value: plain, encrypted, and through
 * an upload the sandbox keeps failing (503s and a connection cut mid-chunk).
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { gunzipSync } from 'node:zlib';
import type { Bucket } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decryptStream } from '../../server/src/connectors/gcs/encryption.ts';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import {
  chainFlow,
  checksumSql,
  columnTypesSql,
  createBucket,
  differingRowsSql,
  download,
  readBackupManifest,
  runInProcess,
  sandboxAccess,
} from './gcs-support.ts';
import { everyTypeTable, query, shortenRetryWaits, sqlString, workDir } from './support.ts';

type Format = 'csv' | 'parquet';
type Variant = 'plain' | 'encrypted' | 'faulty';

const chunkSize = 262_144;
/** Enough high-entropy rows that each part (CSV.gz about 1.5 MB, Parquet about 1.3 MB) needs several chunks. */
const generatedRows = 20_000;
const keyVariable = 'BACKFLOW_TEST_GCS_ROUND_TRIP_KEY';
/** A cell value of the table, as it appears in the plaintext of a part. */
const knownValue = 'newline Zoë 🚀';

let sandbox: GcsSandbox;

/** Seed of the sandbox's fault sequence: 3 faults per backup here (the cut and two 503s). */
const faultSeed = 4;

async function setFaults(patch: Record<string, unknown>): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(patch) });
  expect(response.status).toBe(200);
}

beforeAll(async () => {
  sandbox = await startGcsSandbox({ port: 0 });
  process.env[keyVariable] = 'correct horse battery staple, round trip';
});

afterAll(async () => {
  delete process.env[keyVariable];
  await sandbox?.close();
});

function backupFlow(name: string, bucket: string, format: Format, variant: Variant) {
  return chainFlow(name, [
    { id: 'source', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'everything', key: 'id' } },
    format === 'csv'
      ? { id: 'fmt', type: 'csv.format', config: { gzip: true } }
      : { id: 'fmt', type: 'parquet.format', config: {} },
    {
      id: 'out',
      type: 'gcs.destination',
      config: {
        bucket,
        prefix: 'backups/{flow}/{runId}',
        chunkSize,
        ...sandboxAccess(sandbox),
        ...(variant === 'encrypted' ? { encryptionKey: `\${env:${keyVariable}}` } : {}),
      },
    },
  ]);
}

/**
 * CSV goes back into a table through csv.parse and duckdb.destination (the manifest's column types
 * recreate the table). There is no Parquet parser node: Parquet parts are restored as files
 * (files.destination) and DuckDB reads them into the table.
 */
function restoreFlow(backupName: string, bucket: string, format: Format, variant: Variant) {
  const source = {
    id: 'backup',
    type: 'gcs.source',
    config: {
      bucket,
      prefix: `backups/${backupName}`,
      backup: 'latest',
      ...sandboxAccess(sandbox),
      ...(variant === 'encrypted' ? { encryptionKey: `\${env:${keyVariable}}` } : {}),
    },
  };
  if (format === 'parquet') {
    return chainFlow(`${backupName}-restore`, [
      source,
      { id: 'files', type: 'files.destination', config: { dir: 'restored-parquet' } },
    ]);
  }
  const flow = chainFlow(`${backupName}-restore`, [
    source,
    { id: 'parse', type: 'csv.parse', config: {} },
    { id: 'table', type: 'duckdb.destination', config: { path: 'restored.duckdb', table: 'everything' } },
  ]);
  return { ...flow, edges: [flow.edges[0]!, { from: 'parse:records', to: 'table' }] };
}

async function loadRestoredParquet(cwd: string): Promise<void> {
  const dir = path.join(cwd, 'restored-parquet');
  const parts = (await readdir(dir, { recursive: true })).filter((name) => name.endsWith('.parquet')).sort();
  expect(parts.length).toBeGreaterThan(0);
  const list = parts.map((part) => sqlString(path.join(dir, part))).join(', ');
  await query(`create table everything as select * from read_parquet([${list}])`, path.join(cwd, 'restored.duckdb'));
}

/** The stored part is ciphertext of the plaintext the manifest describes, and shows none of it. */
async function expectEncryptedPart(bucket: Bucket, location: string, format: Format): Promise<void> {
  const manifest = await readBackupManifest(bucket, location);
  expect(manifest.encryption).toMatchObject({ algorithm: 'aes-256-gcm', format: 'backflow-segmented/1' });
  const part = manifest.files[0]!;
  const stored = await download(bucket, `${location}/${part.name}`);
  expect(stored.subarray(0, 4).toString('latin1')).toBe('BFE1');
  expect(stored.length).toBe(part.storedBytes);

  const plain = await buffer(Readable.from([stored]).pipe(decryptStream(process.env[keyVariable]!, part.name)));
  expect(plain.length).toBe(part.bytes);
  const text = format === 'csv' ? gunzipSync(plain) : plain;
  // The value is there to find in the plaintext, so its absence from the stored object means something.
  expect(text.includes(knownValue)).toBe(true);
  expect(stored.includes(knownValue)).toBe(false);
  expect(stored.includes(plain.subarray(plain.length >> 1, (plain.length >> 1) + 64))).toBe(false);
}

describe('GCS backup → restore round trip', () => {
  const cases = (['plain', 'encrypted', 'faulty'] as const).flatMap((variant) =>
    (['csv', 'parquet'] as const).map((format): [Format, Variant] => [format, variant]),
  );

  it.each(cases)('%s, %s: every DuckDB type and value comes back identical', async (format, variant) => {
    const cwd = await workDir(`gcs-types-${format}-${variant}`);
    const source = path.join(cwd, 'source.duckdb');
    const restored = path.join(cwd, 'restored.duckdb');
    await query(everyTypeTable(generatedRows), source);
    const bucketName = `types-${format}-${variant}`;
    const bucket = await createBucket(sandbox, bucketName);
    const name = `gcs-types-${format}-${variant}`;
    const rows = generatedRows + 3;

    const faultedBefore = sandbox.stats.faulted;
    // One in five requests answers 503 and one chunk request is cut after 100 kB (mid-chunk); a
    // posted seed restarts its sequence, so each case sees the same faults whatever ran before.
    if (variant === 'faulty') {
      shortenRetryWaits(); // the waits a hundredth as long; the faults and their retries the same
      await setFaults({ errorRate: 0.2, seed: faultSeed, cutUploadAfterBytes: 100_000 });
    }
    let cutStillArmed: number | undefined;
    const backup = await runInProcess(cwd, backupFlow(name, bucketName, format, variant)).finally(async () => {
      cutStillArmed = sandbox.faults.cutUploadAfterBytes;
      await setFaults({ errorRate: 0, cutUploadAfterBytes: null });
    });
    expect(backup.error).toBeUndefined();
    expect(backup.status).toBe('succeeded');
    expect(backup.nodes.out).toMatchObject({ read: rows, written: rows, files: 1 });
    const location = `backups/${name}/${backup.runId}`;
    const manifest = await readBackupManifest(bucket, location);
    expect(manifest).toMatchObject({ complete: true, flow: name, runId: backup.runId, rows });
    expect(manifest.files[0]!.storedBytes ?? manifest.files[0]!.bytes).toBeGreaterThan(3 * chunkSize);
    if (variant === 'encrypted') await expectEncryptedPart(bucket, location, format);
    else expect(manifest.encryption).toBeUndefined();
    if (variant === 'faulty') {
      expect(sandbox.stats.faulted - faultedBefore).toBeGreaterThan(1);
      expect(cutStillArmed).toBeUndefined(); // the cut happened: it disarms itself
    }

    const restore = await runInProcess(cwd, restoreFlow(name, bucketName, format, variant));
    expect(restore.error).toBeUndefined();
    expect(restore.status).toBe('succeeded');
    if (format === 'parquet') await loadRestoredParquet(cwd);
    else expect(restore.nodes.table).toMatchObject({ read: rows, written: rows, rejected: 0 });

    expect(await query(columnTypesSql('everything'), restored)).toEqual(
      await query(columnTypesSql('everything'), source),
    );
    const [original] = await query(checksumSql('everything'), source);
    expect(original!.n).toBe(String(rows));
    expect(await query(checksumSql('everything'), restored)).toEqual([original]);
    const differing = await query(
      `attach ${sqlString(source)} as a (read_only); attach ${sqlString(restored)} as b (read_only);
       ${differingRowsSql('a.everything', 'b.everything')}`,
    );
    expect(differing).toEqual([{ differing: 0 }]);
  });
});
