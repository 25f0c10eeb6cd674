/**
 * kill -9 of a CLI backup to GCS mid-upload, then `--resume`: checkpointed parts are not uploaded
 * again, the manifest lists each part once, nothing stray is left, and the backup is exact.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Bucket } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ManifestFile } from '../../server/src/node-kit/manifest.ts';
import { StateStore } from '../../server/src/store/state-store.ts';
import { type GcsSandbox, startGcsSandbox } from '../sandboxes/gcs/server.ts';
import {
  chainFlow,
  createBucket,
  manifestName,
  objectsUnder,
  readBackupManifest,
  runInProcess,
  sandboxAccess,
} from './gcs-support.ts';
import { createOrders, expectExactBackup } from './orders-backup.ts';
import { runCli, spawnCli, workDir } from './support.ts';

const rows = 2_000_000;
const rowsPerFile = 200_000;
const bucketName = 'kill-resume';
const flowName = 'gcs-kill-resume';

/** The sandbox lives in this process, so it outlives the CLI it serves. */
let sandbox: GcsSandbox;
let bucket: Bucket;

beforeAll(async () => {
  sandbox = await startGcsSandbox({ port: 0 });
  bucket = await createBucket(sandbox, bucketName);
});

afterAll(async () => {
  await sandbox?.close();
});

/**
 * Polls the bucket until `count` parts of one backup are objects (an object exists only once its
 * upload is finalized) and returns that backup's prefix. Parts are uploaded one after the other
 * and a checkpoint is saved after each, so once the second one is there the first is checkpointed.
 * The test timeout bounds the wait: the sandbox holds the upload after them, so they come or the
 * run failed.
 */
async function partsUploaded(count: number, cli: ReturnType<typeof spawnCli>): Promise<string> {
  for (;;) {
    const parts = (await objectsUnder(bucket, `backups/${flowName}/`)).filter((o) => /\/part-\d{5}\./.test(o.name));
    if (parts.length >= count) return parts[0]!.name.split('/').slice(0, 3).join('/');
    if (cli.child.exitCode !== null) {
      throw new Error(`the backup ended before ${count} parts were uploaded: ${(await cli.done).stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The parts the run's last checkpoint says gcs.destination has uploaded (read once the CLI is dead). */
async function checkpointedParts(cwd: string, runId: string): Promise<string[]> {
  const store = await StateStore.open(path.join(cwd, '.backflow'));
  try {
    const checkpoints = await store.loadCheckpoints(runId);
    const state = checkpoints.find((c) => c.sourceId === 'orders')?.states.out as { files: ManifestFile[] } | undefined;
    return (state?.files ?? []).map((file) => file.name).sort();
  } finally {
    await store.close();
  }
}

describe('kill -9 during a backup to GCS, then --resume', () => {
  it('keeps the checkpointed parts, lists every part once, leaves nothing stray and holds every row once', async () => {
    const cwd = await workDir('gcs-kill');
    const orders = await createOrders(path.join(cwd, 'source.duckdb'), rows);
    const flow = chainFlow(flowName, [
      { id: 'orders', type: 'duckdb.source', config: { path: 'source.duckdb', table: 'orders', key: 'order_id' } },
      { id: 'fmt', type: 'csv.format', config: { rowsPerFile, gzip: true } },
      {
        id: 'out',
        type: 'gcs.destination',
        config: { bucket: bucketName, prefix: 'backups/{flow}/{runId}', ...sandboxAccess(sandbox) },
      },
    ]);
    await writeFile(path.join(cwd, 'flow.json'), JSON.stringify(flow));

    // The third part's upload is held: the backup stays mid-run however slow or fast the machine.
    sandbox.faults.holdUploadsOf = 'part-00003';
    const first = spawnCli(['run', 'flow.json', '--json'], cwd);
    const location = await partsUploaded(2, first);
    first.child.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    sandbox.faults.holdUploadsOf = undefined;
    const runId = location.split('/').at(-1)!;
    const beforeResume = await objectsUnder(bucket, `${location}/`);
    expect(beforeResume.map((o) => o.name)).not.toContain(`${location}/${manifestName}`);
    expect(beforeResume.length).toBeLessThan(rows / rowsPerFile);
    const checkpointed = await checkpointedParts(cwd, runId);
    expect(checkpointed).toContain('orders/part-00001.csv.gz');
    const generations = new Map(beforeResume.map((o) => [o.name, o.generation]));

    const resumed = await runCli(['run', 'flow.json', '--resume', '--json'], cwd);
    expect(resumed.stderr).toBe('');
    expect(resumed.code).toBe(0);
    const summary = JSON.parse(resumed.stdout);
    expect(summary).toMatchObject({ runId, status: 'succeeded', resumed: true });
    expect(summary.nodes.out).toMatchObject({ read: rows, written: rows, rejected: 0 });

    const afterResume = await objectsUnder(bucket, `${location}/`);
    // The checkpointed parts were not uploaded again: same object generation.
    for (const name of checkpointed) {
      const object = `${location}/${name}`;
      expect({ object, generation: afterResume.find((o) => o.name === object)?.generation }).toEqual({
        object,
        generation: generations.get(object),
      });
    }
    const manifest = await readBackupManifest(bucket, location);
    expect(manifest).toMatchObject({ complete: true, flow: flowName, runId, rows });
    const names = manifest.files.map((file) => file.name);
    expect(names).toEqual(
      Array.from({ length: rows / rowsPerFile }, (_, i) => `orders/part-${String(i + 1).padStart(5, '0')}.csv.gz`),
    );
    // Nothing under the backup's prefix that the manifest does not list.
    expect(afterResume.map((o) => o.name)).toEqual(
      [...names, manifestName].map((name) => `${location}/${name}`).sort((a, b) => a.localeCompare(b)),
    );

    // Restored through gcs.source (each part checked against its sha256) into a directory.
    const restore = await runInProcess(
      cwd,
      chainFlow(`${flowName}-restore`, [
        {
          id: 'backup',
          type: 'gcs.source',
          config: { bucket: bucketName, prefix: `backups/${flowName}`, backup: runId, ...sandboxAccess(sandbox) },
        },
        { id: 'files', type: 'files.destination', config: { dir: 'restored' } },
      ]),
    );
    expect(restore.error).toBeUndefined();
    await expectExactBackup(path.join(cwd, 'restored'), orders, rowsPerFile);
  }, 180_000);
});
